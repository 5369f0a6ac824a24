"""elia and oterm, driven the same way as tui-chat against the same loopback server.

Each is installed on first use into its own virtual environment under the temp dir
(`tui-chat-bench-peers/`), and every run gets a fresh HOME, so nothing touches the
user's own set-up. The measurements are those of `Bench.stream`: startup until the app
is ready for a prompt, first token on screen after the server sent it, the whole reply
on screen after the submit key, CPU during the stream, peak RSS.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks.terminal import Terminal

VENVS = Path(tempfile.gettempdir()) / "tui-chat-bench-peers"
WHEEL_DOWN = "\x1b[<65;40;20M"
"""An SGR mouse wheel-down: oterm stops following a reply once it is taller than the pane."""


@dataclass(frozen=True)
class PeerResult:
    """One run of one app: seconds, except `rss_mb`."""

    startup: float
    first: float
    whole: float
    cpu: float
    rss_mb: float


def ensure_installed(package: str, executable: str) -> tuple[Path, str]:
    """The app's executable, installed into its own venv if missing, and its version."""
    venv = VENVS / f"venv-{package}"
    exe = venv / "bin" / executable
    if not exe.exists():
        print(f"installing {package} into {venv} …", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", package], check=True)
    version = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            f"import importlib.metadata as m; print(m.version({package!r}))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return exe, version


def fresh_home(root: Path, name: str) -> tuple[Path, dict[str, str]]:
    home = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=root))
    env = {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local/share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_STATE_HOME": str(home / ".local/state"),
        "TERM": "xterm-256color",
    }
    for folder in (".config", ".local/share", ".cache", ".local/state"):
        (home / folder).mkdir(parents=True, exist_ok=True)
    return home, env


class Peer:
    """How to configure, open and prompt one app."""

    name = ""
    package = ""
    executable = ""
    ready = ""
    submit = "Enter"
    nudge = ""

    def configure(self, home: Path, env: dict[str, str], port: int) -> None:
        """Write the app's config pointing at the bench server."""

    def open_chat(self, term: Terminal) -> None:
        """Keys between startup and a prompt box that sends to the bench model."""


class Elia(Peer):
    name, package, executable = "elia", "elia-chat", "elia"
    ready, submit = "Enter your message", "C-j"

    def configure(self, home: Path, env: dict[str, str], port: int) -> None:
        folder = home / ".config" / "elia"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "config.toml").write_text(
            'default_model = "bench"\n\n[[models]]\nid = "bench"\n'
            'name = "openai/bench-len2000"\ndisplay_name = "Bench"\nprovider = "bench"\n'
            f'api_base = "http://127.0.0.1:{port}/v1"\napi_key = "sk-bench"\n'
        )
        # litellm fetches a price list from the network at import unless told not to.
        env.update({"LITELLM_LOCAL_MODEL_COST_MAP": "True", "OPENAI_API_KEY": "sk-bench"})


class Oterm(Peer):
    name, package, executable = "oterm", "oterm", "oterm"
    ready, nudge = r"\^n new chat", WHEEL_DOWN
    model = "bench-len2000:latest"

    def configure(self, home: Path, env: dict[str, str], port: int) -> None:
        folder = home / ".local" / "share" / "oterm"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "config.json").write_text(json.dumps({"splash-screen": False}))
        env["OLLAMA_HOST"] = f"127.0.0.1:{port}"

    def open_chat(self, term: Terminal) -> None:
        # The new-chat dialog: pick the model by typing its name, then create the chat.
        # Its widgets take a moment to settle after each key (a person is slower still).
        term.keys("C-n")
        term.wait_for(self.model)
        for keys, text in (("Tab", ""), ("", self.model), ("Tab", "")):
            time.sleep(0.4)
            if text:
                term.text(text)
            else:
                term.keys(keys)
        term.wait_for(f"Model: {self.model}")
        time.sleep(0.3)
        term.keys("BTab", "BTab", "BTab", "BTab")
        time.sleep(0.3)
        term.keys("Enter")
        term.wait_for("submit")
        time.sleep(0.5)


PEERS: tuple[Peer, ...] = (Elia(), Oterm())


def measure(
    peer: Peer, exe: Path, port: int, root: Path, last_event: Callable[[], dict[str, float]]
) -> PeerResult:
    """One run: start the app, open a chat, send one prompt, wait for the reply's end."""
    home, env = fresh_home(root, peer.name)
    peer.configure(home, env, port)
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL")}
    with Terminal([str(exe)], {**keep, **env}) as term:
        ready = term.wait_for(peer.ready, limit_s=60)
        peer.open_chat(term)
        term.wait_idle()
        term.text("hello")
        term.wait_for("hello")
        cpu0 = term.cpu_s()
        enter = time.time()
        term.keys(peer.submit)
        first = term.wait_for("ZZSTART", limit_s=120)
        done = term.wait_for("ZZEND", limit_s=120, nudge=peer.nudge)
        cpu = term.cpu_s() - cpu0
    event = last_event()
    return PeerResult(
        ready - term.started, first - event["first"], done - enter, cpu, term.rss_peak_mb
    )
