"""What a reply cost, in US dollars, and where that figure came from.

Pure: nothing here does I/O. The price table is the `genai-prices` package's bundled
snapshot (it works offline; it is never updated from the network here), imported the
first time a reply is priced from it, since importing it costs a few hundred
milliseconds that start-up should not pay.

The order, first that applies:

1. `provider`: the cost the provider reported in the stream (`ChatMessage.cost_usd`,
   e.g. OpenRouter's `usage.cost`), kept as it is.
2. `config`: the provider's own `prices` from the config file.
3. `free`: the `offline` provider costs nothing (0.0).
4. `genai-prices`: the table, looked up by the built-in preset the provider entry is
   based on (`PRESET_PROVIDER_IDS`, even when its `base_url` was changed), else by its
   base URL (the table knows each provider's API address; an entry with no `base_url`
   talks to its kind's default API), and the model that answered.
5. `unknown` (None): anything else, local servers (ollama, llamacpp, lmstudio, vllm)
   included, and a reply whose token counts are missing or do not add up. Never 0,
   never a guess.

Token counts follow `ChatMessage`: `input_tokens` is all the input, cached reads and
cache writes included; `cached_input_tokens` and `cache_write_tokens` are priced at their
own prices and the rest of the input at the input price; `output_tokens` includes
reasoning tokens, priced as output.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from tui.config import OFFLINE, ProviderConfig
from tui.domain import ChatMessage

if TYPE_CHECKING:
    from genai_prices.types import ModelInfo, Provider

PriceSource = Literal["provider", "config", "free", "genai-prices", "unknown"]
"""Where a reply's cost came from (see the module's docstring)."""

PRESET_PROVIDER_IDS: dict[str, str] = {
    "openai": "openai",
    "anthropic": "anthropic",
    "openrouter": "openrouter",
    "deepseek": "deepseek",
}
"""Built-in presets and their provider ids in genai-prices. Local servers have none."""

DEFAULT_API_URLS: dict[str, str] = {
    "openai": "https://api.openai.com/v1",
    "anthropic": "https://api.anthropic.com",
}
"""Where each kind's SDK sends requests when an entry sets no `base_url`."""

_PER_MILLION = 1_000_000


def reply_cost(message: ChatMessage, provider: ProviderConfig) -> float | None:
    """What `message` cost in US dollars, or None when that is not known."""
    return _price(message, provider)[0]


def price_source(message: ChatMessage, provider: ProviderConfig) -> PriceSource:
    """Where `reply_cost` gets its figure for `message`, for the UI to say."""
    return _price(message, provider)[1]


def cost_words(cost: float | None) -> str:
    """A cost as people read it: `$0.0012`, `$1.23`, `<$0.0001`, `$0.00`, `unknown`."""
    if cost is None or not math.isfinite(cost):
        return "unknown"
    if cost <= 0:
        return "$0.00"
    if cost < 0.0001:
        return "<$0.0001"
    if cost < 1:
        digits = f"{cost:.4f}".rstrip("0")
        whole, _, cents = digits.partition(".")
        return f"${whole}.{cents.ljust(2, '0')}"
    return f"${cost:,.2f}"


def _price(message: ChatMessage, provider: ProviderConfig) -> tuple[float | None, PriceSource]:
    if message.cost_usd is not None:
        return message.cost_usd, "provider"
    if provider.prices is not None:
        return _config_cost(message, provider.prices), "config"
    if provider.kind == OFFLINE:
        return 0.0, "free"
    cost = _table_cost(message, provider)
    return cost, "genai-prices" if cost is not None else "unknown"


def _counts(message: ChatMessage) -> tuple[int, int, int, int] | None:
    """(uncached input, cached input, cache writes, output), or None when the counts are
    missing or the cached parts exceed the input they are part of."""
    if message.input_tokens is None or message.output_tokens is None:
        return None
    cached = message.cached_input_tokens or 0
    written = message.cache_write_tokens or 0
    rest = message.input_tokens - cached - written
    if rest < 0 or message.output_tokens < 0:
        return None
    return rest, cached, written, message.output_tokens


def _config_cost(message: ChatMessage, prices: Mapping[str, float]) -> float | None:
    counts = _counts(message)
    if counts is None:
        return None
    rest, cached, written, output = counts
    input_price = float(prices["input"])
    # A table that names no cache prices charges cached tokens as plain input.
    cached_price = float(prices.get("cached_input", input_price))
    write_price = float(prices.get("cache_write", input_price))
    dollars = (
        rest * input_price
        + cached * cached_price
        + written * write_price
        + output * float(prices["output"])
    )
    return dollars / _PER_MILLION


def _table_cost(message: ChatMessage, provider: ProviderConfig) -> float | None:
    counts = _counts(message)
    model = message.model or provider.model
    if counts is None or not model:
        return None
    found = None
    provider_id = PRESET_PROVIDER_IDS.get(provider.preset or "")
    if provider_id is not None:
        found = table_entry(provider_id, None, model)
    url = provider.base_url or DEFAULT_API_URLS.get(provider.kind)
    if found is None and url:
        found = table_entry(None, url, model)
    if found is None:
        return None
    return _calc(found, counts, message.created_at)


def _calc(
    found: tuple[Provider, ModelInfo], counts: tuple[int, int, int, int], when: datetime
) -> float | None:
    from genai_prices import Usage

    rest, cached, written, output = counts
    usage = Usage(
        input_tokens=rest + cached + written,
        cache_read_tokens=cached,
        cache_write_tokens=written,
        output_tokens=output,
    )
    table_provider, model = found
    try:
        priced = model.calc_price(usage, table_provider, genai_request_timestamp=when)
    except ValueError:  # usage the table cannot price (e.g. a unit it has no price for)
        return None
    return float(priced.total_price)


@lru_cache(maxsize=256)
def table_entry(
    provider_id: str | None, api_url: str | None, model: str
) -> tuple[Provider, ModelInfo] | None:
    """The table's provider and model for a provider id (or API URL) and a model name,
    or None when it has no such pair; remembered, misses included."""
    from genai_prices.data_snapshot import get_snapshot

    try:
        return get_snapshot().find_provider_model(model, None, provider_id, api_url)
    except LookupError:
        return None


def warm_up() -> None:
    """Load the price table now (about 0.3 s of imports and parsing, the first time):
    call it off the event loop, so the first reply's end does not wait for it."""
    from genai_prices.data_snapshot import get_snapshot

    get_snapshot()
