"""Resolve a Chinese business time expression to an inclusive date range.

    resolve("上个月", date(2025, 5, 15))  ->  DateRange(2025-04-01, 2025-04-30)

The parser normalises the text (full-width → half-width, Chinese numerals → digits,
bracketed notes, times of day and decorative spaces removed, every range separator →
`~`), then reads it with a small grammar: an explicit range (two date points), one
explicit date point, or one relative phrase. It never looks a phrase up in a list of
known inputs, and it refuses to guess: every rejection raises `TimeRangeError` with a
stable code.

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
- 前N天 = the N days before D (D-N … D-1).
- 未来N天/未来一周/未来N个月 = D+1 … D+N (days, 7N days, or D plus N months).
- 去年的这个时候/去年同期 (前年…, 上个月同期) = the same month-to-date one period back:
  from the first day of D's month in that year (month) to the same day of the month
  (clamped to the month's end).
- Explicit dates: YYYYMMDD, Y-M-D / Y.M.D / Y/M/D / "Y M D", 年月日 (日 or 号), Chinese
  numerals (二〇二四年四月一日), English month names (April 1, 2024), with `~`, 至, 到,
  —— or `-` between the two ends; bracketed notes (周一), (含4月和7月) and a time of day
  are ignored. A point names a whole year, month or day, so 2024年4月到5月 is 04-01 …
  05-31. A part missing its year takes the other part's year, else D's year, except
  that a range whose end month comes before its start month crosses New Year
  (2024年12月30日到1月5日 = 2024-12-30 … 2025-01-05; 12月到1月 = last December to this
  January); a part
  missing its month takes the other part's month, else D's; a two-digit year is 20YY.
  Explicit months and days are whole periods even in the future (no clipping to D).
  `X以来`/`X至今` = X … D.

Rejections (code → meaning)
---------------------------
empty               nothing to parse
invalid_date        a date that does not exist (Feb 30, month 0/13, day 0, year 0,
                    Feb 29 of a non-leap year)
reversed_range      the end is before the start
contradictory       the phrase contradicts itself (未来到过去)
relative_to_relative a period taken relative to another relative period (上个月的下个月)
missing_start       a range without its start (到2024年5月1日, 2024年5月1日之前)
missing_end         a range without its end (2024年4月1日开始, 从…起)
ambiguous           no convention applies and the parser will not guess: an unspecified
                    count (前几天, 最近这几天, 本月头几天), academic or fiscal years (本学年),
                    `N月内` (March, or N months?), a range between two relative periods
                    (去年到明年), a bare direction (未来, 过去)
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
# Chinese numerals are only read as numbers right before a time unit, so 同一时期 stays text.
_CN_NUMBER_RE = re.compile(rf"([{_CN_NUMERAL}]+)(?=(?:个|年|月|日|号|天|周|星期|礼拜|季|旬))")


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
_IDIOMS: tuple[tuple[str, str], ...] = (
    # "from the start of the period until now" idioms, before 至/到 become range separators
    (r"(?:年初|年头)(?:至今|到现在|到今天|到目前|以来)", "今年以来"),
    (r"(?:月初|月头)(?:至今|到现在|到今天|到目前|以来)", "本月以来"),
    (r"(?:季初|季度初)(?:至今|到现在|到今天|到目前|以来)", "本季度以来"),
    (r"(?:周初)(?:至今|到现在|到今天|到目前|以来)", "本周以来"),
    (r"\s*(?:至今|迄今|到现在|到目前为止|到目前|到今天为止)$", "以来"),
)


def normalise(expression: str) -> str:
    """The text the grammar reads: half-width, lower case, Arabic numbers, `~` separators."""
    text = unicodedata.normalize("NFKC", expression).lower().strip()
    text = text.replace("【", "(").replace("】", ")").replace("〔", "(").replace("〕", ")")
    # Bracketed notes: weekdays, "(含4月和7月)", comments.
    text = re.sub(r"\([^()]*\)|\[[^\[\]]*\]", " ", text)
    # Times of day: 23:59:59, 12:00, 12点30分.
    text = re.sub(r"(?<![\d.])\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?", " ", text)
    text = re.sub(r"(?<=[日号\d])\s*t(?=\s|$)", " ", text)
    text = re.sub(r"(?:上午|下午|晚上|中午|凌晨)?(?<![\d])\d{1,2}点(?:\d{1,2}分)?(?:\d{1,2}秒)?", " ", text)
    text = _replace_cn_numbers(text)
    # Digits spelled with spaces before a unit: "2 0 2 4 年", "1 5 日".
    text = re.sub(r"\d(?: \d)+(?= ?[年月日号])", lambda m: m.group(0).replace(" ", ""), text)
    # A dash with a space on either side separates the two ends of a range.
    text = re.sub(r"\s+[-–—]+\s*|\s*[-–—]+\s+", "~", text)
    for pattern, replacement in _IDIOMS:
        text = re.sub(pattern, replacement, text)
    text = re.sub(r"—+|–+|~+|～+|至|到|\bto\b|\buntil\b|\bthrough\b", "~", text)
    text = text.replace("截~", "~").replace("直~", "~").replace("截止", "~").replace("~~", "~")
    # Spaces next to Chinese characters or separators are decoration.
    text = re.sub(rf"\s*([{_CJK}~,，])\s*", r"\1", text)
    text = re.sub(r"\s+", " ", text).strip()
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


@dataclass
class Point:
    """One end of an explicit range as written: any of year/month/day may be missing."""

    text: str
    year: int | None
    month: int | None
    day: int | None


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


def _point_range(point: Point) -> tuple[date, date]:
    """First and last day of the period a (completed) point names."""
    assert point.year is not None
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
    return Point(point.text, year, month, point.day)


def _explicit_range(left: Point, right: Point, reference: date) -> tuple[date, date]:
    start_point = _complete(left, right, reference)
    end_point = _complete(right, left, reference)
    start, _ = _point_range(start_point)
    _, end = _point_range(end_point)
    if end < start and left.month is not None and right.month is not None and right.month < left.month:
        # Across New Year with the year that changes left out (2024年12月30日到1月5日,
        # 从去年11月到2月, 12月到1月): the end is in the year after the start's. Only the
        # start names a year: the end takes the next; else the start takes the one before.
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
_STANDALONE_PART = re.compile(r"^(?:上半年|下半年|第\d季度|\d季度|q\d|年初|年头|年末|年底)$")
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
        if part == "上半年":
            return date(year, 1, 1), date(year, 6, 30)
        if part == "下半年":
            return date(year, 7, 1), date(year, 12, 31)
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
            return DateRange(start, reference, "period start to D")
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
        return DateRange(_window_start(reference, count, unit, text), reference, "rolling window ending on D")

    match = _BEFORE_DAYS.match(text)
    if match and match["unit"] in ("天", "日"):
        count = int(_count(match["n"]))
        if count == 0:
            raise TimeRangeError("unrecognised", f"'{text}': a window of zero length")
        return DateRange(reference - timedelta(days=count), reference - timedelta(days=1), "the N days before D")

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
            return DateRange(first, reference + timedelta(days=15), "future window from D+1")
        if unit.lstrip("个") in _UNIT_DAYS:
            return DateRange(first, reference + timedelta(days=int(round(count * _UNIT_DAYS[unit.lstrip("个")]))), "future window from D+1")
        months = _months(count, unit, text)
        return DateRange(first, add_months(reference, months), "future window from D+1")

    match = _SAME_TIME.match(text)
    if match:
        if match["period"] in ("上个月", "上月"):
            year, month = _shift_month(reference.year, reference.month, -1)
        else:
            year, month = reference.year + _REL_YEAR.get(match["period"], -1), reference.month
        return DateRange(
            date(year, month, 1), date(year, month, min(reference.day, _month_end(year, month).day)), "same month-to-date one period back"
        )

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
    text = normalise(str(expression))
    if not text:
        raise TimeRangeError("empty", f"'{expression}' holds no date")
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


_YEAR_PART = re.compile(r"^(?P<y>\d{4}|\d{2})(?:年|年度)?(?:的)?(?P<part>第\d季度|\d季度|q\d|上半年|下半年)$")


def _resolve_single(expression: str, text: str, reference: date) -> DateRange:
    match = _YEAR_PART.match(text)
    if match:
        year = _year(match["y"])
        _checked_date(year, 1, 1, text)
        bounds = _part_of_period("年", match["part"], date(year, 1, 1), date(year, 12, 31))
        if bounds is not None:
            return DateRange(bounds[0], bounds[1], "part of an explicit year")
    # Relative phrases first: 今年 and 当月 are current periods (to D), not whole ones.
    found = _relative(text, reference)
    if found is not None:
        return found
    point = parse_point(text, reference)
    if point is not None:
        start, end = _point_range(_complete(point, None, reference))
        return DateRange(start, end, "one explicit period")
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
    if parse_point(text, reference) is not None:
        return True
    try:
        return _relative(text, reference) is not None
    except TimeRangeError:
        return False


def _endpoint(text: str, other: str | None, reference: date, expression: str) -> tuple[date, date]:
    """(first, last) day of a range end given on its own (a relative day, or a point)."""
    if text in _DAY_WORDS:
        day = reference + timedelta(days=_DAY_WORDS[text])
        return day, day
    point = parse_point(text, reference)
    if point is None:
        raise TimeRangeError("unrecognised", f"'{expression}': cannot read '{text}' as a date")
    other_point = parse_point(other, reference) if other else None
    return _point_range(_complete(point, other_point, reference))


def _names_a_date(text: str) -> bool:
    return bool(re.search(r"\d", text) or re.search(_ENGLISH_MONTH, text))


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
    # A range end must name a date (digits or a month name) or a day word; 去年~明年 is
    # a range between two relative periods, which has no convention.
    left_point = parse_point(left, reference) if _names_a_date(left) else None
    right_point = parse_point(right, reference) if _names_a_date(right) else None
    left_day = left in _DAY_WORDS
    right_day = right in _DAY_WORDS
    if (left_point or left_day) and (right_point or right_day):
        if left_point and right_point:
            start, end = _explicit_range(left_point, right_point, reference)
        else:
            start, _ = _endpoint(left, right if right_point else None, reference, expression)
            _, end = _endpoint(right, left if left_point else None, reference, expression)
            if end < start:
                raise TimeRangeError("reversed_range", f"the end {end.isoformat()} is before the start {start.isoformat()}")
        return DateRange(start, end, "explicit range")
    if _is_relative_period(left, reference) or _is_relative_period(right, reference):
        raise TimeRangeError("ambiguous", f"'{expression}': a range between relative periods has no convention; write the dates")
    raise TimeRangeError("unrecognised", f"'{expression}': cannot read both ends as dates")


def _split_on_dash(expression: str, text: str, reference: date) -> DateRange | None:
    """`A-B` without spaces: the one dash whose two sides are both date points."""
    candidates = []
    for index, char in enumerate(text):
        if char != "-":
            continue
        left, right = text[:index], text[index + 1 :]
        left_point, right_point = parse_point(left, reference), parse_point(right, reference)
        if left_point is not None and right_point is not None:
            candidates.append((left_point, right_point))
    if not candidates:
        return None
    if len(candidates) > 1:
        raise TimeRangeError("ambiguous", f"'{expression}': the dash could split the range in more than one place")
    start, end = _explicit_range(candidates[0][0], candidates[0][1], reference)
    return DateRange(start, end, "explicit range")
