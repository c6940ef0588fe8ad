"""Peak resident memory of a process tree, sampled in a background thread."""

from __future__ import annotations

import os
import threading
import time
from types import TracebackType

import psutil


def tree_rss_bytes(root: psutil.Process) -> int:
    """RSS of `root` and every descendant (processes that exit meanwhile are skipped)."""
    total = 0
    try:
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    for process in processes:
        try:
            total += process.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return total


class PeakMemory:
    """`with PeakMemory() as peak: ...` then `peak.mb`: the highest RSS sum of this process
    and all its children (dbt, loaders, DuckDB threads live in them) seen while inside."""

    def __init__(self, pid: int | None = None, interval_s: float = 0.05) -> None:
        self._root = psutil.Process(pid or os.getpid())
        self._interval = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.peak_bytes = 0

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_bytes = max(self.peak_bytes, tree_rss_bytes(self._root))
            time.sleep(self._interval)

    def __enter__(self) -> PeakMemory:
        self.peak_bytes = tree_rss_bytes(self._root)
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_bytes = max(self.peak_bytes, tree_rss_bytes(self._root))

    @property
    def mb(self) -> float:
        return self.peak_bytes / 1e6
