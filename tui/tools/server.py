"""One MCP server: started (or reached), its tools listed, called, noticed dying, stopped.

The SDK's `Client` must be entered and left in the same task (its transports run anyio
task groups), so each connection lives in one long-lived task of its own that enters the
client, says it is ready, and waits to be told to stop; calls are made from any task
through the entered client. Nothing here raises at the caller but `CancelledError`:
whatever goes wrong becomes the connection's `state` and `error`, or an error result the
model can read, because one broken server must never break a reply or the app.

The SDK is imported only when a server starts (`import mcp` takes most of a second, which
app start-up must never pay for a feature that may not be configured).
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from tui.config.model import McpServerConfig
from tui.domain import ToolResult
from tui.tools.launch import (
    CONNECTION_CLOSED,
    REQUEST_TIMEOUT,
    StartError,
    describe_start_failure,
    expand,
    find_program,
    leaves,
    log_path,
    tail,
)
from tui.tools.model import KeepImage, ServerState
from tui.tools.results import result_images, result_text

if TYPE_CHECKING:
    from anyio import CancelScope
    from mcp import Client
    from mcp.client import Transport

log = logging.getLogger(__name__)

CLOSE_TIMEOUT_S = 5.0
"""How long a stopping server may take to shut down before its task is cancelled."""
WRITE_GRACE_S = 2.0
"""Beyond a call's own timeout (which starts once the request is written), how long
writing it may take before the call is abandoned anyway."""
MAX_TOOL_PAGES = 100
"""A server whose tool list pages on past this is not followed further."""


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """A tool as its server describes it (before the hub names it for models)."""

    name: str
    description: str = ""
    input_schema: Mapping[str, Any] = field(default_factory=lambda: {"type": "object"})


class McpConnection:
    """The connection to the server one `McpServerConfig` describes."""

    def __init__(
        self,
        config: McpServerConfig,
        *,
        environ: Mapping[str, str] | None = None,
        log_dir: Path | None = None,
        start_timeout: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        on_change: Callable[[], object] | None = None,
        keep_image: KeepImage | None = None,
    ) -> None:
        self.config = config
        self._keep_image = keep_image
        self.state = ServerState.STOPPED if config.enabled else ServerState.DISABLED
        self.error: str | None = None
        self.stderr_tail: tuple[str, ...] = ()
        self.tools: tuple[ToolSpec, ...] = ()
        """The tools it offered when last ready (kept while it is down, so the names
        the hub gives every server's tools do not shift when one fails)."""
        self._environ = os.environ if environ is None else environ
        self._log_dir = log_dir
        self._own_log_dir: Path | None = None
        self._log_path: Path | None = None
        self._log_offset = 0
        self._start_timeout = start_timeout
        self._clock = clock
        self._on_change = on_change
        self._client: Client | None = None
        self._task: asyncio.Task[None] | None = None
        self._stop: asyncio.Event | None = None
        self._scope: CancelScope | None = None
        self._lock = asyncio.Lock()
        self._restart_once = False
        self._http_status: int | None = None

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def ready(self) -> bool:
        """Whether calls can be made."""
        return self.state is ServerState.READY and self._client is not None

    @property
    def offers_tools(self) -> bool:
        """Whether its tools are offered to models: it is ready, or it stopped during a
        call and the next call will start it again."""
        return self.ready or (self.state is ServerState.FAILED and self._restart_once)

    @property
    def transport(self) -> str:
        """Either "stdio" or "http"."""
        return "http" if self.config.url else "stdio"

    # ------------------------------------------------------------------ start and stop

    async def start(self) -> None:
        """Start the server and list its tools; return once it is ready or has failed.

        Does nothing for a disabled server or one already ready (or starting: a second
        caller waits for the first).
        """
        if self.state in (ServerState.DISABLED, ServerState.READY):
            return
        async with self._lock:
            if not self.ready:  # another caller may have started it meanwhile
                await self._start()

    async def _start(self) -> None:
        await self._finish_task()
        self._set(ServerState.STARTING, error=None)
        self._http_status = None
        ready: asyncio.Future[BaseException | None] = asyncio.get_running_loop().create_future()
        stop = asyncio.Event()
        self._stop = stop
        self._task = asyncio.create_task(self._serve(ready, stop), name=f"mcp-{self.name}")
        try:
            async with asyncio.timeout(self._start_timeout):
                failure = await asyncio.shield(ready)
        except TimeoutError:
            failure = StartError(
                f"the server did not finish its handshake within {self._start_timeout:g} s"
            )
        except asyncio.CancelledError:
            await self._finish_task()
            self._set(ServerState.STOPPED)
            raise
        if failure is None:
            self._set(ServerState.READY)
            return
        await self._finish_task()  # so the stderr tail is complete
        self._fail(failure)

    async def _serve(
        self, ready: asyncio.Future[BaseException | None], stop: asyncio.Event
    ) -> None:
        """The connection's own task: enter the client, list the tools, wait for `stop`.

        Its body runs in an anyio cancel scope so an abandoned start is cancelled the way
        the SDK expects (a native `Task.cancel` could cut short its shielded shutdown of
        the server process).
        """
        import anyio
        from mcp import Client

        with anyio.CancelScope() as scope:
            self._scope = scope
            try:
                async with AsyncExitStack() as stack:
                    transport = await self._open(stack)
                    client = await stack.enter_async_context(Client(transport))
                    self.tools = await _list_tools(client)
                    self._client = client
                    ready.set_result(None)
                    await stop.wait()
            except Exception as exc:
                if not ready.done():
                    ready.set_result(exc)
                else:
                    log.debug("MCP server %s: the connection ended with %r", self.name, exc)
            finally:
                self._client = None  # before the client is left: no call may start now
                if not ready.done():
                    ready.set_result(StartError("the server stopped while starting"))

    async def _open(self, stack: AsyncExitStack) -> Transport:
        """The SDK transport for this server, its resources entered on `stack`.

        Raises:
            StartError: a `${VAR}` is not set, or the program does not exist.
        """
        config = self.config
        if config.url:
            import httpx2
            from mcp.client.streamable_http import streamable_http_client

            headers = expand(config.headers, self._environ, "in the header")

            async def record(response: httpx2.Response) -> None:
                if response.status_code >= 400:
                    self._http_status = response.status_code

            http = await stack.enter_async_context(
                httpx2.AsyncClient(
                    headers=headers,
                    timeout=httpx2.Timeout(30.0, read=300.0),
                    event_hooks={"response": [record]},
                )
            )
            return streamable_http_client(config.url, http_client=http)
        from mcp import StdioServerParameters
        from mcp.client.stdio import get_default_environment, stdio_client

        if not config.command:
            raise StartError("it has neither a command nor a url")
        env = expand(config.env, self._environ, "in env")
        program = find_program(config.command, get_default_environment() | env)
        errlog = stack.enter_context(self._open_log())
        params = StdioServerParameters(command=program, args=list(config.args), env=env)
        return stdio_client(params, errlog=errlog)

    def _open_log(self) -> TextIO:
        """The file the server's stderr goes to, opened for appending; where this start's
        lines begin is remembered so a failure shows only its own."""
        if self._log_path is None:
            folder = self._log_dir
            if folder is None:
                self._own_log_dir = folder = Path(tempfile.mkdtemp(prefix="tui-chat-mcp-"))
            folder.mkdir(parents=True, exist_ok=True)
            self._log_path = log_path(folder, self.name)
            self._log_path.write_bytes(b"")
        self._log_offset = self._log_path.stat().st_size
        return self._log_path.open("a", encoding="utf-8")

    async def aclose(self) -> None:
        """Stop the server (bounded by `CLOSE_TIMEOUT_S`, twice at worst)."""
        self._restart_once = False
        await self._finish_task()
        if self.state in (ServerState.READY, ServerState.STARTING):
            self._set(ServerState.STOPPED)
        if self._own_log_dir is not None:
            shutil.rmtree(self._own_log_dir, ignore_errors=True)
            self._own_log_dir = self._log_path = None

    async def _finish_task(self) -> None:
        """Tell the connection's task to stop and wait for it.

        A task still starting is cancelled at once (it would never see `stop`); one that
        is slow to stop is cancelled after `CLOSE_TIMEOUT_S`, and abandoned (logged) if
        even that does not end it in as long again.
        """
        task, self._task = self._task, None
        if self._stop is not None:
            self._stop.set()
        if task is None:
            return
        if self._client is None and self._scope is not None:
            self._scope.cancel()
        await asyncio.wait([task], timeout=CLOSE_TIMEOUT_S)  # never raises the task's error
        if not task.done() and self._scope is not None:
            self._scope.cancel()
            await asyncio.wait([task], timeout=CLOSE_TIMEOUT_S)
        if not task.done():
            log.warning("MCP server %s did not stop; abandoning it", self.name)
            task.cancel()

    # ------------------------------------------------------------------ calls

    async def call(
        self,
        tool: str,
        arguments: dict[str, Any],
        timeout: float,  # noqa: ASYNC109 (the server's own limit, applied inside)
    ) -> ToolResult:
        """Run `tool` and return what the model is told (never raises but cancellation).

        A server that stopped during a call is restarted once, by the next call; if that
        fails it stays failed. A timed-out or cancelled call is cancelled on the server
        too (the SDK sends `notifications/cancelled`).
        """
        if self.state is not ServerState.READY and self._restart_once:
            self._restart_once = False
            try:
                await self.start()
            except asyncio.CancelledError:
                self._restart_once = True  # it was never tried: the next call may
                raise
        elif self._lock.locked():
            async with self._lock:  # another call is (re)starting it: wait for that
                pass
        client = self._client
        if not self.ready or client is None:
            why = f": {self.error}" if self.error else f" ({self.state})"
            return ToolResult(f"The MCP server {self.name} is not running{why}.", is_error=True)
        started = self._clock()
        try:
            async with asyncio.timeout(timeout + WRITE_GRACE_S):
                result = await client.call_tool(tool, arguments, read_timeout_seconds=timeout)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            text = self._call_failure(tool, exc, timeout)
            return ToolResult(text, is_error=True, duration_s=self._clock() - started)
        done = ToolResult(result_text(result), result.is_error, self._clock() - started)
        if self._keep_image is not None and (images := result_images(result)):
            keep = self._keep_image  # decoding and writing blobs: off the event loop
            kept = await asyncio.to_thread(lambda: [keep(data, media) for media, data in images])
            done.images = [ref for ref in kept if ref is not None]
        return done

    def _call_failure(self, tool: str, exc: Exception, timeout: float) -> str:
        """What the model is told of a call that failed (and what becomes of the server)."""
        found = leaves(exc)
        codes = {getattr(leaf, "code", None) for leaf in found}
        if REQUEST_TIMEOUT in codes or any(isinstance(leaf, TimeoutError) for leaf in found):
            return f"The tool {tool} timed out after {timeout:g} s (the call was cancelled)."
        if CONNECTION_CLOSED in codes:
            self._restart_once = True
            self._died(f"the server stopped during a call of {tool}; the next call restarts it")
            return f"The MCP server {self.name} stopped during the call; it was not completed."
        leaf = found[0]
        message = getattr(leaf, "message", None) or " ".join(str(leaf).split())
        return f"The call of {tool} failed: {message or type(leaf).__name__}"

    def _died(self, error: str) -> None:
        """Mark the server failed and let its task clean up the dead process."""
        if self._stop is not None:
            self._stop.set()
        self.stderr_tail = tail(self._log_path, self._log_offset)
        self._set(ServerState.FAILED, error=error)

    # ------------------------------------------------------------------ state

    def _fail(self, exc: BaseException) -> None:
        self.stderr_tail = tail(self._log_path, self._log_offset)
        target = self.config.url or self.config.command or self.name
        error = describe_start_failure(
            exc,
            transport=self.transport,
            target=target,
            http_status=self._http_status,
            stderr_tail=self.stderr_tail,
        )
        self._set(ServerState.FAILED, error=error)

    def _set(self, state: ServerState, *, error: str | None = None) -> None:
        changed = (state, error) != (self.state, self.error)
        self.state, self.error = state, error
        if state is not ServerState.FAILED and state is not ServerState.STOPPED:
            self.stderr_tail = ()
        if changed and self._on_change is not None:
            try:
                self._on_change()
            except Exception:
                log.exception("on_change failed for MCP server %s", self.name)


async def _list_tools(client: Client) -> tuple[ToolSpec, ...]:
    """Every tool the server offers, following its pages (at most `MAX_TOOL_PAGES`)."""
    specs: list[ToolSpec] = []
    cursor: str | None = None
    for _ in range(MAX_TOOL_PAGES):
        page = await client.list_tools(cursor=cursor)
        specs += [
            ToolSpec(tool.name, tool.description or "", dict(tool.input_schema))
            for tool in page.tools
        ]
        cursor = page.next_cursor
        if not cursor:
            break
    return tuple(specs)
