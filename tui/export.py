"""A conversation as a Markdown document, for files and the clipboard."""

from __future__ import annotations

import json
import re

from tui.domain import ChatMessage, Conversation, Role, ToolCallRecord


def conversation_markdown(conv: Conversation) -> str:
    """The whole conversation as Markdown: title, system prompt, then each message."""
    lines = [f"# {conv.title}", ""]
    when = conv.created_at.strftime("%Y-%m-%d %H:%M UTC")
    lines += [f"*{conv.provider} · {conv.model} · {when}*", ""]
    if conv.system_prompt:
        lines += ["> **System prompt:** " + conv.system_prompt.replace("\n", "\n> "), ""]
    for message in conv.messages:
        if message.role is Role.USER:
            lines += ["## You", "", message.content, ""]
            continue
        who = " · ".join(p for p in (message.provider, message.model) if p) or "Assistant"
        lines += [f"## {who}", ""]
        lines += _reply_markdown(message)
        ending = message.finish_reason or "unfinished"
        if message.error:
            ending += f": {message.error}"
        tokens = ""
        if message.output_tokens is not None:
            tokens = f" · {message.input_tokens or 0} in / {message.output_tokens} out tokens"
        lines += [f"*{ending}{tokens}*", ""]
    return "\n".join(lines).rstrip() + "\n"


def _reply_markdown(message: ChatMessage) -> list[str]:
    """A reply's rounds in order: each earlier round's text and calls, then the last's."""
    lines: list[str] = []
    for step in message.steps:
        lines += _reasoning(step.reasoning)
        if step.text:
            lines += [step.text, ""]
        for call in step.calls:
            lines += _call_markdown(call)
    lines += _reasoning(message.reasoning)
    if text := message.content or message.refusal:
        lines += [text, ""]
    for call in message.tool_calls:
        lines += _call_markdown(call)
    return lines


def _reasoning(text: str) -> list[str]:
    if not text:
        return []
    return ["<details><summary>Reasoning</summary>", "", text, "", "</details>", ""]


def _call_markdown(call: ToolCallRecord) -> list[str]:
    where = call.server
    if call.tool:
        where = f"{where}: `{call.tool}`" if where else f"`{call.tool}`"
    head = f"**Tool call** `{call.name}`" + (f" ({where})" if where else "")
    lines = [head, "", *_fenced(_pretty_json(call.arguments), "json"), ""]
    result = call.result
    if result is None:
        return [*lines, "*No result (the call did not run).*", ""]
    label = "**Result** (error)" if result.is_error else "**Result**"
    if result.duration_s is not None:
        label += f" · {result.duration_s:.2f} s"
    return [*lines, label, "", *_fenced(result.text, "text"), ""]


def _pretty_json(arguments: str) -> str:
    """The arguments indented, when they are JSON (else as the model wrote them)."""
    try:
        return json.dumps(json.loads(arguments), indent=2, ensure_ascii=False)
    except ValueError:
        return arguments


def _fenced(text: str, language: str) -> list[str]:
    """`text` in a code fence longer than any run of backticks inside it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence + language, text, fence]


def export_file_name(conv: Conversation) -> str:
    """A file name from the title: `why-is-the-sky-blue.md`."""
    slug = re.sub(r"[^a-z0-9]+", "-", conv.title.lower()).strip("-")[:60] or conv.id
    return f"{slug}.md"
