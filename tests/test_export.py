"""A conversation as Markdown: text, reasoning, and a reply's tool rounds in order."""

from __future__ import annotations

import hashlib
from pathlib import Path

from tests.picture_bytes import picture
from tui.domain import (
    ChatMessage,
    Conversation,
    ImageRef,
    Role,
    ToolCallRecord,
    ToolResult,
    ToolStep,
)
from tui.export import conversation_markdown, export_file_name, export_markdown
from tui.store.atomic import atomic_write_bytes


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


def image_conversation(photo: ImageRef, chart: ImageRef) -> Conversation:
    conv = tool_conversation()
    conv.messages[0].images = [photo]
    result = conv.messages[1].steps[0].calls[0].result
    assert result is not None
    result.images = [chart, photo]
    return conv


def ref(data: bytes, name: str, media_type: str = "image/png") -> ImageRef:
    return ImageRef(hashlib.sha256(data).hexdigest(), name, media_type, len(data), 4, 3)


def test_images_are_written_beside_the_file_and_linked_under_their_message(
    tmp_path: Path,
) -> None:
    photo_data, chart_data = picture(), picture("JPEG")
    photo, chart = ref(photo_data, "photo.png"), ref(chart_data, "chart [v2].jpg", "image/jpeg")
    blobs = {photo.sha256: photo_data, chart.sha256: chart_data}
    exported = export_markdown(
        image_conversation(photo, chart), "my notes.md", lambda r: blobs.get(r.sha256)
    )
    photo_file = f"my notes.images/{photo.sha256[:12]}.png"
    chart_file = f"my notes.images/{chart.sha256[:12]}.jpg"
    assert exported.files == {photo_file: photo_data, chart_file: chart_data}  # each once
    text = exported.text
    photo_link = f"![photo.png](my%20notes.images/{photo.sha256[:12]}.png)"
    chart_link = f"![chart \\[v2\\].jpg](my%20notes.images/{chart.sha256[:12]}.jpg)"
    order = [
        "## You\n\nWhat is in my notes?\n\n" + photo_link + "\n\n## openai",
        "**Result** · 0.12 s",
        f"````\n\n{chart_link}\n\n{photo_link}\n\n**Tool call** `web_fetch`",
    ]
    places = [text.index(part) for part in order]
    assert places == sorted(places)
    assert text.count(photo_link) == 2
    exported.write(tmp_path / "my notes.md", atomic_write_bytes)
    assert (tmp_path / "my notes.md").read_text(encoding="utf-8") == text
    assert (tmp_path / photo_file).read_bytes() == photo_data
    assert (tmp_path / chart_file).read_bytes() == chart_data
    assert sorted(p.name for p in tmp_path.rglob("*")) == sorted(
        ["my notes.md", "my notes.images", Path(photo_file).name, Path(chart_file).name]
    )


def test_a_missing_blob_is_a_line_saying_so() -> None:
    photo_data = picture()
    photo, gone = ref(photo_data, "photo.png"), ref(b"gone", "lost_*shot*.png")
    exported = export_markdown(
        image_conversation(gone, photo),
        "notes.md",
        lambda r: photo_data if r == photo else None,
    )
    assert "## You\n\nWhat is in my notes?\n\n*(image missing: lost\\_\\*shot\\*.png)*\n" in (
        exported.text
    )
    assert exported.text.count("*(image missing: ") == 2
    assert list(exported.files) == [f"notes.images/{photo.sha256[:12]}.png"]


def test_the_clipboard_copy_names_each_image() -> None:
    photo = ref(picture(), "photo.png")
    text = conversation_markdown(image_conversation(photo, photo))
    assert "What is in my notes?\n\n*(image: photo.png, 4x3)*\n\n## openai" in text
    assert text.count("*(image: photo.png, 4x3)*") == 3  # the question, the result twice
    assert "![" not in text
