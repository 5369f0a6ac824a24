"""`tui-chat` (the full-screen app), `tui-chat serve` (the app in a browser), and
`tui-chat ask`, `search`, `stats`, `ls`, `show` and `rm` (headless); also `python -m tui`."""

from __future__ import annotations

import gc
import sys


def main(argv: list[str] | None = None) -> int:
    """Dispatch to the app or to a subcommand; returns the exit status."""
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["ask"]:
        gc.disable()  # until the first words of the reply (`run_ask`), as for the app
        try:
            from tui.cli import ask

            return ask.main(args[1:])
        finally:
            gc.enable()
    if args[:1] == ["search"]:
        from tui.cli import search

        return search.main(args[1:])
    if args[:1] and args[0] in ("ls", "show", "rm"):
        from tui.cli import verbs

        return {"ls": verbs.ls_main, "show": verbs.show_main, "rm": verbs.rm_main}[args[0]](
            args[1:]
        )
    if args[:1] == ["serve"]:
        from tui.cli import serve

        return serve.main(args[1:])
    if args[:1] == ["stats"]:
        from tui.cli import stats

        return stats.main(args[1:])
    from tui.terminal_mode import app_input_mode

    # The cycle collector is off until the first screen is up (`ChatApp.on_ready` turns it
    # on, after freezing what the start built): until then its passes only rescan modules
    # and widgets that live as long as the app (start-up 0.36 -> 0.32 s; the few cycles
    # the start leaves, about 0.4 MB, stay).
    gc.disable()
    try:
        with app_input_mode():  # before the slow imports: keys typed meanwhile stay keys
            from tui.cli import app

            return app.main(args)
    finally:
        gc.enable()


if __name__ == "__main__":
    sys.exit(main())
