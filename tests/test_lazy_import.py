"""Packages whose `__init__` runs on first use (`tui.providers.lazy_import`)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

CHECKS = """
import threading
from tui.providers.lazy_import import lazy_packages
with lazy_packages("pkg.catalogue"):
    import pkg
print("after import:", pkg.RAN)
from pkg.catalogue import small  # a module of the lazy package: imported as usual
print("module:", small.VALUE, pkg.RAN)
results = []
def look():
    results.append(pkg.catalogue.Big.__name__)  # a name its __init__ binds: runs it, once
threads = [threading.Thread(target=look) for _ in range(4)]
for t in threads: t.start()
for t in threads: t.join()
print("name:", results, pkg.RAN)
print("missing:", hasattr(pkg.catalogue, "Nothing"))
"""


def run_with(packages: Path, code: str) -> list[str]:
    """The lines `code` prints in a fresh interpreter that finds `packages` and tui."""
    repo = Path(__file__).parent.parent
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": f"{packages}:{repo}"},
    )
    return out.stdout.splitlines()


@pytest.fixture
def package(tmp_path: Path) -> Path:
    root = tmp_path / "pkg"
    (root / "catalogue").mkdir(parents=True)
    (root / "__init__.py").write_text("RAN = []\nfrom . import catalogue\n")
    (root / "catalogue" / "__init__.py").write_text(
        textwrap.dedent(
            """
            import pkg
            pkg.RAN.append("catalogue")
            from .small import VALUE
            from . import big
            Big = big.Big
            """
        )
    )
    (root / "catalogue" / "small.py").write_text("VALUE = 7\n")
    (root / "catalogue" / "big.py").write_text("class Big: ...\n")
    return tmp_path


def test_a_lazy_package_runs_its_init_once_on_the_first_name_looked_up(package: Path) -> None:
    assert run_with(package, CHECKS) == [
        "after import: []",
        "module: 7 []",
        "name: ['Big', 'Big', 'Big', 'Big'] ['catalogue']",
        "missing: False",
    ]


def test_the_openai_sdk_loads_without_its_catalogue_of_types() -> None:
    code = (
        "import sys\nfrom tui.providers.sdk_openai import openai\n"
        "print(len(sys.modules), 'openai.types.responses.response' in sys.modules)\n"
        "print(openai.types.Completion.__name__, openai.pydantic_function_tool.__name__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    count, responses_loaded = out.stdout.splitlines()[0].split()
    assert responses_loaded == "False"  # the Responses API's types: not needed for a chat
    assert int(count) < 650  # 860 with the whole catalogue
    assert out.stdout.splitlines()[1] == "Completion pydantic_function_tool"


PLAIN = """
import sys
from tui.providers.lazy_import import lazy_packages
with lazy_packages("plain"):
    import plain
print(plain.A.__name__, "plain.alpha" in sys.modules, "plain.beta" in sys.modules)
print(plain.B.__name__, "plain.beta" in sys.modules)
print(hasattr(plain, "Nothing"))
"""


def test_a_lazy_package_that_only_re_exports_imports_just_the_module_a_name_is_in(
    tmp_path: Path,
) -> None:
    root = tmp_path / "plain"
    root.mkdir()
    (root / "__init__.py").write_text(
        '"""Generated."""\nfrom __future__ import annotations\n'
        "from .alpha import A as A\nfrom .beta import B\n"
    )
    (root / "alpha.py").write_text("class A: ...\n")
    (root / "beta.py").write_text("class B: ...\n")
    assert run_with(tmp_path, PLAIN) == ["A True False", "B True", "False"]
