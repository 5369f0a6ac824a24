"""Filling the conversation list at start-up, from the header cache and the folder."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from tui.store.header_cache import HeaderCache

if TYPE_CHECKING:
    from tui.ui.screens.main import MainScreen

FIRST_LIST_BATCH = 60
PAINT_WAIT_S = 1.0
"""The list's loader starts after the first paint, or after this long without one."""


def list_newest(screen: MainScreen) -> None:
    """Before the first paint: list the newest conversations from the cache's first lines
    (a millisecond), then fill in the rest in a thread once that paint is done."""
    newest = HeaderCache(screen.session.config.data_dir).newest(FIRST_LIST_BATCH)
    if newest:
        screen.conversation_list.set_headers(newest)
    shown = {header.id for header in newest}
    painted = threading.Event()
    screen.call_after_refresh(painted.set)

    def load() -> None:
        # Reading the whole cache would hold the interpreter during the first paint.
        painted.wait(PAINT_WAIT_S)
        load_list(screen, shown)

    screen.run_worker(load, thread=True, group="list", exit_on_error=False)


def load_list(screen: MainScreen, shown: set[str]) -> None:
    """Fill `screen`'s list from each file's header, never its messages (run in a thread);
    `shown` were listed from the cache's first lines.

    With a header cache from the last run, the list shows it at once, and the folder
    scan that follows only reads the files that changed since. Without one, the newest
    screenful is read first so the list is usable at once.
    """
    session, app, listing = screen.session, screen.app, screen.conversation_list
    cache = HeaderCache(session.config.data_dir).load()
    unreadable = 0
    if cache.headers:
        app.call_from_thread(listing.set_headers, list(cache.headers.values()))
        app.call_from_thread(screen.call_later, screen.list_shown)
        summaries = session.store.list_summaries()
        changed, unreadable = session.list_headers(summaries, cache, only_changed=True)
        gone = cache.headers.keys() - {summary.id for summary in summaries}
        if changed or gone:
            app.call_from_thread(listing.update_headers, changed, gone)
    else:
        if shown:  # the cache's first lines were listed, but the rest of it is unreadable
            app.call_from_thread(listing.update_headers, [], shown)
        summaries = session.store.list_summaries()
        first, rest = summaries[:FIRST_LIST_BATCH], summaries[FIRST_LIST_BATCH:]
        headers, unreadable = session.list_headers(first, cache)
        app.call_from_thread(listing.set_headers, headers)
        app.call_from_thread(screen.call_later, screen.list_shown)
        if rest:
            headers, more = session.list_headers(rest, cache)
            unreadable += more
            app.call_from_thread(listing.set_headers, headers)
    cache.keep_only({summary.id for summary in summaries})
    if not session.writes_refused:
        cache.save()
    if unreadable:
        app.notify(
            f"{unreadable} conversation file(s) could not be read; they are marked ⚠ in the "
            "list (open one to see why) and are never written over.",
            title="Unreadable files",
            severity="warning",
            timeout=10,
        )
