"""Turn HTTP statuses and provider error bodies into `StreamError`s people can act on.

Both SDKs raise the same shapes (status code, JSON body, headers), so the mapping lives
here once; each adapter only pulls those three things out of its own exception types.
"""

from __future__ import annotations

import json
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import ModuleType
from typing import Any

from tui.providers.base import ModelListing
from tui.providers.events import ErrorKind, StreamError

# Words that providers use when the prompt is over the model's context window.
_CONTEXT_WORDS = (
    "context length",
    "context_length",
    "context window",
    "too long",
    "maximum context",
)

_SERVER_HINTS = {
    "ollama": "Is Ollama running? Start it with `ollama serve`.",
    "llamacpp": "Is llama-server running? Start it with `llama-server -m MODEL.gguf`.",
    "lmstudio": "Is LM Studio's local server started (Developer tab, Start Server)?",
    "vllm": "Is vLLM running? Start it with `vllm serve MODEL`.",
}


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Who we were talking to, so messages can name the key, model and URL."""

    provider: str
    base_url: str
    model: str
    api_key_env: str | None


def provider_error_fields(body: object) -> tuple[str | None, str | None]:
    """Return the provider's (type, message) from an error body or envelope.

    OpenAI bodies are the inner error object, Anthropic's the whole envelope; OpenRouter
    puts a `code` where others put a `type`.
    """
    if isinstance(body, Mapping) and isinstance(body.get("error"), Mapping):
        body = body["error"]
    if not isinstance(body, Mapping):
        return None, (str(body) if body else None)
    etype = body.get("type")
    if etype is None and body.get("code") is not None:
        etype = body.get("code")
    message = body.get("message")
    return (
        str(etype) if etype is not None else None,
        str(message) if message is not None else None,
    )


def parse_retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds to wait from `retry-after-ms` / `retry-after` (seconds or an HTTP date)."""
    if not headers:
        return None
    lowered = {k.lower(): v for k, v in headers.items()}
    if (ms := lowered.get("retry-after-ms")) is not None:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = lowered.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def http_error(
    status: int, body: object, headers: Mapping[str, str] | None, endpoint: Endpoint
) -> StreamError:
    """Map an HTTP error response (before any streamed data) to a `StreamError`."""
    ptype, pmessage = provider_error_fields(body)
    detail = f" The server said: {pmessage}" if pmessage else ""
    retry_after = parse_retry_after(headers)
    kind: ErrorKind
    retryable = False
    if status in (401, 403):
        kind = ErrorKind.AUTH
        if endpoint.api_key_env:
            message = (
                f"{endpoint.provider}: the API key was refused (HTTP {status}). Check that "
                f"${endpoint.api_key_env} holds a valid key.{detail}"
            )
        else:
            message = f"{endpoint.provider}: access denied (HTTP {status}).{detail}"
    elif status in (400, 404, 422) and refuses_images(pmessage):
        kind = ErrorKind.BAD_REQUEST
        message = (
            f"{endpoint.provider}: '{endpoint.model}' refused the message's images "
            f"(HTTP {status}); it may not take images. Send it without them, or pick a "
            f"model that reads images.{detail}"
        )
    elif status == 404:
        kind = ErrorKind.NOT_FOUND
        message = (
            f"{endpoint.provider}: model '{endpoint.model}' was not found at "
            f"{endpoint.base_url} (HTTP 404).{detail}"
        )
    elif status == 413 or (status == 400 and _mentions_context(pmessage)):
        kind = ErrorKind.CONTEXT_LENGTH
        message = (
            f"{endpoint.provider}: the conversation is too long for '{endpoint.model}' "
            f"(HTTP {status}). Start a new conversation or shorten it.{detail}"
        )
    elif status == 429:
        kind = ErrorKind.RATE_LIMIT
        retryable = True
        wait = f" Retry after {retry_after:g} s." if retry_after is not None else ""
        message = f"{endpoint.provider}: rate limited (HTTP 429).{wait}{detail}"
    elif status == 529 or ptype == "overloaded_error":
        kind = ErrorKind.OVERLOADED
        retryable = True
        message = f"{endpoint.provider}: the service is overloaded (HTTP {status}); try again soon."
    elif status >= 500:
        kind = ErrorKind.SERVER
        retryable = True
        message = f"{endpoint.provider}: server error (HTTP {status}).{detail}"
    else:
        kind = ErrorKind.BAD_REQUEST
        message = f"{endpoint.provider}: the request was rejected (HTTP {status}).{detail}"
    return StreamError(
        kind=kind,
        message=message,
        status=status,
        retryable=retryable,
        provider_type=ptype,
        provider_message=pmessage,
        retry_after=retry_after,
    )


