"""`tui-chat ask --tools`: the scripted tool model on 127.0.0.1 and real MCP servers
(the suite's toolbox over HTTP; over stdio where a server fails to start beside it),
through the command line and `run_ask`."""

from __future__ import annotations

import asyncio
import io
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from tests.cli_runner import Run, cli_env, run_main
from tests.helpers import saved
from tests.mcp_helpers import http_box, missing_program_config, toolbox_config
from tests.tool_model import ToolModelServer
from tests.tools_app import server_table
from tui.cli.ask import Printer, new_exchange, run_ask
from tui.cli.ask_tools import TerminalApprover, open_tty
from tui.config import McpServerConfig, load_config


@pytest.fixture
async def model() -> Any:
    server = ToolModelServer()
    await server.start()
    yield server
    await server.stop()


def write_config(
    home: Path, model: ToolModelServer, servers: list[McpServerConfig], **top: Any
) -> dict[str, str]:
    config = {
        **top,
        "providers": {
            "tm": {"kind": "openai", "base_url": model.url(openai=True), "model": "tool-model"}
        },
        "mcp_servers": {s.name: server_table(s) for s in servers},
    }
    (home / "config.toml").write_text(tomli_w.dumps(config), encoding="utf-8")
    return cli_env(home)


def json_lines(run: Run) -> list[dict[str, Any]]:
    return [json.loads(line) for line in run.stdout.splitlines()]


async def test_json_has_a_line_per_call_and_result_and_the_exchange_is_saved(
    tmp_path: Path, model: ToolModelServer, box_url: str
) -> None:
    env = write_config(tmp_path, model, [http_box(box_url, auto_approve=["add"])])
    run = await run_main(
        "ask", "--provider", "tm", "--tools", "--json", 'CALL add {"a": 2, "b": 3}', env=env
    )
    assert run.status == 0, run.stderr
    lines = json_lines(run)
    call = next(line for line in lines if line["type"] == "tool_call")
    result = next(line for line in lines if line["type"] == "tool_result")
    assert call == {
        "type": "tool_call",
        "id": "call_0_0",
        "name": "add",
        "server": "box",
        "arguments": '{"a": 2, "b": 3}',
    }
    assert result == {
        "type": "tool_result",
        "id": "call_0_0",
        "name": "add",
        "text": "5",
        "is_error": False,
    }
    final = lines[-1]
    assert final["type"] == "result"
    assert (final["text"], final["finish_reason"]) == ("RESULT add: 5", "stop")
    (conv,) = saved(tmp_path, "tui-data")
    reply = conv["messages"][1]
    assert reply["content"] == "RESULT add: 5"
    [step] = reply["steps"]
    assert step["calls"][0]["result"] == "5"
    assert step["calls"][0]["server"] == "box"


async def test_without_tools_none_are_offered(
    tmp_path: Path, model: ToolModelServer, box_url: str
) -> None:
    env = write_config(tmp_path, model, [http_box(box_url, auto_approve=["add"])])
    run = await run_main("ask", "--provider", "tm", 'CALL add {"a": 2, "b": 3}', env=env)
    assert run.status == 0
    assert "tools" not in model.requests[-1]
    assert "NO TOOL add OFFERED" in run.stdout


async def test_a_call_with_no_terminal_to_ask_on_is_declined_and_stderr_says_how(
    tmp_path: Path, model: ToolModelServer, box_url: str
) -> None:
    env = write_config(tmp_path, model, [http_box(box_url)])
    # A session of its own: the command has no controlling terminal at all.
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tui",
        "ask",
        "--provider",
        "tm",
        "--tools",
        'CALL echo {"text": "hi"}',
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
        start_new_session=True,
    )
    async with asyncio.timeout(60):
        out, err = await proc.communicate()
    assert proc.returncode == 0
    stderr = err.decode()
    assert "declined box/echo: there is no terminal to ask on" in stderr
    assert "--approve-tools" in stderr
    assert '"echo" to auto_approve' in stderr
    assert "RESULT echo [error]: The user declined" in out.decode()


async def test_the_terminal_answer_decides_and_shows_the_whole_arguments(
    tmp_path: Path, model: ToolModelServer, box_url: str
) -> None:
    env = write_config(tmp_path, model, [http_box(box_url)])
    config = load_config(tmp_path / "config.toml", tmp_path / "data", env)
    provider = config.provider("tm")
    long_text = "word " * 400
    prompt = f'CALL echo {{"text": "{long_text}"}}\nCALL echo {{"text": "again"}}'
    conv = new_exchange(provider, prompt, system=None)
    master, slave = os.openpty()
    os.write(master, b"a\n")  # "always": the second round is not asked about
    out, err = io.StringIO(), io.StringIO()
    try:
        approver = TerminalApprover(err, lambda: open_tty(os.ttyname(slave)))
        status = await run_ask(
            config,
            provider,
            conv,
            Printer(out, err, as_json=False),
            None,
            tool_servers=["box"],
            approver=approver,
        )
        asked = os.read(master, 100_000).decode()
    finally:
        os.close(master)
        os.close(slave)
    assert status == 0
    assert asked.count("Run it? [y] once") == 1
    assert long_text.strip() in asked.replace("\r\n", "\n")
    assert [line.strip() for line in out.getvalue().splitlines()[-2:]] == [
        f"RESULT echo: {long_text.strip()}",
        "RESULT echo: again",
    ]
    assert "[tool result] echo" in err.getvalue()


async def test_a_server_that_cannot_start_is_named_and_the_others_still_work(
    tmp_path: Path, model: ToolModelServer
) -> None:
    servers = [missing_program_config("ghost"), toolbox_config("box", auto_approve=["*"])]
    env = write_config(tmp_path, model, servers)
    run = await run_main("ask", "--provider", "tm", "--tools", 'CALL add {"a": 1, "b": 1}', env=env)
    assert run.status == 0
    assert "MCP server 'ghost' failed:" in run.stderr
    assert "RESULT add: 2" in run.stdout


async def test_the_round_limit_ends_the_reply_as_tool_limit(
    tmp_path: Path, model: ToolModelServer, box_url: str
) -> None:
    servers = [http_box(box_url, auto_approve=["*"])]
    env = write_config(tmp_path, model, servers, max_tool_rounds=2)
    run = await run_main(
        "ask",
        "--provider",
        "tm",
        "--server",
        "box",
        "--json",
        'LOOP add {"a": 1, "b": 2}',
        env=env,
    )
    assert run.status == 0
    lines = json_lines(run)
    assert lines[-1]["finish_reason"] == "tool_limit"
    assert [line["type"] for line in lines].count("tool_result") == 2
    assert "tool_limit: stopped after 2 tool rounds" in run.stderr


async def test_an_unknown_server_name_is_bad_usage(
    tmp_path: Path, model: ToolModelServer, box_url: str
) -> None:
    env = write_config(tmp_path, model, [http_box(box_url)])
    run = await run_main("ask", "--provider", "tm", "--server", "nope", "hi", env=env)
    assert run.status == 2
    assert "no MCP server named 'nope' (box)" in run.stderr


async def test_approve_tools_runs_every_call_without_asking(
    tmp_path: Path, model: ToolModelServer, box_url: str
) -> None:
    env = write_config(tmp_path, model, [http_box(box_url)])
    run = await run_main(
        "ask",
        "--provider",
        "tm",
        "--tools",
        "--approve-tools",
        'CALL echo {"text": "yes"}',
        env=env,
    )
    assert run.status == 0
    assert "declined" not in run.stderr
    assert "RESULT echo: yes" in run.stdout
