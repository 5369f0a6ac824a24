from __future__ import annotations

import base64
import hashlib
import os
import tempfile
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.picture_bytes import picture
from tui.domain import (
    Attachment,
    ChatMessage,
    Conversation,
    ImageRef,
    MessageStatus,
    Role,
    ToolCallRecord,
    ToolResult,
    ToolStep,
)
from tui.store import BlobStore, ConversationStore, StoreError
from tui.store.parse_cache import ParseCache
from tui.store.store import decode, encode

# Any Unicode text a model or a person could produce, control characters included;
# only lone surrogates are left out (they cannot be encoded as UTF-8 at all).
any_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=200)
tricky_text = st.sampled_from(
    [
        "",
        "a\r\nb",
        "lone\rcr",
        '"""',
        "back\\slash\\",
        "\x00\x1b[2J\x07",
        "👩🏽‍💻 🇫🇷",
        "\n",
        "end\\",
    ]
)
texts = st.one_of(any_text, tricky_text)
moments = st.datetimes(
    # hypothesis takes naive bounds and applies `timezones` itself
    min_value=datetime(2000, 1, 1),  # noqa: DTZ001
    max_value=datetime(2100, 1, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
)


durations = st.none() | st.just(0.12) | st.floats(0, 10**6, allow_nan=False)
images = st.builds(
    ImageRef,
    sha256=st.binary(max_size=8).map(lambda data: hashlib.sha256(data).hexdigest()),
    name=texts,
    media_type=st.sampled_from(["image/png", "image/jpeg", "image/gif", "image/webp"]),
    size=st.integers(0, 50 * 1024 * 1024),
    width=st.integers(0, 10**5),
    height=st.integers(0, 10**5),
)
costs = st.none() | st.just(0.0) | st.floats(0, 10**4, allow_nan=False, allow_infinity=False)
results = st.builds(ToolResult, texts, st.booleans(), durations, st.lists(images, max_size=2))


@st.composite
def tool_calls(draw: st.DrawFn) -> ToolCallRecord:
    name = draw(texts)
    return ToolCallRecord(
        id=draw(texts),
        name=name,
        arguments=draw(texts),
        server=draw(texts),
        # written only when it differs from the name (the same name is "")
        tool=draw(st.just("") | texts.filter(lambda tool: tool != name)),
        result=draw(st.none() | results),
    )


steps = st.builds(ToolStep, texts, st.lists(tool_calls(), max_size=2), texts)


@st.composite
def messages(draw: st.DrawFn, depth: int = 1) -> ChatMessage:
    role = draw(st.sampled_from(list(Role)))
    optional_int = st.none() | st.integers(0, 10**9)
    message = ChatMessage(
        role=role,
        content=draw(texts),
        created_at=draw(moments),
        provider=draw(st.none() | texts),
        model=draw(st.none() | texts),
        reasoning=draw(texts),
        refusal=draw(texts),
        status=draw(st.sampled_from(list(MessageStatus))),
        finish_reason=draw(st.none() | st.sampled_from(["stop", "length", "error"])),
        raw_finish_reason=draw(st.none() | texts),
        input_tokens=draw(optional_int),
        output_tokens=draw(optional_int),
        reasoning_tokens=draw(optional_int),
        cached_input_tokens=draw(optional_int),
        cache_write_tokens=draw(optional_int),
        cost_usd=draw(costs),
        error=draw(st.none() | texts),
        tool_calls=draw(st.lists(tool_calls(), max_size=2)),
        steps=draw(st.lists(steps, max_size=2)),
        attachments=draw(st.lists(st.builds(Attachment, texts, texts), max_size=2)),
        images=draw(st.lists(images, max_size=2)) if role is Role.USER else [],
    )
    if depth:
        message.alternatives = draw(st.lists(messages(depth=0), max_size=2))
        message.version = draw(st.integers(0, len(message.alternatives)))
    return message


@st.composite
def conversations(draw: st.DrawFn) -> Conversation:
    created = draw(moments)
    return Conversation(
        id="20261124-000000-abcdef",
        title=draw(texts),
        provider=draw(texts),
        model=draw(texts),
        created_at=created,
        updated_at=created + timedelta(seconds=draw(st.integers(0, 10**6))),
        system_prompt=draw(st.none() | texts),
        messages=draw(st.lists(messages(), max_size=4)),
        disabled_tools=draw(st.lists(texts, max_size=3)),
    )


@settings(max_examples=60, deadline=None)
@given(conversations())
def test_save_then_load_gives_back_the_same_conversation(conv: Conversation) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = ConversationStore(Path(folder))
        store.save(conv)
        assert store.load(conv.id) == conv


@settings(max_examples=30, deadline=None)
@given(conversations())
def test_a_conversation_kept_parsed_loads_the_same_as_from_its_file(conv: Conversation) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = ConversationStore(Path(folder))
        store.parsed = ParseCache(Path(folder), min_bytes=0)  # every file, not just long ones
        path = store.save(conv)
        cached = store.parsed.get(path)
        assert cached is not None
        assert store.load(conv.id) == conv  # from the cache
        assert decode(path, tomllib.loads(path.read_text(encoding="utf-8"))) == conv


def test_the_parsed_copy_is_used_only_while_the_file_is_unchanged(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path)
    conv = sample("x" * 70_000)  # over the size worth caching
    path = store.save(conv)
    assert store.parsed.get(path) is not None
    edited = path.read_text(encoding="utf-8").replace("x" * 70_000, "y" + "x" * 69_999)
    path.write_text(edited, encoding="utf-8")  # the same size: the mtime tells
    assert store.parsed.get(path) is None  # edited by hand: parsed again...
    assert store.load(conv.id).messages[0].content.startswith("yx")
    assert store.parsed.get(path) is not None  # ...and kept again
    store.trash(conv.id)
    assert not list((tmp_path / "cache" / "parsed").glob("*.json"))


def sample(text: str = "line one\nline two") -> Conversation:
    conv = Conversation.start("offline", "offline-guide")
    conv.add(ChatMessage(Role.USER, text))
    conv.add(ChatMessage(Role.ASSISTANT, "reply", finish_reason="stop", output_tokens=3))
    return conv


def test_file_is_readable_toml_with_multiline_text(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path)
    conv = sample()
    path = store.save(conv)
    assert path == tmp_path / "conversations" / f"{conv.id}.toml"
    text = path.read_text(encoding="utf-8")
    assert 'content = """\nline one\nline two"""' in text
    assert text.startswith("schema = 1\n")
    data = tomllib.loads(text)
    assert data["conversation"]["title"] == "line one"
    assert "error" not in data["messages"][1]  # absent, not null


def test_crlf_text_survives(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path)
    conv = sample("windows\r\nline")
    store.save(conv)
    assert store.load(conv.id).messages[0].content == "windows\r\nline"


def test_save_leaves_no_temp_files_and_replaces_atomically(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path)
    conv = sample()
    store.save(conv)
    conv.add(ChatMessage(Role.USER, "more"))
    store.save(conv)
    assert [p.name for p in store.folder.iterdir()] == [f"{conv.id}.toml"]
    assert len(store.load(conv.id).messages) == 3


def test_list_summaries_newest_first(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path)
    assert store.list_summaries() == []
    first, second = sample(), sample()
    store.save(first)
    store.save(second)
    import os

    os.utime(store.path_for(first.id), (1, 1))
    assert [s.id for s in store.list_summaries()] == [second.id, first.id]


def test_a_newer_schema_opens_read_only_and_a_broken_file_is_refused(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path)
    store.folder.mkdir(parents=True)
    original = sample()
    newer = store.path_for(original.id)
    newer.write_text(
        encode(original).decode().replace("schema = 1", "schema = 9") + "\n[future]\nx = 1\n"
    )
    conv = store.load(original.id)
    assert conv.read_only is not None
    assert "newer tui-chat" in conv.read_only
    assert [m.content for m in conv.messages] == [m.content for m in original.messages]
    unknown = store.path_for("unknown")
    unknown.write_text("schema = 9\n[conversation]\nshape = 'different'\n")
    broken = store.path_for("broken")
    broken.write_text("[conversation\n")
    for name, words in (("unknown", "newer tui-chat"), ("broken", "not valid TOML")):
        before = store.path_for(name).read_bytes()
        with pytest.raises(StoreError, match=words):
            store.load(name)
        assert store.path_for(name).read_bytes() == before


def test_unwritable_data_dir_raises_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError, match="could not save"):
        ConversationStore(blocker).save(sample())


