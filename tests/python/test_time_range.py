"""scripts/time_range.py: every biz_date_list entry at three reference dates, 30+ other
expressions, the rejections, and the CLI contract (exit 0 / 3 / 2).

Expectations are computed by hand from the documented conventions (weeks start on
Monday; current periods run to D; previous periods are whole; rolling windows end on D;
explicit parts are whole periods). Reference dates: 2024-03-01 (a Friday in a leap
year), 2025-05-15 (a Thursday), 2023-12-31 (a Sunday, the last day of a year).
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT_DIR / "scripts"))

from chatwh.chatbi.time_range import ERROR_CODES, TimeRangeError, resolve  # noqa: E402

D1, D2, D3 = date(2024, 3, 1), date(2025, 5, 15), date(2023, 12, 31)
REFERENCES = (D1, D2, D3)


def r(start: str, end: str) -> tuple[str, str]:
    return (start, end)


def per_date(a: tuple[str, str], b: tuple[str, str], c: tuple[str, str]) -> dict[date, tuple[str, str]]:
    return {D1: a, D2: b, D3: c}


def years(start_md: str, end_md: str, offset: int = 0) -> dict[date, tuple[str, str]]:
    """An explicit month/day range without a year: D's year (+ offset) at each date."""
    return {d: (f"{d.year + offset}-{start_md}", f"{d.year + offset}-{end_md}") for d in REFERENCES}


SAME = r  # an explicit range: the same at every reference date

