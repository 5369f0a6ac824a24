"""Copy text to the clipboard: the system one (pyperclip) and OSC 52 for SSH and tmux."""

from __future__ import annotations

from textual.app import App


def copy_text(app: App[object], text: str, *, what: str = "reply") -> None:
    """Copy `text` both ways and tell the user in a toast which way worked.

    OSC 52 (`App.copy_to_clipboard`) reaches the clipboard of the terminal the user sits
    at, even over SSH, but some terminals ignore it; pyperclip needs a local clipboard
    tool. Both are tried; pyperclip runs in a thread since it spawns a process.
    """
    app.copy_to_clipboard(text)
    size = f"{len(text):,} characters"

    def copy_with_pyperclip() -> None:
        import pyperclip

        try:
            pyperclip.copy(text)
        except pyperclip.PyperclipException:
            app.notify(
                f"Copied the {what} ({size}) through the terminal (OSC 52); no system "
                "clipboard tool was found, so it works only if your terminal allows OSC 52.",
                timeout=6,
            )
        else:
            app.notify(f"Copied the {what} ({size}) to the clipboard.")

    app.run_worker(copy_with_pyperclip, thread=True, group="clipboard", exit_on_error=False)
