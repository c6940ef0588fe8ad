"""The eval JSON as pydantic models, and the loader's prepare steps for it.

The two loader kinds (`eval-dataset`, `eval-results`) hand each readable JSON object to
`prepare_dataset` / `prepare_results`, which validate it and add a `_prepared` object:
the normalised ids, the resolved time ranges, metric keys, parsed numbers and the
description's clauses. The kinds' SQL then only reads `_prepared` (and rejects the record
when `_prepared.reject` says why it cannot be used). Every input record stays exactly
one record, so read = loaded + rejected holds; a file-level wrapper object
(`{"dataset_id": …, "reference_date": …, "samples": […]}` or
`{"run_id": …, "model": …, "results": […]}`) is read as its elements, numbered by their
position in the array.

Accepted forms
--------------
eval-dataset  one sample per record: sample_id, query, expected_result{
              expected_time_range, expected_filters, expected_metrics, expected_values},
              optional reference_date / dataset_id / expected_result.expected_description;
              the design document's combined form (with predicted_result) is accepted.
eval-results  one sample per record: sample_id, predicted_result{query_logic_description,
              predicted_values[{metric_name, value_unit, value_list}]}, optional
              evaluation_metrics (kept as reported_* columns), run_id, model, run_at,
              dataset_id; the combined form is accepted.

Defaults (record, then wrapper, then the load.py option, then):
  dataset_id 'default'; reference_date none (a sample with a time range then needs one);
  run_id the file name without its extension; model 'unknown'; run_at none (the
  warehouse uses the load time).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .clauses import date_period, parse_description, parse_expected_filter
from .text import SCALE_DIGITS, fold, metric_key, parse_expected_value, parse_number, repeated_sentence_count, value_key
from .time_range import TimeRangeError, resolve

DEFAULT_DATASET_ID = "default"
DEFAULT_MODEL = "unknown"
MAX_ID_LENGTH = 128


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)


def _as_text_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, list):
        out = []
        for item in value:
            if item is None:
                continue
            if isinstance(item, (dict, list)):
                raise ValueError("list items must be text")
            text = str(item).strip()
            if text:
                out.append(text)
        return out
    raise ValueError("must be a list of text")


class _WrongType(ValueError):
    """A JSON object, array or boolean where an id or text belongs (reject wrong_type)."""


def _as_id(value: Any) -> str:
    if isinstance(value, (bool, dict, list)):
        raise _WrongType("must be a string or a number, not an object, array or boolean")
    if value is None:
        raise ValueError("must be an integer or text id")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("must be an integer or text id")
        value = int(value)
    text = str(value).strip()
    if not text:
        raise ValueError("must not be empty")
    if len(text) > MAX_ID_LENGTH:
        raise ValueError(f"longer than {MAX_ID_LENGTH} characters")
    return text


class ExpectedResult(_Lenient):
    expected_time_range: list[str] = Field(default_factory=list)
    expected_filters: list[str] = Field(default_factory=list)
    expected_metrics: list[str] = Field(default_factory=list)
    expected_values: list[str] = Field(default_factory=list)
    expected_description: str | None = None

    _lists = field_validator("expected_time_range", "expected_filters", "expected_metrics", "expected_values", mode="before")(
        lambda value: _as_text_list(value)
    )


class DatasetSample(_Lenient):
    sample_id: str
    query: str = Field(min_length=1)
    expected_result: ExpectedResult
    reference_date: date | None = None
    dataset_id: str | None = None

    _ids = field_validator("sample_id", mode="before")(lambda value: _as_id(value))
    _dataset = field_validator("dataset_id", mode="before")(lambda value: None if value is None else _as_id(value))


class PredictedValue(_Lenient):
    metric_name: str = Field(min_length=1)
    value_unit: str | None = None
    value_list: list[Any] = Field(default_factory=list)

    @field_validator("value_list", mode="before")
    @classmethod
    def _values(cls, value: Any) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            return [value]
        return value


class PredictedResult(_Lenient):
    query_logic_description: str | None = None
    predicted_values: list[PredictedValue] = Field(default_factory=list)


# Reported numbers land in DOUBLE and BIGINT columns: finite (1e400 reads as infinity,
# NaN and Infinity are valid JSON to the reader) and within BIGINT, else bad_value.
_Score = Annotated[float, Field(allow_inf_nan=False)]
_Count = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]


class EvaluationMetrics(_Lenient):
    field_match_accuracy: _Score | None = None
    result_coverage: _Score | None = None
    condition_match_accuracy: _Score | None = None
    value_accuracy: _Score | None = None
    semantic_similarity_score: _Score | None = None
    error_types: list[str] = Field(default_factory=list)
    total_expected_fields: _Count | None = None
    matched_fields_count: _Count | None = None
    total_expected_conditions: _Count | None = None
    matched_conditions_count: _Count | None = None

    _errors = field_validator("error_types", mode="before")(lambda value: _as_text_list(value))


class ResultSample(_Lenient):
    sample_id: str
    predicted_result: PredictedResult
    evaluation_metrics: EvaluationMetrics | None = None
    run_id: str | None = None
    model: str | None = None
    # Parsed in SQL by the loader's shared timestamp rule (naive = reporting-local time).
    run_at: str | int | float | None = None
    dataset_id: str | None = None

    _ids = field_validator("sample_id", mode="before")(lambda value: _as_id(value))
    _optional_ids = field_validator("run_id", "model", "dataset_id", mode="before")(lambda value: None if value is None else _as_id(value))


# ---------------------------------------------------------------------------------
# shared plumbing
# ---------------------------------------------------------------------------------


class Reject(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


MAX_TEXT_LENGTH = 255  # a `text` column (VARCHAR(255) on MySQL)


def _short(value: str | None, what: str) -> str | None:
    if value is not None and len(value) > MAX_TEXT_LENGTH:
        raise Reject("value_too_long", f"{what} is longer than {MAX_TEXT_LENGTH} characters")
    return value


def _cut(value: str | None) -> str | None:
    return None if value is None else value[:MAX_TEXT_LENGTH]


def _reject_text(exc: Reject) -> str:
    return f"{exc.code}: {exc.detail}"[:300]


def _checked_id(value: Any, what: str) -> str:
    """_as_id for an id taken from a wrapper or option (outside pydantic): a Reject."""
    try:
        return _as_id(value)
    except _WrongType as exc:
        raise Reject("wrong_type", f"{what} {exc}") from None
    except ValueError as exc:
        raise Reject("bad_value", f"{what}: {exc}") from None


def _pydantic_reason(exc: ValidationError) -> Reject:
    error = exc.errors()[0]
    location = ".".join(str(part) for part in error["loc"])
    if error["type"] == "missing":
        return Reject("missing_field", location)
    if isinstance(error.get("ctx", {}).get("error"), _WrongType):
        return Reject("wrong_type", f"{location} {error['ctx']['error']}")
    if error["type"] == "string_type":
        return Reject("wrong_type", f"{location} must be a string, not {type(error['input']).__name__}")
    return Reject("bad_value", f"{location}: {error['msg']}")


def _first_copies(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """json's object_pairs_hook: a key repeated in an object keeps its first copy, as the
    loader's SQL extraction reads it for every other kind (a plain dict keeps the last)."""
    obj: dict[str, Any] = {}
    for key, value in pairs:
        obj.setdefault(key, value)
    return obj


