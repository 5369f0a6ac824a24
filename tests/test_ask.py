"""`tui-chat ask` as a black box against the loopback replay server: its `main` run in
this process with a private environment and pipes, and as the real subprocess where the
process boundary matters (piped stdin, the installed entry point)."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_runner import cli_env, run_cli, run_main
from tests.helpers import saved
from tests.replay_server import ReplayServer, load_cases, text_case
from tui.cli.ask import Printer, new_exchange, run_ask
from tui.config import load_config
from tui.providers.retry import RetryPolicy
from tui.store import ConversationStore

CASES = load_cases()
COMPARED = (
    "text",
    "reasoning",
    "refusal",
    "finish_reason",
    "raw_finish_reason",
    "usage",
    "cost_usd",
    "tool_calls",
    "error",
)


def provider_args(server: ReplayServer, name: str) -> list[str]:
    kind = CASES[name].expected["provider"]
    url = server.url(name, openai=kind == "openai")
    return ["--provider", kind, "--base-url", url, "--model", "m"]


def check_result(name: str, stdout: str, status: int) -> None:
    lines = [json.loads(line) for line in stdout.splitlines()]
    result = lines[-1]
    assert result["type"] == "result"
    expected = CASES[name].expected
    assert {k: result[k] for k in COMPARED} == {k: expected[k] for k in COMPARED}
    assert "".join(e["text"] for e in lines if e["type"] == "text") == expected["text"]
    assert "".join(e["text"] for e in lines if e["type"] == "reasoning") == expected["reasoning"]
    assert status == (1 if expected["finish_reason"] == "error" else 0)


def check_saved(name: str, home: Path) -> None:
    """The exchange is saved, partial replies included."""
    (conv,) = saved(home, "tui-data")
    user, reply = conv["messages"]
    assert user["content"] == "hi"
    assert reply["content"] == CASES[name].expected["text"]
    assert reply["finish_reason"] == CASES[name].expected["finish_reason"]
    usage = CASES[name].expected["usage"]
    for key in ("input_tokens", "cached_input_tokens", "cache_write_tokens"):
        assert reply.get(key) == usage[key]  # absent from the file when None
    assert reply.get("cost_usd") == CASES[name].expected["cost_usd"]


@pytest.mark.parametrize("name", sorted(CASES))
async def test_engine_result_matches_fixture(
    replay: ReplayServer, tmp_path: Path, name: str
) -> None:
    """Every case through the same code `tui-chat ask --json` runs, in this process."""
    config = load_config(tmp_path / "none.toml", tmp_path / "tui-data", environ={})
    kind = CASES[name].expected["provider"]
    provider = config.provider(kind, model="m", base_url=replay.url(name, openai=kind == "openai"))
    out, err = io.StringIO(), io.StringIO()
    conv = new_exchange(provider, "hi", system=None)
    store = ConversationStore(config.data_dir)
    # The 429 cases would be retried once after their retry-after; that is tested apart.
    status = await run_ask(
        config, provider, conv, Printer(out, err, as_json=True), store, RetryPolicy(attempts=0)
    )
    check_result(name, out.getvalue(), status)
    check_saved(name, tmp_path)
    if CASES[name].expected["error"]:
        assert "error: " in err.getvalue()


@pytest.mark.parametrize(
    "name",
    [
        "openai_include_usage",
        "anthropic_thinking_text",
        "openai_connection_drop",
        "anthropic_overloaded_midstream",
        "openai_http_401",
    ],
)
async def test_cli_json_result_matches_fixture(
    replay: ReplayServer, tmp_path: Path, name: str
) -> None:
    """The black-box contract: the command's `main`, its environment and pipes."""
    run = await run_main("ask", *provider_args(replay, name), "--json", "hi", env=cli_env(tmp_path))
    check_result(name, run.stdout, run.status)
    check_saved(name, tmp_path)
    assert "Traceback" not in run.stderr


async def test_the_command_keeps_its_contract_as_a_process_of_its_own(
    replay: ReplayServer, tmp_path: Path
) -> None:
    """The same as the real `python -m tui` subprocess: its output, exit status, files."""
    name = "openai_include_usage"
    run = await run_cli("ask", *provider_args(replay, name), "--json", "hi", env=cli_env(tmp_path))
    check_result(name, run.stdout, run.status)
    check_saved(name, tmp_path)
    assert "Traceback" not in run.stderr


async def test_a_reply_loads_no_typed_resource_of_the_sdk(
    replay: ReplayServer, tmp_path: Path
) -> None:
    """The request goes through the client's low-level post: the chat.completions
    resource and its typed models (45 ms of the command's start) are never imported."""
    env = cli_env(tmp_path, PYTHONPROFILEIMPORTTIME="1")
    run = await run_cli("ask", *provider_args(replay, "openai_include_usage"), "hi", env=env)
    imported = [line.rsplit("|", 1)[-1].strip() for line in run.stderr.splitlines()]
    assert run.status == 0
    assert "openai._client" in imported
    assert not [name for name in imported if name.startswith("openai.resources.chat")]


