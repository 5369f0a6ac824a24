"""What a reply costs: the provider's report, config prices, the genai-prices table."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from genai_prices.data_snapshot import DataSnapshot, get_snapshot
from genai_prices.types import TieredPrices

from tui.config import PRESETS, ProviderConfig
from tui.domain import ChatMessage, Role
from tui.prices import cost_words, price_source, reply_cost, table_entry

WHEN = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)


def reply(
    model: str,
    input_tokens: int | None = 12_000,
    output_tokens: int | None = 800,
    **parts: int,
) -> ChatMessage:
    """A reply made at `WHEN`; `parts`: cached_input_tokens, cache_write_tokens,
    reasoning_tokens."""
    message = ChatMessage(
        Role.ASSISTANT,
        "ok",
        created_at=WHEN,
        model=model,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
    )
    return replace(message, **parts)


def per_million(provider_id: str, model: str, key: str, when: datetime = WHEN) -> float:
    """The table's own price for `key` (e.g. `input_mtok`), below any long-context tier."""
    found = table_entry(provider_id, None, model)
    assert found is not None
    price = getattr(found[1].get_prices(when), key)
    if isinstance(price, TieredPrices):
        price = price.base
    assert isinstance(price, Decimal)
    return float(price)


def by_hand(provider_id: str, model: str, message: ChatMessage, when: datetime = WHEN) -> float:
    assert message.input_tokens is not None
    assert message.output_tokens is not None
    cached = message.cached_input_tokens or 0
    written = message.cache_write_tokens or 0
    dollars = (message.input_tokens - cached - written) * per_million(
        provider_id, model, "input_mtok", when
    ) + message.output_tokens * per_million(provider_id, model, "output_mtok", when)
    if cached:
        dollars += cached * per_million(provider_id, model, "cache_read_mtok", when)
    if written:
        dollars += written * per_million(provider_id, model, "cache_write_mtok", when)
    return dollars / 1_000_000


def test_openai_gpt_4o_mini_is_priced_from_the_table_and_cached_input_costs_less() -> None:
    plain = reply("gpt-4o-mini")
    cached = reply("gpt-4o-mini", cached_input_tokens=9_000)
    assert reply_cost(plain, PRESETS["openai"]) == pytest.approx(
        by_hand("openai", "gpt-4o-mini", plain), rel=1e-9
    )
    assert reply_cost(cached, PRESETS["openai"]) == pytest.approx(
        by_hand("openai", "gpt-4o-mini", cached), rel=1e-9
    )
    assert per_million("openai", "gpt-4o-mini", "cache_read_mtok") < per_million(
        "openai", "gpt-4o-mini", "input_mtok"
    )
    cost, cheaper = reply_cost(plain, PRESETS["openai"]), reply_cost(cached, PRESETS["openai"])
    assert cost is not None
    assert cheaper is not None
    assert cheaper < cost
    assert price_source(cached, PRESETS["openai"]) == "genai-prices"


def test_anthropic_cache_reads_and_writes_each_have_their_price() -> None:
    model = PRESETS["anthropic"].model
    message = reply(model, cached_input_tokens=6_000, cache_write_tokens=3_000)
    expected = by_hand("anthropic", model, message)
    assert reply_cost(message, PRESETS["anthropic"]) == pytest.approx(expected, rel=1e-9)
    as_plain_input = reply(model)
    plain = reply_cost(as_plain_input, PRESETS["anthropic"])
    assert plain is not None
    assert plain == pytest.approx(by_hand("anthropic", model, as_plain_input), rel=1e-9)
    assert plain != pytest.approx(expected)  # the cache parts really are priced apart


def test_reasoning_tokens_are_priced_as_output() -> None:
    thinking = reply("gpt-4o-mini", reasoning_tokens=500)
    assert reply_cost(thinking, PRESETS["openai"]) == reply_cost(
        reply("gpt-4o-mini"), PRESETS["openai"]
    )
    more_output = reply("gpt-4o-mini", output_tokens=1_300)
    assert reply_cost(more_output, PRESETS["openai"]) == pytest.approx(
        by_hand("openai", "gpt-4o-mini", more_output), rel=1e-9
    )