class _TooDeep:
    """A record nested more deeply than Python's json reads (RecursionError)."""


_TOO_DEEP = _TooDeep()
_TOO_DEEP_REASON = "invalid_json: nested too deeply to be read"


def _loads(doc: str) -> Any:
    try:
        return json.loads(doc, object_pairs_hook=_first_copies)
    except RecursionError:
        return _TOO_DEEP


def _expand_wrapper(
    records: list[tuple[int, str]], array_keys: tuple[str, ...], id_key: str
) -> tuple[list[tuple[int, Any, str | None]], dict[str, Any]]:
    """The file's records as (line_number, parsed object, text as read), and the
    wrapper's defaults. A wrapper's element has no text of its own in the file: its
    text is the element as JSON (as a JSON array file's element is)."""
    parsed = [(line, _loads(doc), doc) for line, doc in records]
    if len(parsed) == 1:
        _, only, _ = parsed[0]
        for key in array_keys:
            if isinstance(only, dict) and isinstance(only.get(key), list) and id_key not in only:
                defaults = {k: v for k, v in only.items() if k not in array_keys}
                return [(position + 1, element, _element_text(element)) for position, element in enumerate(only[key])], defaults
    return parsed, {}


def _element_text(element: Any) -> str | None:
    try:
        return json.dumps(element, ensure_ascii=False)
    except RecursionError:
        return None


