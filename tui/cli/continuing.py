"""`tui-chat ask -c` and `--conversation ID`: a question added to a saved conversation.

The model gets the whole history (tool calls and images included: `build_request` sends
the loaded conversation as the app would); the question and its reply are appended to
the same file. With no `--provider`/`--model`/`--base-url` the conversation's own
provider and model answer.
"""

from __future__ import annotations

import argparse
from contextlib import suppress
from pathlib import Path

from tui.cli.ask_files import QuestionFiles, ReadImage
from tui.cli.options import fail
from tui.config import Config, ProviderConfig
from tui.domain import ChatMessage, Conversation, ImageRef, Role
from tui.store import BlobStore, ConversationStore, StoreError
from tui.store.lock import DataDirLock

_HELD: dict[Path, DataDirLock] = {}
"""The data-dir locks `ask -c` holds while it appends to a conversation."""


def _lock_for(data_dir: Path) -> DataDirLock:
    return _HELD.setdefault(data_dir.resolve(), DataDirLock(data_dir))


def add_continue_options(parser: argparse.ArgumentParser) -> None:
    """`-c/--continue` and `--conversation ID`."""
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "-c",
        "--continue",
        dest="continue_last",
        action="store_true",
        help="continue the most recently changed conversation",
    )
    which.add_argument(
        "--conversation", metavar="ID", help="continue this conversation (ids: tui-chat ls)"
    )


def continued_exchange(
    config: Config,
    args: argparse.Namespace,
    provider: ProviderConfig,
    prompt: str,
    files: QuestionFiles,
) -> tuple[Conversation, ProviderConfig] | None:
    """The saved conversation `args` names with the question appended, and the provider
    to answer it; None when `args` asks for a new conversation. Exits 2 (usage) with
    one sentence on stderr when it cannot be continued."""
    if not args.continue_last and args.conversation is None:
        return None
    if args.compare or args.system:
        fail("tui-chat ask: --compare and --system start a new conversation, not with -c.")
    store = ConversationStore(config.data_dir)
    # Held until ask ends (the process does), so the app cannot write it meanwhile.
    if not args.no_save and not _lock_for(config.data_dir).acquire():
        fail(
            f"tui-chat ask: another tui-chat is using {config.data_dir} and may write this "
            "conversation too: close it first, or ask without -c (a new conversation)."
        )
    conv = load(store, args.conversation)
    if conv.read_only:
        fail(f"tui-chat ask: {conv.read_only}; it cannot be continued.")
    if args.provider is None and args.model is None and args.base_url is None:
        with suppress(KeyError):  # a provider no longer configured: the default answers
            provider = config.provider(conv.provider, model=conv.model)
    conv.reasoning_effort = args.reasoning_effort or conv.reasoning_effort
    conv.thinking_budget = args.thinking_budget or conv.thinking_budget
    conv.add(
        ChatMessage(
            role=Role.USER,
            content=prompt,
            attachments=list(files.attachments),
            images=list(files.images),
        )
    )
    return conv, provider


def load(store: ConversationStore, conversation_id: str | None) -> Conversation:
    """Conversation `conversation_id`, or the most recently changed one (None)."""
    if conversation_id is None:
        summaries = store.list_summaries()
        if not summaries:
            fail("tui-chat ask: there is no saved conversation to continue.")
        conversation_id = summaries[0].id
    bad = not conversation_id or any(c in conversation_id for c in "/\\")
    if bad or not store.path_for(conversation_id).is_file():
        fail(f"tui-chat ask: no conversation {conversation_id!r}.")
    try:
        return store.load(conversation_id)
    except StoreError as exc:
        fail(f"tui-chat ask: {exc}.")


def with_saved_images(read: ReadImage, data_dir: Path) -> ReadImage:
    """`read`, falling back to the data dir's blobs: the history's images are read even
    with --no-save (which keeps the new ones in memory only)."""
    blobs = BlobStore(data_dir)

    def either(ref: ImageRef) -> bytes | None:
        return read(ref) or blobs.read(ref)

    return either
