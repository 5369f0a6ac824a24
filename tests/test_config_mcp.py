from __future__ import annotations

from pathlib import Path

import pytest

from tui.config import ConfigError, McpServerConfig, load_config
from tui.config.model import DEFAULT_TOOL_ROUNDS, DEFAULT_TOOL_TIMEOUT_S


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


FULL = """
max_tool_rounds = 4

[mcp_servers.files]
command = "npx"
args = ["-y", "@modelcontextprotocol/server-filesystem", "${HOME}/notes"]
env = { NODE_ENV = "production", TOKEN = "${FILES_TOKEN}" }
auto_approve = ["read_file", "list_directory"]
timeout = 30

[mcp_servers.web-search_2]
url = "https://tools.example.test/mcp"
headers = { Authorization = "Bearer ${SEARCH_KEY}" }
auto_approve = ["*"]
timeout = 2.5
enabled = false

[mcp_servers.alpha]
command = "alpha-server"
"""


def test_a_full_mcp_config_is_read_as_written_in_the_files_order(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, FULL), tmp_path, environ={"HOME": "/h"})
    assert config.max_tool_rounds == 4
    assert [s.name for s in config.mcp_servers] == ["files", "web-search_2", "alpha"]
    files, web, alpha = config.mcp_servers
    assert files == McpServerConfig(
        name="files",
        command="npx",
        args=("-y", "@modelcontextprotocol/server-filesystem", "${HOME}/notes"),
        env={"NODE_ENV": "production", "TOKEN": "${FILES_TOKEN}"},  # not expanded here
        auto_approve=("read_file", "list_directory"),
        timeout=30.0,
    )
    assert isinstance(files.timeout, float)
    assert web == McpServerConfig(
        name="web-search_2",
        url="https://tools.example.test/mcp",
        headers={"Authorization": "Bearer ${SEARCH_KEY}"},
        auto_approve=("*",),
        timeout=2.5,
        enabled=False,
    )
    assert alpha == McpServerConfig(name="alpha", command="alpha-server")
    assert (alpha.timeout, alpha.enabled, alpha.args) == (DEFAULT_TOOL_TIMEOUT_S, True, ())
    assert files.auto_approves("read_file")
    assert not files.auto_approves("write_file")
    assert web.auto_approves("anything")


def test_subtables_and_inline_tables_are_read_too(tmp_path: Path) -> None:
    text = (
        '[mcp_servers]\none = { url = "http://127.0.0.1:8000/mcp" }\n'
        '[mcp_servers.two]\ncommand = "two"\n[mcp_servers.two.env]\nA = "1"\n'
    )
    config = load_config(write(tmp_path, text), tmp_path, environ={})
    one, two = config.mcp_servers
    assert (one.name, one.url, one.command) == ("one", "http://127.0.0.1:8000/mcp", None)
    assert (two.name, two.env) == ("two", {"A": "1"})


def test_no_mcp_settings_means_no_servers_and_the_default_rounds(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, 'system_prompt = "hi"\n'), tmp_path, environ={})
    assert config.mcp_servers == ()
    assert config.max_tool_rounds == DEFAULT_TOOL_ROUNDS == 10


