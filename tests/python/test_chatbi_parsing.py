"""The ChatBI text parsing the loaders do in Python: metric keys, numbers, expected
values, description clauses, expected filters."""

from __future__ import annotations

import re
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from chatwh.chatbi.clauses import date_period, parse_description, parse_expected_filter  # noqa: E402
from chatwh.chatbi.text import (  # noqa: E402
    BASE_UNITS,
    MAGNITUDES,
    RATIOS,
    metric_key,
    parse_expected_value,
    parse_number,
    repeated_sentence_count,
    scaled,
    value_key,
)

SEED_DESCRIPTION = (
    "我们在“门店销售”主题下,筛选出日期大于等于2025-04-01、日期小于等于2025-04-30、门店名称等于北京草桥店的数据;"
    "按照月份分组;计算综合毛利求和、销售量求和、零售量、单车综合毛利;按照月份升序、按照综合毛利降序排序"
)


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("综合毛利(万元)", "综合毛利"),
        ("综合毛利（万元）", "综合毛利"),
        ("采购金额【万元】", "采购金额"),
        ("推广率(%)", "推广率"),
        ("销量(台)", "销量"),
        ("Ｂ２Ｃ采购量", "b2c采购量"),
        ("B2C 采购量", "b2c采购量"),
        # a bracket that is part of the name, not a unit, stays
        ("推广中车源量(在售)", "推广中车源量(在售)"),
        ("推广中车源量（在售）", "推广中车源量(在售)"),
    ],
)
def test_metric_key(name: str, key: str) -> None:
    assert metric_key(name) == key


def test_value_key_ignores_width_case_spaces_and_quotes() -> None:
    assert value_key("“北京草桥店” ") == value_key("北京草桥店") == "北京草桥店"
    assert value_key("零采－Ｂ") == "零采-b"
    assert value_key("非自采") != value_key("自采")


@pytest.mark.parametrize(
    ("text", "name", "number", "decimals"),
    [
        ("销售量 64", "销售量", "64", 0),
        ("销售量-100", "销售量", "100", 0),  # the design document's "销售量-100": a dash glued to the name separates
        ("利润 -100", "利润", "-100", 0),  # a minus after a space is the sign
        ("销售量--100", "销售量", "-100", 0),
        ("综合毛利 38", "综合毛利", "38", 0),
        ("推广率 12.5%", "推广率", "12.5", 1),
        ("采购金额：1,234.50万元", "采购金额", "1234.50", 2),
        ("B2C采购量 10", "B2C采购量", "10", 0),
        ("零售量 41台", "零售量", "41", 0),
        # the magnitudes the marts convert: 百万 is one magnitude, not 百 then 万
        ("销售额 1.2百万", "销售额", "1.2", 1),
        ("采购金额 3千万元", "采购金额", "3", 0),
        ("线索量 5十万条", "线索量", "5", 0),
        ("利润 -3百万", "利润", "-3", 0),
    ],
)
def test_expected_values(text: str, name: str, number: str, decimals: int) -> None:
    parsed = parse_expected_value(text)
    assert (parsed.metric_name, parsed.number.text, parsed.number.decimals) == (name, number, decimals)


@pytest.mark.parametrize("text", ["销售量", "销售量 abc", "64"])
def test_expected_values_without_a_name_and_number_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_expected_value(text)


def test_numbers_and_exact_scaling() -> None:
    assert parse_number("6,001.15").value == Decimal("6001.15")  # type: ignore[union-attr]
    assert parse_number(38.41).text == "38.41"  # type: ignore[union-attr]
    assert parse_number("约64") is None and parse_number(None) is None and parse_number(True) is None
    assert scaled(Decimal("38.41")) == 38_410_000
    assert scaled(Decimal("-2.5")) == -2_500_000
    assert scaled(Decimal("0.0000005")) == 1  # half away from zero at the 6th decimal
    assert scaled(Decimal(10) ** 12) is None


def test_seed_description_clauses() -> None:
    clauses = parse_description(SEED_DESCRIPTION)
    assert [(c.field, c.operator, c.values) for c in clauses] == [
        ("日期", "ge", ["2025-04-01"]),
        ("日期", "le", ["2025-04-30"]),
        ("门店名称", "eq", ["北京草桥店"]),
    ]


