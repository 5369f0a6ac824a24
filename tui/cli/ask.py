"""`tui-chat ask`: the chat engine without the UI, for scripts and pipes.

The reply text goes to stdout as it arrives (flushed per chunk); usage, the finish
reason and any error go to stderr. With `--json`, stdout carries one JSON object per line.
Exit status: 0 for a finished reply, 1 for a provider error, 2 for bad usage, 130 when
interrupted (the partial reply is saved), 141 when the reader of stdout went away.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import hashlib
import json
import os
import sys
from contextlib import aclosing
from typing import Any, TextIO

from tui.cli.ask_costs import check_budget, price_reply
from tui.cli.ask_files import AskFileError, ReadImage, read_question_files
from tui.cli.ask_tools import (
    TerminalApprover,
    ToolPrinter,
    add_tool_options,
    chosen_servers,
    start_tools,
)
from tui.cli.continuing import add_continue_options, continued_exchange, with_saved_images
from tui.cli.json_result import result_object
from tui.cli.options import add_common_options, fail, resolve
from tui.config import MIN_THINKING_BUDGET, REASONING_EFFORTS, Config, ProviderConfig
from tui.domain import Attachment, ChatMessage, Conversation, ImageRef, Role
from tui.engine import ReplyRun, build_request, fitted_images, new_reply, scaled_notice
from tui.engine.run import RunEvent
from tui.engine.stream import Sleep
from tui.engine.tool_step import ToolActivity
from tui.inert import make_inert
from tui.prices import cost_words
from tui.providers.events import (
    FinishReason,
    ReasoningDelta,
    RefusalDelta,
    RetryScheduled,
    TextDelta,
)
from tui.providers.retry import RetryPolicy
from tui.session.pool import AdapterPool
from tui.store import ConversationStore, StoreError
from tui.vision import takes_images
from tui.vision import warning as vision_warning

EXIT_OK, EXIT_PROVIDER_ERROR, EXIT_INTERRUPTED, EXIT_BROKEN_PIPE = 0, 1, 130, 141


def build_parser() -> argparse.ArgumentParser:
    """The `tui-chat ask` argument parser."""
    parser = argparse.ArgumentParser(
        prog="tui-chat ask",
        description="Ask a model one question and stream the answer to stdout.",
        epilog="Piped input comes before the prompt: cat notes.md | tui-chat ask 'summarise this'",
    )
    add_common_options(parser)
    parser.add_argument("--system", metavar="TEXT", help="system prompt")
    parser.add_argument("--json", action="store_true", help="print one JSON event per line")
    parser.add_argument("--no-save", action="store_true", help="do not save the conversation")
    parser.add_argument(
        "--over-budget",
        action="store_true",
        help="send even when a [budget] in the config is used up",
    )
    parser.add_argument(
        "-f",
        "--file",
        action="append",
        default=[],
        metavar="PATH",
        help="attach a text file or an image (PNG, JPEG, GIF, WebP) to the question "
        "(repeatable; other binary files and huge text files are refused)",
    )
    parser.add_argument(
        "--compare",
        action="append",
        default=[],
        metavar="PROVIDER:MODEL",
        help="ask 2 to 4 provider:model pairs at once (repeat the option); prints each "
        "reply in turn and a table of tokens, times and finish reasons",
    )
    parser.add_argument(
        "--reasoning-effort",
        choices=REASONING_EFFORTS,
        help="reasoning effort for OpenAI-style reasoning models (not sent to others)",
    )
    parser.add_argument(
        "--thinking-budget",
        type=int,
        metavar="TOKENS",
        help=f"Anthropic extended thinking with this budget (at least {MIN_THINKING_BUDGET})",
    )
    add_tool_options(parser)
    add_continue_options(parser)
    parser.add_argument("prompt", nargs="*", help="the question (words are joined by spaces)")
    return parser


def read_prompt(words: list[str], stdin: TextIO) -> str:
    """The prompt: piped stdin (if any) followed by the words on the command line."""
    parts = []
    if not stdin.isatty():
        piped = stdin.read()
        if piped.strip():
            parts.append(piped.rstrip("\n"))
    if words:
        parts.append(" ".join(words))
    return "\n\n".join(parts)


class Printer:
    """Writes events to stdout/stderr as plain text or JSON lines."""

    def __init__(self, out: TextIO, err: TextIO, *, as_json: bool) -> None:
        self.out, self.err, self.as_json = out, err, as_json
        # Raw bytes go to pipes untouched; a terminal only ever sees inert text.
        self.out_inert = not as_json and out.isatty()
        self.err_inert = err.isatty()
        self.ends_with_newline = True
        self.tools = ToolPrinter(self.json if as_json else None, err)

    def event(self, event: RunEvent) -> None:
        """Print one event as it arrives."""
        if isinstance(event, ToolActivity):
            self.close_text()
            self.tools.activity(event, self.write_err)
        elif self.as_json:
            if isinstance(event, TextDelta | ReasoningDelta):
                kind = "text" if isinstance(event, TextDelta) else "reasoning"
                self.json({"type": kind, "text": event.text})
        elif isinstance(event, TextDelta | RefusalDelta):
            self.write_out(event.text)
        elif isinstance(event, ReasoningDelta):
            self.write_err(event.text)
        if isinstance(event, RetryScheduled):
            self.write_err(
                f"\n{event.error.message}\nRetrying in {event.delay:g} s "
                f"(attempt {event.attempt}).\n"
            )

    def result(self, run: ReplyRun, provider: ProviderConfig, elapsed: float) -> None:
        """Print the closing summary (and the `result` object with --json)."""
        state = run.state
        if self.as_json:
            self.json(result_object(state, cost_usd=run.message.cost_usd))
        elif not self.ends_with_newline:
            self.write_out("\n")
        for call in state.calls():
            if call.result is None:
                self.write_err(f"tool call not run: {call.name}({call.arguments})\n")
        if state.error is not None:
            self.write_err(f"error: {state.error.message}\n")
        self.write_err(summary_line(run, provider, elapsed) + "\n")

    def warn(self, message: str) -> None:
        """A warning line on stderr."""
        self.write_err(f"warning: {message}\n")

    def close_text(self) -> None:
        """End the reply text with a newline if it did not."""
        if not self.as_json and not self.ends_with_newline:
            self.write_out("\n")

    def json(self, obj: dict[str, Any]) -> None:
        """One JSON line on stdout."""
        self.out.write(json.dumps(obj) + "\n")
        self.out.flush()

    def write_out(self, text: str) -> None:
        """Text on stdout (made inert on a terminal)."""
        if text:
            self.out.write(make_inert(text) if self.out_inert else text)
            self.out.flush()
            self.ends_with_newline = text.endswith("\n")

    def write_err(self, text: str) -> None:
        """Text on stderr (made inert on a terminal)."""
        self.err.write(make_inert(text) if self.err_inert else text)
        self.err.flush()


def summary_line(run: ReplyRun, provider: ProviderConfig, elapsed: float) -> str:
    """`[stop] 12 in / 34 out tokens · openai gpt-4o-mini · 1.2 s` (tokens of every round)."""
    state, message = run.state, run.message
    reason = str(state.finish_reason or FinishReason.ERROR)
    if state.finish_reason is FinishReason.LENGTH:
        reason = "length: cut off at max tokens"
    elif state.finish_reason is FinishReason.TOOL_LIMIT:
        reason = f"tool_limit: stopped after {len(run.rounds)} tool rounds"

    def count(n: int | None) -> str:
        return "?" if n is None else str(n)

    tokens = f"{count(message.input_tokens)} in / {count(message.output_tokens)} out tokens"
    if message.reasoning_tokens:
        tokens += f" ({message.reasoning_tokens} reasoning)"
    if run.rounds:
        tokens += f" over {len(run.rounds) + 1} requests"
    if message.cached_input_tokens:
        tokens += f" ({message.cached_input_tokens} input cached)"
    cost = "cost unknown" if message.cost_usd is None else cost_words(message.cost_usd)
    return f"[{reason}] {tokens} · {cost} · {provider.name} {provider.model} · {elapsed:.1f} s"


async def run_ask(
    config: Config,
    provider: ProviderConfig,
    conv: Conversation,
    printer: Printer,
    store: ConversationStore | None,
    policy: RetryPolicy | None = None,
    sleep: Sleep = asyncio.sleep,
    *,
    tool_servers: list[str] | None = None,
    approve_tools: bool = False,
    approver: TerminalApprover | None = None,
    images: ReadImage | None = None,
) -> int:
    """Stream one reply into `conv`, printing as it goes; returns the exit status. `sleep`
    waits before a retry (tests pass one that does not wait); `tool_servers` names the MCP
    servers offered (None: no tools); `images` reads images (None: the store's blobs)."""
    pool = AdapterPool(config_path=str(config.config_path))
    if images is None and store is not None:
        images = store.blobs.read
    asked = conv.messages[-1].images
    for ref, picture in fitted_images(conv, provider, images) if images and asked else ():
        if ref in asked:
            printer.warn(scaled_notice(ref, picture, provider.name))
    if not takes_images(provider.kind, provider.model) and (count := len(conv.messages[-1].images)):
        printer.warn(vision_warning(provider.model, count))
    request = build_request(conv, provider, images=images)
    run = ReplyRun(
        conv,
        conv.add(new_reply(provider)),
        provider,
        request,
        save=lambda: save_quietly(store, conv, printer),
        price=price_reply,
    )
    hub = None
    try:
        if tool_servers is not None:
            kept: dict[str, bytes] = {}  # tool images, with --no-save

            def in_memory(data: bytes, media_type: str) -> str:
                digest = hashlib.sha256(data).hexdigest()
                kept[digest] = data
                return digest

            hub, run.tools = await start_tools(
                config,
                tool_servers,
                printer.write_err,
                approve_all=approve_tools,
                approver=approver or TerminalApprover(printer.err),
                put_image=store.blobs.put if store is not None else in_memory,
            )
            read = images
            run.tools.images = lambda ref: (read(ref) if read else None) or kept.get(ref.sha256)
            run.request = run.tools.offer(request)
        adapter = pool.get(provider)  # imports the SDK: before the clock starts
        run.restart_clock()
        # Closed here, before the pool: stdout gone (`| head`) must not leave the stream
        # to be closed at exit, after its HTTP client (Python then prints tracebacks).
        async with aclosing(run.events(adapter, policy=policy, sleep=sleep)) as events:
            async for event in events:
                printer.event(event)
                gc.enable()  # off from the start (`tui.__main__`) until the first words
    finally:
        run.close()  # interrupted: what arrived is kept, marked cancelled
        await pool.aclose()
        if hub is not None:
            await hub.aclose()
    printer.result(run, provider, run.progress().elapsed)
    return EXIT_PROVIDER_ERROR if run.failed else EXIT_OK


def new_exchange(
    provider: ProviderConfig,
    prompt: str,
    *,
    system: str | None,
    attachments: list[Attachment] | None = None,
    images: list[ImageRef] | None = None,
    reasoning_effort: str | None = None,
    thinking_budget: int | None = None,
) -> Conversation:
    """A new conversation holding the user's prompt (and attached files and images);
    reasoning settings not given come from the provider's config."""
    conv = Conversation.start(
        provider.name,
        provider.model,
        system,
        reasoning_effort=reasoning_effort or provider.reasoning_effort,
        thinking_budget=thinking_budget or provider.thinking_budget,
    )
    conv.add(
        ChatMessage(
            role=Role.USER,
            content=prompt,
            attachments=list(attachments or ()),
            images=list(images or ()),
        )
    )
    return conv


def save_quietly(store: ConversationStore | None, conv: Conversation, printer: Printer) -> None:
    """Write `conv` (when saving), turning a failure into a warning on stderr."""
    if store is None:
        return
    try:
        store.save(conv)
    except StoreError as exc:
        printer.warn(str(exc))


def main(argv: list[str]) -> int:
    """Run `tui-chat ask` with `argv` (the words after `ask`)."""
    args = build_parser().parse_args(argv)
    config, provider = resolve(args)
    for warning in config.warnings:
        print(f"tui-chat: warning: {warning}", file=sys.stderr)
    if hasattr(sys.stdin, "reconfigure"):
        sys.stdin.reconfigure(errors="replace")  # bytes that are not UTF-8 become U+FFFD
    prompt = read_prompt(args.prompt, sys.stdin)
    try:
        files = read_question_files(args.file, config.attach_limit)
    except AskFileError as exc:
        fail(f"tui-chat ask: {exc}")
    if args.thinking_budget is not None and args.thinking_budget < MIN_THINKING_BUDGET:
        fail(f"tui-chat ask: --thinking-budget must be at least {MIN_THINKING_BUDGET}.")
    compared = []
    if args.compare:
        from tui.compare import PairError, check_count, parse_pair

        try:
            check_count(len(args.compare))
            compared = [parse_pair(config, pair) for pair in args.compare]
        except PairError as exc:
            fail(f"tui-chat ask: {exc}.")
        provider = compared[0]
    if not prompt.strip():
        fail('tui-chat ask: give a prompt, e.g. tui-chat ask "hello" (or pipe text in).')
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    if continued := continued_exchange(config, args, provider, prompt, files):
        conv, provider = continued
    else:
        conv = new_exchange(
            provider,
            prompt,
            system=args.system or config.system_prompt,
            attachments=files.attachments,
            images=files.images,
            reasoning_effort=args.reasoning_effort,
            thinking_budget=args.thinking_budget,
        )
    store = None if args.no_save else ConversationStore(config.data_dir)
    printer = Printer(sys.stdout, sys.stderr, as_json=args.json)
    check_budget(config, printer, over_budget=args.over_budget)  # before anything is kept
    images = files.keep(store.blobs if store else None, printer.warn)  # before any request
    images = with_saved_images(images, config.data_dir)  # the history's, with --no-save
    save_quietly(store, conv, printer)  # the question is on disk before anything can fail
    try:
        if compared:
            from tui.cli.compare import run_compare

            return asyncio.run(run_compare(config, compared, conv, printer, store, images))
        tool_servers = chosen_servers(config, args)
        return asyncio.run(
            run_ask(
                config,
                provider,
                conv,
                printer,
                store,
                tool_servers=tool_servers,
                approve_tools=args.approve_tools,
                images=images,
            )
        )
    except KeyboardInterrupt:
        sys.stderr.write("\n[cancelled] the partial reply was saved.\n" if store else "\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`| head`): not an error of ours. Keep Python from
        # complaining again when it flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
