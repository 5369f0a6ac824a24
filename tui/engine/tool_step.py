"""The step between a reply's rounds: the model asked for tools; run them, with approval.

`ToolStep` is written once and used by every front end: the chat screen and `tui-chat
ask` differ only in the `Approver` they pass (a dialog, or a question on the terminal).
Each call is checked (a tool that exists, arguments that are a JSON object), asked
about unless allowed in advance, and the approved ones run concurrently. Every call
ends with a result the model is sent, so nothing the model asked for goes unanswered.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from tui.domain import ToolResult
from tui.engine.image_fit import ImageLoader
from tui.engine.request import message_turns
from tui.engine.state import ToolCall
from tui.providers.base import ChatRequest
from tui.tools.approval import DECLINED, ApprovalPolicy, Decision
from tui.tools.model import ToolInfo

if TYPE_CHECKING:
    from tui.engine.run import ReplyRun

CANCELLED = "Cancelled by the user while it ran."


class Phase(StrEnum):
    """Where one call is."""

    ASKING = "asking"
    """Waiting for the user's answer."""
    RUNNING = "running"
    DONE = "done"
    """It has its result (which may be an error, a refusal or a cancellation)."""


@dataclass(frozen=True, slots=True)
class ToolActivity:
    """A tool call moved on: front ends redraw or print it (`call` is live, not a copy)."""

    call: ToolCall
    phase: Phase
    tool: ToolInfo | None
    """The tool it calls, if one of those offered has its name."""

    def __post_init__(self) -> None:
        self.call.phase = self.phase


Approver = Callable[[ToolCall, ToolInfo], Awaitable[Decision]]
"""Asks the user about one call (the app: a dialog; `ask`: the terminal)."""


class ToolRunner(Protocol):
    """What runs the tools (a `ToolHub`)."""

    async def call(self, tool: ToolInfo, arguments: dict[str, Any]) -> ToolResult:
        """Run `tool`; never raises but `CancelledError`."""
        ...


@dataclass(eq=False)
class ToolStep:
    """The tools a reply is offered, and what to do when the model calls them."""

    runner: ToolRunner
    offered: Sequence[ToolInfo]
    approve: Approver
    policy: ApprovalPolicy = field(default_factory=ApprovalPolicy)
    max_rounds: int = 10
    """Rounds of tool calls one reply may run; a call after that ends it as `tool_limit`."""
    images: ImageLoader | None = None
    """Reads the blobs of images tools return, to send them with the results (None:
    each is sent as a note that it is missing)."""

    def offer(self, request: ChatRequest) -> ChatRequest:
        """`request` with the tools offered."""
        return replace(request, tools=tuple(tool.definition() for tool in self.offered))

    def find(self, name: str) -> ToolInfo | None:
        """The offered tool the model calls `name`."""
        return next((tool for tool in self.offered if tool.api_name == name), None)

    async def run(self, run: ReplyRun) -> AsyncIterator[ToolActivity]:
        """Deal with every call of the round that just ended, yielding each change."""
        calls = run.state.calls()
        approved: list[tuple[ToolCall, ToolInfo, dict[str, Any]]] = []
        for index, call in enumerate(calls):
            # Every result must name its call: make up an id a server left out.
            call.id = call.id or f"call_{len(run.rounds)}_{index}"
            tool = self.find(call.name)
            if tool is not None:
                call.server, call.tool = tool.server, "" if tool.name == call.name else tool.name
            problem, arguments = self._check(call, tool)
            if problem is not None or tool is None:
                call.result = ToolResult(problem or "", is_error=True)
                yield ToolActivity(call, Phase.DONE, tool)
                continue
            if not self.policy.allows(tool):
                yield ToolActivity(call, Phase.ASKING, tool)
                decision = await self.approve(call, tool)
                if decision is Decision.DENY:
                    call.result = ToolResult(DECLINED, is_error=True)
                    yield ToolActivity(call, Phase.DONE, tool)
                    continue
                if decision is Decision.ALWAYS:
                    self.policy.remember(tool)
            approved.append((call, tool, arguments))
        async for activity in self._run_all(approved, run):
            yield activity

    def _check(self, call: ToolCall, tool: ToolInfo | None) -> tuple[str | None, dict[str, Any]]:
        """Why `call` cannot run (sent to the model as its result), or its arguments."""
        if tool is None:
            names = ", ".join(t.api_name for t in self.offered) or "none"
            return f"Error: there is no tool named {call.name!r} (tools offered: {names}).", {}
        try:
            arguments = json.loads(call.arguments) if call.arguments.strip() else {}
        except json.JSONDecodeError as exc:
            return f"Error: the arguments are not valid JSON ({exc}); nothing was run.", {}
        if not isinstance(arguments, dict):
            return "Error: the arguments must be a JSON object; nothing was run.", {}
        return None, arguments

    async def _run_all(
        self, approved: list[tuple[ToolCall, ToolInfo, dict[str, Any]]], run: ReplyRun
    ) -> AsyncIterator[ToolActivity]:
        if not approved:
            return
        tasks: dict[asyncio.Task[ToolResult], tuple[ToolCall, ToolInfo]] = {}
        started = run.clock()
        for call, tool, arguments in approved:
            tasks[asyncio.create_task(self.runner.call(tool, arguments))] = (call, tool)
            yield ToolActivity(call, Phase.RUNNING, tool)
        pending = set(tasks)
        try:
            while pending:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    call, tool = tasks[task]
                    call.result = task.result()
                    yield ToolActivity(call, Phase.DONE, tool)
        finally:
            # Cancelled (Esc, or quitting): stop the calls still running (the SDK tells
            # their servers), and keep a result for each so the history stays whole.
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)
            for task in pending:
                call, _ = tasks[task]
                call.result = ToolResult(CANCELLED, True, round(run.clock() - started, 3))

    def next_request(self, run: ReplyRun) -> ChatRequest:
        """The request after a round of tools: the first one, plus this reply so far."""
        run.record()
        turns = message_turns(run.message, self.images, kind=run.provider.kind)
        # Anthropic wants an assistant turn's signed thinking blocks sent back with its
        # tool results when thinking is on; they are not kept, so the rounds after the
        # first go without thinking.
        return replace(
            run.request, messages=run.request.messages + tuple(turns), thinking_budget=None
        )
