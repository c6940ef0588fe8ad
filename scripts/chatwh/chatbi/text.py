"""Normalisation of the texts the evaluation compares: metric names, filter values, numbers.

Keys are compared for equality in SQL, so they are built here once, the same way for the
expected and the predicted side:

- `fold`        NFKC (full width → half width), case folded, whitespace removed;
- `metric_key`  fold + a trailing bracketed *unit* removed: 综合毛利(万元) → 综合毛利, but
                推广中车源量(在售) keeps its bracket (在售 is part of the name, not a unit);
- `value_key`   fold + surrounding quotes/brackets removed: “北京草桥店” → 北京草桥店.

Numbers: `parse_number` reads 6,001.15 / 12.5% / −3 / １２ (a unit suffix such as 万元 or
台 is left out of the number; the marts read the unit from the text and compare in
base units when both sides state one: int_chatbi_value_checks__scored). `parse_expected_value` splits `销售量 64`,
`销售量-100`, `销售量: 64`, `推广率 12.5%` into (metric name, number as written);
`decimals` is how many decimals the number is written with. A dash glued to the name is a
separator (销售量-100 is 100, as the design document writes results); a minus sign after
a space is a sign (利润 -100 is −100).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# Values are compared as integers scaled by 10^6 (exact on every engine); a number whose
# absolute value reaches this limit cannot be scaled into a BIGINT with headroom.
SCALE_DIGITS = 6
SCALE = 10**SCALE_DIGITS
MAX_ABS_VALUE = Decimal(10) ** 12

_BRACKETS = {"【": "(", "】": ")", "〔": "(", "〕": ")", "［": "[", "］": "]", "「": "", "」": "", "『": "", "』": ""}
# The units int_chatbi_value_checks__scored converts, and nothing else (a test holds the
# two lists together): a unit read here but unknown there would be compared as written.
# Magnitudes are powers of ten, 十万/百万/千万 before their single-character tails so
# 百万 is one magnitude, not 百 then 万; a base unit is 10^0 and may follow a magnitude.
MAGNITUDES = ("十万", "百万", "千万", "万", "千", "百", "亿")
BASE_UNITS = (
    "条线索",
    "元",
    "块",
    "台",
    "辆",
    "个",
    "次",
    "单",
    "件",
    "人",
    "条",
    "家",
    "天",
    "公里",
    "km",
    "kg",
    "吨",
    "rmb",
    "cny",
    "人民币",
)
RATIOS = ("%", "％", "‰", "percent", "pct")
_MAGNITUDE = "(?:" + "|".join(MAGNITUDES) + ")"
_UNIT_WORDS = rf"(?:{_MAGNITUDE}?(?:{'|'.join(BASE_UNITS)})|{_MAGNITUDE}|{'|'.join(RATIOS)})"
# A bracketed unit ending a metric name, a rate such as 元/台 included: 单车综合毛利(元/台).
_UNIT_IN_BRACKETS = re.compile(rf"\s*[(\[]\s*(?:单位[:：]?\s*)?{_UNIT_WORDS}(?:\s*/\s*{_UNIT_WORDS})?\s*[)\]]\s*$", re.IGNORECASE)
_QUOTES = "\"'“”‘’《》<>「」『』`"


def fold(text: str | None) -> str:
    """NFKC, case folded, without whitespace (the comparison form of a short label)."""
    if text is None:
        return ""
    for src, dst in _BRACKETS.items():
        text = text.replace(src, dst)
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"\s+", "", text)


def metric_key(name: str | None) -> str:
    """Comparison key of a metric name: folded, with a bracketed unit stripped."""
    key = fold(name)
    previous = None
    while previous != key:  # 综合毛利(万元)(元) → 综合毛利
        previous = key
        key = _UNIT_IN_BRACKETS.sub("", key)
    return key


def value_key(value: str | None) -> str:
    """Comparison key of a filter value: folded, surrounding quotes/brackets removed."""
    key = fold(value)
    previous = None
    while previous != key:
        previous = key
        key = key.strip(_QUOTES)
        if len(key) >= 2 and key[0] in "([{" and key[-1] in ")]}":
            key = key[1:-1]
    return key


_NUMBER = re.compile(r"^(?P<sign>[+-])?(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d+))?$")


@dataclass(frozen=True)
class Number:
    text: str  # as written, normalised (no thousands separators, no unit)
    value: Decimal
    decimals: int

    @property
    def scaled(self) -> int | None:
        return scaled(self.value)


def scaled(value: Decimal) -> int | None:
    """value × 10^6 rounded half away from zero; None beyond ±10^12 (not comparable)."""
    if abs(value) >= MAX_ABS_VALUE:
        return None
    return int((value * SCALE).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def parse_number(raw: object) -> Number | None:
    """A number as an assistant or a data set writes it, or None when it is not one."""
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        raw = repr(raw) if isinstance(raw, float) else str(raw)
    text = unicodedata.normalize("NFKC", str(raw)).strip().replace(" ", "")
    text = re.sub(rf"{_UNIT_WORDS}$", "", text, flags=re.IGNORECASE).replace("−", "-")
    if re.fullmatch(r"[+-]?\d+(?:\.\d+)?e[+-]?\d+", text, re.IGNORECASE):
        try:
            value = Decimal(text)
        except InvalidOperation:
            return None
        return Number(format(value, "f"), value, max(0, -value.as_tuple().exponent))  # type: ignore[operator]
    match = _NUMBER.match(text)
    if not match:
        return None
    digits = match["int"].replace(",", "")
    fraction = match["frac"] or ""
    normalised = f"{match['sign'] or ''}{digits}{'.' + fraction if fraction else ''}".lstrip("+")
    return Number(normalised, Decimal(normalised), len(fraction))


@dataclass(frozen=True)
class ExpectedValue:
    text: str
    metric_name: str
    number: Number


_EXPECTED_VALUE = re.compile(
    r"^(?P<name>.*?[^\s:：=\-—])"
    r"(?:\s*[:：=]\s*|\s*[-—]\s*(?=[+-]?\d)|-(?=[+-]?\d)|\s+)?"
    rf"(?P<num>[+-]?(?:\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.\d+)?)\s*(?P<unit>{_UNIT_WORDS})?$",
    re.IGNORECASE,
)


# A metric name that ends in a mantissa and "e" ("销售量 1e" of "销售量 1e400"): the number
# was written in scientific notation and the pattern split it at its exponent. Such a
# number is refused, not read: a data set writes its numbers out, and the decimals a value
# is compared to have no meaning for 1.5e3.
_SPLIT_AT_EXPONENT = re.compile(r"(?:^|[^0-9A-Za-z.])[+-]?[0-9]*\.?[0-9]+[eE]$")


def parse_expected_value(raw: str) -> ExpectedValue:
    """`销售量 64` → (销售量, 64); raises ValueError for text without a trailing number."""
    # U+2212 (−) is a minus sign NFKC keeps: read it as parse_number does.
    text = unicodedata.normalize("NFKC", raw).strip().replace("−", "-")
    # "利润 -100": a minus after whitespace is the sign; "销售量-100": a dash glued to the name separates.
    sign = ""
    signed = re.match(r"^(?P<head>.*\S)\s+-(?P<tail>\d[\d,]*(?:\.\d+)?\s*\S*)$", text)
    if signed and not re.search(r"[:：=]$", signed["head"]):
        sign, text = "-", f"{signed['head']} {signed['tail']}"
    match = _EXPECTED_VALUE.match(text)
    if not match:
        raise ValueError(f"expected value {raw!r} is not '<metric name> <number>'")
    name = match["name"].strip()
    if _SPLIT_AT_EXPONENT.search(name):
        raise ValueError(f"expected value {raw!r} is in scientific notation (write the number out)")
    number = parse_number(sign + match["num"])
    if number is None or not re.search(r"[^\d\s.,:：=+\-]", name):  # a name needs a non-numeric character
        raise ValueError(f"expected value {raw!r} is not '<metric name> <number>'")
    return ExpectedValue(text=raw, metric_name=name, number=number)


_SENTENCE_SPLIT = re.compile(r"[。；;!！?？\n]+")


def repeated_sentence_count(text: str | None) -> int:
    """How many sentences of a description repeat an earlier one (after folding)."""
    if not text:
        return 0
    seen: set[str] = set()
    repeats = 0
    for sentence in _SENTENCE_SPLIT.split(text):
        key = fold(sentence).strip(",，、.")
        if len(key) < 4:
            continue
        if key in seen:
            repeats += 1
        seen.add(key)
    return repeats
