"""tui-chat's own themes (installed as `tui.themes`): one TOML file per theme."""