S = '[mcp_servers.fs]\ncommand = "srv"\n'
"""A valid stdio table on lines 1-2; cases add their mistake on line 3."""
U = '[mcp_servers.web]\nurl = "https://x.test/mcp"\n'
"""A valid URL table on lines 1-2."""


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("\n\nmax_tool_rounds = 0\n", 3, "'max_tool_rounds' must be a positive whole number"),
        ("max_tool_rounds = -2\n", 1, "positive whole number"),
        ("max_tool_rounds = 2.5\n", 1, "'max_tool_rounds' must be a whole number"),
        ("max_tool_rounds = true\n", 1, "'max_tool_rounds' must be a whole number"),
        ('\nmcp_servers = "fs"\n', 2, "'mcp_servers' must be a table"),
        ("\n[mcp_servers]\nfs = 3\n", 3, "'mcp_servers.fs' must be a table"),
        (S + 'comand = "x"\n', 3, "unknown setting 'comand' in [mcp_servers.fs] (known: command,"),
        (S + '\nargs = "-v"\n', 4, "'args' in [mcp_servers.fs] must be a list."),
        (S + 'args = ["-v", 2]\n', 3, "'args' in [mcp_servers.fs] must be a list of strings"),
        (S + "auto_approve = [1]\n", 3, "'auto_approve' in [mcp_servers.fs] must be a list of"),
        (S + "env = { A = 1 }\n", 3, "'env' in [mcp_servers.fs] must map names to strings"),
        (S + "[mcp_servers.fs.env]\nA = 'a'\nB = 2\n", 5, "must map names to strings ('B'"),
        (S + "env = 'A=1'\n", 3, "'env' in [mcp_servers.fs] must be a table"),
        (S + "enabled = 'no'\n", 3, "'enabled' in [mcp_servers.fs] must be a boolean"),
        ('[mcp_servers.fs]\ncommand = ["srv"]\n', 2, "'command' in [mcp_servers.fs] must be a str"),
        (U.replace('"https', "5 #"), 2, "'url' in [mcp_servers.web] must be a string"),
        (S + "timeout = '5'\n", 3, "'timeout' in [mcp_servers.fs] must be a number"),
        (S + "timeout = true\n", 3, "'timeout' in [mcp_servers.fs] must be a number"),
        (S + "timeout = 0\n", 3, "timeout in [mcp_servers.fs] must be a positive number of sec"),
        (S + "timeout = -1.5\n", 3, "must be a positive number of seconds"),
        (S + "timeout = inf\n", 3, "must be a positive number of seconds"),
        (S + 'url = "https://x.test"\n', 3, "either command (a program to start) or url"),
        ("[mcp_servers.fs]\nenabled = true\n", 1, "and has neither"),
        ('[mcp_servers.fs]\ncommand = "  "\n', 2, "command in [mcp_servers.fs] is empty"),
        (S + 'headers = { A = "b" }\n', 3, "headers in [mcp_servers.fs] are only for a server"),
        (S + '[mcp_servers.fs.headers]\nA = "b"\n', 3, "headers in [mcp_servers.fs] are only"),
        (U + 'args = ["x"]\n', 3, "args in [mcp_servers.web] is only for a server started by"),
        (U + 'env = { A = "b" }\n', 3, "env in [mcp_servers.web] is only for a server started"),
        ('[mcp_servers.web]\nurl = "ftp://x.test"\n', 2, "must start with http:// or https://"),
        ('[mcp_servers.web]\nurl = "https://"\n', 2, "and name a host"),
        ('[mcp_servers.web]\nurl = "x.test/mcp"\n', 2, "must start with http:// or https://"),
        ('\n[mcp_servers."my files"]\ncommand = "x"\n', 2, "the server name 'my files'"),
        ('[mcp_servers."fs.v2"]\ncommand = "x"\n', 1, "only letters, digits, '_' and '-'"),
        ('[mcp_servers.fs]\ncommand = "a"\n[mcp_servers."é"]\n', 3, "the server name 'é'"),
    ],
)
def test_bad_mcp_config_names_file_line_and_problem(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path, tmp_path, environ={})
    message = str(caught.value)
    assert f"{path}, line {line}:" in message
    assert words in message
    assert "\n" not in message  # one paragraph
    assert caught.value.line == line


def test_an_unknown_key_lists_every_known_one(tmp_path: Path) -> None:
    path = write(tmp_path, S + "cwd = '/tmp'\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path, tmp_path, environ={})
    known = "command, args, env, url, headers, auto_approve, timeout, enabled"
    assert f"(known: {known})" in caught.value.problem


def test_the_top_level_lists_the_new_settings_as_known(tmp_path: Path) -> None:
    path = write(tmp_path, "max_rounds = 3\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path, tmp_path, environ={})
    assert "max_tool_rounds" in caught.value.problem
    assert "mcp_servers" in caught.value.problem
