"""Resolve a Chinese business time expression to an inclusive date range.

    resolve("上个月", date(2025, 5, 15))  ->  DateRange(2025-04-01, 2025-04-30)

The parser normalises the text (full-width → half-width, Chinese numerals → digits,
bracketed notes, times of day and decorative spaces removed, every range separator →
`~`), then reads it with a small grammar: an explicit range (two date points, or a
date and a relative period), one explicit date point, or one relative phrase; last it
applies the bracketed notes. It never looks a phrase up in a list of known inputs, and
it refuses to guess: every rejection raises `TimeRangeError` with a stable code.

Conventions (D = the reference date, "today" for the question)
-----------------------------------------------------------------
- Dates are inclusive on both ends; weeks start on Monday.
- 今天/今日/当天/当日 = D; 昨天 = D-1; 前天 = D-2; 大前天 = D-3; 明天 = D+1; 后天 = D+2;
  N天前 = the single day D-N.
- Current periods (本月/当月/这个月, 今年/当年/本年, 本季度/这个季度, 本周/这周/这一周,
  and `…以来`, `…至今`) run from the period start to D.
- A named part of a current period (上旬 1-10, 中旬 11-20, 下旬 21-end, 月初 = 上旬,
  月末/月底 = 下旬, 季度初/季度末 = first/last month of the quarter, 年初/年末 = January/
  December, 上半年/下半年, 第N季度) is the whole part, except that a part containing D
  ends on D. Said on its own (月底, 上旬, 年初, 季末) it is a part of the current period.
- Previous and next periods (上个月, 上上个月, 大上个月, 上上上个月, 下个月, 上周, 上上周,
  上个季度, 去年/上个年度, 前年, 明年, 去年下半年 ...) are whole calendar periods.
- Rolling windows end on D: 近/最近/过去/这 N 天 = the N days D-N+1 … D; N 周 = 7N days;
  N 个月 = from D minus N calendar months plus one day; N 年 the same with years;
  半个月 = 15 days; 半年 = 6 months; `N天内`/`N个月内`/`N周内` are the same windows.
  Month arithmetic clamps to the month's last day (D = 03-31 minus one month = 02-29).
- 前N天/前N周/前N个月 = the window of the same length that ends the day before D: 前3天 =
  D-3 … D-1, 前一周 = D-7 … D-1, 前一个月 = (D-1) minus one month plus one day … D-1.
  前N年, 前N个季度 and 前N月 are not read (前一年 is as often 去年, 前3月 January to March).
- 今年前5个月 / 去年前3个季度 = the first N months or quarters of that year (a part, so
  今年前5个月 in May ends on D).
- H1/H2 = 上半年/下半年; 2024年度, 2024年全年 = 2024年; 去年全年 = 去年; 今年全年 = the whole
  current year (今年 alone ends on D); 2024-Q3, 2024-H2 = 2024年Q3/H2; 自然月/自然日/自然周
  are the calendar periods every period already is (上个自然月 = 上个月, 近7个自然日 = 近7天).
- 未来N天/未来一周/未来N个月 = D+1 … D+N (days, 7N days, or D plus N months).
- 去年的这个时候/去年同期 (前年…, 上个月同期) = the same month-to-date one period back:
  from the first day of D's month in that year (month) to the same day of the month
  (clamped to the month's end).
- Explicit dates: YYYYMMDD, YYYYMM (202504; six digits that also read as YYMMDD, such
  as 200401, are ambiguous), Y-M-D / Y.M.D / Y/M/D / "Y M D", 年月日 (日 or 号; "2024 6月"
  = 2024年6月), Chinese numerals (二〇二四年四月一日, spaces allowed: 近 七 天), English month
  names (April 1, 2024), quarters and halves (2024Q1, 2024 Q1, Q1 2024, 2024年第一季度,
  2024H1, 2024年上半年), with `~`, 〜, 至, 到, ——, ―, `--` or `-` (also ‐ ‑ −) between the
  two ends; a time of day is ignored. A point names a whole year, half, quarter, month or
  day, so 2024年4月到5月 is 04-01 … 05-31 and Q1~Q2 is 01-01 … 06-30 (in a range a quarter
  is a point like a month: whole, even when said on its own it would end on D). A unit
  written once after two numbers belongs to both: 1-3月 = 1月~3月, 5月1-10日 = 5月1日~10日.
  A part missing its year takes the other part's year, else D's year, except that a
  range whose end month comes before its start month crosses New Year (2024年12月30日到
  1月5日 = 2024-12-30 … 2025-01-05; 12月到1月 = last December to this January; Q4到Q1);
  a part missing its month takes the other part's month, else D's; a two-digit year is
  20YY.
  Explicit months and days are whole periods even in the future (no clipping to D).
  `X以来`/`X至今` = X … D.
- One end explicit (a date or a day word), the other a relative period: the relative end
  counts as that period as resolved on its own, from its first day (left) or to its last
  (right): 2024年5月到上个月 = 2024-05-01 … last month's end, 月初至昨天 = the 1st … D-1,
  本月截至昨天 = the 1st … D-1. A month without its year takes the relative end's year; a
  bare day (15号) stays in D's month and is ambiguous next to a period in another month.
  A window measured from D (近7天, 前3天, 未来3天, 去年同期, 本月以来) is no range end. The
  dash obeys the same rules as 到 (去年-明年 is as ambiguous as 去年到明年).
- Bracketed notes, 【】 and [] included: a weekday (周一), an inclusion (含今天, 含4月和7月),
  自然日/自然月, 全年/全月 and 北京时间 are dropped, as is a note naming a period that holds
  the range (上个月(4月), 本月(5月), 上周(周一至周日)); 不含今天/不含当天 (排除今天 …) ends a
  range that ends on D the day before, and a rolling N days becomes the N days ending on D-1 (近7天(不含今天) =
  D-7 … D-1); a range without D is unchanged, one with D inside is ambiguous;
  截至昨天/截止到昨天 (截至今天) cuts the range at that day, which must lie in it (a rolling
  window ending on D moves back a day as above). Any other note is rejected as
  ambiguous: it may change the range (不含周末, 除节假日, 工作日) and is never dropped.

Rejections (code → meaning)
---------------------------
empty               nothing to parse
invalid_date        a date that does not exist (Feb 30, month 0/13, day 0, year 0,
                    Feb 29 of a non-leap year)
reversed_range      the end is before the start
contradictory       the phrase contradicts itself (未来到过去, 今天(不含今天))
relative_to_relative a period taken relative to another relative period (上个月的下个月)
missing_start       a range without its start (到2024年5月1日, 2024年5月1日之前)
missing_end         a range without its end (2024年4月1日开始, 从…起)
ambiguous           no convention applies and the parser will not guess: an unspecified
                    count (前几天, 最近这几天, 本月头几天), academic or fiscal years (本学年),
                    `N月内` (March, or N months?), a range between two relative periods
                    (去年到明年), a window as a range end (近7天到昨天), a bare day next to
                    a period in another month (上个月到15号), a bare direction (未来, 过去),
                    six digits (200401), a bracketed note that is not read (不含周末, 工作日)
                    or that does not fit the range (上个月(截至昨天), 2025年5月(不含今天)
                    asked on 2025-05-15: today inside the range)
unrecognised        the text is not a time expression this parser understands
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date, timedelta

ERROR_CODES: dict[str, str] = {
    "empty": "nothing to parse",
    "invalid_date": "a date that does not exist",
    "reversed_range": "the end is before the start",
    "contradictory": "the phrase contradicts itself",
    "relative_to_relative": "a period relative to another relative period",
    "missing_start": "the range has no start",
    "missing_end": "the range has no end",
    "ambiguous": "no convention applies; the parser does not guess",
    "unrecognised": "not a time expression the parser understands",
}


class TimeRangeError(ValueError):
    """An expression that cannot be resolved; `code` is one of ERROR_CODES."""

    def __init__(self, code: str, message: str) -> None:
        if code not in ERROR_CODES:
            raise ValueError(f"unknown time-range error code {code!r}")
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class DateRange:
    start: date
    end: date
    rule: str = ""

    def as_json(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


# ---------------------------------------------------------------------------------
# calendar arithmetic
# ---------------------------------------------------------------------------------


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _shift_month(year: int, month: int, offset: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + offset
    return index // 12, index % 12 + 1


def add_months(day: date, months: int) -> date:
    """D plus N calendar months, clamped to the last day of the target month."""
    year, month = _shift_month(day.year, day.month, months)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


def _quarter_range(year: int, quarter: int) -> tuple[date, date]:
    first = 3 * (quarter - 1) + 1
    return date(year, first, 1), _month_end(year, first + 2)


def _checked_date(year: int, month: int, day: int, text: str) -> date:
    if not 1 <= year <= 9999:
        raise TimeRangeError("invalid_date", f"year {year:04d} does not exist ({text})")
    if not 1 <= month <= 12:
        raise TimeRangeError("invalid_date", f"month {month} does not exist ({text})")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise TimeRangeError("invalid_date", f"{year:04d}-{month:02d} has no day {day} ({text})")
    return date(year, month, day)


def _clip_to_reference(start: date, end: date, reference: date) -> tuple[date, date]:
    """A part of the current period that contains D ends on D."""
    if start <= reference <= end:
        return start, reference
    return start, end


# ---------------------------------------------------------------------------------
# normalisation
# ---------------------------------------------------------------------------------

_CN_DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_NUMERAL = "零〇○一二两三四五六七八九十百千"
_CN_UNIT_AHEAD = r"(?:个|年|月|日|号|天|周|星期|礼拜|季|旬)"
# Chinese numerals are only read as numbers right before a time unit, so 同一时期 stays text;
# the left number of 一到三月 shares the right one's unit.
_CN_NUMBER_RE = re.compile(rf"([{_CN_NUMERAL}]+)(?={_CN_UNIT_AHEAD}|(?:到|至|~|-)[{_CN_NUMERAL}]+{_CN_UNIT_AHEAD})")


def chinese_number(text: str) -> int:
    """二〇二四 → 2024 (digit by digit), 十五 → 15, 二十 → 20, 一百二十 → 120."""
    if not any(ch in _CN_UNITS for ch in text):
        return int("".join(str(_CN_DIGITS[ch]) for ch in text))
    total, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        else:
            total += (current or 1) * _CN_UNITS[ch]
            current = 0
    return total + current


def _replace_cn_numbers(text: str) -> str:
    return _CN_NUMBER_RE.sub(lambda m: str(chinese_number(m.group(1))), text)


_CJK = r"\u3400-\u9fff"
# Separators NFKC leaves alone: wave dashes and tildes read as `~`, hyphens and the minus
# sign as `-`, the horizontal bar as the dash `—`.
_SEPARATOR_VARIANTS = str.maketrans({"〜": "~", "∼": "~", "⁓": "~", "‐": "-", "‑": "-", "−": "-", "﹣": "-", "―": "—"})
# A bracketed note: (周一), [含今天], 【不含今天】 (full-width brackets become these first).
_NOTE = re.compile(r"\(([^()]*)\)|\[([^\[\]]*)\]")
_IDIOMS: tuple[tuple[str, str], ...] = (
    # "from the start of the period until now" idioms, before 至/到 become range separators
    (r"(?:年初|年头)(?:至今|到现在|到今天|到目前|以来)", "今年以来"),
    (r"(?:月初|月头)(?:至今|到现在|到今天|到目前|以来)", "本月以来"),
    (r"(?:季初|季度初)(?:至今|到现在|到今天|到目前|以来)", "本季度以来"),
    (r"(?:周初)(?:至今|到现在|到今天|到目前|以来)", "本周以来"),
    (r"\s*(?:至今|迄今|到现在|到目前为止|到目前|到今天为止)$", "以来"),
)
# Words that restate a convention: 自然月 is the calendar month every period already is;
# 2024年度 and 2024年全年 are the year 2024.
_PLAIN_WORDS: tuple[tuple[str, str], ...] = (
    (r"个?自然(?:日|天)", "天"),
    (r"自然(月|周|年|季度)", r"\1"),
    (r"(?<=\d)年度", "年"),
    # 今年全年 is the whole current year, not 今年 (the year to D): _resolve reads it.
    (r"(?<![今本当]年)(?<=年)(?:的)?全年", ""),
)
# 1-3月, 5月1-10日, 1~10号, 1-2季度: a unit after the second number applies to both.
_SHARED_UNIT = re.compile(r"(?<![\d.\-/~])(\d{1,2})[-~](\d{1,2})(月份?|季度|日|号)")


def _prepare(expression: str) -> str:
    """Half-width, lower case, one bracket style and one spelling of each separator."""
    text = unicodedata.normalize("NFKC", expression).lower().strip()
    text = text.replace("【", "(").replace("】", ")").replace("〔", "(").replace("〕", ")")
    return text.translate(_SEPARATOR_VARIANTS)


def bracket_notes(expression: str) -> list[str]:
    """The bracketed notes of an expression, without brackets or spaces (see _apply_note)."""
    return [re.sub(r"\s+", "", a or b) for a, b in _NOTE.findall(_prepare(expression))]


def _share_unit(match: re.Match[str]) -> str:
    first, second, unit = match.groups()
    if unit.startswith(("月", "季")) and match.string[: match.start()].endswith("月"):
        return match.group(0)  # 4月1-5月: the 1 is a day of April, not a month
    return f"{first}{unit}~{second}{unit}"


def normalise(expression: str) -> str:
    """The text the grammar reads: half-width, lower case, Arabic numbers, `~` separators.

    Bracketed notes are removed here; `resolve` reads them separately (`bracket_notes`).
    """
    text = _NOTE.sub(" ", _prepare(expression))
    # Times of day: 23:59:59, 12:00, 12点30分.
    text = re.sub(r"(?<![\d.])\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?", " ", text)
    text = re.sub(r"(?<=[日号\d])\s*t(?=\s|$)", " ", text)
    text = re.sub(r"(?:上午|下午|晚上|中午|凌晨)?(?<![\d])\d{1,2}点(?:\d{1,2}分)?(?:\d{1,2}秒)?", " ", text)
    # Spaces between Chinese characters are decoration; drop them before the numerals
    # are read, or 近 七 天 keeps its 七 (a numeral is read only right before its unit).
    text = re.sub(rf"(?<=[{_CJK}〇○])\s+(?=[{_CJK}〇○])", "", text)
    text = _replace_cn_numbers(text)
    # Digits spelled one by one before a unit: "2 0 2 4 年", "1 5 日" (not "2024 6月").
    text = re.sub(r"(?<!\d)\d(?: \d)+(?= ?[年月日号])", lambda m: m.group(0).replace(" ", ""), text)
    # A year, a dash and a quarter or half: "2024-Q3" is 2024年Q3, one point (not the
    # range from 2024 to this year's Q3).
    text = re.sub(r"(?<!\d)(\d{4})\s*-\s*(?=(?:q[1-4]|h[12]|第?[1-4]季度?|上半年|下半年)(?!\d))", r"\1年", text)
    # A four-digit year and a month with only a space between: "2024 6月" is 2024年6月.
    text = re.sub(r"(?<!\d)(\d{4}) (?=\d{1,2} ?月)", r"\1年", text)
    # A dash with a space on either side separates the two ends of a range.
    text = re.sub(r"\s+[-–—]+\s*|\s*[-–—]+\s+", "~", text)
    for pattern, replacement in _IDIOMS:
        text = re.sub(pattern, replacement, text)
    text = re.sub(r"—+|–+|-{2,}|~+|～+|至|到|\bto\b|\buntil\b|\bthrough\b", "~", text)
    text = text.replace("截~", "~").replace("直~", "~").replace("截止", "~").replace("~~", "~")
    # Spaces next to Chinese characters or separators are decoration.
    text = re.sub(rf"\s*([{_CJK}~,，])\s*", r"\1", text)
    text = re.sub(r"\s+", " ", text).strip()
    for pattern, replacement in _PLAIN_WORDS:
        text = re.sub(pattern, replacement, text)
    text = _SHARED_UNIT.sub(_share_unit, text)
    text = re.sub(r"^(?:从|自|由|在)", "", text)
    text = re.sub(r"(?:期间|之间|这段时间|那段时间|这段期间|时间段|的时间|时间|的数据|数据)$", "", text)
    return text.strip(" ,，")


# ---------------------------------------------------------------------------------
# explicit date points
# ---------------------------------------------------------------------------------

_REL_YEAR = {
    "今年": 0,
    "本年": 0,
    "当年": 0,
    "去年": -1,
    "上年": -1,
    "上1年": -1,
    "前年": -2,
    "大前年": -3,
    "明年": 1,
    "下1年": 1,
    "后年": 2,
}
_REL_MONTH = {"本月": 0, "当月": 0, "这个月": 0, "这月": 0, "上个月": -1, "上月": -1, "下个月": 1, "下月": 1}
_MONTH_NAMES = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip

_YEAR_WORDS = "|".join(sorted(_REL_YEAR, key=len, reverse=True))
_MONTH_WORDS = "|".join(sorted(_REL_MONTH, key=len, reverse=True))
_CHINESE_POINT = re.compile(
    rf"^(?:(?P<y>\d{{4}}|\d{{2}})年|(?P<ry>{_YEAR_WORDS})(?:的)?)?"
    rf"(?:(?P<m>\d{{1,2}})月份?|(?P<rm>{_MONTH_WORDS})(?:的)?)?"
    r"(?:(?P<d>\d{1,2})[日号])?$"
)
_COMPACT_POINT = re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$")
_SEPARATED_POINT = re.compile(r"^(?P<y>\d{4}|\d{2})(?P<sep>[-./ ])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})$")
_YEAR_MONTH_POINT = re.compile(r"^(?P<y>\d{4})(?P<sep>[-./])(?P<m>\d{1,2})$")
_BARE_YEAR = re.compile(r"^(?P<y>\d{4})$")
_ENGLISH_MONTH = r"(?P<mon>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_ENGLISH_POINTS = (
    re.compile(rf"^{_ENGLISH_MONTH}\s*(?:(?P<d>\d{{1,2}})(?:st|nd|rd|th)?)?\s*,?\s*(?P<y>\d{{4}})?$"),
    re.compile(rf"^(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+{_ENGLISH_MONTH}\s*,?\s*(?P<y>\d{{4}})?$"),
)
# Resolver-only shapes (parse_point also serves clauses.date_period, which keeps its own):
# a YYYYMM month key, and a quarter or half-year with or without its year.
_COMPACT_MONTH = re.compile(r"^(?P<y>(?:19|20)\d{2})(?P<m>\d{2})$")
_PART_WORD = r"(?P<part>第\d季度?|\d季度?|q\d|h\d|上半年|下半年)"
_PART_POINTS = (
    re.compile(rf"^(?:(?P<y>\d{{4}}|\d{{2}})(?:年|年度)?(?:的)? ?|(?P<ry>{_YEAR_WORDS})(?:的)?)?{_PART_WORD}$"),
    re.compile(r"^(?P<part>q\d|h\d) ?(?P<y4>\d{4})$"),  # Q1 2024
)


@dataclass
class Point:
    """One end of an explicit range as written: any of year/month/day may be missing."""

    text: str
    year: int | None
    month: int | None
    day: int | None
    part: str | None = None  # a quarter or half of the year instead of a month: q1 … q4, h1, h2


def _year(text: str) -> int:
    return 2000 + int(text) if len(text) == 2 else int(text)


def parse_point(text: str, reference: date) -> Point | None:
    """The structure of an explicit date point, or None when the text is not one.

    Only the shape is checked here; impossible values (month 13) are rejected later,
    after the other end has lent its missing parts.
    """
    text = text.strip()
    if not text:
        return None
    for pattern in (_COMPACT_POINT, _SEPARATED_POINT):
        match = pattern.match(text)
        if match:
            return Point(text, _year(match["y"]), int(match["m"]), int(match["d"]))
    match = _YEAR_MONTH_POINT.match(text)
    if match:
        return Point(text, int(match["y"]), int(match["m"]), None)
    match = _BARE_YEAR.match(text)
    if match:
        return Point(text, int(match["y"]), None, None)
    for pattern in _ENGLISH_POINTS:
        match = pattern.match(text)
        if match:
            return Point(text, int(match["y"]) if match["y"] else None, _MONTH_NAMES[match["mon"]], int(match["d"]) if match["d"] else None)
    match = _CHINESE_POINT.match(text)
    if match and any(match[g] for g in ("y", "ry", "m", "rm", "d")):
        if match["m"] and match["rm"]:
            return None
        if match["rm"]:
            if match["y"] or match["ry"]:
                return None
            year, month = _shift_month(reference.year, reference.month, _REL_MONTH[match["rm"]])
            return Point(text, year, month, int(match["d"]) if match["d"] else None)
        year: int | None = None
        if match["y"]:
            year = _year(match["y"])
        elif match["ry"]:
            year = reference.year + _REL_YEAR[match["ry"]]
        if match["d"] and not match["m"] and year is not None:
            return None  # 2024年15日: a day without its month under an explicit year
        return Point(text, year, int(match["m"]) if match["m"] else None, int(match["d"]) if match["d"] else None)
    return None


def _is_yymmdd(text: str) -> bool:
    """Whether six digits also read as YYMMDD (200401: 2004-01 or 2020-04-01?)."""
    return 1 <= int(text[2:4]) <= 12 and 1 <= int(text[4:6]) <= 31


def _part_point(text: str, reference: date) -> Point | None:
    """2024年Q1, 2024 H1, Q1 2024, 去年上半年, 第2季度: a quarter or half as a point."""
    for pattern in _PART_POINTS:
        match = pattern.match(text)
        if match:
            groups = match.groupdict()
            year = None
            if groups.get("y"):
                year = _year(groups["y"])
            elif groups.get("y4"):
                year = int(groups["y4"])
            elif groups.get("ry"):
                year = reference.year + _REL_YEAR[groups["ry"]]
            part = {"上半年": "h1", "下半年": "h2"}.get(match["part"]) or match["part"]
            if not part.startswith(("q", "h")):
                part = "q" + re.sub(r"\D", "", part)  # 第2季度, 2季 → q2
            return Point(text, year, None, None, part)
    return None


def range_point(text: str, reference: date) -> Point | None:
    """A range end as the resolver reads it: parse_point's shapes, YYYYMM and quarters.

    Six digits that also read as YYMMDD (200401) are no point; `_resolve_single` rejects
    them as ambiguous.
    """
    point = parse_point(text, reference)
    if point is not None:
        return point
    text = text.strip()
    match = _COMPACT_MONTH.match(text)
    if match:
        return None if _is_yymmdd(text) else Point(text, int(match["y"]), int(match["m"]), None)
    return _part_point(text, reference)


def _part_months(part: str, text: str) -> tuple[int, int]:
    """First and last month of q1 … q4, h1, h2."""
    number = int(part[1:])
    if part[0] == "h":
        if number not in (1, 2):
            raise TimeRangeError("invalid_date", f"half-year {number} does not exist ({text})")
        return 6 * number - 5, 6 * number
    if not 1 <= number <= 4:
        raise TimeRangeError("invalid_date", f"quarter {number} does not exist ({text})")
    return 3 * number - 2, 3 * number


def _first_month(point: Point) -> int | None:
    return _part_months(point.part, point.text)[0] if point.part else point.month


def _point_range(point: Point) -> tuple[date, date]:
    """First and last day of the period a (completed) point names."""
    assert point.year is not None
    if point.part is not None:
        first_month, last_month = _part_months(point.part, point.text)
        return _checked_date(point.year, first_month, 1, point.text), _month_end(point.year, last_month)
    if point.month is None:
        return _checked_date(point.year, 1, 1, point.text), _checked_date(point.year, 12, 31, point.text)
    if point.day is None:
        first = _checked_date(point.year, point.month, 1, point.text)
        return first, _month_end(point.year, point.month)
    day = _checked_date(point.year, point.month, point.day, point.text)
    return day, day


def _complete(point: Point, other: Point | None, reference: date) -> Point:
    year = point.year if point.year is not None else (other.year if other and other.year is not None else reference.year)
    month = point.month
    if month is None and point.day is not None:
        month = other.month if other and other.month is not None else reference.month
    return replace(point, year=year, month=month)


def _explicit_range(left: Point, right: Point, reference: date) -> tuple[date, date]:
    start_point = _complete(left, right, reference)
    end_point = _complete(right, left, reference)
    start, _ = _point_range(start_point)
    _, end = _point_range(end_point)
    left_month, right_month = _first_month(left), _first_month(right)
    if end < start and left_month is not None and right_month is not None and right_month < left_month:
        # Across New Year with the year that changes left out (2024年12月30日到1月5日,
        # 从去年11月到2月, 12月到1月, Q4到Q1): the end is in the year after the start's. Only
        # the start names a year: the end takes the next; else the start takes the one before.
        if left.year is not None and right.year is None:
            end_point = replace(end_point, year=end_point.year + 1 if end_point.year is not None else None)
            _, end = _point_range(end_point)
        elif left.year is None:
            start_point = replace(start_point, year=start_point.year - 1 if start_point.year is not None else None)
            start, _ = _point_range(start_point)
    if end < start:
        raise TimeRangeError("reversed_range", f"the end {end.isoformat()} is before the start {start.isoformat()}")
    return start, end


# ---------------------------------------------------------------------------------
# relative phrases
# ---------------------------------------------------------------------------------

_UNIT_DAYS = {"天": 1, "日": 1, "周": 7, "星期": 7, "礼拜": 7}
_UNIT_MONTHS = {"月": 1, "个月": 1, "季度": 3, "个季度": 3, "年": 12}
_COUNT = r"(?P<n>\d+|半)"
_ROLLING_UNIT = r"(?P<unit>个月|个季度|个星期|个礼拜|天|日|周|星期|礼拜|月|季度|年)"
_ROLLING = re.compile(rf"^(?P<prefix>最近这|过去这|近这|最近|过去|近|这)?{_COUNT}{_ROLLING_UNIT}(?P<suffix>以内|之内|内|以来|来)?$")
_BEFORE_DAYS = re.compile(rf"^前{_COUNT}{_ROLLING_UNIT}$")
# 前N天/前N周/前N个月 read as the window before D; 前N年, 前N季度 and 前N月 stay unread
# (前一年 is as often 去年, 前3月 as often January to March).
_BEFORE_UNITS = ("天", "日", "周", "星期", "礼拜", "个星期", "个礼拜", "个月")
_AGO = re.compile(r"^(?P<n>\d+)(?P<unit>天|个月|年|周|个星期)前$")
_FUTURE = re.compile(rf"^(?:未来|接下来|今后|往后)(?:的)?{_COUNT}{_ROLLING_UNIT}(?:以内|之内|内)?$")
_DAY_WORDS = {
    "今天": 0,
    "今日": 0,
    "当天": 0,
    "当日": 0,
    "本日": 0,
    "昨天": -1,
    "昨日": -1,
    "前天": -2,
    "大前天": -3,
    "明天": 1,
    "明日": 1,
    "后天": 2,
    "大后天": 3,
}

_PERIOD_WORDS: dict[str, tuple[str, int]] = {}
for _word, _offset in {"本": 0, "这": 0, "这个": 0, "当": 0, "这1": 0, "当前": 0, "这1个": 0, "上": -1, "上个": -1, "上1个": -1, "上1": -1,
                       "上上": -2, "上上个": -2, "大上个": -2, "大上": -2, "上上上": -3, "上上上个": -3,
                       "下": 1, "下个": 1, "下1个": 1, "下1": 1, "下下": 2, "下下个": 2}.items():  # fmt: skip
    for _unit in ("月", "月份", "周", "星期", "礼拜", "季度", "季"):
        _PERIOD_WORDS[_word + _unit] = ({"月份": "月", "星期": "周", "礼拜": "周", "季": "季度"}.get(_unit, _unit), _offset)
for _word, _offset in {"今年": 0, "本年": 0, "当年": 0, "本年度": 0, "这1年": 0, "今年度": 0, "去年": -1, "上年": -1, "上1年": -1, "上个年度": -1,
                       "上年度": -1, "上1年度": -1, "前年": -2, "大前年": -3, "明年": 1, "下1年": 1, "下年": 1, "下个年度": 1, "后年": 2}.items():  # fmt: skip
    _PERIOD_WORDS[_word] = ("年", _offset)
del _word, _offset, _unit
_PERIOD_ALTERNATION = "|".join(sorted((re.escape(w) for w in _PERIOD_WORDS), key=len, reverse=True))
_PERIOD = re.compile(rf"^(?P<period>{_PERIOD_ALTERNATION})(?:的)?(?P<part>.*)$")
_SAME_TIME = re.compile(
    r"^(?P<period>去年|上年|前年|大前年|上个月|上月)(?:的)?(?:这个时候|这时候|此时|同期|同1时期|同一时期|同时期|这个时间)$"
)
# Windows measured from D rather than periods of the calendar: a rolling window is
# recomputed when a note leaves today out, and none of them can be one end of a range.
_SINCE_RULE = "period start to D"
_ROLLING_RULE = "rolling window ending on D"
_BEFORE_RULE = "the window before D"
_FUTURE_RULE = "future window from D+1"
_SAME_TIME_RULE = "same month-to-date one period back"
_WINDOW_RULES = frozenset({_SINCE_RULE, _ROLLING_RULE, _BEFORE_RULE, _FUTURE_RULE, _SAME_TIME_RULE})
_STANDALONE_PART = re.compile(r"^(?:上半年|下半年|第\d季度|\d季度|q\d|h\d|年初|年头|年末|年底)$")
# Parts of the current month or quarter said on their own (月底 = 本月底, 季末 = 本季度末).
_STANDALONE_PARTS = {
    "月": ("上旬", "中旬", "下旬", "月初", "月末", "月底"),
    "季度": ("季度初", "季度末", "季初", "季末"),
}


def _period_bounds(unit: str, offset: int, reference: date) -> tuple[date, date]:
    if unit == "月":
        year, month = _shift_month(reference.year, reference.month, offset)
        return date(year, month, 1), _month_end(year, month)
    if unit == "周":
        monday = reference - timedelta(days=reference.weekday()) + timedelta(days=7 * offset)
        return monday, monday + timedelta(days=6)
    if unit == "季度":
        year, month = _shift_month(reference.year, 3 * (_quarter_of(reference) - 1) + 1, 3 * offset)
        return _quarter_range(year, _quarter_of(date(year, month, 1)))
    year = reference.year + offset
    if not 1 <= year <= 9999:
        raise TimeRangeError("invalid_date", f"year {year} is out of range")
    return date(year, 1, 1), date(year, 12, 31)


def _count(text: str) -> float:
    return 0.5 if text == "半" else float(int(text))


def _part_of_period(unit: str, part: str, start: date, end: date) -> tuple[date, date] | None:
    """A named part of a period: 上旬, 月末, 上半年, 第2季度, 头3天 …; None if not one."""
    if part == "":
        return start, end
    if unit == "月":
        last = end.day
        parts = {
            "上旬": (1, 10),
            "月初": (1, 10),
            "初": (1, 10),
            "中旬": (11, 20),
            "下旬": (21, last),
            "月末": (21, last),
            "末": (21, last),
            "月底": (21, last),
            "底": (21, last),
        }
        if part in parts:
            first_day, last_day = parts[part]
            return start.replace(day=first_day), start.replace(day=last_day)
        match = re.match(r"^(?:头|前|开头|最开始的?)(\d+)天$", part)
        if match and 1 <= int(match[1]) <= last:
            return start, start.replace(day=int(match[1]))
        match = re.match(r"^(?:最后|末尾|末|后)(\d+)天$", part)
        if match and 1 <= int(match[1]) <= last:
            return start.replace(day=last - int(match[1]) + 1), end
        return None
    if unit == "季度":
        months = {"初": 0, "季度初": 0, "季初": 0, "末": 2, "季度末": 2, "季末": 2, "底": 2}
        if part in months:
            first = date(start.year, start.month + months[part], 1)
            return first, _month_end(first.year, first.month)
        match = re.match(r"^第(\d)个月$", part)
        if match and 1 <= int(match[1]) <= 3:
            first = date(start.year, start.month + int(match[1]) - 1, 1)
            return first, _month_end(first.year, first.month)
        return None
    if unit == "年":
        year = start.year
        if part in ("上半年", "h1"):
            return date(year, 1, 1), date(year, 6, 30)
        if part in ("下半年", "h2"):
            return date(year, 7, 1), date(year, 12, 31)
        if re.match(r"^h\d$", part):
            raise TimeRangeError("invalid_date", f"half-year {part[1:]} does not exist")
        # 今年前5个月, 去年前3个季度: the first N months or quarters of the year
        match = re.match(r"^(?:前|头)(\d+)个(月|季度)$", part)
        if match:
            months = int(match[1]) * (1 if match[2] == "月" else 3)
            if 1 <= months <= 12:
                return start, _month_end(year, months)
            return None
        if part in ("初", "年初", "年头"):
            return date(year, 1, 1), date(year, 1, 31)
        if part in ("末", "年末", "年底", "底"):
            return date(year, 12, 1), date(year, 12, 31)
        match = re.match(r"^(?:第(\d)季度|(\d)季度|q(\d))$", part)
        if match:
            quarter = int(next(g for g in match.groups() if g))
            if not 1 <= quarter <= 4:
                raise TimeRangeError("invalid_date", f"quarter {quarter} does not exist")
            return _quarter_range(year, quarter)
        return None
    return None


def _relative(text: str, reference: date) -> DateRange | None:
    """A relative phrase (no range separator), or None when the text is not one."""
    if text in _DAY_WORDS:
        day = reference + timedelta(days=_DAY_WORDS[text])
        return DateRange(day, day, "day word")

    match = _PERIOD.match(text)
    if match:
        unit, offset = _PERIOD_WORDS[match["period"]]
        part = match["part"]
        start, end = _period_bounds(unit, offset, reference)
        if part in ("以来", "来", "至今"):
            if start > reference:
                raise TimeRangeError("contradictory", f"'{text}': a future period cannot run 'until now'")
            return DateRange(start, reference, _SINCE_RULE)
        bounds = _part_of_period(unit, part, start, end)
        if bounds is not None:
            if offset == 0:
                bounds = _clip_to_reference(*bounds, reference)
            return DateRange(bounds[0], bounds[1], "calendar period" if offset else "current period to D")

    match = _ROLLING.match(text)
    if match and (match["prefix"] or match["suffix"]):
        unit = match["unit"]
        if unit == "月" and not match["prefix"]:
            raise TimeRangeError("ambiguous", f"'{text}': N月内 can mean the month N or N months; write N个月内")
        count = _count(match["n"])
        if count == 0:
            raise TimeRangeError("unrecognised", f"'{text}': a window of zero length")
        return DateRange(_window_start(reference, count, unit, text), reference, _ROLLING_RULE)

    match = _BEFORE_DAYS.match(text)
    if match and match["unit"] in _BEFORE_UNITS:
        count = _count(match["n"])
        if count == 0:
            raise TimeRangeError("unrecognised", f"'{text}': a window of zero length")
        # The rolling window of the same length that ends the day before D: 前3天 = D-3 … D-1.
        yesterday = reference - timedelta(days=1)
        return DateRange(_window_start(yesterday, count, match["unit"], text), yesterday, _BEFORE_RULE)

    match = _AGO.match(text)
    if match:
        n = int(match["n"])
        unit = match["unit"]
        if unit == "天":
            day = reference - timedelta(days=n)
        elif unit in ("周", "个星期"):
            day = reference - timedelta(days=7 * n)
        else:
            day = add_months(reference, -n * (12 if unit == "年" else 1))
        return DateRange(day, day, "the single day N units before D")

    match = _FUTURE.match(text)
    if match:
        count = _count(match["n"])
        unit = match["unit"]
        if count == 0:
            raise TimeRangeError("unrecognised", f"'{text}': a window of zero length")
        first = reference + timedelta(days=1)
        if count == 0.5 and unit in ("个月", "月"):
            return DateRange(first, reference + timedelta(days=15), _FUTURE_RULE)
        if unit.lstrip("个") in _UNIT_DAYS:
            return DateRange(first, reference + timedelta(days=int(round(count * _UNIT_DAYS[unit.lstrip("个")]))), _FUTURE_RULE)
        months = _months(count, unit, text)
        return DateRange(first, add_months(reference, months), _FUTURE_RULE)

    match = _SAME_TIME.match(text)
    if match:
        if match["period"] in ("上个月", "上月"):
            year, month = _shift_month(reference.year, reference.month, -1)
        else:
            year, month = reference.year + _REL_YEAR.get(match["period"], -1), reference.month
        return DateRange(date(year, month, 1), date(year, month, min(reference.day, _month_end(year, month).day)), _SAME_TIME_RULE)

    if _STANDALONE_PART.match(text):
        start, end = _period_bounds("年", 0, reference)
        # 上半年, 第2季度, Q3, 年初 on their own are parts of the current year
        bounds = _part_of_period("年", text, start, end)
        if bounds is not None:
            bounds = _clip_to_reference(*bounds, reference)
            return DateRange(bounds[0], bounds[1], "part of the current year")
    for unit, parts in _STANDALONE_PARTS.items():
        if text in parts:
            bounds = _part_of_period(unit, text, *_period_bounds(unit, 0, reference))
            assert bounds is not None  # every listed part is one _part_of_period knows
            bounds = _clip_to_reference(*bounds, reference)
            return DateRange(bounds[0], bounds[1], f"part of the current {'month' if unit == '月' else 'quarter'}")
    return None


def _months(count: float, unit: str, text: str) -> int:
    months = count * _UNIT_MONTHS[unit]
    if months != int(months):
        raise TimeRangeError("ambiguous", f"'{text}': {count} {unit} is not a whole number of months")
    return int(months)


def _window_start(reference: date, count: float, unit: str, text: str) -> date:
    plain = unit.lstrip("个")
    if plain in _UNIT_DAYS:
        if count == 0.5:
            if plain != "周":
                raise TimeRangeError("ambiguous", f"'{text}': half a day is not a date range")
            raise TimeRangeError("ambiguous", f"'{text}': half a week has no convention")
        return reference - timedelta(days=int(count * _UNIT_DAYS[plain]) - 1)
    if count == 0.5 and unit in ("个月", "月"):
        return reference - timedelta(days=14)  # 半个月 = 15 days ending on D
    return add_months(reference, -_months(count, unit, text)) + timedelta(days=1)


# ---------------------------------------------------------------------------------
# the entry point
# ---------------------------------------------------------------------------------

_DIRECTIONS = {"未来": 1, "将来": 1, "以后": 1, "今后": 1, "过去": -1, "以前": -1, "从前": -1, "之前": -1}
_START_ONLY = re.compile(r"^(?P<point>.+?)(?:开始|起|以后|之后|往后|后)$")
_END_ONLY = re.compile(r"^(?P<point>.+?)(?:之前|以前|前)$")
_SINCE = re.compile(r"^(?P<point>.+?)(?:以来|来)$")


def resolve(expression: str, reference: date) -> DateRange:
    """The inclusive date range an expression names, relative to `reference`.

    Raises TimeRangeError (code, message) for anything it will not resolve, including a
    range that reaches outside the calendar (最近1000000天, 过去3000年: before year 1 or
    after 9999), which date arithmetic reports as OverflowError or ValueError.
    """
    try:
        return _resolve(expression, reference)
    except TimeRangeError:
        raise
    except (OverflowError, ValueError) as exc:
        raise TimeRangeError("invalid_date", f"'{expression}' reaches a date outside years 1-9999 ({exc})") from None


def _resolve(expression: str, reference: date) -> DateRange:
    if expression is None or not str(expression).strip():
        raise TimeRangeError("empty", "the expression is empty")
    expression = str(expression)
    text = normalise(expression)
    if not text:
        raise TimeRangeError("empty", f"'{expression}' holds no date")
    # 今年全年 asks for the whole year, as 2025年全年 does: not 今年, which ends on D.
    text = re.sub(r"(?:今|本|当)年(?:的)?全年", f"{reference.year}年", text)
    found = _resolve_text(expression, text, reference)
    for note in bracket_notes(expression):
        found = _apply_note(found, note, expression, text, reference)
    return found


def _resolve_text(expression: str, text: str, reference: date) -> DateRange:
    """The range the normalised text names (bracketed notes already taken out)."""
    if "几" in text:
        raise TimeRangeError("ambiguous", f"'{expression}': 几 is an unspecified count")
    if re.search(r"学年|学期|财年|财季|财务年度", text):
        raise TimeRangeError("ambiguous", f"'{expression}': academic and fiscal years differ by organisation")
    if text.count("~") > 1:
        raise TimeRangeError("unrecognised", f"'{expression}' has more than one range separator")
    if "~" in text:
        left, right = (part.strip(" ,") for part in text.split("~"))
        return _resolve_range(expression, left, right, reference)
    if "-" in text:
        split = _split_on_dash(expression, text, reference)
        if split is not None:
            return split
        if text.startswith("-") or text.endswith("-"):
            code = "missing_start" if text.startswith("-") else "missing_end"
            raise TimeRangeError(code, f"'{expression}' is missing one end")
    return _resolve_single(expression, text, reference)


# ---------------------------------------------------------------------------------
# bracketed notes
# ---------------------------------------------------------------------------------

_TODAY = r"(?:今天|今日|当天|当日|本日)"
# Notes that cannot change the range: nothing, a weekday restating a date (周一), a time
# of day (ignored like one outside brackets), an inclusion the inclusive ends already give
# (含今天, 含4月和7月), the calendar periods every period is (自然月).
_HARMLESS_NOTES = (
    re.compile(r"^$"),
    re.compile(r"^(?:周|星期|礼拜)[一二三四五六日天1-7]$"),
    re.compile(r"^\d{1,2}:\d{2}(?::\d{2})?$"),
    re.compile(r"^(?:含|包含|包括)(?!.*(?:不|除|排))"),
    re.compile(r"^按?自然(?:日|天|周|月|季度|年)$"),
    re.compile(r"^(?:全年|全月|全周|整年|整月|整周|北京时间|东八区|UTC\+0?8(?::00)?)$", re.IGNORECASE),
)
_EXCLUDES_TODAY = re.compile(rf"^(?:不含|不包含|不包括|不计|排除|剔除|除去?){_TODAY}(?:在内)?$")
_UNTIL_DAY = re.compile(rf"^(?:截至|截止|直到|到|至)(?:到)?(?P<day>昨天|昨日|{_TODAY})(?:为止)?$")
# Words by which a note leaves days out or moves an end: such a note is never dropped.
_CHANGES_RANGE = re.compile(r"不含|不包|不计|截至|截止|除|排除|剔除")


def _apply_note(found: DateRange, note: str, expression: str, text: str, reference: date) -> DateRange:
    """The range after one bracketed note: unchanged, cut, or a rejection.

    Notes used to be dropped unread, so 近7天(不含今天) came out as 近7天; now only the
    notes known to be harmless are dropped, and a note that is not understood rejects
    the expression rather than being ignored.
    """
    if any(pattern.match(note) for pattern in _HARMLESS_NOTES):
        return found
    if _EXCLUDES_TODAY.match(note):
        if found.end == reference:
            return _end_yesterday(found, expression, text, reference)
        if found.start <= reference < found.end:
            raise TimeRangeError("ambiguous", f"'{expression}': today ({reference.isoformat()}) is inside the range, not at its end")
        return found  # today is outside the range anyway
    match = _UNTIL_DAY.match(note)
    if match:
        day = reference + timedelta(days=_DAY_WORDS[match["day"]])
        if found.end == day:
            return found
        if found.end == reference and day < reference:
            return _end_yesterday(found, expression, text, reference)
        if found.start <= day < found.end:
            return replace(found, end=day)
        raise TimeRangeError(
            "ambiguous", f"'{expression}': ({note}) does not fit the range {found.start.isoformat()} … {found.end.isoformat()}"
        )
    if _CHANGES_RANGE.search(note):
        raise TimeRangeError(
            "ambiguous", f"'{expression}': the note ({note}) changes the range in a way the parser does not read; write the dates"
        )
    if _restates(found, note, reference):  # 上个月(4月), 上周(周一至周日), 上周(5.5-5.11)
        return found
    raise TimeRangeError(
        "ambiguous", f"'{expression}': the note ({note}) may change the range and is not one the parser knows; remove it or write the dates"
    )


def _restates(found: DateRange, note: str, reference: date) -> bool:
    """Whether a note read on its own names a period that holds the range found: then it
    only restates it (上个月(4月), 本月(5月), 上周(5.5-5.11), 上周(周一至周日)). A note
    that reads as nothing, or as a period the range is not inside, is not a restatement."""
    if re.fullmatch(r"(?:周|星期|礼拜)[一1](?:至|到|~|-)(?:周|星期|礼拜)?[日天7]", note):
        return (found.end - found.start).days % 7 == 6  # whole weeks (no rule names a week)
    try:
        stated = _resolve(note, reference)
    except (TimeRangeError, OverflowError, ValueError):
        return False
    return stated.start <= found.start and found.end <= stated.end


def _end_yesterday(found: DateRange, expression: str, text: str, reference: date) -> DateRange:
    """A range ending on D, made to end the day before: 本月 to D-1; 近7天 = the 7 days to D-1."""
    yesterday = reference - timedelta(days=1)
    if found.rule == _ROLLING_RULE:
        # The length is the point of a rolling window: N days not counting today are the
        # N days ending yesterday, not N-1 days.
        return _resolve_text(expression, text, yesterday)
    if found.start > yesterday:
        raise TimeRangeError("contradictory", f"'{expression}': without today the range {found.start.isoformat()} … has no day left")
    return replace(found, end=yesterday)


# ---------------------------------------------------------------------------------
# one expression, a range, a dash
# ---------------------------------------------------------------------------------


def _resolve_single(expression: str, text: str, reference: date) -> DateRange:
    # Relative phrases first: 今年 and 当月 are current periods (to D), not whole ones.
    found = _relative(text, reference)
    if found is not None:
        return found
    point = range_point(text, reference)
    if point is not None:
        start, end = _point_range(_complete(point, None, reference))
        return DateRange(start, end, "one explicit period")
    if re.fullmatch(r"\d{6}", text):
        raise TimeRangeError("ambiguous", f"'{expression}': six digits read as YYYYMM or YYMMDD; write YYYY-MM or YYYY-MM-DD")
    if "的" in text:
        head, _, tail = text.partition("的")
        if _is_relative_period(head, reference) and _is_relative_period(tail, reference):
            raise TimeRangeError("relative_to_relative", f"'{expression}': a relative period taken relative to another one")
    for pattern, code, message in (
        (_SINCE, None, ""),
        (_START_ONLY, "missing_end", "has a start but no end"),
        (_END_ONLY, "missing_start", "has an end but no start"),
    ):
        match = pattern.match(text)
        if match and _is_date_like(match["point"], reference):
            if code is None:
                start, _ = _endpoint(match["point"], None, reference, expression)
                if start > reference:
                    raise TimeRangeError(
                        "reversed_range", f"'{expression}': the start {start.isoformat()} is after today ({reference.isoformat()})"
                    )
                return DateRange(start, reference, "start to D")
            raise TimeRangeError(code, f"'{expression}' {message}")
    if text in _DIRECTIONS or text in ("最近", "近期", "近来", "前后"):
        raise TimeRangeError("ambiguous", f"'{expression}' gives a direction but no length")
    raise TimeRangeError("unrecognised", f"'{expression}' is not a time expression this parser understands")


def _is_relative_period(text: str, reference: date) -> bool:
    try:
        return _relative(text, reference) is not None or text in _DIRECTIONS
    except TimeRangeError:
        return True


def _is_date_like(text: str, reference: date) -> bool:
    if range_point(text, reference) is not None:
        return True
    try:
        return _relative(text, reference) is not None
    except TimeRangeError:
        return False


def _endpoint(text: str, other: Point | None, reference: date, expression: str) -> tuple[date, date]:
    """(first, last) day of a range end given on its own (a day word, or a point that
    takes its missing parts from `other`)."""
    if text in _DAY_WORDS:
        day = reference + timedelta(days=_DAY_WORDS[text])
        return day, day
    point = range_point(text, reference)
    if point is None:
        raise TimeRangeError("unrecognised", f"'{expression}': cannot read '{text}' as a date")
    return _point_range(_complete(point, other, reference))


def _names_a_date(text: str, reference: date) -> bool:
    """Whether a range end is written as a date (digits, a month name, 2024年Q1, 下半年)
    rather than as a relative period (去年, 上个月), which parse_point also reads."""
    return bool(re.search(r"\d", text) or re.search(_ENGLISH_MONTH, text) or _part_point(text, reference))


def _period_end(text: str, reference: date) -> DateRange | None:
    """A relative period one end of a range can be (上个月, 去年, 月初, 3天前), or None."""
    if text in _DAY_WORDS:
        return None  # a day word is a date of its own (see _endpoint)
    try:
        found = _relative(text, reference)
    except TimeRangeError:
        return None
    return found if found is not None and found.rule not in _WINDOW_RULES else None


def _resolve_range(expression: str, left: str, right: str, reference: date) -> DateRange:
    if not left and not right:
        raise TimeRangeError("unrecognised", f"'{expression}' is only a separator")
    if not left:
        raise TimeRangeError("missing_start", f"'{expression}' has an end but no start")
    if not right:
        raise TimeRangeError("missing_end", f"'{expression}' has a start but no end")
    if left in _DIRECTIONS or right in _DIRECTIONS:
        if _DIRECTIONS.get(left, 0) > 0 and _DIRECTIONS.get(right, 0) < 0:
            raise TimeRangeError("contradictory", f"'{expression}' runs from the future back to the past")
        raise TimeRangeError("ambiguous", f"'{expression}' names directions, not dates")
    if right in ("以来", "今", "现在", "目前", "今天"):
        right = "今天"
    left_point = range_point(left, reference) if _names_a_date(left, reference) else None
    right_point = range_point(right, reference) if _names_a_date(right, reference) else None
    if left_point and right_point:
        start, end = _explicit_range(left_point, right_point, reference)
        return DateRange(start, end, "explicit range")
    # Otherwise an end may be a relative period (上个月, 月初) next to a date or day word.
    left_period = None if left_point else _period_end(left, reference)
    right_period = None if right_point else _period_end(right, reference)
    if left_period and right_period:
        raise TimeRangeError("ambiguous", f"'{expression}': a range between two relative periods has no convention; write the dates")
    left_ok = left_point or left_period or left in _DAY_WORDS
    right_ok = right_point or right_period or right in _DAY_WORDS
    if left_ok and right_ok:
        return _range_with_period(expression, (left, left_point, left_period), (right, right_point, right_period), reference)
    for end in (left, right):
        if _is_relative_period(end, reference) and not _period_end(end, reference) and end not in _DAY_WORDS:
            raise TimeRangeError(
                "ambiguous", f"'{expression}': '{end}' is a window or vague period, not one end of a range; write the dates"
            )
    raise TimeRangeError("unrecognised", f"'{expression}': cannot read both ends as dates")


_End = tuple[str, Point | None, DateRange | None]  # as written, as a date point, as a relative period


def _range_with_period(expression: str, left: _End, right: _End, reference: date) -> DateRange:
    """A range with a date (or a day word) at one end and at most one relative period.

    The period counts whole, as it resolves on its own: on the left from its first day,
    on the right to its last (2024年5月到上个月 = 2024-05-01 … the last day of last month;
    月初至昨天 = the 1st … D-1).
    """
    (left_text, left_point, left_period), (right_text, right_point, right_period) = left, right
    if left_period:
        start = left_period.start
    else:
        lender = right_point or _lent_by(right_period, left_text, reference, expression)
        start, _ = _endpoint(left_text, lender, reference, expression)
    if right_period:
        end = right_period.end
    else:
        lender = left_point or _lent_by(left_period, right_text, reference, expression)
        _, end = _endpoint(right_text, lender, reference, expression)
    if end < start:
        raise TimeRangeError("reversed_range", f"the end {end.isoformat()} is before the start {start.isoformat()}")
    return DateRange(start, end, "explicit range")


def _lent_by(period: DateRange | None, own: str, reference: date, expression: str) -> Point | None:
    """What a relative end lends the explicit end `own`: its year, to a month without one
    (1月到上个月: January of last month's year). A bare day (15号) stays in D's month, as
    in 本月1号至昨天, unless the relative end lies in another month (上个月到15号: the
    15th of which month?)."""
    point = range_point(own, reference)
    if period is None or point is None:
        return None
    if point.day is not None and point.month is None:
        months = {(day.year, day.month) for day in (period.start, period.end)}
        if months != {(reference.year, reference.month)}:
            raise TimeRangeError("ambiguous", f"'{expression}': say which month '{own}' is in")
        return None
    return Point("", period.start.year, None, None)


def _split_on_dash(expression: str, text: str, reference: date) -> DateRange | None:
    """`A-B` without spaces: the one dash whose two sides are both range ends."""
    candidates = []
    for index, char in enumerate(text):
        if char != "-":
            continue
        left, right = text[:index], text[index + 1 :]
        if _could_end(left, reference) and _could_end(right, reference):
            candidates.append((left, right))
    if not candidates:
        return None
    if len(candidates) > 1:
        raise TimeRangeError("ambiguous", f"'{expression}': the dash could split the range in more than one place")
    # The same rules as any other separator: 去年-明年 is as ambiguous as 去年到明年.
    return _resolve_range(expression, *candidates[0], reference)


def _could_end(text: str, reference: date) -> bool:
    return range_point(text, reference) is not None or text in _DAY_WORDS or _period_end(text, reference) is not None
