"""The design document's dictionaries, read from the dbt seeds (one source of truth).

seeds/chatbi_biz_date_list.csv, chatbi_fixed_conditions.csv, chatbi_dynamic_conditions.csv,
chatbi_random_value_fields.csv and chatbi_query_indicators.csv.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..project import PROJECT_DIR

SEEDS_DIR = PROJECT_DIR / "seeds"


@dataclass(frozen=True)
class Indicator:
    name: str
    value_unit: str
    decimals: int
    typical_min: float
    typical_max: float


@dataclass(frozen=True)
class Dictionaries:
    biz_dates: tuple[tuple[str, str], ...]  # (expression, category)
    fixed_conditions: tuple[tuple[str, str], ...]  # (field, value)
    dynamic_conditions: tuple[tuple[str, str], ...]
    random_value_fields: tuple[tuple[str, str], ...]
    indicators: tuple[Indicator, ...]


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@lru_cache(maxsize=4)
def load_dictionaries(seeds_dir: Path = SEEDS_DIR) -> Dictionaries:
    pairs = lambda name: tuple((r["field_name"], r["field_value"]) for r in _rows(seeds_dir / name))  # noqa: E731
    return Dictionaries(
        biz_dates=tuple((r["expression"], r["category"]) for r in _rows(seeds_dir / "chatbi_biz_date_list.csv")),
        fixed_conditions=pairs("chatbi_fixed_conditions.csv"),
        dynamic_conditions=pairs("chatbi_dynamic_conditions.csv"),
        random_value_fields=pairs("chatbi_random_value_fields.csv"),
        indicators=tuple(
            Indicator(r["indicator"], r["value_unit"], int(r["value_decimals"]), float(r["typical_min"]), float(r["typical_max"]))
            for r in _rows(seeds_dir / "chatbi_query_indicators.csv")
        ),
    )