# Every entry of seeds/chatbi_biz_date_list.csv → its expectation: an error code, one
# range for all three dates, or a range per date.
BIZ_DATE_EXPECTATIONS: dict[str, object] = {
    "当天": per_date(r("2024-03-01", "2024-03-01"), r("2025-05-15", "2025-05-15"), r("2023-12-31", "2023-12-31")),
    "当月": per_date(r("2024-03-01", "2024-03-01"), r("2025-05-01", "2025-05-15"), r("2023-12-01", "2023-12-31")),
    "上个月": per_date(r("2024-02-01", "2024-02-29"), r("2025-04-01", "2025-04-30"), r("2023-11-01", "2023-11-30")),
    "近一个月": per_date(r("2024-02-02", "2024-03-01"), r("2025-04-16", "2025-05-15"), r("2023-12-01", "2023-12-31")),
    "近一周": per_date(r("2024-02-24", "2024-03-01"), r("2025-05-09", "2025-05-15"), r("2023-12-25", "2023-12-31")),
    "近三个月": per_date(r("2023-12-02", "2024-03-01"), r("2025-02-16", "2025-05-15"), r("2023-10-01", "2023-12-31")),
    "近三天": per_date(r("2024-02-28", "2024-03-01"), r("2025-05-13", "2025-05-15"), r("2023-12-29", "2023-12-31")),
    "上上个月": per_date(r("2024-01-01", "2024-01-31"), r("2025-03-01", "2025-03-31"), r("2023-10-01", "2023-10-31")),
    "当年": per_date(r("2024-01-01", "2024-03-01"), r("2025-01-01", "2025-05-15"), r("2023-01-01", "2023-12-31")),
    "上个季度": per_date(r("2023-10-01", "2023-12-31"), r("2025-01-01", "2025-03-31"), r("2023-07-01", "2023-09-30")),
    "上个年度": per_date(r("2023-01-01", "2023-12-31"), r("2024-01-01", "2024-12-31"), r("2022-01-01", "2022-12-31")),
    "最近这半个月": per_date(r("2024-02-16", "2024-03-01"), r("2025-05-01", "2025-05-15"), r("2023-12-17", "2023-12-31")),
    "过去这一个月": per_date(r("2024-02-02", "2024-03-01"), r("2025-04-16", "2025-05-15"), r("2023-12-01", "2023-12-31")),
    "这个月上旬": per_date(r("2024-03-01", "2024-03-01"), r("2025-05-01", "2025-05-10"), r("2023-12-01", "2023-12-10")),
    "这个月下旬": per_date(r("2024-03-21", "2024-03-31"), r("2025-05-21", "2025-05-31"), r("2023-12-21", "2023-12-31")),
    "这一周以来": per_date(r("2024-02-26", "2024-03-01"), r("2025-05-12", "2025-05-15"), r("2023-12-25", "2023-12-31")),
    "这三天之内": per_date(r("2024-02-28", "2024-03-01"), r("2025-05-13", "2025-05-15"), r("2023-12-29", "2023-12-31")),
    "前几天": "ambiguous",
    "最近这几天": "ambiguous",
    "本月头几天": "ambiguous",
    "本月末尾那几天": "ambiguous",
    "上上周": per_date(r("2024-02-12", "2024-02-18"), r("2025-04-28", "2025-05-04"), r("2023-12-11", "2023-12-17")),
    "上上上个月": per_date(r("2023-12-01", "2023-12-31"), r("2025-02-01", "2025-02-28"), r("2023-09-01", "2023-09-30")),
    "今年上半年": per_date(r("2024-01-01", "2024-03-01"), r("2025-01-01", "2025-05-15"), r("2023-01-01", "2023-06-30")),
    "去年下半年": per_date(r("2023-07-01", "2023-12-31"), r("2024-07-01", "2024-12-31"), r("2022-07-01", "2022-12-31")),
    "本学年": "ambiguous",
    "上个学年": "ambiguous",
    "过去一年": per_date(r("2023-03-02", "2024-03-01"), r("2024-05-16", "2025-05-15"), r("2023-01-01", "2023-12-31")),
    "未来一个月": per_date(r("2024-03-02", "2024-04-01"), r("2025-05-16", "2025-06-15"), r("2024-01-01", "2024-01-31")),
    "未来一周": per_date(r("2024-03-02", "2024-03-08"), r("2025-05-16", "2025-05-22"), r("2024-01-01", "2024-01-07")),
    "未来三天": per_date(r("2024-03-02", "2024-03-04"), r("2025-05-16", "2025-05-18"), r("2024-01-01", "2024-01-03")),
    "近十天": per_date(r("2024-02-21", "2024-03-01"), r("2025-05-06", "2025-05-15"), r("2023-12-22", "2023-12-31")),
    "近十五天": per_date(r("2024-02-16", "2024-03-01"), r("2025-05-01", "2025-05-15"), r("2023-12-17", "2023-12-31")),
    "最近二十天": per_date(r("2024-02-11", "2024-03-01"), r("2025-04-26", "2025-05-15"), r("2023-12-12", "2023-12-31")),
    "这个季度初": per_date(r("2024-01-01", "2024-01-31"), r("2025-04-01", "2025-04-30"), r("2023-10-01", "2023-10-31")),
    "这个季度末": per_date(r("2024-03-01", "2024-03-01"), r("2025-06-01", "2025-06-30"), r("2023-12-01", "2023-12-31")),
    "去年的这个时候": per_date(r("2023-03-01", "2023-03-01"), r("2024-05-01", "2024-05-15"), r("2022-12-01", "2022-12-31")),
    "前年的同一时期": per_date(r("2022-03-01", "2022-03-01"), r("2023-05-01", "2023-05-15"), r("2021-12-01", "2021-12-31")),
    "大上个月": per_date(r("2024-01-01", "2024-01-31"), r("2025-03-01", "2025-03-31"), r("2023-10-01", "2023-10-31")),
    "两个月内": per_date(r("2024-01-02", "2024-03-01"), r("2025-03-16", "2025-05-15"), r("2023-11-01", "2023-12-31")),
    "3月内": "ambiguous",
    "5周内": per_date(r("2024-01-27", "2024-03-01"), r("2025-04-11", "2025-05-15"), r("2023-11-27", "2023-12-31")),
    "20240401-20240601": SAME("2024-04-01", "2024-06-01"),
    "20240315-20240420": SAME("2024-03-15", "2024-04-20"),
    "20240228-20240310": SAME("2024-02-28", "2024-03-10"),
    "20231201-20240115": SAME("2023-12-01", "2024-01-15"),
    "2024年4月到2024年5月": SAME("2024-04-01", "2024-05-31"),
    "2024年4月1日到2024年4月30日": SAME("2024-04-01", "2024-04-30"),
    "1月至5月": years("01-01", "05-31"),
    "1月1日到1月31日": years("01-01", "01-31"),
    "从去年8月到10月": years("08-01", "10-31", -1),
    "从今年3月到5月": years("03-01", "05-31"),
    "4月到7月(含4月和7月)": years("04-01", "07-31"),
    "5月-7月": years("05-01", "07-31"),
    "10日-15日": per_date(r("2024-03-10", "2024-03-15"), r("2025-05-10", "2025-05-15"), r("2023-12-10", "2023-12-15")),
    "2024-07-01 - 2024-07-10": SAME("2024-07-01", "2024-07-10"),
    "2024.5.1 - 2024.6.10": SAME("2024-05-01", "2024-06-10"),
    "2023.10.25 - 2023.11.30": SAME("2023-10-25", "2023-11-30"),
    "2024.2.10 - 2024.5.5": SAME("2024-02-10", "2024-05-05"),
    "2024-8-1 - 2024-8-15": SAME("2024-08-01", "2024-08-15"),
    "2024年2月10日 - 2024年3月5日": SAME("2024-02-10", "2024-03-05"),
    "2024年5月20日 - 2024年7月5日": SAME("2024-05-20", "2024-07-05"),
    "2024年1月5号 - 2024年1月20号": SAME("2024-01-05", "2024-01-20"),
    "2024 年 6 月 1 日 - 2024 年 6 月 15 日": SAME("2024-06-01", "2024-06-15"),
    "2024 年 4 月 12 日 - 2024 年 5 月 5 日": SAME("2024-04-12", "2024-05-05"),
    "2024 06 20 - 2024 07 05": SAME("2024-06-20", "2024-07-05"),
    "2024 3 1 - 2024 3 15": SAME("2024-03-01", "2024-03-15"),
    "2024年": SAME("2024-01-01", "2024-12-31"),
    "2023年-2024年": SAME("2023-01-01", "2024-12-31"),
    "从去年11月1日到12月31日": years("11-01", "12-31", -1),
    "从今年5月10日到6月10日": years("05-10", "06-10"),
    "2024-1-01 - 2024-6-10": SAME("2024-01-01", "2024-06-10"),
    "2月5日至2月20日": years("02-05", "02-20"),
    "去年9月1日至9月15日": years("09-01", "09-15", -1),
    "2 0 2 4 年 6 月 1 日 - 2 0 2 4 年 6 月 15 日": SAME("2024-06-01", "2024-06-15"),
    "00000101-99991231": "invalid_date",
    "20240101-20240101": SAME("2024-01-01", "2024-01-01"),
    "20240230-20240231": "invalid_date",
    "20241301-20241315": "invalid_date",
    "20240015-20240020": "invalid_date",
    "20240500-20240505": "invalid_date",
    "2024-02-29 - 2024-02-29": SAME("2024-02-29", "2024-02-29"),
    "2023-02-29 - 2023-03-01": "invalid_date",
    "2024年4月-5月": SAME("2024-04-01", "2024-05-31"),
    "2024.04.01-2024.05.01": SAME("2024-04-01", "2024-05-01"),
    "2024/04/01-2024/05/01": SAME("2024-04-01", "2024-05-01"),
    "24年4月1日-24年5月1日": SAME("2024-04-01", "2024-05-01"),
    "二〇二四年四月一日-二〇二四年五月一日": SAME("2024-04-01", "2024-05-01"),
    "April 1, 2024 - May 1, 2024": SAME("2024-04-01", "2024-05-01"),
    "2024年四月一日到五月一日": SAME("2024-04-01", "2024-05-01"),
    "2024 4 1 - 2024 5 1": SAME("2024-04-01", "2024-05-01"),
    "2024年5月到2024年4月": "reversed_range",
    "2024-06-01 - 2024-05-01": "reversed_range",
    "去年到明年": "ambiguous",
    "未来到过去": "contradictory",
    "上个月的下个月": "relative_to_relative",
    "2024年4月1日 ~ 2024年5月1日": SAME("2024-04-01", "2024-05-01"),
    "2024 年 4 月 1 日 至 2024 年 5 月 1 日": SAME("2024-04-01", "2024-05-01"),
    "2024-04-01——2024-05-01": SAME("2024-04-01", "2024-05-01"),
    "2024年4月1日(周一)-2024年5月1日(周三)": SAME("2024-04-01", "2024-05-01"),
    "2024年-2025年": SAME("2024-01-01", "2025-12-31"),
    "4月1日-5月1日": years("04-01", "05-01"),
    "2024年4月-5月1日": SAME("2024-04-01", "2024-05-01"),
    "到2024年5月1日": "missing_start",
    "2024年4月1日开始": "missing_end",
    "19700101-20380119": SAME("1970-01-01", "2038-01-19"),
    "9999-12-31 - 0000-01-01": "invalid_date",
    "2024-02-29 - 2024-02-29 23:59:59": SAME("2024-02-29", "2024-02-29"),
    "2024年4月1日12:00 - 2024年4月1日13:00": SAME("2024-04-01", "2024-04-01"),
}


