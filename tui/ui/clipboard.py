"""Copy text to the clipboard: the system one (pyperclip) and OSC 52 for SSH and tmux."""

from __future__ import annotations

from textual.app import App


def copy_text(app: App[object], text: str, *, what: str = "reply", partial: bool = False) -> None:
    """Copy `text` both ways and say in a toast which way worked.

    OSC 52 (`App.copy_to_clipboard`) reaches the clipboard of the terminal the user sits
    at, even over SSH, but some terminals ignore it; pyperclip needs a local clipboard
    tool (xclip, xsel, wl-copy, pbcopy…). Both are tried; pyperclip runs in a thread
    since it starts a process.
    """
    app.copy_to_clipboard(text)
    size = f"{len(text):,} characters"
    label = f"the partial {what} (still streaming)" if partial else f"the {what}"

    def copy_with_pyperclip() -> None:
        import pyperclip

        # Looked up on each copy, so a clipboard tool installed meanwhile is found.
        copy, _ = pyperclip.determine_clipboard()
        try:
            copy(text)
        except pyperclip.PyperclipException:
            app.notify(
                f"Copied {label} ({size}) through the terminal (OSC 52) only: no system "
                "clipboard tool was found, so it works if your terminal allows OSC 52.",
                timeout=6,
            )
        else:
            app.notify(f"Copied {label} ({size}) to the system clipboard (and via OSC 52).")

    app.run_worker(copy_with_pyperclip, thread=True, group="clipboard", exit_on_error=False)