def test_openrouter_and_deepseek_presets_are_priced() -> None:
    routed = reply(PRESETS["openrouter"].model)
    assert reply_cost(routed, PRESETS["openrouter"]) == pytest.approx(
        by_hand("openrouter", PRESETS["openrouter"].model, routed), rel=1e-9
    )
    night = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)
    day = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    costs = []
    for when in (night, day):  # the table's prices for the time the reply was made
        message = replace(reply("deepseek-chat"), created_at=when)
        cost = reply_cost(message, PRESETS["deepseek"])
        assert cost == pytest.approx(by_hand("deepseek", "deepseek-chat", message, when), rel=1e-9)
        costs.append(cost)
    found = table_entry("deepseek", None, "deepseek-chat")
    assert found is not None
    same_prices = found[1].get_prices(night) == found[1].get_prices(day)
    assert (costs[0] == costs[1]) == same_prices


def test_a_preset_with_a_changed_base_url_is_still_priced_as_its_preset() -> None:
    proxied = replace(PRESETS["openai"], name="gateway", base_url="http://127.0.0.1:4000/v1")
    message = reply("gpt-4o-mini")
    assert reply_cost(message, proxied) == reply_cost(message, PRESETS["openai"])
    assert reply_cost(message, proxied) is not None
    assert price_source(message, proxied) == "genai-prices"


def test_a_users_own_provider_is_priced_by_its_base_url() -> None:
    own = ProviderConfig("mine", "openai", "gpt-4o-mini", "https://api.openai.com/v1")
    message = reply("gpt-4o-mini")
    assert reply_cost(message, own) == pytest.approx(by_hand("openai", "gpt-4o-mini", message))
    groq = ProviderConfig(
        "fast", "openai", "llama-3.3-70b-versatile", "https://api.groq.com/openai/v1"
    )
    fast = reply("llama-3.3-70b-versatile")
    assert reply_cost(fast, groq) == pytest.approx(
        by_hand("groq", "llama-3.3-70b-versatile", fast), rel=1e-9
    )
    default_url = ProviderConfig("a", "anthropic", "claude-sonnet-4-5")  # the SDK's own URL
    sonnet = reply("claude-sonnet-4-5")
    assert reply_cost(sonnet, default_url) == reply_cost(sonnet, PRESETS["anthropic"])


def test_config_prices_win_over_the_table() -> None:
    prices = {"input": 2.0, "output": 8.0, "cached_input": 0.5, "cache_write": 2.5}
    configured = replace(PRESETS["openai"], prices=prices)
    message = reply("gpt-4o-mini", cached_input_tokens=2_000, cache_write_tokens=1_000)
    expected = (9_000 * 2.0 + 2_000 * 0.5 + 1_000 * 2.5 + 800 * 8.0) / 1_000_000
    assert reply_cost(message, configured) == pytest.approx(expected, rel=1e-12)
    assert price_source(message, configured) == "config"
    local = replace(PRESETS["ollama"], prices={"input": 0.1, "output": 0.2})
    # Without cache prices, cached input is charged as input.
    assert reply_cost(message, local) == pytest.approx((12_000 * 0.1 + 800 * 0.2) / 1e6)


def test_a_cost_the_provider_reported_wins_over_config_and_table() -> None:
    message = replace(reply("openai/gpt-4o-mini"), cost_usd=0.0421)
    configured = replace(PRESETS["openrouter"], prices={"input": 9.0, "output": 9.0})
    assert reply_cost(message, configured) == 0.0421
    assert reply_cost(message, PRESETS["openrouter"]) == 0.0421
    assert price_source(message, configured) == "provider"


