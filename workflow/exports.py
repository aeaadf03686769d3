"""Re-exports of a stage's package, each imported from its module on first use (PEP 562).

A stage's package names what other stages may use of it; importing the package imports none of its modules,
so a command pays only for the modules it uses (a build never loads the engines, nor the bundle's zipfile).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable


def lazy_exports(package: str, homes: dict[str, str]) -> Callable[[str], object]:
    """A module `__getattr__` for `package` that finds each name of `homes` in the module it names."""

    def __getattr__(name: str) -> object:
        module = homes.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        setattr(sys.modules[package], name, value)  # found once, then an ordinary attribute
        return value

    return __getattr__
