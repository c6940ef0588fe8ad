"""Loader kinds, one module each; every module defines KIND. Add a module to add a kind."""

from __future__ import annotations

import importlib
import pkgutil

from ..loading.kind import LoadKind


def all_kinds() -> dict[str, LoadKind]:
    kinds: dict[str, LoadKind] = {}
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        kind = getattr(module, "KIND", None)
        if isinstance(kind, LoadKind):
            kinds[kind.name] = kind
    return kinds