def tool_reply() -> Conversation:
    conv = sample("what is in notes?")
    reply = conv.messages[1]
    reply.steps = [
        ToolStep(
            "Let me look.",
            [
                ToolCallRecord(
                    "call_1",
                    "files_read",
                    '{"path": "notes.md"}',
                    server="files",
                    tool="read_file",
                    result=ToolResult("# Notes\nbuy milk", duration_s=0.12),
                ),
                ToolCallRecord(
                    "call_2",
                    "search",
                    "{}",
                    server="web",
                    result=ToolResult("denied by the user", is_error=True),
                ),
            ],
            reasoning="The user wants the file.",
        ),
        ToolStep("", [ToolCallRecord("call_3", "search", '{"q": "milk"}', server="web")]),
    ]
    conv.disabled_tools = ["web/fetch", "files/write_file"]
    return conv


def test_a_reply_with_tool_calls_is_plain_diffable_toml(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path)
    conv = tool_reply()
    text = store.save(conv).read_text(encoding="utf-8")
    assert 'disabled_tools = [\n    "web/fetch",\n    "files/write_file",\n]' in text
    assert text.count("[[messages.steps]]\n") == 2
    assert text.count("[[messages.steps.calls]]\n") == 2
    # a short call is one line (tomli-w writes small tables inline)
    assert 'calls = [\n    { id = "call_3", name = "search", arguments = "{\\"q\\": ' in text
    assert 'text = "Let me look."\nreasoning = "The user wants the file."\n' in text
    assert 'server = "files"\ntool = "read_file"\nresult = """\n# Notes\nbuy milk"""' in text
    assert "duration_s = 0.12\n" in text
    assert 'result = "denied by the user"\nis_error = true\n' in text
    assert text.count("result =") == 2  # the call that never ran has none
    assert "is_error = false" not in text
    assert 'tool = "search"' not in text  # the same as its name
    assert store.load(conv.id) == conv