def test_negation_another_store_inner_word_and_exclusive_bound() -> None:
    clauses = parse_description(
        "筛选出日期大于等于2025-04-01且日期小于2025-05-01、门店名称不等于北京草桥店、城市等于北京、采购类型二级等于非自采的数据"
    )
    found = [(c.field, c.operator, c.values, c.polarity) for c in clauses]
    assert found == [
        ("日期", "ge", ["2025-04-01"], None),
        ("日期", "lt", ["2025-05-01"], None),
        ("门店名称", "ne", ["北京草桥店"], "negative"),
        ("城市", "eq", ["北京"], "positive"),
        ("采购类型二级", "eq", ["非自采"], "positive"),
    ]
    another_store = parse_description("筛选出门店名称等于北京望京店的数据")[0]
    assert value_key(another_store.values[0]) != value_key("北京草桥店")


def test_lists_ranges_and_months() -> None:
    clauses = parse_description(
        "筛选出采购渠道属于(C1工单,零采-B)、门店名称属于北京草桥店、北京望京店、日期在2025-04-01到2025-04-30之间、月份等于2025-04的数据"
    )
    assert [(c.field, c.operator, c.values) for c in clauses] == [
        ("采购渠道", "in", ["C1工单", "零采-B"]),
        ("门店名称", "in", ["北京草桥店", "北京望京店"]),
        ("日期", "between", ["2025-04-01", "2025-04-30"]),
        ("月份", "eq", ["2025-04"]),
    ]
    assert date_period("2025-04") == (date(2025, 4, 1), date(2025, 4, 30))
    assert date_period("2025年4月1日") == (date(2025, 4, 1), date(2025, 4, 1))
    assert date_period("20250401") == (date(2025, 4, 1), date(2025, 4, 1))
    assert date_period("北京草桥店") is None and date_period("4月") is None


@pytest.mark.parametrize(
    ("value", "period"),
    [
        ("‘2025-04-01’", (date(2025, 4, 1), date(2025, 4, 1))),  # Chinese single quotes
        ("2025Q1", (date(2025, 1, 1), date(2025, 3, 31))),
        ("2025年第一季度", (date(2025, 1, 1), date(2025, 3, 31))),
        ("2025年上半年", (date(2025, 1, 1), date(2025, 6, 30))),
        ("上个月", None),  # relative: no period of its own
        ("201903", None),  # digits alone: as likely a code as a month
    ],
)
def test_date_values_the_resolver_reads_on_any_day(value: str, period: tuple[date, date] | None) -> None:
    assert date_period(value) == period


def test_a_spaced_dash_between_two_dates_is_a_range() -> None:
    clauses = parse_description("日期为2025-04-01 - 2025-04-30、季度等于2025Q1")
    assert [(c.field, c.operator, c.values) for c in clauses] == [
        ("日期", "between", ["2025-04-01", "2025-04-30"]),
        ("季度", "eq", ["2025Q1"]),
    ]


def test_a_date_value_with_a_time_of_day_names_its_day() -> None:
    # SQL-minded descriptions write timestamps; the day is what the time-range check
    # compares (the resolver reads "2024-02-29 - 2024-02-29 23:59:59" the same way).
    # Before, these values carried no date and the sample "stated no date range".
    clauses = parse_description("筛选出日期大于等于2025-04-01 00:00:00、日期小于2025-05-01 00:00:00的数据")
    assert [date_period(c.values[0]) for c in clauses] == [
        (date(2025, 4, 1), date(2025, 4, 1)),
        (date(2025, 5, 1), date(2025, 5, 1)),
    ]
    assert date_period("2025-04-30T23:59:59") == (date(2025, 4, 30), date(2025, 4, 30))
    assert date_period("2025-04-30 23:59:59.999") == (date(2025, 4, 30), date(2025, 4, 30))
    assert date_period("2025年4月30日 23:59") == (date(2025, 4, 30), date(2025, 4, 30))
    between = parse_description("筛选出日期在2025-04-01 00:00:00到2025-04-30 23:59:59之间")[0]
    assert between.operator == "between" and [date_period(v) for v in between.values] == [
        (date(2025, 4, 1), date(2025, 4, 1)),
        (date(2025, 4, 30), date(2025, 4, 30)),
    ]
    # not a time of day: the value stays unread
    assert date_period("2025-04-30 25:99") is None and date_period("12:00") is None