def _checked_record(obj: Any) -> None:
    """Reject a record nested too deeply for Python's json (the rest of the file still loads)."""
    if obj is _TOO_DEEP:
        raise Reject(*_TOO_DEEP_REASON.split(": ", 1))


def _emit(line: int, original: Any, prepared: Mapping[str, Any], text: str | None) -> tuple[int, str, str | None]:
    """(line, the record with its `_prepared` object as JSON, the record's text as read)."""
    if original is _TOO_DEEP:
        return line, json.dumps({"_prepared": prepared}), text
    if not isinstance(original, dict):  # an array element that is not an object: rejected by the runner
        return line, json.dumps(original, ensure_ascii=False), text
    out = dict(original)
    out["_prepared"] = prepared
    try:
        return line, json.dumps(out, ensure_ascii=False, default=str), text
    except RecursionError:
        return line, json.dumps({"_prepared": {"reject": _TOO_DEEP_REASON}}), text


def _first(*values: Any) -> Any:
    for value in values:
        if value is not None and value != "":
            return value
    return None


def _is_wrapper(obj: Any, array_keys: tuple[str, ...], id_key: str) -> bool:
    return isinstance(obj, dict) and id_key not in obj and any(isinstance(obj.get(k), list) for k in array_keys)


# ---------------------------------------------------------------------------------
# eval-dataset
# ---------------------------------------------------------------------------------


def expected_description(sample: DatasetSample, ranges: list[tuple[str, date, date]]) -> str:
    """The text a prediction's description is compared with when none is given."""
    if sample.expected_result.expected_description:
        return sample.expected_result.expected_description
    parts = []
    for text, start, end in ranges:
        parts.append(f"时间范围{text}:日期大于等于{start.isoformat()}、日期小于等于{end.isoformat()}")
    if sample.expected_result.expected_filters:
        parts.append("筛选" + "、".join(sample.expected_result.expected_filters))
    if sample.expected_result.expected_metrics:
        parts.append("计算" + "、".join(sample.expected_result.expected_metrics))
    if sample.expected_result.expected_values:
        parts.append("结果" + "、".join(sample.expected_result.expected_values))
    return ";".join(parts)


