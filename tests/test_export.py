"""A conversation as Markdown: text, reasoning, and a reply's tool rounds in order."""

from __future__ import annotations

from tui.domain import ChatMessage, Conversation, Role, ToolCallRecord, ToolResult, ToolStep
from tui.export import conversation_markdown, export_file_name


def tool_conversation() -> Conversation:
    conv = Conversation.start("offline", "offline-guide")
    conv.add(ChatMessage(Role.USER, "What is in my notes?"))
    reply = ChatMessage(
        Role.ASSISTANT,
        "Your notes say to buy milk.",
        provider="openai",
        model="gpt-x",
        finish_reason="stop",
        steps=[
            ToolStep(
                "Let me read them.",
                [
                    ToolCallRecord(
                        "c1",
                        "read_file",
                        '{"path":"notes.md"}',
                        server="files",
                        result=ToolResult("# Notes\nbuy milk\n```sh\nls\n```", duration_s=0.123),
                    ),
                    ToolCallRecord(
                        "c2",
                        "web_fetch",
                        "{not json",
                        server="web",
                        tool="fetch",
                        result=ToolResult("denied by the user", is_error=True),
                    ),
                ],
                reasoning="Files first.",
            ),
        ],
    )
    conv.add(reply)
    return conv


def test_a_replys_rounds_are_exported_in_order() -> None:
    text = conversation_markdown(tool_conversation())
    order = [
        "## openai · gpt-x",
        "Files first.",
        "Let me read them.",
        "**Tool call** `read_file` (files)",
        '```json\n{\n  "path": "notes.md"\n}\n```',
        "**Result** · 0.12 s",
        "````text\n# Notes\nbuy milk\n```sh\nls\n```\n````",  # a fence the text cannot close
        "**Tool call** `web_fetch` (web: `fetch`)",
        "```json\n{not json\n```",  # written as the model sent it
        "**Result** (error)\n\n```text\ndenied by the user\n```",
        "Your notes say to buy milk.",
        "*stop*",
    ]
    places = [text.index(part) for part in order]
    assert places == sorted(places)
    assert text.count("(error)") == 1


def test_a_call_without_a_result_and_the_last_rounds_calls() -> None:
    conv = tool_conversation()
    reply = conv.messages[1]
    reply.content = ""
    reply.finish_reason = "tool_limit"
    reply.tool_calls = [ToolCallRecord("c3", "search", "{}")]
    text = conversation_markdown(conv)
    last_call = text.index("**Tool call** `search`\n\n```json\n{}\n```")
    assert last_call > text.index("**Tool call** `web_fetch`")
    assert text.index("*No result (the call did not run).*") > last_call
    assert text.rstrip().endswith("*tool_limit*")
    assert "\n\n\n" not in text


def test_a_reply_without_tools_is_exported_as_before() -> None:
    conv = Conversation.start("offline", "offline-guide")
    conv.add(ChatMessage(Role.USER, "Hi"))
    conv.add(ChatMessage(Role.ASSISTANT, "Hello!", reasoning="Greet.", finish_reason="stop"))
    text = conversation_markdown(conv)
    assert "## You\n\nHi\n\n## Assistant\n\n<details><summary>Reasoning</summary>" in text
    assert "Greet.\n\n</details>\n\nHello!\n\n*stop*\n" in text
    assert "Tool call" not in text
    assert export_file_name(conv) == "hi.md"
