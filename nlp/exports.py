"""A package's public names, each imported from its module on first use (PEP 562 module `__getattr__`).

Importing one module of a package must not load them all (Whisper, spaCy), and the packages' modules import one
another, so eager imports in `__init__.py` would be cycles; this keeps each `__init__.py` to its list of names.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any


def lazy_exports(package: str, exports: dict[str, str]) -> Callable[[str], Any]:
    """The `__getattr__` of `package`: an exported name is read from its module, any other is an AttributeError."""
    def getattr_(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(import_module(exports[name]), name)
    return getattr_