def prepare_sample(obj: Any, defaults: Mapping[str, Any], options: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(obj, dict):
        return {}
    try:
        sample = DatasetSample.model_validate(obj)
    except ValidationError as exc:
        raise _pydantic_reason(exc) from None
    dataset_id = _first(sample.dataset_id, defaults.get("dataset_id"), options.get("dataset_id"), DEFAULT_DATASET_ID)
    dataset_id = _checked_id(dataset_id, "dataset_id")
    reference_text = _first(sample.reference_date, defaults.get("reference_date"), options.get("reference_date"))
    reference: date | None = None
    if reference_text is not None:
        try:
            reference = reference_text if isinstance(reference_text, date) else date.fromisoformat(str(reference_text))
        except ValueError:
            raise Reject("bad_date", f"reference_date {reference_text!r} is not YYYY-MM-DD") from None
    expected = sample.expected_result
    conditions: list[dict[str, Any]] = []
    ranges: list[tuple[str, date, date]] = []
    for text in expected.expected_time_range:
        if reference is None:
            raise Reject("missing_reference_date", f"time range {text!r} needs reference_date (sample, file or --reference-date)")
        try:
            found = resolve(text, reference)
        except TimeRangeError as exc:
            raise Reject("unresolvable_time_range", f"{text} ({exc.code}: {exc.message})") from None
        ranges.append((text, found.start, found.end))
        conditions.append(
            {
                "condition_index": len(conditions) + 1,
                "condition_type": "time_range",
                "condition_text": text,
                "range_start": found.start.isoformat(),
                "range_end": found.end.isoformat(),
            }
        )
    for text in expected.expected_filters:
        parsed = parse_expected_filter(text)
        if not parsed.key:
            raise Reject("bad_value", f"expected filter {text!r} names no value")
        conditions.append(
            {
                "condition_index": len(conditions) + 1,
                "condition_type": "filter",
                "condition_text": text,
                "filter_field": parsed.field,
                "filter_operator": parsed.operator,
                "filter_polarity": parsed.polarity,
                "filter_value": parsed.value,
                "filter_value_key": parsed.key,
            }
        )
    for text in expected.expected_filters + expected.expected_metrics + expected.expected_values:
        _short(text, f"expected item {text[:20]!r}…")
    metrics = [
        {"metric_index": i + 1, "metric_name": name, "metric_key": metric_key(name)} for i, name in enumerate(expected.expected_metrics)
    ]
    if any(not m["metric_key"] for m in metrics):
        raise Reject("bad_value", "an expected metric name is empty after normalisation")
    values = []
    for i, text in enumerate(expected.expected_values):
        try:
            parsed_value = parse_expected_value(text)
        except ValueError as exc:
            raise Reject("bad_expected_value", str(exc)) from None
        scaled = parsed_value.number.scaled
        if scaled is None:
            raise Reject("value_out_of_range", f"{text}: |value| must be below 10^12")
        decimals = min(parsed_value.number.decimals, SCALE_DIGITS)
        values.append(
            {
                "value_index": i + 1,
                "value_text": text,
                "metric_name": parsed_value.metric_name,
                "metric_key": metric_key(parsed_value.metric_name),
                "number_text": parsed_value.number.text,
                "value_decimals": decimals,
                "value_number": float(parsed_value.number.value),
                "value_scaled": scaled,
                "rounding_unit_scaled": 10 ** (SCALE_DIGITS - decimals),
            }
        )
    return {
        "dataset_id": dataset_id,
        "sample_id": sample.sample_id,
        "query": sample.query,
        "reference_date": reference.isoformat() if reference else None,
        "expected_description": expected_description(sample, ranges),
        "conditions": conditions,
        "metrics": metrics,
        "values": values,
    }


def prepare_dataset(records: list[tuple[int, str]], options: Mapping[str, Any], source_file: str) -> list[tuple[int, str, str | None]]:
    """Loader prepare step of `eval-dataset` (see the module docstring)."""
    elements, defaults = _expand_wrapper(records, ("samples",), "sample_id")
    out = []
    for line, obj, text in elements:
        try:
            _checked_record(obj)
            if _is_wrapper(obj, ("samples",), "sample_id"):
                raise Reject("unexpected_wrapper", "a samples wrapper must be the whole file")
            prepared = prepare_sample(obj, defaults, options)
        except Reject as exc:
            prepared = {"reject": _reject_text(exc)}
        except RecursionError:
            prepared = {"reject": _TOO_DEEP_REASON}
        out.append(_emit(line, obj, prepared, text))
    return out


# ---------------------------------------------------------------------------------
# eval-results
# ---------------------------------------------------------------------------------


def _text_or_none(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        return repr(value)
    return str(value).strip()


def prepare_result(obj: Any, defaults: Mapping[str, Any], options: Mapping[str, Any], source_file: str) -> dict[str, Any]:
    if not isinstance(obj, dict):
        return {}
    try:
        result = ResultSample.model_validate(obj)
    except ValidationError as exc:
        raise _pydantic_reason(exc) from None
    run_at = _first(result.run_at, defaults.get("run_at"), options.get("run_at"))
    run_id = _checked_id(_first(result.run_id, defaults.get("run_id"), options.get("run_id"), Path(source_file).stem), "run_id")
    model = _checked_id(
        _first(result.model, defaults.get("model"), defaults.get("model_name"), options.get("model"), DEFAULT_MODEL), "model"
    )
    dataset_id = _checked_id(
        _first(result.dataset_id, defaults.get("dataset_id"), options.get("dataset_id"), DEFAULT_DATASET_ID), "dataset_id"
    )
    predicted = result.predicted_result
    metrics, values = [], []
    for position, item in enumerate(predicted.predicted_values, start=1):
        _short(item.metric_name, f"predicted metric_name {item.metric_name[:20]!r}…")
        _short(item.value_unit, "value_unit")
        metrics.append(
            {
                "metric_position": position,
                "metric_name": item.metric_name,
                "metric_key": metric_key(item.metric_name),
                "value_unit": item.value_unit,
                "value_count": len(item.value_list),
            }
        )
        for value_position, raw in enumerate(item.value_list, start=1):
            number = parse_number(raw)
            values.append(
                {
                    "metric_position": position,
                    "value_position": value_position,
                    "metric_key": metric_key(item.metric_name),
                    "value_text": _cut(_text_or_none(raw)),
                    # NULL when it is no finite DOUBLE (1e400), like value_scaled beyond 10^12.
                    "value_number": _finite(number.value) if number is not None else None,
                    "value_scaled": number.scaled if number is not None else None,
                }
            )
    clauses = []
    for clause in parse_description(predicted.query_logic_description):
        for value_position, value in enumerate(clause.values, start=1):
            period = date_period(value)
            clauses.append(
                {
                    "clause_index": clause.index,
                    "value_position": value_position,
                    "clause_text": clause.text,
                    "field_name": _cut(clause.field),
                    "operator": clause.operator,
                    "polarity": clause.polarity,
                    "value_text": _cut(value),
                    "value_key": _cut(value_key(value)),
                    "date_start": period[0].isoformat() if period else None,
                    "date_end": period[1].isoformat() if period else None,
                }
            )
    reported = result.evaluation_metrics
    reported_errors = (
        [{"error_index": i + 1, "error_label": _cut(label), "error_key": _cut(fold(label))} for i, label in enumerate(reported.error_types)]
        if reported
        else []
    )
    return {
        "run_id": run_id,
        "model": model,
        "run_at": None if run_at is None else str(run_at),
        "dataset_id": dataset_id,
        "sample_id": result.sample_id,
        "description": predicted.query_logic_description,
        "answer_text": answer_text(predicted),
        "repeated_sentence_count": repeated_sentence_count(predicted.query_logic_description),
        "predicted_metric_count": len(metrics),
        "reported": reported.model_dump(exclude={"error_types"}) if reported else None,
        "reported_error_types": "|".join(reported.error_types) if reported and reported.error_types else None,
        "metrics": metrics,
        "values": values,
        "clauses": clauses,
        "reported_errors": reported_errors,
    }


def _finite(value: Any) -> float | None:
    number = float(value)
    return number if math.isfinite(number) else None


def answer_text(predicted: PredictedResult) -> str:
    """The prediction as one text: its description, then `metric value …` per metric."""
    rendered = "、".join(f"{item.metric_name} {' '.join(str(v) for v in item.value_list)}".strip() for item in predicted.predicted_values)
    return ";".join(part for part in (predicted.query_logic_description or "", f"结果{rendered}" if rendered else "") if part)


def prepare_results(records: list[tuple[int, str]], options: Mapping[str, Any], source_file: str) -> list[tuple[int, str, str | None]]:
    """Loader prepare step of `eval-results` (see the module docstring)."""
    elements, defaults = _expand_wrapper(records, ("results", "samples"), "sample_id")
    out = []
    for line, obj, text in elements:
        try:
            _checked_record(obj)
            if _is_wrapper(obj, ("results", "samples"), "sample_id"):
                raise Reject("unexpected_wrapper", "a results wrapper must be the whole file")
            prepared = prepare_result(obj, defaults, options, source_file)
        except Reject as exc:
            prepared = {"reject": _reject_text(exc)}
        except RecursionError:
            prepared = {"reject": _TOO_DEEP_REASON}
        out.append(_emit(line, obj, prepared, text))
    return out