def test_unknown_models_and_local_servers_have_no_price() -> None:
    unknown = reply("gpt-nonexistent-9000")
    assert reply_cost(unknown, PRESETS["openai"]) is None
    assert price_source(unknown, PRESETS["openai"]) == "unknown"
    famous = reply("gpt-4o-mini")  # even a well-known model's name, served locally
    for name in ("ollama", "llamacpp", "lmstudio", "vllm"):
        assert reply_cost(famous, PRESETS[name]) is None
        assert price_source(famous, PRESETS[name]) == "unknown"
    own_local = ProviderConfig("mine", "openai", "gpt-4o-mini", "http://localhost:8080/v1")
    assert reply_cost(famous, own_local) is None


def test_offline_is_free() -> None:
    message = reply("offline-guide")
    assert reply_cost(message, PRESETS["offline"]) == 0.0
    assert price_source(message, PRESETS["offline"]) == "free"


def test_missing_or_inconsistent_counts_are_unknown_not_zero() -> None:
    configured = replace(PRESETS["openai"], prices={"input": 1.0, "output": 1.0})
    for provider in (PRESETS["openai"], configured):
        assert reply_cost(reply("gpt-4o-mini", output_tokens=None), provider) is None
        assert reply_cost(reply("gpt-4o-mini", input_tokens=None), provider) is None
        too_many = reply("gpt-4o-mini", input_tokens=100, cached_input_tokens=200)
        assert reply_cost(too_many, provider) is None


def test_the_model_that_answered_is_priced_else_the_providers() -> None:
    answered = reply("gpt-4o")
    assert reply_cost(answered, PRESETS["openai"]) == pytest.approx(
        by_hand("openai", "gpt-4o", answered), rel=1e-9
    )
    unnamed = replace(reply("gpt-4o-mini"), model=None)
    assert reply_cost(unnamed, PRESETS["openai"]) == reply_cost(
        reply("gpt-4o-mini"), PRESETS["openai"]
    )


def test_lookups_are_remembered_hits_and_misses(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = DataSnapshot.find_provider_model

    def counting(self: DataSnapshot, model_ref: str, *args: Any) -> Any:
        calls.append(model_ref)
        return real(self, model_ref, *args)

    monkeypatch.setattr(DataSnapshot, "find_provider_model", counting)
    table_entry.cache_clear()
    for _ in range(5):
        assert reply_cost(reply("gpt-4o-mini"), PRESETS["openai"]) is not None
        assert reply_cost(reply("no-such-model"), PRESETS["openai"]) is None
    # The miss is looked up by preset and then by URL: once each, however often asked.
    assert calls == ["gpt-4o-mini", "no-such-model", "no-such-model"]
    assert table_entry.cache_info().hits == 12
    assert get_snapshot() is get_snapshot()


@pytest.mark.parametrize(
    ("cost", "words"),
    [
        (None, "unknown"),
        (0.0, "$0.00"),
        (0.00004, "<$0.0001"),
        (0.0001, "$0.0001"),
        (0.0012, "$0.0012"),
        (0.05, "$0.05"),
        (0.1234, "$0.1234"),
        (0.99999, "$1.00"),
        (1.234, "$1.23"),
        (1234.5, "$1,234.50"),
        (float("nan"), "unknown"),
    ],
)
def test_cost_words(cost: float | None, words: str) -> None:
    assert cost_words(cost) == words


def test_the_table_is_imported_only_when_a_reply_is_priced_from_it() -> None:
    code = (
        "import sys\nimport tui.prices, tui.config\n"
        "print('genai_prices' in sys.modules)\n"
        "from tui.prices import reply_cost\nfrom tui.config import PRESETS\n"
        "from tui.domain import ChatMessage, Role\n"
        "m = ChatMessage(Role.ASSISTANT, 'x', input_tokens=1, output_tokens=1)\n"
        "reply_cost(m, PRESETS['offline'])\nprint('genai_prices' in sys.modules)\n"
        "reply_cost(m, PRESETS['openai'])\nprint('genai_prices' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False", "True"]