def stream_error(body: object, endpoint: Endpoint) -> StreamError:
    """Map an error event that arrived inside a started stream."""
    ptype, pmessage = provider_error_fields(body)
    overloaded = ptype == "overloaded_error"
    what = "the service is overloaded" if overloaded else "the stream failed part-way"
    return StreamError(
        kind=ErrorKind.OVERLOADED if overloaded else ErrorKind.STREAM,
        message=f"{endpoint.provider}: {what}: {pmessage or ptype or 'unknown error'}",
        retryable=overloaded or ptype in (None, "server_error", "api_error"),
        provider_type=ptype,
        provider_message=pmessage,
    )


def connection_error(
    endpoint: Endpoint, *, started: bool, cause: BaseException | None = None
) -> StreamError:
    """The connection failed: no such host, TLS refused, refused, or dropped mid-reply."""
    root = _root_cause(cause)
    ptype = "connection_error"
    if started:
        message = f"{endpoint.provider}: the connection dropped before the reply finished."
    elif isinstance(root, socket.gaierror):
        ptype = "dns_error"
        message = (
            f"{endpoint.provider}: the host name in {endpoint.base_url} could not be found "
            "(DNS). Check the base_url and the network connection."
        )
    elif isinstance(root, ssl.SSLCertVerificationError):
        ptype = "tls_error"
        message = (
            f"{endpoint.provider}: the TLS certificate of {endpoint.base_url} was not "
            f"accepted ({root.verify_message or root}). Is the address right?"
        )
    elif isinstance(root, ssl.SSLError):
        ptype = "tls_error"
        message = (
            f"{endpoint.provider}: the TLS handshake with {endpoint.base_url} failed "
            f"({root.reason or root}). Does the server speak https, or should the URL "
            "start with http://?"
        )
    else:
        hint = _SERVER_HINTS.get(endpoint.provider, "Is the server running and reachable?")
        message = f"{endpoint.provider}: could not connect to {endpoint.base_url}. {hint}"
    return StreamError(
        kind=ErrorKind.CONNECTION,
        message=message,
        retryable=ptype == "connection_error",
        provider_type=ptype,
    )


