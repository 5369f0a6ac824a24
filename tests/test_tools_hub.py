"""The tool hub against real MCP servers: stdio programs and a local HTTP server.

No mocks: the servers are `tests/mcp_servers/toolbox.py` (and a few programs that fail
on purpose). They start once per module (about a second each), so the tests that share
them leave them as they found them (a test that kills one is answered by its restart).
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from mcp_types import (
    CallToolResult,
    EmbeddedResource,
    ImageContent,
    ResourceLink,
    TextContent,
    TextResourceContents,
)

from tests.mcp_helpers import (
    bare_config,
    exits_at_once_config,
    http_config,
    missing_program_config,
    silent_config,
    toolbox_config,
    toolbox_http,
    unused_port,
)
from tests.mcp_servers.toolbox import DEFAULT_TOOLS
from tui.tools.hub import ToolHub
from tui.tools.model import ServerState, ToolInfo
from tui.tools.naming import api_names
from tui.tools.results import RESULT_LIMIT, cut_for_model, result_text

live = pytest.mark.asyncio(loop_scope="module")
"""For tests that use the module's servers (they run in the loop the servers started in)."""

TOKEN = "s3cret-token"
ENVIRON = {"WHO": "world", "WEB_TOKEN": TOKEN, "OPENAI_API_KEY": "sk-ours"}