def _seed_expressions() -> list[str]:
    with open(PROJECT_DIR / "seeds" / "chatbi_biz_date_list.csv", encoding="utf-8", newline="") as handle:
        return [row["expression"] for row in csv.DictReader(handle)]


def _expected(spec: object, reference: date) -> object:
    if isinstance(spec, str):
        return spec
    if isinstance(spec, dict):
        return spec[reference]
    return spec


def _actual(expression: str, reference: date) -> object:
    try:
        found = resolve(expression, reference)
    except TimeRangeError as exc:
        return exc.code
    return (found.start.isoformat(), found.end.isoformat())


def test_the_table_covers_exactly_the_seed_list() -> None:
    seed = _seed_expressions()
    assert len(seed) == 109
    assert sorted(seed) == sorted(BIZ_DATE_EXPECTATIONS)


@pytest.mark.parametrize("reference", REFERENCES, ids=str)
def test_every_biz_date_entry(reference: date) -> None:
    mismatches = {}
    for expression in _seed_expressions():
        expected, actual = _expected(BIZ_DATE_EXPECTATIONS[expression], reference), _actual(expression, reference)
        if expected != actual:
            mismatches[expression] = (expected, actual)
    assert mismatches == {}


# Not in the seed: (expression, reference date, expected range or error code).
OTHER_EXPRESSIONS: list[tuple[str, date, object]] = [
    ("今天", D2, r("2025-05-15", "2025-05-15")),
    ("昨天", D2, r("2025-05-14", "2025-05-14")),
    ("昨天", D1, r("2024-02-29", "2024-02-29")),
    ("前天", D2, r("2025-05-13", "2025-05-13")),
    ("明天", D3, r("2024-01-01", "2024-01-01")),
    ("本周", D2, r("2025-05-12", "2025-05-15")),
    ("上周", D2, r("2025-05-05", "2025-05-11")),
    ("下周", D3, r("2024-01-01", "2024-01-07")),
    ("本月", D2, r("2025-05-01", "2025-05-15")),
    ("下个月", D3, r("2024-01-01", "2024-01-31")),
    ("本季度", D2, r("2025-04-01", "2025-05-15")),
    ("下个季度", D2, r("2025-07-01", "2025-09-30")),
    ("今年", D2, r("2025-01-01", "2025-05-15")),
    ("去年", D2, r("2024-01-01", "2024-12-31")),
    ("前年", D1, r("2022-01-01", "2022-12-31")),
    ("第一季度", D2, r("2025-01-01", "2025-03-31")),
    ("2024年第二季度", D2, r("2024-04-01", "2024-06-30")),
    ("2024Q3", D2, r("2024-07-01", "2024-09-30")),
    ("去年第四季度", D2, r("2024-10-01", "2024-12-31")),
    ("近7天", D2, r("2025-05-09", "2025-05-15")),
    ("最近30天", D2, r("2025-04-16", "2025-05-15")),
    ("过去３个月", D2, r("2025-02-16", "2025-05-15")),
    ("近半年", D2, r("2024-11-16", "2025-05-15")),
    ("近两年", D2, r("2023-05-16", "2025-05-15")),
    ("过去12个月", D2, r("2024-05-16", "2025-05-15")),
    ("今年以来", D2, r("2025-01-01", "2025-05-15")),
    ("年初至今", D2, r("2025-01-01", "2025-05-15")),
    ("2025年4月1日至今", D2, r("2025-04-01", "2025-05-15")),
    ("上个月上旬", D2, r("2025-04-01", "2025-04-10")),
    ("上月中旬", D2, r("2025-04-11", "2025-04-20")),
    ("去年3月", D2, r("2024-03-01", "2024-03-31")),
    ("3月", D2, r("2025-03-01", "2025-03-31")),
    ("2025-05", D1, r("2025-05-01", "2025-05-31")),
    ("2024/5/1", D2, r("2024-05-01", "2024-05-01")),
    ("上个月同期", D2, r("2025-04-01", "2025-04-15")),
    ("3天前", D2, r("2025-05-12", "2025-05-12")),
    ("前3天", D2, r("2025-05-12", "2025-05-14")),
    ("未来两周", D2, r("2025-05-16", "2025-05-29")),
    ("十二月", D2, r("2025-12-01", "2025-12-31")),
    ("上个月1号到15号", D2, r("2025-04-01", "2025-04-15")),
    ("本月10日-15日", D2, r("2025-05-10", "2025-05-15")),
    ("昨天到今天", D2, r("2025-05-14", "2025-05-15")),
    ("上上上周", D2, r("2025-04-21", "2025-04-27")),
    ("去年年底", D2, r("2024-12-01", "2024-12-31")),
    ("本月前10天", D2, r("2025-05-01", "2025-05-10")),
    ("上个月最后5天", D2, r("2025-04-26", "2025-04-30")),
    ("３月１日－３月５日", D2, r("2025-03-01", "2025-03-05")),
    ("2024年十二月三十一日", D2, r("2024-12-31", "2024-12-31")),
    # month arithmetic clamps to the month's end
    ("近一个月", date(2024, 3, 31), r("2024-03-01", "2024-03-31")),
    ("上个月", date(2024, 3, 31), r("2024-02-01", "2024-02-29")),
    ("未来一个月", date(2024, 1, 31), r("2024-02-01", "2024-02-29")),
    ("去年的这个时候", date(2024, 2, 29), r("2023-02-01", "2023-02-28")),
    # across New Year with the year that changes left out: the end is the next year
    ("2024年12月30日到1月5日", D2, r("2024-12-30", "2025-01-05")),
    ("从去年11月到2月", D2, r("2024-11-01", "2025-02-28")),
    ("12月到1月", D2, r("2024-12-01", "2025-01-31")),
    ("12月到2025年1月", D2, r("2024-12-01", "2025-01-31")),
    ("12月31日到12月1日", D2, "reversed_range"),  # the same month: no year to add
    # a part of the current period said on its own
    ("月底", D2, r("2025-05-21", "2025-05-31")),
    ("上旬", D2, r("2025-05-01", "2025-05-10")),
    ("中旬", D2, r("2025-05-11", "2025-05-15")),
    ("年初", D2, r("2025-01-01", "2025-01-31")),
    ("年底", D2, r("2025-12-01", "2025-12-31")),
    ("季初", D2, r("2025-04-01", "2025-04-30")),
    # rejections
    ("", D2, "empty"),
    ("2024年2月30日", D2, "invalid_date"),
    ("2023年2月29日", D2, "invalid_date"),
    ("2024年13月", D2, "invalid_date"),
    ("2024年第5季度", D2, "invalid_date"),
    ("2024-05-01到", D2, "missing_end"),
    ("截至2024年5月1日", D2, "missing_start"),
    ("2024年5月1日之前", D2, "missing_start"),
    ("自2024年4月1日起", D2, "missing_end"),
    ("下个月的上个月", D2, "relative_to_relative"),
    ("过去到未来", D2, "ambiguous"),
    ("最近", D2, "ambiguous"),
    ("本财年", D2, "ambiguous"),
    ("随便什么时候", D2, "unrecognised"),
    ("2024年4月1日~2024年5月1日~2024年6月1日", D2, "unrecognised"),
    ("明天到昨天", D2, "reversed_range"),
    ("2025年6月1日以来", D2, "reversed_range"),
]


