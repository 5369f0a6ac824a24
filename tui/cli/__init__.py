"""Command-line entry points: the full-screen app and `tui-chat ask`."""