class StepClock:
    """A clock that moves one second each time it is read."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


@pytest.fixture(scope="module")
def web_url() -> Iterator[str]:
    with toolbox_http(token=TOKEN, tools=(*DEFAULT_TOOLS, "shout")) as url:
        yield url


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def hub(web_url: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[ToolHub]:
    servers = [
        toolbox_config("alpha", env={"GREETING": "hello ${WHO}"}),
        http_config("web", web_url, {"Authorization": "Bearer ${WEB_TOKEN}"}, timeout=0.5),
        http_config("web-noauth", web_url),
        http_config("refused", f"http://127.0.0.1:{unused_port()}/mcp"),
        http_config("novar", web_url, {"Authorization": "Bearer ${NO_SUCH_VAR}"}),
        missing_program_config("missing"),
        exits_at_once_config("quits", stderr="bad token", status=3),
        toolbox_config("off", enabled=False),
        bare_config("once", once=tmp_path_factory.mktemp("once") / "started"),
    ]
    changes: list[None] = []
    logs = tmp_path_factory.mktemp("mcp-logs")
    hub = ToolHub(
        servers,
        environ=ENVIRON,
        log_dir=logs,
        on_change=lambda: changes.append(None),
        clock=StepClock(),
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OPENAI_API_KEY", "sk-ours")  # in our environment, not the servers'
        await hub.start()
    assert changes  # every server that started or failed said so
    hub.logs = logs  # type: ignore[attr-defined]
    yield hub
    started = time.monotonic()
    await hub.aclose()
    assert time.monotonic() - started < 5


def status(hub: ToolHub, name: str) -> tuple[ServerState, str]:
    found = next(s for s in hub.statuses() if s.name == name)
    return found.state, found.error or ""


def tool(hub: ToolHub, api_name: str) -> ToolInfo:
    found = hub.find(api_name)
    assert found is not None, f"no tool {api_name}: {[t.api_name for t in hub.tools()]}"
    return found


async def counts(hub: ToolHub, api_name: str, started: int = 0, cancelled: int = 0) -> list[int]:
    result = await hub.call(tool(hub, api_name), {"started": started, "cancelled": cancelled})
    return [int(part.split("=")[1]) for part in result.text.split()]


# ------------------------------------------------------------------ naming and results


def test_names_are_valid_unique_and_the_first_server_keeps_the_plain_one() -> None:
    long = "t" * 70
    names = api_names(
        [
            ("a", "search"),
            ("b", "search"),
            ("b", "read.file"),
            ("c", "read file"),
            ("a", long),
            ("b", long),
            ("a", "a__" + long),
            ("x y", "search"),
        ]
    )
    assert names[("a", "search")] == "search"
    assert names[("b", "search")] == "b__search"
    assert names[("b", "read.file")] == "read_file"
    assert names[("c", "read file")] == "c__read_file"
    assert names[("a", long)] == "t" * 64
    assert names[("b", long)] == ("b__" + long)[:64]
    assert names[("a", "a__" + long)] == ("a__" + long)[:64]
    assert names[("x y", "search")] == "x_y__search"
    assert len(set(names.values())) == len(names)
    assert all(
        len(n) <= 64 and n.replace("_", "").replace("-", "").isalnum() for n in names.values()
    )


def test_a_name_taken_even_with_its_prefix_gets_a_number() -> None:
    names = api_names([("a", "x.y"), ("b", "x_y"), ("b", "x.y"), ("b", "x y"), ("a", "x.y")])
    assert names == {
        ("a", "x.y"): "x_y",
        ("b", "x_y"): "b__x_y",
        ("b", "x.y"): "b__x_y_2",
        ("b", "x y"): "b__x_y_3",
    }
    long = "n" * 70
    cut = api_names([("a", long), ("b", long), ("b", long + "!")])
    assert cut[("b", long + "!")] == ("b__" + long)[:62] + "_2"
    assert api_names([("s", "")]) == {("s", ""): "_"}


def test_result_text_from_every_kind_of_content() -> None:
    blocks = [
        TextContent(type="text", text="first"),
        ImageContent(type="image", data="aGVsbG8=", mime_type="image/png"),
        EmbeddedResource(
            type="resource", resource=TextResourceContents(uri="file:///a.txt", text="inside")
        ),
        ResourceLink(type="resource_link", name="b", uri="file:///b.txt"),
    ]
    assert result_text(CallToolResult(content=blocks)) == (
        "first\n\n[image: image/png, 5 bytes]\n\ninside\n\nfile:///b.txt"
    )
    structured = CallToolResult(content=[], structured_content={"n": 1})
    assert result_text(structured) == '{"n": 1}'


def test_long_results_are_cut_with_a_note_and_nuls_dropped() -> None:
    assert cut_for_model("a\x00b") == "ab"
    cut = cut_for_model("x" * 1_234_567)
    assert cut.startswith("x" * RESULT_LIMIT + "\n\n[")
    assert cut.endswith(
        "[… cut: the tool returned 1,234,567 characters; the first 32,000 are shown]"
    )
    assert cut_for_model("y" * RESULT_LIMIT) == "y" * RESULT_LIMIT


def test_a_hub_costs_nothing_until_a_server_starts() -> None:
    code = (
        "import asyncio, sys\n"
        "from tests.mcp_helpers import toolbox_config\n"
        "from tui.tools.hub import ToolHub\n"
        "hub = ToolHub([toolbox_config('a')])\n"
        "empty = ToolHub([])\n"
        "asyncio.run(empty.start())\n"
        "assert hub.tools() == [] and empty.statuses() == []\n"
        "sdk = ('mcp', 'mcp_types', 'httpx2', 'anyio')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in sdk))\n"
    )
    root = Path(__file__).parent.parent
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert out.stdout.strip() == "[]"


# ------------------------------------------------------------------ starting


@live
async def test_stdio_server_lists_its_tools_and_adds(hub: ToolHub) -> None:
    assert status(hub, "alpha") == (ServerState.READY, "")
    add = tool(hub, "add")
    assert (add.server, add.name, add.key) == ("alpha", "add", "alpha/add")
    assert add.input_schema["required"] == ["a", "b"]
    result = await hub.call(add, {"a": 2, "b": 40})
    assert (result.text, result.is_error) == ("42", False)
    assert result.duration_s == 1.0  # the injected clock, read before and after


@live
async def test_statuses_come_in_config_order(hub: ToolHub) -> None:
    names = [s.name for s in hub.statuses()]
    assert names == [
        "alpha",
        "web",
        "web-noauth",
        "refused",
        "novar",
        "missing",
        "quits",
        "off",
        "once",
    ]
    assert [s.transport for s in hub.statuses()][:3] == ["stdio", "http", "http"]


@live
async def test_http_server_gets_the_header_from_the_environ(hub: ToolHub) -> None:
    assert status(hub, "web")[0] is ServerState.READY
    result = await hub.call(tool(hub, "web__whoami"), {})
    assert result.text == f"Bearer {TOKEN}"
    assert hub.server_config("web").headers["Authorization"] == "Bearer ${WEB_TOKEN}"


@live
async def test_http_server_refusing_us_is_failed_with_the_status(hub: ToolHub) -> None:
    state, error = status(hub, "web-noauth")
    assert state is ServerState.FAILED
    assert "HTTP 401" in error


@live
async def test_nothing_listening_is_a_refused_connection(hub: ToolHub) -> None:
    state, error = status(hub, "refused")
    assert state is ServerState.FAILED
    assert "connection refused" in error


@live
async def test_a_missing_variable_is_named(hub: ToolHub) -> None:
    assert status(hub, "novar") == (
        ServerState.FAILED,
        "the environment variable NO_SUCH_VAR is not set (in the header Authorization)",
    )


@live
async def test_a_missing_program_is_named(hub: ToolHub) -> None:
    assert status(hub, "missing") == (
        ServerState.FAILED,
        "no program named tui-chat-no-such-mcp-server on PATH",
    )


@live
async def test_a_program_that_exits_at_once_shows_its_stderr(hub: ToolHub) -> None:
    found = next(s for s in hub.statuses() if s.name == "quits")
    assert found.state is ServerState.FAILED
    assert found.error is not None
    assert "exited" in found.error
    assert "bad token" in found.error
    assert "bad token" in found.stderr_tail


@live
async def test_a_disabled_server_is_never_started(hub: ToolHub) -> None:
    await hub.start(["off"])
    assert status(hub, "off") == (ServerState.DISABLED, "")
    assert hub.tools(servers=["off"]) == []


@live
async def test_starting_again_changes_nothing(hub: ToolHub) -> None:
    pid = (await hub.call(tool(hub, "pid"), {})).text
    await hub.start()
    assert status(hub, "quits")[0] is ServerState.FAILED
    assert (await hub.call(tool(hub, "pid"), {})).text == pid


@live
async def test_a_server_that_never_answers_times_out() -> None:
    hub = ToolHub([silent_config("silent")], start_timeout=0.3)
    started = time.monotonic()
    await asyncio.gather(hub.start(), hub.start())  # the second waits for the first
    assert status(hub, "silent") == (
        ServerState.FAILED,
        "the server did not finish its handshake within 0.3 s",
    )
    await hub.aclose()
    assert time.monotonic() - started < 3


# ------------------------------------------------------------------ tools


@live
async def test_duplicate_names_get_the_server_prefix(hub: ToolHub) -> None:
    echo = tool(hub, "echo")
    web_echo = tool(hub, "web__echo")
    assert (echo.server, web_echo.server, web_echo.name) == ("alpha", "web", "echo")
    assert tool(hub, "shout").server == "web"  # only web has it: no prefix
    assert (await hub.call(tool(hub, "shout"), {"text": "hi"})).text == "HI"


@live
async def test_filtering_tools_does_not_rename_them(hub: ToolHub) -> None:
    only_web = hub.tools(servers=["web"], disabled=["web/shout", "web/pid"])
    assert [t.api_name for t in only_web][:3] == ["web__add", "web__echo", "web__slow"]
    assert {t.server for t in only_web} == {"web"}
    assert {"web__pid", "shout"} & {t.api_name for t in only_web} == set()
    assert "alpha/add" not in {t.key for t in hub.tools(disabled=["alpha/add"])}


@live
async def test_a_tool_error_is_an_error_result(hub: ToolHub) -> None:
    result = await hub.call(tool(hub, "fail"), {})
    assert result.is_error
    assert "this tool always fails" in result.text


@live
async def test_a_huge_result_is_cut_with_a_note(hub: ToolHub) -> None:
    result = await hub.call(tool(hub, "huge"), {"chars": 100_000})
    assert len(result.text) < RESULT_LIMIT + 200
    assert result.text.endswith("the tool returned 100,000 characters; the first 32,000 are shown]")


@live
async def test_the_server_sees_its_env_but_not_ours(hub: ToolHub) -> None:
    getenv = tool(hub, "getenv")
    assert (await hub.call(getenv, {"name": "GREETING"})).text == "hello world"
    assert (await hub.call(getenv, {"name": "OPENAI_API_KEY"})).text == "<unset>"
    assert (await hub.call(getenv, {"name": "PATH"})).text != "<unset>"


@live
async def test_a_slow_call_times_out_is_cancelled_and_the_server_answers_after(
    hub: ToolHub,
) -> None:
    _, cancelled = await counts(hub, "web__counts")
    result = await hub.call(tool(hub, "web__slow"), {"seconds": 5})
    assert result.is_error
    assert "timed out after 0.5 s" in result.text
    assert (await counts(hub, "web__counts", cancelled=cancelled + 1))[1] == cancelled + 1
    assert (await hub.call(tool(hub, "web__echo"), {"text": "still here"})).text == "still here"


@live
async def test_cancelling_a_call_cancels_it_on_the_server(hub: ToolHub) -> None:
    # alpha's tools wait the default 60 s (web's time out at 0.5 s).
    alpha_started, alpha_cancelled = await counts(hub, "counts")
    task = asyncio.create_task(hub.call(tool(hub, "slow"), {"seconds": 30}))
    await counts(hub, "counts", started=alpha_started + 1)  # the call is under way
    begun = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.monotonic() - begun < 2
    assert (await counts(hub, "counts", cancelled=alpha_cancelled + 1))[1] == alpha_cancelled + 1
    assert (await hub.call(tool(hub, "add"), {"a": 1, "b": 1})).text == "2"


@live
async def test_a_server_dying_mid_call_is_restarted_by_the_next_call(hub: ToolHub) -> None:
    pid = (await hub.call(tool(hub, "pid"), {})).text
    result = await hub.call(tool(hub, "die"), {})
    assert result.is_error
    assert "stopped" in result.text
    state, error = status(hub, "alpha")
    assert state is ServerState.FAILED
    assert "die" in error
    assert (
        "toolbox: dying on request"
        in next(s for s in hub.statuses() if s.name == "alpha").stderr_tail
    )
    first, second = await asyncio.gather(*(hub.call(tool(hub, "pid"), {}) for _ in "ab"))
    assert not first.is_error
    assert first.text == second.text != pid  # one restart, which both calls waited for
    assert status(hub, "alpha") == (ServerState.READY, "")


@live
async def test_a_restart_that_fails_is_not_tried_again(hub: ToolHub) -> None:
    assert status(hub, "once")[0] is ServerState.READY
    assert (await hub.call(tool(hub, "once__die"), {})).is_error
    echo = tool(hub, "once__echo")  # offered still: the next call restarts the server
    retried = await hub.call(echo, {"text": "x"})
    assert retried.is_error
    assert "not running" in retried.text
    assert "refusing to start twice" in retried.text
    assert status(hub, "once")[0] is ServerState.FAILED
    assert hub.find("once__echo") is None
    again = await hub.call(echo, {"text": "x"})
    assert again.is_error
    log = (hub.logs / "mcp-once.log").read_text()  # type: ignore[attr-defined]
    assert log.count("refusing to start twice") == 1


@live
async def test_restart_tries_a_failed_server_again_but_not_a_disabled_one(hub: ToolHub) -> None:
    log = hub.logs / "mcp-quits.log"  # type: ignore[attr-defined]
    await hub.restart("quits")
    assert status(hub, "quits")[0] is ServerState.FAILED
    assert log.read_text().count("bad token") == 2  # it ran again, and failed the same way
    await hub.restart("off")
    assert status(hub, "off") == (ServerState.DISABLED, "")


@pytest.mark.asyncio(loop_scope="function")
async def test_an_image_a_tool_returns_is_kept_as_a_blob(tmp_path: Path) -> None:
    from tui.session.tools import keep_in
    from tui.store.blobs import BlobStore

    blobs = BlobStore(tmp_path)
    hub = ToolHub([toolbox_config("pics", tools=("picture",))], keep_image=keep_in(blobs.put))
    try:
        await hub.start()
        [tool] = hub.tools()
        result = await hub.call(tool, {})
    finally:
        await hub.aclose()
    assert result.text.startswith("a red rectangle")
    [image] = result.images
    assert (image.media_type, image.width, image.height) == ("image/png", 8, 6)
    assert len(image.sha256) == 64
    assert blobs.read(image) is not None


def test_an_image_that_cannot_be_kept_is_dropped_not_raised() -> None:
    from tests.mcp_servers.toolbox import RED_PNG
    from tui.session.tools import keep_in

    def full_disk(data: bytes, media_type: str) -> str:
        raise OSError(28, "No space left on device")

    assert keep_in(full_disk)(RED_PNG, "image/png") is None
    assert keep_in(lambda data, media: "x" * 64)(b"not an image", "image/png") is None
