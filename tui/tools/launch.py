"""Getting ready to start an MCP server, and saying in words why it would not.

Pure helpers kept apart from the connection itself: `${VAR}` expansion, finding the
program, the stderr log and its tail, and turning the SDK's exceptions (often nested in
exception groups from its task groups) into one sentence a person can act on.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Mapping
from http import HTTPStatus
from pathlib import Path

TAIL_LINES = 10
"""How many of the server's last stderr lines a failure shows."""
TAIL_LINE_LENGTH = 300
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_UNSAFE_FILE_CHARS = re.compile(r"[^A-Za-z0-9_.-]")


class StartError(Exception):
    """A server cannot be started; the message is the sentence shown for it."""


def expand(values: Mapping[str, str], environ: Mapping[str, str], what: str) -> dict[str, str]:
    """`values` with each `${VAR}` replaced from `environ`.

    Raises:
        StartError: a variable is not set (named, with where it was wanted: `what`).
    """
    expanded: dict[str, str] = {}
    for key, value in values.items():

        def lookup(match: re.Match[str], key: str = key) -> str:
            name = match.group(1)
            if name not in environ:
                raise StartError(f"the environment variable {name} is not set ({what} {key})")
            return environ[name]

        expanded[key] = _VARIABLE.sub(lookup, value)
    return expanded


def find_program(command: str, env: Mapping[str, str]) -> str:
    """The path of `command` as the child's PATH finds it.

    Checked before starting so the error names the program rather than being a bare
    `FileNotFoundError` from deep in the SDK.

    Raises:
        StartError: there is no such program (or it is not executable).
    """
    path = env.get("PATH", os.environ.get("PATH", os.defpath))
    found = shutil.which(command, path=path)
    if found is not None:
        return found
    if os.sep in command:
        raise StartError(f"there is no program at {command} (or it cannot be run)")
    raise StartError(f"no program named {command} on PATH")


def log_path(log_dir: Path, server: str) -> Path:
    """Where the stderr of server `server` is written: `mcp-<name>.log` in `log_dir`."""
    return log_dir / f"mcp-{_UNSAFE_FILE_CHARS.sub('_', server)}.log"


def tail(path: Path | None, offset: int = 0) -> tuple[str, ...]:
    """The last non-blank lines written to `path` after `offset` (empty if none)."""
    if path is None:
        return ()
    try:
        with path.open("rb") as file:
            size = file.seek(0, os.SEEK_END)
            file.seek(max(offset, size - 64 * 1024))
            data = file.read()
    except OSError:
        return ()
    lines = [ln.rstrip() for ln in data.decode("utf-8", "replace").splitlines() if ln.strip()]
    return tuple(ln[:TAIL_LINE_LENGTH] for ln in lines[-TAIL_LINES:])


def leaves(exc: BaseException) -> list[BaseException]:
    """The exceptions inside (nested) exception groups, or `exc` itself."""
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for inner in exc.exceptions for leaf in leaves(inner)]
    return [exc]


def describe_start_failure(
    exc: BaseException,
    *,
    transport: str,
    target: str,
    http_status: int | None = None,
    stderr_tail: tuple[str, ...] = (),
) -> str:
    """One sentence for why a server did not come up.

    `target` is the program or URL; `http_status` the last HTTP error status the server
    answered (the SDK turns those into a generic "error response"); `stderr_tail` what a
    stdio server last wrote, whose final line often says what was wrong.
    """
    leaf = _most_telling(leaves(exc))
    if isinstance(leaf, StartError):
        return str(leaf)
    if http_status is not None and getattr(leaf, "code", None) is not None:
        return _http_status_sentence(target, http_status)  # the SDK's stand-in for it
    name = type(leaf).__name__
    if transport == "http" and name in ("ConnectError", "ConnectTimeout"):
        return f"nothing answered at {target} (connection refused or host unreachable)"
    if transport == "http" and name.endswith("Timeout"):
        return f"{target} did not answer in time"
    if isinstance(leaf, PermissionError):
        return f"{target} cannot be run (permission denied)"
    if isinstance(leaf, FileNotFoundError):
        return f"no program named {target} on PATH"
    if _is_connection_closed(leaf) and transport == "stdio":
        last = f": {stderr_tail[-1]}" if stderr_tail else ""
        return f"the program exited as it started{last}"
    return f"the server could not be started ({_one_line(leaf)})"


def _http_status_sentence(url: str, status: int) -> str:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "error"
    advice = " (check its headers, e.g. the token)" if status in (401, 403) else ""
    return f"{url} answered HTTP {status} {phrase}{advice}"


def _most_telling(found: list[BaseException]) -> BaseException:
    """The leaf that says most: not a cancellation or a generic closed connection."""
    for leaf in found:
        if not _is_connection_closed(leaf) and not isinstance(leaf, GeneratorExit):
            return leaf
    return found[0]


def _is_connection_closed(exc: BaseException) -> bool:
    """Whether `exc` is the SDK's "Connection closed" (read by its code, -32000)."""
    return getattr(exc, "code", None) == CONNECTION_CLOSED


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:199] + "…"


CONNECTION_CLOSED = -32000
"""The SDK's JSON-RPC error code for a transport that closed (`mcp_types.CONNECTION_CLOSED`)."""
REQUEST_TIMEOUT = -32001
"""The SDK's code for a request whose read timeout ran out (`mcp_types.REQUEST_TIMEOUT`)."""
