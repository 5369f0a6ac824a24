"""A history's tool rounds as plain text, for a request that offers no tools.

Both APIs refuse tool calls and results in a request without `tools` (Anthropic always,
many OpenAI-compatible servers too), and a conversation may carry them into one: its
servers have not started yet, are turned off, or the reply goes to compare mode. The
model still reads what was called and what came back; images a tool returned go with
the user turn the results become (both APIs take images there).
"""

from __future__ import annotations

from tui.providers.base import RequestMessage


def without_tool_turns(messages: tuple[RequestMessage, ...]) -> tuple[RequestMessage, ...]:
    """`messages` with each tool round written out as text (others unchanged)."""
    if not any(m.tool_calls or m.role == "tool" for m in messages):
        return messages
    plain: list[RequestMessage] = []
    for message in messages:
        if message.tool_calls:
            calls = "\n".join(
                f"[called the tool {c.name} with {c.arguments or '{}'}]" for c in message.tool_calls
            )
            plain.append(RequestMessage("assistant", f"{message.content}\n\n{calls}".strip()))
        elif message.role == "tool":
            results = "\n".join(
                f"[{r.name} {'failed' if r.is_error else 'returned'}: {r.text}]"
                for r in message.tool_results
            )
            images = tuple(image for r in message.tool_results for image in r.images)
            plain.append(RequestMessage("user", results, images=images))
        else:
            plain.append(message)
    return tuple(plain)
