"""Read an assistant's query-logic description as (field, operator, value) clauses.

    我们在“门店销售”主题下,筛选出日期大于等于2025-04-01、日期小于2025-05-01、
    门店名称等于北京草桥店的数据;按照月份分组;计算综合毛利求和 …

    → (日期, ge, 2025-04-01), (日期, lt, 2025-05-01), (门店名称, eq, 北京草桥店)

How it reads:
- sentences end at ; ； 。 or a line break; inside a sentence, clauses are separated by
  、 , ， 且 并且 同时 以及 (never inside brackets or quotes);
- a clause is `<field><operator><value>`, with the first operator found (longest
  spelling wins at one position); filler before the field (筛选出, 其中, 且 …) and after
  the value (的数据, 的记录 …) is dropped;
- operators: eq (等于 = 为 是), ne (不等于 != 不为 不是), in (属于 包含 在[...] in), not_in
  (不属于 不在 不包含 not in), gt ge lt le (大于 不小于 >= …, 早于/晚于 for dates), between
  (介于 A 和 B 之间, 在 A 到 B 之间, or an equality with a date range as its value),
  contains (含有 like 模糊匹配);
- a segment without an operator right after an eq/in/ne/not_in clause of the same
  sentence is one more value of that clause (门店名称属于北京草桥店、北京望京店);
- `在` only counts as an operator when its value is a bracketed list or a range, so
  "我们在“门店销售”主题下" is not a filter;
- `in` needs spaces around it (门店名称 in 北京草桥店) unless a bracketed list follows
  (门店名称in (北京草桥店, 北京望京店), 门店名称 in(…)); glued to a preceding letter or digit
  it is part of a word (min(价格), join (…)), not an operator;
- a value that is an explicit date or month (2025-04-01, 2025年4月, 20250401) carries the
  first and last day it names, which the time-range check turns into a stated range.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from .text import value_key
from .time_range import TimeRangeError, _complete, _point_range, parse_point, resolve

# (spelling, operator); the longest spelling at a position wins.
OPERATOR_SPELLINGS: tuple[tuple[str, str], ...] = (
    ("大于或等于", "ge"), ("大于等于", "ge"), ("不小于", "ge"), ("不低于", "ge"), ("不早于", "ge"), ("晚于或等于", "ge"), (">=", "ge"), ("≥", "ge"),
    ("小于或等于", "le"), ("小于等于", "le"), ("不大于", "le"), ("不高于", "le"), ("不晚于", "le"), ("不超过", "le"), ("早于或等于", "le"), ("<=", "le"), ("≤", "le"),
    ("不等于", "ne"), ("不为", "ne"), ("不是", "ne"), ("!=", "ne"), ("<>", "ne"), ("≠", "ne"),
    ("不属于", "not_in"), ("不在", "not_in"), ("不包含", "not_in"), ("not in", "not_in"), ("不含", "not_in"),
    ("模糊匹配", "contains"), ("含有", "contains"), (" like ", "contains"),
    ("等于", "eq"), ("==", "eq"), ("=", "eq"), ("为", "eq"), ("是", "eq"),
    ("属于", "in"), ("包含于", "in"), ("包含", "in"), (" in ", "in"), ("在", "in"),
    ("介于", "between"),
    ("大于", "gt"), ("晚于", "gt"), ("超过", "gt"), ("高于", "gt"), (">", "gt"),
    ("小于", "lt"), ("早于", "lt"), ("低于", "lt"), ("<", "lt"),
)  # fmt: skip
POSITIVE_OPERATORS = ("eq", "in")
NEGATIVE_OPERATORS = ("ne", "not_in")
_WEAK_SPELLINGS = {"在"}  # only an operator before a list or a range
# `in` written without the spaces " in " needs: SQL-minded answers glue it to the field
# (门店名称in (A, B)) or the list (门店名称 in(A, B)). Only before an opening bracket, so a
# word merely containing "in" (Info, 门店in店) is no operator, and never right after an
# ASCII letter or digit, so min(价格) or join (…) is not split. Matched on lower case.
_BRACKETED_IN = re.compile(r"(?<![a-z0-9_])in\s*(?=[(\[{])")

_FILLER_BEFORE = re.compile(
    r"^.*?(?:筛选出了|筛选出|筛选了|筛选|过滤出|过滤掉|过滤|条件为|条件是|满足|其中|限定为|限定|只看|只保留|保留|选取|查询了|查询|统计了|统计)"
)
_LEADING_JOINERS = re.compile(r"^(?:并且|并|且|和|及|以及|同时|当|对|针对|的|其|:|：)+")
_FILLER_AFTER = re.compile(r"(?:的数据|的记录|的订单|的车辆|的车源|的门店|的情况|的结果|之间|的)+$")
_SENTENCE_SPLIT = re.compile(r"[;；。\n]+")
_CLAUSE_JOINERS = ("并且", "且", "同时", "以及")
_OPEN, _CLOSE = "([{“‘\"'「『《", ")]}”’\"'」』》"
_TIME_OF_DAY = re.compile(r"(?:(?<=\d)(?:\s+|t)|(?<=[日号])\s*)(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d+)?)?$", re.IGNORECASE)
# A dash between two dates needs spaces around it (2025-04-01 - 2025-04-30): a glued one
# is also the dates' own separator.
_RANGE_IN_VALUE = re.compile(r"^(?P<a>.+?)(?:到|至|~|～|—+|和|与|\s+[-–]\s+)(?P<b>.+?)(?:之间|期间)?$")
# Two reference dates far apart: a value the resolver reads the same against both names
# its period explicitly (2025Q1, 2025年第一季度), whatever day the question was asked on.
_FAR_APART = (date(1970, 1, 1), date(2999, 12, 31))


@dataclass
class Clause:
    index: int
    text: str
    field: str | None
    operator: str
    values: list[str] = field(default_factory=list)

    @property
    def polarity(self) -> str | None:
        if self.operator in POSITIVE_OPERATORS:
            return "positive"
        if self.operator in NEGATIVE_OPERATORS:
            return "negative"
        return None


def _split_outside_brackets(text: str, separators: tuple[str, ...]) -> list[str]:
    parts, depth, current, i = [], 0, [], 0
    while i < len(text):
        char = text[i]
        if char in _OPEN and not (char in _CLOSE and depth > 0):
            depth += 1
        elif char in _CLOSE and depth > 0:
            depth -= 1
        if depth == 0:
            hit = next((s for s in separators if text.startswith(s, i)), None)
            if hit:
                parts.append("".join(current))
                current = []
                i += len(hit)
                continue
        current.append(char)
        i += 1
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def _find_operator(segment: str) -> tuple[int, str, str] | None:
    """(position, spelling, operator) of the first operator outside quotes/brackets."""
    best: tuple[int, str, str] | None = None
    depth = 0
    lowered = segment.lower()
    for position, char in enumerate(segment):
        if char in _OPEN and not (char in _CLOSE and depth > 0):
            depth += 1
            continue
        if char in _CLOSE and depth > 0:
            depth -= 1
            continue
        if depth:
            continue
        for spelling, operator in OPERATOR_SPELLINGS:
            if lowered.startswith(spelling, position):
                if best is None or len(spelling) > len(best[1]):
                    best = (position, spelling, operator)
        bracketed_in = _BRACKETED_IN.match(lowered, position)
        if bracketed_in and (best is None or len(bracketed_in.group()) > len(best[1])):
            best = (position, bracketed_in.group(), "in")
        if best is not None:
            return best
    return best


def _clean_field(text: str) -> str | None:
    text = _FILLER_BEFORE.sub("", text)
    text = _LEADING_JOINERS.sub("", text).strip(" ,，:：")
    text = text.strip(_OPEN + _CLOSE + " ")
    return text or None


def _clean_value(text: str) -> str:
    text = text.strip()
    text = re.sub(r"(?<=[)\]}])\s*(?:中|里|内|之中|当中)$", "", text)
    text = _FILLER_AFTER.sub("", text.strip())
    return text.strip(" ,，")


def _list_values(text: str) -> list[str]:
    inner = text.strip()
    if len(inner) >= 2 and inner[0] in "([{" and inner[-1] in ")]}":
        inner = inner[1:-1]
    parts = re.split(r"[,，、/|;；]|或者|或|和|及", inner)
    return [p.strip().strip("\"'“”‘’") for p in parts if p.strip().strip("\"'“”‘’")]


def _range_values(text: str) -> list[str] | None:
    match = _RANGE_IN_VALUE.match(text)
    if not match:
        return None
    a, b = match["a"].strip(), match["b"].strip()
    if date_period(a) and date_period(b):
        return [a, b]
    return None


def parse_description(description: str | None) -> list[Clause]:
    """The filter clauses a description states, in order (index from 1)."""
    if not description:
        return []
    text = unicodedata.normalize("NFKC", description)
    clauses: list[Clause] = []
    for sentence in _SENTENCE_SPLIT.split(text):
        previous: Clause | None = None
        for segment in _split_outside_brackets(sentence, ("、", ",", "，") + _CLAUSE_JOINERS):
            found = _find_operator(segment)
            if found is None:
                extra = _clean_value(_LEADING_JOINERS.sub("", segment))
                if previous is not None and previous.operator in POSITIVE_OPERATORS + NEGATIVE_OPERATORS and extra and len(extra) <= 40:
                    previous.values.append(extra)
                    previous.text += "、" + segment
                continue
            position, spelling, operator = found
            field_text = _clean_field(segment[:position])
            raw_value = _clean_value(segment[position + len(spelling) :])
            if not raw_value:
                previous = None
                continue
            values: list[str]
            range_values = _range_values(raw_value) if operator in ("eq", "in", "between") else None
            if range_values is not None:
                operator, values = "between", range_values
            elif operator == "between":
                values = _list_values(raw_value)[:2]
                if len(values) != 2:
                    previous = None
                    continue
            elif operator in ("in", "not_in"):
                is_list = raw_value[:1] in "([{" or any(sep in raw_value for sep in (",", "、", "/", "或"))
                if spelling in _WEAK_SPELLINGS and not is_list:
                    previous = None
                    continue
                values = _list_values(raw_value) if is_list else [raw_value]
            else:
                values = [raw_value]
            clause = Clause(index=len(clauses) + 1, text=segment, field=field_text, operator=operator, values=values)
            clauses.append(clause)
            previous = clause
    return clauses


def date_period(value: str) -> tuple[date, date] | None:
    """First and last day an explicit date/month/year value names (year required); else
    a period the resolver reads the same on any reference date (2025Q1, 2025年上半年)."""
    text = unicodedata.normalize("NFKC", value).strip().strip("\"'“”‘’")
    # A time of day after the date (2025-05-01 00:00:00, 2025-04-30T23:59:59): the
    # description states the day, as the resolver reads "2024-02-29 23:59:59".
    text = _TIME_OF_DAY.sub("", text)
    if not re.search(r"\d{4}", text):
        return None
    point = parse_point(text, date(2000, 1, 1))
    if point is None or point.year is None:
        return _explicit_period(text)
    try:
        return _point_range(_complete(point, None, date(point.year, 1, 1)))
    except (TimeRangeError, ValueError, OverflowError):  # no such date (year 0, 2024-02-30): not a period
        return None


def _explicit_period(text: str) -> tuple[date, date] | None:
    # Digits alone are read by parse_point or not at all: 201903 is as likely a code (车系ID)
    # as a month, and a code read as a date would state a range the description does not.
    # A clock time left after _TIME_OF_DAY (25:99) is no time of day: the value stays unread.
    if text.isdigit() or re.search(r"\d\s*:\s*\d", text):
        return None
    periods = set()
    for reference in _FAR_APART:
        try:
            found = resolve(text, reference)
        except (TimeRangeError, ValueError, OverflowError):
            return None
        periods.add((found.start, found.end))
    return periods.pop() if len(periods) == 1 else None


@dataclass(frozen=True)
class ExpectedFilter:
    text: str
    field: str | None
    operator: str
    value: str

    @property
    def key(self) -> str:
        return value_key(self.value)

    @property
    def polarity(self) -> str:
        return "negative" if self.operator in NEGATIVE_OPERATORS else "positive"


def parse_expected_filter(text: str) -> ExpectedFilter:
    """An expected filter: a bare value (北京草桥店) or a clause (门店名称:北京草桥店, 渠道不等于58)."""
    normalised = unicodedata.normalize("NFKC", text).strip()
    candidate = normalised
    if _find_operator(candidate) is None and re.search(r"[:：]", candidate):
        candidate = re.sub(r"[:：]", "等于", candidate, count=1)
    clauses = parse_description(candidate) if _find_operator(candidate) else []
    if len(clauses) == 1 and clauses[0].values and clauses[0].operator in POSITIVE_OPERATORS + NEGATIVE_OPERATORS and clauses[0].field:
        clause = clauses[0]
        return ExpectedFilter(text=text, field=clause.field, operator=clause.operator, value=clause.values[0])
    return ExpectedFilter(text=text, field=None, operator="eq", value=normalised)
