"""Parse-step SQL for the eval kinds: read `_prepared` fields the Python step wrote.

DuckDB dialect, used only inside the loader's parse step (like loading/sqlparts.py).
"""

from __future__ import annotations

from ..loading.kind import Column

_CASTS = {"text": "varchar", "long_text": "varchar", "bigint": "bigint", "double": "double", "date": "date", "boolean": "boolean"}


def prepared(path: str, type_: str = "text", doc: str = "doc") -> str:
    """A typed field of the record's `_prepared` object ('' = missing)."""
    text = f"nullif(json_extract_string({doc}, '$._prepared.{path}'), '')"
    return text if type_ in ("text", "long_text") else f"cast({text} as {_CASTS[type_]})"


def derived_rows_sql(array: str, parent_keys: tuple[str, ...], columns: tuple[Column, ...]) -> str:
    """One row per element of `_prepared.<array>` of each accepted record.

    Columns named in parent_keys come from the record's `_prepared`; the rest from the
    element. Everything is already validated by the prepare step.
    """
    selects = ["a.line_number"]
    for column in columns:
        if column.name in parent_keys:
            selects.append(f"{prepared(column.name, column.type, 'a.doc')} as {column.name}")
            continue
        text = f"nullif(json_extract_string(e.value, '$.{column.name}'), '')"
        if column.type not in ("text", "long_text"):
            text = f"cast({text} as {_CASTS[column.type]})"
        selects.append(f"{text} as {column.name}")
    return f"select {', '.join(selects)}\nfrom __accepted as a, json_each(json_extract(a.doc, '$._prepared.{array}')) as e"