def _root_cause(exc: BaseException | None) -> BaseException | None:
    """The innermost exception of a `raise ... from` / context chain."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        inner = exc.__cause__ or exc.__context__
        if inner is None:
            return exc
        exc = inner
    return exc


def timeout_error(endpoint: Endpoint, seconds: float | None) -> StreamError:
    """No byte arrived within the read timeout."""
    within = f" within {seconds:g} s" if seconds else ""
    return StreamError(
        kind=ErrorKind.TIMEOUT,
        message=f"{endpoint.provider}: the server sent nothing{within}; gave up waiting.",
        retryable=True,
        provider_type="timeout",
    )


def incomplete_error(endpoint: Endpoint) -> StreamError:
    """The stream closed cleanly but never said why the reply ended."""
    return StreamError(
        kind=ErrorKind.INCOMPLETE,
        message=(
            f"{endpoint.provider}: the stream ended without a finish reason; "
            "the reply may be cut off."
        ),
        retryable=True,
        provider_type="incomplete_stream",
    )


def malformed_error(endpoint: Endpoint, exc: json.JSONDecodeError) -> StreamError:
    """A chunk of the stream was not valid JSON."""
    sample = exc.doc[:60] + ("…" if len(exc.doc) > 60 else "")
    return StreamError(
        kind=ErrorKind.STREAM,
        message=f"{endpoint.provider}: the server sent a chunk that is not valid JSON: {sample!r}",
        provider_type="malformed_chunk",
        provider_message=str(exc),
    )


def unexpected_error(endpoint: Endpoint, exc: BaseException) -> StreamError:
    """Anything else the SDK raised: keep the text, never a traceback."""
    return StreamError(
        kind=ErrorKind.CONFIG if isinstance(exc, TypeError | ValueError) else ErrorKind.STREAM,
        message=f"{endpoint.provider}: {type(exc).__name__}: {exc}",
        provider_type=type(exc).__name__,
        provider_message=str(exc) or None,
    )


def from_sdk_exception(
    exc: Exception, sdk: ModuleType, endpoint: Endpoint, *, started: bool, read_timeout: float
) -> StreamError:
    """Map whatever the `openai` or `anthropic` SDK raised (they share exception names).

    Args:
        exc: The exception out of the SDK call or stream.
        sdk: The SDK module whose exception classes to test against.
        endpoint: Who we were talking to.
        started: Whether any of the stream had arrived (a drop, not a refusal).
        read_timeout: The read timeout in force, for the message.
    """
    if isinstance(exc, sdk.APIStatusError):
        if exc.status_code == 200:
            # Anthropic raises an `event: error` inside a 200 stream as a status error.
            return stream_error(exc.body, endpoint)
        return http_error(exc.status_code, exc.body, exc.response.headers, endpoint)
    if isinstance(exc, sdk.APITimeoutError) or (
        is_transport_error(exc) and "Timeout" in type(exc).__name__
    ):
        return timeout_error(endpoint, read_timeout)
    if isinstance(exc, sdk.APIConnectionError) or is_transport_error(exc):
        return connection_error(endpoint, started=started, cause=exc)
    if isinstance(exc, sdk.APIError):
        # OpenAI raises an `error` object inside a 200 stream as a bare APIError.
        return stream_error(exc.body, endpoint)
    if isinstance(exc, json.JSONDecodeError):
        return malformed_error(endpoint, exc)
    return unexpected_error(endpoint, exc)


def is_transport_error(exc: BaseException) -> bool:
    """True for raw httpx/httpcore errors: read from a raw response body, or let escape
    by some SDK versions on a dropped link."""
    root = type(exc).__module__.split(".")[0]
    return root in {"httpx", "httpx2", "httpcore", "httpcore2", "h11"}


# How servers refuse images: OpenAI "image_url is only supported by certain models",
# Ollama and llama.cpp "... does not support image input" / "image input is not
# supported", vLLM "... is not a multimodal model", OpenRouter "No endpoints found that
# support image input", DeepSeek "unknown variant `image_url`, expected `text`".
_IMAGE_WORDS = ("image", "multimodal", "vision")
_REFUSAL_WORDS = ("support", "multimodal", "vision", "expected `text`", "not allowed")


def refuses_images(message: str | None) -> bool:
    """Whether a server's error message says the model does not take images."""
    if not message:
        return False
    lowered = message.lower()
    return any(w in lowered for w in _IMAGE_WORDS) and any(w in lowered for w in _REFUSAL_WORDS)


def _mentions_context(message: str | None) -> bool:
    if not message:
        return False
    lowered = message.lower()
    return any(word in lowered for word in _CONTEXT_WORDS)


async def list_models_with(
    listing: Any, sdk: ModuleType, endpoint: Endpoint, wait_s: float
) -> ModelListing:
    """Collect `model.id`s from an SDK's async model pager, mapping failures to a listing."""
    try:
        names = [model.id async for model in listing]
    except Exception as exc:
        error = from_sdk_exception(exc, sdk, endpoint, started=False, read_timeout=wait_s)
        reachable = error.kind not in (ErrorKind.CONNECTION, ErrorKind.TIMEOUT)
        return ModelListing(error=error.message, reachable=reachable)
    return ModelListing(models=tuple(sorted(names)))
