"""What reply workers report (`tui.ui.messages`), drawn in the message pane."""

from __future__ import annotations

from tui.ui.messages import ReplyDelta, ReplyMessage, ReplyRetrying, ReplyTools
from tui.ui.widgets.message_pane import MessagePane
from tui.ui.widgets.paint_now import paint_now


def draw_reply_event(pane: MessagePane, event: ReplyMessage) -> None:
    """Draw what a reply worker reports, when its reply is on screen."""
    from tui.providers.events import ReasoningDelta  # loaded with the engine by now

    run = event.run
    if isinstance(event, ReplyRetrying):
        retry = event.retry
        pane.notify(f"{retry.error.message}\nRetrying once in {retry.delay:g} s.", timeout=6)
        return
    if run.conversation is not pane.conversation:
        return
    view = pane.view_for(run.message)
    if view is None:
        return
    if isinstance(event, ReplyTools):
        view.show_tools(event.round, event.calls)
    elif isinstance(event, ReplyDelta) and event.round >= view.round:
        # (An older round is drawn already: the view was built from the message.)
        if event.round > view.round:
            view.next_round(event.round)
        if isinstance(event.delta, ReasoningDelta):
            view.feed_reasoning(run.state.reasoning)
        else:
            view.feed_text(event.delta.text, event.end)
            if 0 < event.end <= len(event.delta.text):
                paint_now(pane)  # the round's first words: not a frame tick later
