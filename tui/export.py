"""A conversation as a Markdown document, for files and the clipboard."""

from __future__ import annotations

import re

from tui.domain import Conversation, Role


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
        if message.reasoning:
            lines += [
                "<details><summary>Reasoning</summary>",
                "",
                message.reasoning,
                "",
                "</details>",
                "",
            ]
        lines += [message.content or message.refusal, ""]
        ending = message.finish_reason or "unfinished"
        if message.error:
            ending += f": {message.error}"
        tokens = ""
        if message.output_tokens is not None:
            tokens = f" · {message.input_tokens or 0} in / {message.output_tokens} out tokens"
        lines += [f"*{ending}{tokens}*", ""]
    return "\n".join(lines).rstrip() + "\n"


def export_file_name(conv: Conversation) -> str:
    """A file name from the title: `why-is-the-sky-blue.md`."""
    slug = re.sub(r"[^a-z0-9]+", "-", conv.title.lower()).strip("-")[:60] or conv.id
    return f"{slug}.md"