def test_at_least_30_other_expressions_are_not_in_the_seed() -> None:
    seed = set(_seed_expressions())
    others = {expression for expression, _, _ in OTHER_EXPRESSIONS} - seed
    # (the clamp cases reuse seed phrases at other reference dates; they do not count)
    assert len(others) >= 30


@pytest.mark.parametrize(
    ("expression", "reference", "expected"), OTHER_EXPRESSIONS, ids=[f"{e or '<empty>'}@{d}" for e, d, _ in OTHER_EXPRESSIONS]
)
def test_other_expression(expression: str, reference: date, expected: object) -> None:
    assert _actual(expression, reference) == expected


def test_error_codes_are_documented() -> None:
    assert {"invalid_date", "reversed_range", "contradictory", "relative_to_relative", "missing_start", "missing_end", "ambiguous"} <= set(
        ERROR_CODES
    )
    with pytest.raises(TimeRangeError) as info:
        resolve("2024年2月30日", D2)
    assert info.value.code == "invalid_date" and "30" in info.value.message


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(PROJECT_DIR / "scripts" / "time_range.py"), *args], capture_output=True, text=True, timeout=60
    )


def test_cli_contract() -> None:
    ok = _cli("上个月", "--reference-date", "2025-05-20")
    assert ok.returncode == 0
    assert json.loads(ok.stdout) == {"start": "2025-04-01", "end": "2025-04-30"}

    rejected = _cli("未来到过去", "--reference-date", "2025-05-20")
    assert rejected.returncode == 3
    body = json.loads(rejected.stdout)
    assert body["error"] == "contradictory" and body["message"]

    usage = _cli("上个月", "--reference-date", "2025-13-01")
    assert usage.returncode == 2
    assert "usage" in usage.stderr


