"""The built-in `offline` provider: no network, no key, a useful reply at a readable pace.

It is what a new user talks to before adding a real provider, so its reply explains the
app and the exact lines that add one, and shows that it read the user's message.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncGenerator

from tui.providers.base import ChatRequest, ModelListing
from tui.providers.events import Finished, FinishReason, StreamEvent, TextDelta, Usage

GUIDE = """\
Hello! I am **tui-chat's built-in offline guide**: no model is connected yet, so I answer \
without any network. {summary}

## Add a real provider

Set one API key in your shell and start tui-chat again; the first key found becomes the \
default provider:

```sh
export OPENAI_API_KEY=sk-...         # OpenAI
export ANTHROPIC_API_KEY=sk-ant-...  # Anthropic
export OPENROUTER_API_KEY=sk-or-...  # OpenRouter
export DEEPSEEK_API_KEY=sk-...       # DeepSeek
```

Local servers need no key: start Ollama (`ollama serve`), llama.cpp, LM Studio or vLLM and \
pick it with `--provider ollama` (or `llamacpp`, `lmstudio`, `vllm`). Any other \
OpenAI-compatible server goes in the config file ({config_path}):

```toml
default_provider = "myserver"

[providers.myserver]
kind = "openai"                      # or "anthropic"
base_url = "http://127.0.0.1:8080/v1"
model = "my-model"
api_key_env = "MYSERVER_API_KEY"     # the variable that holds the key, if it needs one
```

The same works without the UI: `tui-chat ask --provider ollama "your question"`.
"""


OFFLINE_MODEL = "offline-guide"


def summarise(text: str, limit: int = 80) -> str:
    """A one-sentence echo of the user's message."""
    words = text.split()
    if not words:
        return "Your message was empty."
    flat = " ".join(words)
    quoted = flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
    lines = text.count("\n") + 1
    shape = f"{len(words)} word{'s' if len(words) != 1 else ''}"
    if lines > 1:
        shape += f" on {lines} lines"
    return f"You wrote {shape}: “{quoted}”"


def count_tokens(text: str) -> int:
    """The offline provider's token: a word or a run of punctuation."""
    return len(re.findall(r"\w+|[^\w\s]+", text))


class OfflineProvider:
    """Streams the guide word by word, `chunk_delay` seconds apart."""

    def __init__(self, *, chunk_delay: float = 0.012, config_path: str = "config.toml") -> None:
        self.chunk_delay = chunk_delay
        self.config_path = config_path

    async def aclose(self) -> None:
        """Nothing to release."""

    async def list_models(self, wait_s: float) -> ModelListing:
        """The one built-in model."""
        return ModelListing(models=(OFFLINE_MODEL,))

    async def context_window(self, model: str, wait_s: float) -> int | None:
        """The guide has no context limit."""
        return None

    async def stream(self, request: ChatRequest) -> AsyncGenerator[StreamEvent, None]:
        """Stream the guide, ending with `stop` (or `length` if max_tokens cuts it)."""
        last = next((m for m in reversed(request.messages) if m.role == "user"), None)
        summary = summarise(last.content if last is not None else "")
        if last is not None and last.images:
            count = len(last.images)
            summary += f" With {count} image{'s' if count != 1 else ''}, which I cannot look at."
        reply = GUIDE.format(summary=summary, config_path=self.config_path)
        prompt_tokens = count_tokens(
            (request.system or "") + "".join(m.content for m in request.messages)
        )
        yield Usage(prompt_tokens, 0)
        pieces = re.findall(r"\S+\s*|\s+", reply)
        produced = 0
        for piece in pieces:
            if request.max_tokens is not None and produced >= request.max_tokens:
                yield Usage(prompt_tokens, produced)
                yield Finished(FinishReason.LENGTH, "length")
                return
            if self.chunk_delay > 0:
                await asyncio.sleep(self.chunk_delay)
            yield TextDelta(piece)
            produced += count_tokens(piece)
        yield Usage(prompt_tokens, produced)
        yield Finished(FinishReason.STOP, "stop")