def test_a_conversation_without_tools_writes_no_tool_keys(tmp_path: Path) -> None:
    text = ConversationStore(tmp_path).save(sample()).read_text(encoding="utf-8")
    for key in ("disabled_tools", "steps", "tool_calls", "result"):
        assert key not in text


def test_a_file_from_before_tool_results_still_reads(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path)
    store.folder.mkdir(parents=True)
    path = store.path_for("20250101-000000-abcdef")
    path.write_text(
        'schema = 1\n[conversation]\nid = "20250101-000000-abcdef"\ntitle = "t"\n'
        "created = 2025-01-01T00:00:00Z\n"
        '[[messages]]\nrole = "assistant"\ncreated = 2025-01-01T00:00:01Z\ncontent = ""\n'
        'finish_reason = "tool_calls"\n'
        '[[messages.tool_calls]]\nid = "c1"\nname = "lookup"\narguments = "{}"\n',
        encoding="utf-8",
    )
    conv = store.load("20250101-000000-abcdef")
    assert conv.messages[0].tool_calls == [ToolCallRecord("c1", "lookup", "{}")]
    assert conv.messages[0].steps == []
    assert conv.disabled_tools == []


def test_alternatives_keep_their_steps(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path)
    conv = tool_reply()
    reply = conv.messages[1]
    reply.alternatives = [reply.retire()]
    reply.steps = []
    text = store.save(conv).read_text(encoding="utf-8")
    assert text.count("[[messages.alternatives.steps]]\n") == 2
    assert "[[messages.steps]]" not in text
    loaded = store.load(conv.id)
    assert loaded.messages[1].alternatives[0].steps == tool_reply().messages[1].steps


def test_a_bad_tool_result_is_refused(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path)
    conv = tool_reply()
    path = store.save(conv)
    path.write_text(path.read_text().replace("is_error = true", 'is_error = "yes"'))
    with pytest.raises(StoreError, match="is_error must be true or false"):
        store.load(conv.id)


def image_conversation(store: ConversationStore, data: bytes) -> tuple[Conversation, ImageRef]:
    """A question with an image kept in `store`'s blobs, and a reply whose tool returned it."""
    digest = store.blobs.put(data, "image/png")
    ref = ImageRef(digest, "shots/photo.png", "image/png", len(data), 640, 480)
    conv = tool_reply()
    conv.messages[0].images = [ref]
    result = conv.messages[1].steps[0].calls[0].result
    assert result is not None
    result.images = [ref]
    return conv, ref