# Defects a review found, one group per finding; each expectation failed before the fix.
REVIEW_FIXES: list[tuple[str, date, object]] = [
    # 1. A bracketed note that changes the range is read, not deleted: 不含今天 ends a range
    # ending on D the day before (a rolling N days becomes the N days ending on D-1), 截至昨天
    # cuts it at D-1, and any note not known to be harmless is rejected.
    ("近7天(不含今天)", D2, r("2025-05-08", "2025-05-14")),
    ("近30天(不含当天)", D2, r("2025-04-15", "2025-05-14")),
    ("近一个月(不含今天)", D2, r("2025-04-15", "2025-05-14")),
    ("近7天【不含今天】", D2, r("2025-05-08", "2025-05-14")),
    ("本月(截至昨天)", D2, r("2025-05-01", "2025-05-14")),
    ("本月（截止到昨天）", D2, r("2025-05-01", "2025-05-14")),
    ("近7天(截至昨天)", D2, r("2025-05-08", "2025-05-14")),
    ("今年以来(不含今天)", D2, r("2025-01-01", "2025-05-14")),
    ("2025年5月(截至昨天)", D2, r("2025-05-01", "2025-05-14")),
    ("上个月(不含今天)", D2, r("2025-04-01", "2025-04-30")),  # today is not in it anyway
    ("近7天(含今天)", D2, r("2025-05-09", "2025-05-15")),
    ("本周(自然周)", D2, r("2025-05-12", "2025-05-15")),
    ("2024-05-01(00:00)", D2, r("2024-05-01", "2024-05-01")),
    ("2025年5月(不含今天)", D2, "ambiguous"),  # today is in the middle
    ("上个月(截至昨天)", D2, "ambiguous"),  # yesterday is not in last month
    ("今天(不含今天)", D2, "contradictory"),
    ("本月(不含今天)", date(2025, 5, 1), "contradictory"),
    ("本月(不含周末)", D2, "ambiguous"),
    ("本月(除节假日)", D2, "ambiguous"),
    ("近7天(排除促销日)", D2, "ambiguous"),
    ("上个月(不包括退款)", D2, "ambiguous"),
    ("本月(工作日)", D2, "ambiguous"),
    # 2. A unit written once after two numbers applies to both.
    ("1-3月", D2, r("2025-01-01", "2025-03-31")),
    ("2024年1-3月", D2, r("2024-01-01", "2024-03-31")),
    ("今年1-5月", D2, r("2025-01-01", "2025-05-31")),
    ("5月1-10日", D2, r("2025-05-01", "2025-05-10")),
    ("1-10号", D2, r("2025-05-01", "2025-05-10")),
    ("1~3月", D2, r("2025-01-01", "2025-03-31")),
    ("1至3月", D2, r("2025-01-01", "2025-03-31")),
    ("一到三月份", D2, r("2025-01-01", "2025-03-31")),
    ("上个月1-15号", D2, r("2025-04-01", "2025-04-15")),
    ("2024年12-1月", D2, r("2024-12-01", "2025-01-31")),
    # 3. Quarters and halves are range ends, whole like months.
    ("一季度到二季度", D2, r("2025-01-01", "2025-06-30")),
    ("Q1~Q3", D2, r("2025-01-01", "2025-09-30")),
    ("2024年Q1到Q2", D2, r("2024-01-01", "2024-06-30")),
    ("2024年上半年到下半年", D2, r("2024-01-01", "2024-12-31")),
    ("Q1-Q2", D2, r("2025-01-01", "2025-06-30")),
    ("2024Q1-2024Q2", D2, r("2024-01-01", "2024-06-30")),
    ("2024年第四季度到2025年第一季度", D2, r("2024-10-01", "2025-03-31")),
    ("Q4到Q1", D2, r("2024-10-01", "2025-03-31")),  # across New Year, as 12月到1月
    ("2024Q1-2024Q5", D2, "invalid_date"),
    # 4. A date and a relative period: the period counts whole (its start on the left,
    # its end on the right); two relative periods, or a window, stay ambiguous.
    ("2024年5月到上个月", D2, r("2024-05-01", "2025-04-30")),
    ("今年1月到上个月", D2, r("2025-01-01", "2025-04-30")),
    ("1月到上个月", date(2025, 1, 15), r("2024-01-01", "2024-12-31")),  # January of last month's year
    ("月初至昨天", D2, r("2025-05-01", "2025-05-14")),
    ("年初至昨日", D2, r("2025-01-01", "2025-05-14")),
    ("本月截至昨天", D2, r("2025-05-01", "2025-05-14")),
    ("上个月到今天", D2, r("2025-04-01", "2025-05-15")),
    ("上个月到15号", D2, "ambiguous"),  # the 15th of which month?
    ("近7天到昨天", D2, "ambiguous"),
    ("去年-明年", D2, "ambiguous"),  # the dash follows the same rules as 到
    ("上个月-本月", D2, "ambiguous"),
    # 5. Spaces between Chinese characters do not stop the numerals.
    ("近 七 天", D2, r("2025-05-09", "2025-05-15")),
    ("最近 三十 天", D2, r("2025-04-16", "2025-05-15")),
    ("二〇二四 年 五 月", D2, r("2024-05-01", "2024-05-31")),
    ("两千零二十四 年", D2, r("2024-01-01", "2024-12-31")),
    ("二〇二四 年 四 月 一 日 - 二〇二四 年 五 月 一 日", D2, r("2024-04-01", "2024-05-01")),
    # 6. More dash and wave characters separate a range.
    ("2024-04-01〜2024-05-01", D2, r("2024-04-01", "2024-05-01")),
    ("2024-04-01−2024-05-01", D2, r("2024-04-01", "2024-05-01")),
    ("2024-04-01‐2024-05-01", D2, r("2024-04-01", "2024-05-01")),
    ("2024-04-01‑2024-05-01", D2, r("2024-04-01", "2024-05-01")),
    ("2024-04-01―2024-05-01", D2, r("2024-04-01", "2024-05-01")),
    ("2024-04-01--2024-05-01", D2, r("2024-04-01", "2024-05-01")),
    ("2024年4月1日 ― 2024年5月1日", D2, r("2024-04-01", "2024-05-01")),
    # 7. Other unambiguous spellings.
    ("H1", D2, r("2025-01-01", "2025-05-15")),  # as 上半年: the part containing D ends on D
    ("H2", D2, r("2025-07-01", "2025-12-31")),
    ("2024H1", D2, r("2024-01-01", "2024-06-30")),
    ("2024年H1", D2, r("2024-01-01", "2024-06-30")),
    ("2024H3", D2, "invalid_date"),
    ("2024 Q1", D2, r("2024-01-01", "2024-03-31")),
    ("Q1 2024", D2, r("2024-01-01", "2024-03-31")),
    ("2024年全年", D2, r("2024-01-01", "2024-12-31")),
    ("去年全年", D2, r("2024-01-01", "2024-12-31")),
    ("2024年度", D2, r("2024-01-01", "2024-12-31")),
    ("今年前5个月", D2, r("2025-01-01", "2025-05-15")),  # a part containing D ends on D
    ("今年前3个月", D2, r("2025-01-01", "2025-03-31")),
    ("去年前三个季度", D2, r("2024-01-01", "2024-09-30")),
    ("上个自然月", D2, r("2025-04-01", "2025-04-30")),
    ("近7个自然日", D2, r("2025-05-09", "2025-05-15")),
    ("202504", D2, r("2025-04-01", "2025-04-30")),
    ("202504-202506", D2, r("2025-04-01", "2025-06-30")),
    ("202513", D2, "invalid_date"),
    ("200401", D2, "ambiguous"),  # 2004-01 or 2020-04-01
    ("前一天", D2, r("2025-05-14", "2025-05-14")),
    ("前一周", D2, r("2025-05-08", "2025-05-14")),  # as 前N天: the window that ends on D-1
    ("前一个月", D2, r("2025-04-15", "2025-05-14")),
    ("2024 6月", D2, r("2024-06-01", "2024-06-30")),
    ("2024 5月1日", D2, r("2024-05-01", "2024-05-01")),
    # Second review. A year, a dash and a quarter or half is one point (2024-Q3 was the
    # range 2024-01-01 … Q3's end, read across the dash).
    ("2024-Q3", D2, r("2024-07-01", "2024-09-30")),
    ("2024-H2", D2, r("2024-07-01", "2024-12-31")),
    ("2024-第三季度", D2, r("2024-07-01", "2024-09-30")),
    ("2024-1-15", D2, r("2024-01-15", "2024-01-15")),  # a date stays a date
    # 今年全年 is the whole year, as 2025年全年 is (it had become 今年: to D).
    ("今年全年", D2, r("2025-01-01", "2025-12-31")),
    ("本年的全年", D2, r("2025-01-01", "2025-12-31")),
    # A note that only restates the period is dropped, not an ambiguity that rejects the
    # whole ChatBI sample.
    ("上周（周一至周日）", D2, r("2025-05-05", "2025-05-11")),
    ("2024年(全年)", D2, r("2024-01-01", "2024-12-31")),
    ("2024年4月(全月)", D2, r("2024-04-01", "2024-04-30")),
    ("上个月(4月)", D2, r("2025-04-01", "2025-04-30")),
    ("本月(5月)", D2, r("2025-05-01", "2025-05-15")),
    ("上个月(北京时间)", D2, r("2025-04-01", "2025-04-30")),
    ("上个月(5月)", D2, "ambiguous"),  # a note naming another period still rejects
    ("上个月(周一至周日)", D2, "ambiguous"),
]


