"""Demo data generators, one module per domain; see context.py for the shared world.

`writers()` lists what scripts/generate_demo_data.py runs: bots and chat events first
(later generators read the chat event files), then every other module here that defines
`write(ctx) -> dict[str, int]`, in module-name order.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable

from .context import DemoContext

CORE = ("bots", "chat_events")
Writer = Callable[[DemoContext], dict[str, int]]


def writers() -> list[tuple[str, Writer]]:
    found: list[tuple[str, Writer]] = []
    names = sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name != "context")
    for name in [*CORE, *(n for n in names if n not in CORE)]:
        write = getattr(importlib.import_module(f"{__name__}.{name}"), "write", None)
        if callable(write):
            found.append((name, write))
    return found