def test_topic_preamble_is_not_a_filter() -> None:
    assert parse_description("我们在“门店销售”主题下,计算销售量") == []


def test_expected_filters() -> None:
    bare = parse_expected_filter("北京草桥店")
    assert (bare.field, bare.operator, bare.key, bare.polarity) == (None, "eq", "北京草桥店", "positive")
    named = parse_expected_filter("门店名称:北京草桥店")
    assert (named.field, named.operator, named.key) == ("门店名称", "eq", "北京草桥店")
    negative = parse_expected_filter("首次预计销售方式不等于批售")
    assert (negative.operator, negative.key, negative.polarity) == ("ne", "批售", "negative")
    assert parse_expected_filter("零采-B").key == "零采-b"


def test_repeated_sentences() -> None:
    assert repeated_sentence_count("筛选出北京草桥店的数据;计算销售量;计算销售量。") == 1
    assert repeated_sentence_count(SEED_DESCRIPTION) == 0
    assert repeated_sentence_count(None) == 0


def test_in_without_spaces_before_a_bracketed_list() -> None:
    # SQL-minded answers glue `in` to the field or the list; before, only " in " with
    # spaces on both sides was read, so these stated no clause at all.
    for text in ("筛选出门店名称in (北京草桥店, 北京望京店)", "门店名称 in(北京草桥店,北京望京店)", "门店名称IN[北京草桥店、北京望京店]"):
        (clause,) = parse_description(text)
        assert (clause.field, clause.operator, clause.values) == ("门店名称", "in", ["北京草桥店", "北京望京店"]), text
    assert parse_expected_filter("门店名称in(北京草桥店)").field == "门店名称"
    # a word that merely contains "in" is no operator: not glued to a letter, not without a bracket
    assert parse_description("计算min(价格)、join (门店)") == []
    assert parse_description("Info (门店)") == [] and parse_description("门店名称inside(北京)") == []
    # the spaced and negated spellings read as before
    assert [c.operator for c in parse_description("门店名称 in (北京草桥店)、渠道not in(58)")] == ["in", "not_in"]


def _model_names(model: str, name: str) -> set[str]:
    """The quoted names of a Jinja list or dict (the dicts map names to numbers)."""
    found = re.search(rf"set {name} = (?P<body>\[[^\]]*\]|\{{[^}}]*\}})", model)
    assert found is not None, name
    return set(re.findall(r"'([^']+)'", found["body"]))


def test_the_loader_and_the_value_check_model_know_the_same_units() -> None:
    """A unit read here but unknown to the model is compared as written (12000公里 vs
    1.2万公里 was wrong); one the model knows but the loader refuses is never reached."""
    model = (Path(__file__).resolve().parents[2] / "models/intermediate/chatbi/int_chatbi_value_checks__scored.sql").read_text(
        encoding="utf-8"
    )
    assert _model_names(model, "magnitudes") == set(MAGNITUDES)
    assert _model_names(model, "base_units") == set(BASE_UNITS)
    assert _model_names(model, "ratios") == set(RATIOS)


@pytest.mark.parametrize("prefix", MAGNITUDES)
@pytest.mark.parametrize("base", ["", *BASE_UNITS])
def test_every_unit_the_model_converts_is_read(prefix: str, base: str) -> None:
    for unit in {f"{prefix}{base}", base} - {""}:
        parsed = parse_expected_value(f"销售额 2.5{unit}")
        assert (parsed.metric_name, parsed.number.text) == ("销售额", "2.5"), unit
        assert parse_number(f"2.5{unit}") == parsed.number, unit


def test_a_unicode_minus_is_a_sign() -> None:
    parsed = parse_expected_value("利润 −100")
    assert (parsed.metric_name, parsed.number.text) == ("利润", "-100")
    assert parse_number("−100") == parsed.number


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("单车综合毛利(元/台)", "单车综合毛利"),
        ("综合毛利(万人民币)", "综合毛利"),
        ("采购金额(万RMB)", "采购金额"),
        ("车源量(在售/台)", "车源量(在售/台)"),
    ],
)
def test_rate_and_currency_brackets_are_units(name: str, key: str) -> None:
    assert metric_key(name) == key
