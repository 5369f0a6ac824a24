"""Ask an OpenAI-compatible server how large a model's context window is.

Each server says it its own way, so each is tried in turn with a short wait:
the model list's extra fields (OpenRouter `context_length`, vLLM `max_model_len`),
llama.cpp `GET /props` (`n_ctx`, the size it was started with), then Ollama
`POST /api/show` (the `num_ctx` it was given, else the model's trained length).
Hosted APIs that say none of it are not asked (their models are in the table).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from tui.providers.sdk_openai import openai

log = logging.getLogger(__name__)

# Hosts known to report no window: asking would only add failed requests.
_SILENT_HOSTS = ("api.openai.com", "api.deepseek.com", "api.anthropic.com")
_LIST_FIELDS = ("context_length", "max_model_len", "context_window", "max_context_length")


async def server_window(
    client: openai.AsyncOpenAI, base_url: str, model: str, wait_s: float
) -> int | None:
    """The window `model` has on the server behind `client`, or None if it does not say."""
    if urlsplit(base_url).hostname in _SILENT_HOSTS:
        return None
    root = re.sub(r"/v1/?$", "", base_url.rstrip("/"))
    options: Any = {"timeout": wait_s}
    listing = await _json(
        client.get(f"{base_url.rstrip('/')}/models", cast_to=object, options=options)
    )
    if (found := _from_listing(listing, model)) is not None:
        return found
    props = await _json(client.get(f"{root}/props", cast_to=object, options=options))
    if (found := _from_props(props)) is not None:
        return found
    show = await _json(
        client.post(f"{root}/api/show", cast_to=object, body={"model": model}, options=options)
    )
    return _from_ollama(show)


async def _json(call: Any) -> Any:
    try:
        return await call
    except (openai.APIError, ValueError) as exc:  # refused, unreachable, or not JSON
        log.debug("context window probe: %s", exc)
        return None


def _positive(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _from_listing(listing: Any, model: str) -> int | None:
    data = listing.get("data") if isinstance(listing, Mapping) else None
    for entry in data if isinstance(data, list) else ():
        if not isinstance(entry, Mapping) or entry.get("id") != model:
            continue
        for name in _LIST_FIELDS:
            if (value := _positive(entry.get(name))) is not None:
                return value
        top = entry.get("top_provider")
        if isinstance(top, Mapping):
            return _positive(top.get("context_length"))
    return None


def _from_props(props: Any) -> int | None:
    if not isinstance(props, Mapping):
        return None
    settings = props.get("default_generation_settings")
    if isinstance(settings, Mapping) and (value := _positive(settings.get("n_ctx"))):
        return value
    return _positive(props.get("n_ctx"))


def _from_ollama(show: Any) -> int | None:
    if not isinstance(show, Mapping):
        return None
    parameters = show.get("parameters")
    if isinstance(parameters, str):
        # What the model runs with beats what it was trained for: Ollama cuts the rest.
        found = re.search(r"^\s*num_ctx\s+(\d+)", parameters, re.MULTILINE)
        if found:
            return int(found.group(1))
    info = show.get("model_info")
    if isinstance(info, Mapping):
        for key, value in info.items():
            if str(key).endswith(".context_length") and (tokens := _positive(value)):
                return tokens
    return None
