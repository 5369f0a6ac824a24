"""Importing a package whose sub-packages run their `__init__` only when first used.

`import openai` runs `openai/types/__init__.py`, which imports every model of every API
the SDK covers (about 400 modules), and `openai.lib` pulls in the Responses API's types
the same way: 0.3 s of the 0.5 s the SDK takes to load, before `tui-chat ask` can send
anything. A chat request needs a few of those modules. Within `lazy_packages(...)`, a
package under one of the given names is created empty; importing one of its modules
still works as usual, and the first lookup of anything else on it runs its real
`__init__` (so `openai.types.ChatCompletion` still finds the class, only later).
When that `__init__` does nothing but re-export names from its modules (the SDKs'
generated ones), a lookup imports only the one module the name comes from.
"""

from __future__ import annotations

import ast
import importlib
import importlib.abc
import importlib.machinery
import sys
import threading
import types
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

_LOCK = threading.RLock()
"""Held while a package's real `__init__` runs: the app imports an SDK on a thread."""


class _LazyPackage(types.ModuleType):
    """A package module whose `__init__` has not run yet."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        with _LOCK:
            if isinstance(self, _LazyPackage):
                if self.__dict__.get("_lazy_running"):
                    # Its `__init__` is running now and asked for a name it has not
                    # bound yet: let the import system try a module of that name.
                    raise AttributeError(name)
                if _names_a_module(self, name):
                    return importlib.import_module(f"{self.__name__}.{name}")
                if (source := self._exports().get(name)) is not None:
                    value = getattr(importlib.import_module(source, self.__name__), name)
                    setattr(self, name, value)
                    return value
                self._run_init()
        return getattr(self, name)

    def _exports(self) -> dict[str, str]:
        """Name -> the module its `__init__` imports it from, or {} when that `__init__`
        does anything but `from .module import Name [as Name]`."""
        if (known := self.__dict__.get("_lazy_exports")) is None:
            known = self.__dict__["_lazy_exports"] = _plain_exports(self.__file__)
        return known

    def _run_init(self) -> None:
        loader = self.__spec__.loader if self.__spec__ else None
        assert isinstance(loader, _DeferringLoader)
        self.__dict__["_lazy_running"] = True
        try:
            loader.real.exec_module(self)
        finally:
            del self.__dict__["_lazy_running"]
            self.__class__ = types.ModuleType  # type: ignore[assignment]  # a plain module now


def _plain_exports(init_file: str | None) -> dict[str, str]:
    try:
        tree = ast.parse(Path(init_file or "").read_bytes())
    except (OSError, SyntaxError, ValueError):
        return {}
    exports: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the docstring
        if not (isinstance(node, ast.ImportFrom) and node.level and node.module):
            return {}
        for alias in node.names:
            if alias.name == "*" or (alias.asname or alias.name) != alias.name:
                return {}  # a star or a rename: leave it to the real `__init__`
            exports[alias.name] = "." * node.level + node.module
    return exports


def _names_a_module(package: types.ModuleType, name: str) -> bool:
    for folder in getattr(package, "__path__", ()):
        if (Path(folder) / f"{name}.py").is_file() or (Path(folder) / name).is_dir():
            return True
    return False


class _DeferringLoader(importlib.abc.Loader):
    """Creates a package's module as usual and leaves running its code to `_LazyPackage`."""

    def __init__(self, real: importlib.abc.Loader) -> None:
        self.real = real

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        module.__class__ = _LazyPackage


class _LazyFinder(importlib.abc.MetaPathFinder):
    def __init__(self, prefixes: tuple[str, ...]) -> None:
        self.prefixes = prefixes

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if not any(fullname == p or fullname.startswith(p + ".") for p in self.prefixes):
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is None or spec.submodule_search_locations is None or spec.loader is None:
            return spec  # a plain module: imported as usual
        spec.loader = _DeferringLoader(spec.loader)
        return spec


@contextmanager
def lazy_packages(*prefixes: str) -> Iterator[None]:
    """Within the block, packages named by `prefixes` (and their sub-packages) that are
    imported for the first time defer their `__init__` to their first use."""
    finder = _LazyFinder(prefixes)
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
