from __future__ import annotations

import tempfile
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.domain import Attachment, ChatMessage, Conversation, MessageStatus, Role, ToolCallRecord
from tui.store import ConversationStore, StoreError
from tui.store.store import encode

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
        error=draw(st.none() | texts),
        tool_calls=draw(st.lists(st.builds(ToolCallRecord, texts, texts, texts), max_size=2)),
        attachments=draw(st.lists(st.builds(Attachment, texts, texts), max_size=2)),
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
    )


@settings(max_examples=150, deadline=None)
@given(conversations())
def test_save_then_load_gives_back_the_same_conversation(conv: Conversation) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = ConversationStore(Path(folder))
        store.save(conv)
        assert store.load(conv.id) == conv


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
