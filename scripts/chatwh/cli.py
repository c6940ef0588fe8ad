"""Argument types and output-path checks the scripts share.

Every script's usage errors exit 2 with one line (argparse's `error:` line), so a bad
value is refused here, before anything is read or written:

- `iso_date`: a date written exactly YYYY-MM-DD (Python's `date.fromisoformat` also takes
  20250515 and 2025-W20-4, which no message of ours promises);
- `stored_date`: the same, in the years a loader stores (STORED_YEARS, 1970-2999), for
  the dates a generator writes data for (a window near year 1 or 9999 would overflow);
- `positive_int`, `non_negative_int`, `positive_float`: numbers with a floor;
- `output_file`, `output_dir`: a path the script can write to (or create), checked up
  front by `output_file_problem` / `output_dir_problem`, which a script calls itself for a
  path it only knows later (a default, or a `{date}` it fills in).

A write can still fail later (a full disk, a permission changed meanwhile): the scripts
catch that OSError too and print `write_problem(path, exc)` as their one line.
"""

from __future__ import annotations

import argparse
import math
import os
import re
from datetime import date
from pathlib import Path

# The years a stored time may have (chatwh.loading.sqlparts.STORED_YEARS, not imported:
# that would load the loaders for every script's --help). A test keeps the two equal.
STORED_YEARS = (1970, 2999)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def iso_date(text: str) -> date:
    """A date written YYYY-MM-DD, nothing else."""
    if _ISO_DATE.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}")


def stored_date(text: str) -> date:
    """A YYYY-MM-DD date in the years the loaders store (1970-2999)."""
    value = iso_date(text)
    first, last = STORED_YEARS
    if not first <= value.year <= last:
        raise argparse.ArgumentTypeError(f"{text!r} is outside the years {first}-{last} the warehouse stores")
    return value


def _whole_number_at_least(text: str, least: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < least:
        raise argparse.ArgumentTypeError(f"must be at least {least}, got {value}")
    return value


def positive_int(text: str) -> int:
    """A whole number of at least 1."""
    return _whole_number_at_least(text, 1)


def non_negative_int(text: str) -> int:
    """A whole number of at least 0."""
    return _whole_number_at_least(text, 0)


def positive_float(text: str) -> float:
    """A finite number above 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not (value > 0 and math.isfinite(value)):  # inf and nan would crash the arithmetic
        raise argparse.ArgumentTypeError("must be a positive finite number")
    return value


def _creatable_dir_problem(path: Path) -> str | None:
    """Why the directory `path` cannot be used or created (None: it can)."""
    if path.exists():
        if not path.is_dir():
            return f"{path} is not a directory"
        if not os.access(path, os.W_OK | os.X_OK):
            return f"directory {path} is not writable"
        return None
    for ancestor in path.parents:  # the nearest one that exists must be a writable directory
        if ancestor.exists():
            if not ancestor.is_dir():
                return f"{ancestor} is a file, so {path} cannot be created"
            if not os.access(ancestor, os.W_OK | os.X_OK):
                return f"cannot create {path}: directory {ancestor} is not writable"
            return None
    return None


def output_file_problem(path: Path) -> str | None:
    """Why the file `path` cannot be written (None: it can, creating its directory)."""
    if path.is_dir():
        return f"{path} is a directory, not a file"
    if path.name in ("", ".", ".."):
        return f"{path} names no file"
    if path.exists() and not os.access(path, os.W_OK) and not os.access(path.parent, os.W_OK | os.X_OK):
        return f"{path} is not writable"
    return _creatable_dir_problem(path.absolute().parent)


def output_dir_problem(path: Path) -> str | None:
    """Why the directory `path` cannot be written to or created (None: it can)."""
    return _creatable_dir_problem(path.absolute())


def output_file(text: str) -> Path:
    """argparse type: a file the script may write (its directory is created if need be)."""
    path = Path(text).expanduser()
    problem = output_file_problem(path)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return path


def output_dir(text: str) -> Path:
    """argparse type: a directory the script may write into (created if need be)."""
    path = Path(text).expanduser()
    problem = output_dir_problem(path)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return path


def write_problem(path: Path | str, exc: OSError) -> str:
    """One line for a write that failed: the path and the system's reason."""
    return f"cannot write {path}: {exc.strerror or exc}"