@pytest.mark.parametrize(("expression", "reference", "expected"), REVIEW_FIXES, ids=[f"{e}@{d}" for e, d, _ in REVIEW_FIXES])
def test_review_fix(expression: str, reference: date, expected: object) -> None:
    assert _actual(expression, reference) == expected


@pytest.mark.parametrize(
    ("expression", "words"),
    [
        ("本月(不含周末)", ("不含周末", "changes the range")),
        ("本月(工作日)", ("工作日", "not one the parser knows")),
        ("2025年5月(不含今天)", ("inside the range",)),
        ("上个月到15号", ("which month", "15号")),
        ("去年到明年", ("two relative periods",)),
        ("近7天到昨天", ("近7天", "not one end of a range")),
        ("200401", ("YYYYMM or YYMMDD",)),
    ],
)
def test_a_rejection_says_why(expression: str, words: tuple[str, ...]) -> None:
    with pytest.raises(TimeRangeError) as info:
        resolve(expression, D2)
    assert all(word in info.value.message for word in words), info.value.message


def test_date_period_shapes_are_unchanged() -> None:
    """clauses.date_period reads values with parse_point: YYYYMM and quarters, which only
    the resolver reads, stay out of it (a 6-digit value there may be a store code)."""
    from chatwh.chatbi.time_range import parse_point

    assert parse_point("202504", D2) is None and parse_point("2024Q1", D2) is None