def read_one_byte_and_go(command: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run `command` as `command | head -c 1` would: read one byte of its stdout, close
    the pipe, and return its exit status and stderr."""
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env
    )
    assert proc.stdout is not None
    assert proc.stderr is not None
    assert proc.stdout.read(1)
    proc.stdout.close()
    err = proc.stderr.read().decode("utf-8")
    return proc.wait(60), err


async def test_a_reader_that_goes_away_ends_it_quietly_with_141(tmp_path: Path) -> None:
    # Far more than a pipe holds, so that writes go on after the reader has left.
    server = ReplayServer({"long": text_case("long", ["streamed words "] * 20_000)})
    await server.start()
    try:
        url = server.url("long", openai=True)
        command = [sys.executable, "-m", "tui", "ask", "--no-save", "--provider", "openai"]
        command += ["--base-url", url, "--model", "m", "hi"]
        status, err = await asyncio.to_thread(read_one_byte_and_go, command, cli_env(tmp_path))
    finally:
        await server.stop()
    assert status == 141
    assert err == ""  # no traceback from streams closed at exit, after their HTTP client


async def test_rate_limit_is_retried_once_visibly(replay: ReplayServer, tmp_path: Path) -> None:
    waited: list[float] = []

    async def no_wait(seconds: float) -> None:  # the retry's wait, on no real clock
        waited.append(seconds)

    config = load_config(tmp_path / "none.toml", tmp_path / "data", environ={})
    provider = config.provider("openai", base_url=replay.url("openai_http_429", openai=True))
    conv = new_exchange(provider, "hi", system=None)
    out, err = io.StringIO(), io.StringIO()
    status = await run_ask(
        config, provider, conv, Printer(out, err, as_json=True), None, sleep=no_wait
    )
    check_result("openai_http_429", out.getvalue(), status)
    assert waited == [1.0]  # the retry-after the server asked for
    assert len(replay.requests) == 2  # one retry, not the SDK's two on top
    assert "Retrying in 1 s (attempt 1)" in err.getvalue()
    assert "rate limited (HTTP 429)" in err.getvalue()


async def test_plain_output_streams_text_and_reports_on_stderr(
    replay: ReplayServer, tmp_path: Path
) -> None:
    run = await run_main(
        "ask", *provider_args(replay, "openai_include_usage"), "hi", env=cli_env(tmp_path)
    )
    assert run.status == 0
    assert run.stdout == CASES["openai_include_usage"].expected["text"] + "\n"
    usage = CASES["openai_include_usage"].expected["usage"]
    assert f"{usage['input_tokens']} in / {usage['output_tokens']} out tokens" in run.stderr
    assert "[stop]" in run.stderr


async def test_length_is_reported_as_cut_off(replay: ReplayServer, tmp_path: Path) -> None:
    run = await run_main(
        "ask", *provider_args(replay, "openai_finish_length"), "hi", env=cli_env(tmp_path)
    )
    assert run.status == 0
    assert "cut off at max tokens" in run.stderr


async def test_auth_error_names_the_key_variable(replay: ReplayServer, tmp_path: Path) -> None:
    run = await run_main(
        "ask", *provider_args(replay, "anthropic_http_401"), "hi", env=cli_env(tmp_path)
    )
    assert run.status == 1
    assert "ANTHROPIC_API_KEY" in run.stderr
    assert "Traceback" not in run.stderr


async def test_piped_stdin_is_joined_with_the_prompt(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    (tmp_path / "config.toml").write_text("[providers.offline]\nchunk_delay = 0\n")
    # A real pipe on stdin: what `isatty()` says of it is the point.
    run = await run_cli("ask", "summarise this", env=env, stdin=b"line one\nline two\n")
    assert run.status == 0
    (conv,) = saved(tmp_path, "tui-data")
    assert conv["messages"][0]["content"] == "line one\nline two\n\nsummarise this"
    assert "on 4 lines" in run.stdout


async def test_offline_answers_with_no_key_and_no_config(tmp_path: Path) -> None:
    run = await run_main("ask", "hi", "there", env=cli_env(tmp_path))
    assert run.status == 0
    assert "OPENAI_API_KEY" in run.stdout  # it says how to add a real provider
    assert "“hi there”" in run.stdout  # and echoes the message
    assert "[stop]" in run.stderr
    (conv,) = saved(tmp_path, "tui-data")
    assert conv["conversation"]["provider"] == "offline"
    assert conv["messages"][1]["finish_reason"] == "stop"


async def test_no_save_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("[providers.offline]\nchunk_delay = 0\n")
    run = await run_main("ask", "--no-save", "hi", env=cli_env(tmp_path))
    assert run.status == 0
    assert not (tmp_path / "tui-data").exists()


async def test_missing_key_fails_before_any_request(tmp_path: Path) -> None:
    run = await run_main("ask", "--provider", "openai", "hi", env=cli_env(tmp_path))
    assert run.status == 1
    assert "OPENAI_API_KEY" in run.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--provider", "nope", "hi"], "no provider named 'nope'"),
        ([], "give a prompt"),
        (["--bogus", "hi"], "unrecognized arguments"),
    ],
)
async def test_bad_usage_exits_2(tmp_path: Path, args: list[str], message: str) -> None:
    run = await run_main("ask", *args, env=cli_env(tmp_path))
    assert run.status == 2
    assert message in run.stderr


async def test_bad_config_is_one_clear_paragraph(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('[providers.x]\nkind = "openai"\nmodel = 3\n')
    run = await run_main("ask", "hi", env=cli_env(tmp_path))
    assert run.status == 2
    assert str(tmp_path / "config.toml") in run.stderr
    assert "line 3" in run.stderr
    assert "'model' in [providers.x] must be a string" in run.stderr
    assert "Traceback" not in run.stderr


async def test_connection_refused_names_the_url(tmp_path: Path) -> None:
    url = "http://127.0.0.1:9/v1"  # the discard port: nothing listens there
    run = await run_main(
        "ask", "--provider", "ollama", "--base-url", url, "hi", env=cli_env(tmp_path)
    )
    assert run.status == 1
    assert url in run.stderr
    assert "Is Ollama running?" in run.stderr