def test_an_image_is_one_short_line_naming_its_blob_by_its_full_digest(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path)
    data = picture("PNG", (640, 480)) + os.urandom(100_000)  # heavy: none of it in the TOML
    conv, ref = image_conversation(store, data)
    path = store.save(conv)
    text = path.read_text(encoding="utf-8")
    table = (
        f'sha256 = "{ref.sha256}"\nname = "shots/photo.png"\nmedia_type = "image/png"\n'
        f"bytes = {len(data)}\nwidth = 640\nheight = 480\n"
    )
    assert f'content = "what is in notes?"\n\n[[messages.images]]\n{table}' in text
    assert f"duration_s = 0.12\n\n[[messages.steps.calls.images]]\n{table}" in text
    assert text.count(ref.sha256) == 2
    assert len(ref.sha256) == 64
    assert len(text) < 2000
    assert base64.b64encode(data[:30]).decode()[:20] not in text
    assert base64.b64encode(data[30:90]).decode()[:20] not in text
    loaded = store.load(conv.id)
    assert loaded == conv
    assert store.blobs.read(loaded.messages[0].images[0]) == data


@pytest.mark.parametrize(
    "digest",
    ["ABCDEF" + "0" * 58, "0" * 63, "0" * 65, "g" * 64, "sha256:" + "0" * 57],
)
def test_an_image_whose_digest_is_not_64_lowercase_hex_is_refused(
    tmp_path: Path, digest: str
) -> None:
    store = ConversationStore(tmp_path)
    conv, ref = image_conversation(store, picture())
    path = store.save(conv)
    text = path.read_text(encoding="utf-8")
    # the tool result's reference only: the question's stays good
    at = text.rindex(ref.sha256)
    path.write_text(text[:at] + digest + text[at + 64 :], encoding="utf-8")
    with pytest.raises(StoreError, match="image sha256 must be 64 lowercase hex digits"):
        store.load(conv.id)


def test_an_image_without_its_pixel_size_is_refused(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path)
    conv, _ = image_conversation(store, picture())
    path = store.save(conv)
    path.write_text(path.read_text().replace("width = 640", 'width = "wide"'))
    with pytest.raises(StoreError, match="image width must be a whole number"):
        store.load(conv.id)


def test_a_blob_is_kept_once_and_shared_by_two_conversations(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path)
    data = picture()
    first, ref = image_conversation(store, data)
    second, again = image_conversation(store, data)
    store.save(first)
    store.save(second)
    assert again == ref
    assert [p.name for p in store.blobs.root.iterdir()] == [f"{ref.sha256}.png"]
    assert store.blobs.path(ref.sha256, "image/png").read_bytes() == data
    assert hashlib.sha256(data).hexdigest() == ref.sha256
    other = store.blobs.put(picture("JPEG"), "image/jpeg")
    assert store.blobs.path(other, "image/jpeg").name == f"{other}.jpg"
    assert len(list(store.blobs.root.iterdir())) == 2


def test_a_blob_is_written_atomically_and_never_rewritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blobs = BlobStore(tmp_path)
    data = picture()

    def fail(source: object, target: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="No space"):
        blobs.put(data, "image/png")
    assert list(blobs.root.iterdir()) == []  # neither a half blob nor a temp file
    monkeypatch.undo()
    digest = blobs.put(data, "image/png")
    path = blobs.path(digest, "image/png")
    before = path.stat()
    monkeypatch.setattr(os, "replace", fail)
    assert blobs.put(data, "image/png") == digest  # already there: not written again
    assert path.stat().st_ino == before.st_ino
    assert [p.name for p in blobs.root.iterdir()] == [path.name]


def test_a_missing_or_damaged_blob_reads_as_none(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path)
    conv, ref = image_conversation(store, picture())
    store.save(conv)
    path = store.blobs.path(ref.sha256, ref.media_type)
    path.write_bytes(picture(color="blue"))  # not the bytes its name promises
    assert store.blobs.has(ref)
    assert store.blobs.read(ref) is None
    path.unlink()
    assert not store.blobs.has(ref)
    assert store.blobs.read(ref) is None
    assert store.load(conv.id) == conv  # the conversation reads all the same
