"""The rules of what a secretary may report, as plain functions of text, numbers and dates.

Parsing what people type on a phone (``2026-11-20``, ``11-20``, ``11月20日``, ``昨天``, ``7``,
``7/9``, ``9点半``), the limits on each text field, the date window, the attendance and quorum
rules, and the short ids people quote (``HD0012``). Nothing here knows about Telegram or the
database; every function takes the values it needs (including ``today``) and is unit-tested.
"""
from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum

from bot.rules.chinese_date import arabic_date_numbers
from bot.rules.user_input import ascii_digits, clean_text, parse_number
from bot.rules.words import WORDS

MAX_PHOTOS = 9
MAX_PEOPLE = 100_000  # the same bound as a unit's member count

# Text limits, in characters, per field (what the person is told when they exceed one).
LIMITS: dict[str, int] = {
    "topic": 100,
    "summary": 1000,
    "place": 50,
    "host": 30,
    "recorder": 30,
    "absentees": 300,
    "observers": 200,
    "resolutions": 1000,
    "commitment_who": 30,
    "commitment_content": 200,
    "progress_note": 500,
    "commitment_result": 500,
    "problems": 1000,
    "next_plans": 1000,
    "deeds": 1000,
    "review_note": 500,  # a leader's 点评, reason for 退回, or 评诺 comment
}
# Fields of one line: a line break typed into them reads as a space. The others keep their lines.
SINGLE_LINE_FIELDS = frozenset({"topic", "place", "host", "recorder", "commitment_who"})

RELATIVE_DAYS: dict[str, int] = dict(WORDS["relative_days"])

# Full-width ／ － ． ： and the ideographic space, by code point, as their ASCII forms.
_SEPARATORS = str.maketrans({0xFF0F: "/", 0xFF0D: "-", 0xFF0E: ".", 0xFF1A: ":", 0x3000: " "})
# ``\d+`` also matches other scripts' digits and runs of any length: parse_number reads the match.
_COUNT = re.compile(r"^(\d+)\s*[人名个位]?$")
_COUNT_PAIR = re.compile(r"^(\d+)\s*[人名]?\s*[/、,，]\s*(\d+)\s*[人名]?$")
_CLOCK = re.compile(r"^(上午|早上|中午|下午|晚上)?\s*(\d{1,2})\s*(?:[:：.]\s*(\d{2})|点\s*(?:(半)|(\d{1,2})\s*分?)?)?$")


def normalise(text: str) -> str:
    """Full-width digits and punctuation as ASCII, control characters and outer blanks removed."""
    return clean_text(ascii_digits(text).translate(_SEPARATORS))


class DateProblem(Enum):
    FUTURE = "future"
    TOO_OLD = "too_old"
    PAST = "past"  # a due date before today
    TOO_FAR = "too_far"  # a due date more than the allowed horizon ahead


def parse_date(text: str, today: date) -> date | None:
    """The day meant by ``text`` (the whole of it), or None when it cannot be read.

    Accepted: ``2026-11-20``, ``11-20``, ``11.20``, ``11。20``, ``11月20日``, ``十二月十五日``,
    ``15号``, ``昨天``, ``上周五``, ``周五``, with full-width digits and a part of the day after
    it (``昨天上午``). Without a year, the day of that month and day nearest to today is meant:
    typed on 2027-01-03, ``12-30`` is 2026-12-30; typed on 2026-11-27, ``11-28`` is tomorrow
    (which the caller may refuse) and ``01-15`` is 2027-01-15. A day alone (``15号``) is in this
    month, or last month if that day is still to come; a day of the week is the latest such day
    up to today (``上周五``: the Friday of last week).
    """
    text = _PART_OF_DAY_AT_END.sub("", _date_text(text))
    return _read_date(text, today, whole=True)


def parse_due_date(text: str, today: date) -> date | None:
    """A deadline typed by a person, read as :func:`parse_date` reads a day, except that a day
    alone (``15号``) or a day of the week without 上 (``周五``) is the next such day from today
    on, since a deadline lies ahead."""
    text = _PART_OF_DAY_AT_END.sub("", _date_text(text))
    return _read_date(text, today, whole=True, forms=_DUE_DATE_FORMS)


def find_date(text: str, today: date) -> date | None:
    """The first day named inside a sentence (``昨天下午开了支委会`` → yesterday), read as
    :func:`parse_date` reads a whole answer; None when the sentence names none."""
    return _read_date(_date_text(text), today, whole=False)


def _date_text(text: str) -> str:
    return arabic_date_numbers(normalise(text)).replace(_IDEOGRAPHIC_FULL_STOP, ".")


def _read_date(text: str, today: date, *, whole: bool, forms: tuple[tuple[re.Pattern[str], DateReader], ...] | None = None) -> date | None:
    for pattern, read in forms or _DATE_FORMS:
        match = pattern.fullmatch(text) if whole else pattern.search(text)
        if match:
            try:
                return read(match, today)
            except ValueError:
                return None
    return None


def _full_date(match: re.Match[str], today: date) -> date | None:
    return date(int(match[1]), int(match[2]), int(match[3]))


def _month_day(match: re.Match[str], today: date) -> date | None:
    month, day = int(match[1]), int(match[2])
    candidates = [d for year in (today.year - 1, today.year, today.year + 1) if (d := _in_year(year, month, day))]
    return min(candidates, key=lambda d: abs((d - today).days)) if candidates else None


def _relative_day(match: re.Match[str], today: date) -> date | None:
    return today - timedelta(days=RELATIVE_DAYS[match[0]])


def _weekday(match: re.Match[str], today: date) -> date | None:
    weekday = 6 if match[2] == _SUNDAY else _WEEKDAYS.index(match[2])
    this_monday = today - timedelta(days=today.weekday())
    if match[1] in _LAST_WEEK:
        return this_monday - timedelta(days=7) + timedelta(days=weekday)
    day = this_monday + timedelta(days=weekday)
    # A bare 周五 typed before Friday means the one just past; 本周五 stays this week's.
    return day - timedelta(days=7) if day > today and match[1] in _BARE_WEEK else day


def _day_of_month(match: re.Match[str], today: date) -> date | None:
    """``15号``: the latest 15th up to today (this month's, else an earlier month's)."""
    day = int(match[1])
    if not 1 <= day <= 31:
        return None
    year, month = today.year, today.month
    for _ in range(3):  # 31号 on 1 March: not in February, so January
        if day <= calendar.monthrange(year, month)[1] and (candidate := date(year, month, day)) <= today:
            return candidate
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return None


def _day_of_month_ahead(match: re.Match[str], today: date) -> date | None:
    """``15号`` as a deadline: the next 15th from today on (this month's, else a later month's)."""
    day = int(match[1])
    if not 1 <= day <= 31:
        return None
    year, month = today.year, today.month
    for _ in range(3):  # 31号 on 1 February: not in February, so March
        if day <= calendar.monthrange(year, month)[1] and (candidate := date(year, month, day)) >= today:
            return candidate
        year, month = (year, month + 1) if month < 12 else (year + 1, 1)
    return None


def _weekday_ahead(match: re.Match[str], today: date) -> date | None:
    """``周五`` as a deadline: the next Friday from today on; 上周五 stays last week's."""
    day = _weekday(match, today)
    if day is not None and day < today and match[1] in _BARE_WEEK:
        day += timedelta(days=7)
    return day


def _alternatives(words: list[str]) -> str:
    """A regex group matching any of ``words``, longest first."""
    return "(" + "|".join(map(re.escape, sorted(words, key=len, reverse=True))) + ")"


_IDEOGRAPHIC_FULL_STOP = chr(0x3002)  # 11。20: a full stop typed for the dot
_DATE_WORDS = WORDS["dates"]
_LAST_WEEK = frozenset(_DATE_WORDS["last_week"])
_BARE_WEEK = frozenset(_DATE_WORDS["this_week"][-3:])  # 周, 星期, 礼拜 without 本/这
_WEEKDAYS: list[str] = _DATE_WORDS["weekdays"]
_SUNDAY: str = _DATE_WORDS["sunday"]
_PART_OF_DAY_AT_END = re.compile(_alternatives(_DATE_WORDS["parts_of_day"]) + "$")
# In order: the first form found is the one read (a full date before a month and day before a
# day alone). ``(?<!\d)`` keeps 2026-11-20 from being read as 26-11 inside a sentence.
DateReader = Callable[[re.Match[str], date], date | None]
_DATE_FORMS: tuple[tuple[re.Pattern[str], DateReader], ...] = (
    (re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?"), _full_date),
    (re.compile(r"(?<!\d)(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)\s*[日号]?"), _month_day),
    (re.compile(_alternatives([*_DATE_WORDS["last_week"], *_DATE_WORDS["this_week"]]) + "([" + "".join(_WEEKDAYS) + _SUNDAY + "])"), _weekday),
    (re.compile(_alternatives(list(RELATIVE_DAYS))), _relative_day),
    (re.compile(r"(?<![\d.])(\d{1,2})\s*[日号]"), _day_of_month),
)
# The same forms for a deadline: a day alone and a bare day of the week look ahead.
_AHEAD = {_day_of_month: _day_of_month_ahead, _weekday: _weekday_ahead}
_DUE_DATE_FORMS = tuple((pattern, _AHEAD.get(read, read)) for pattern, read in _DATE_FORMS)


def _in_year(year: int, month: int, day: int) -> date | None:
    """``date(year, month, day)``, or None for 2月29日 in a common year; ValueError if never valid."""
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        raise ValueError("not a calendar day")
    try:
        return date(year, month, day)
    except ValueError:
        if month == 2 and day == 29:
            return None
        raise


def oldest_allowed(today: date, window_days: int) -> date:
    """The earliest day an activity may be reported for (the window includes today)."""
    return today - timedelta(days=window_days - 1)


def check_held_on(day: date, today: date, window_days: int) -> DateProblem | None:
    """Meetings are reported after they happen, and within the reporting window."""
    if day > today:
        return DateProblem.FUTURE
    if day < oldest_allowed(today, window_days):
        return DateProblem.TOO_OLD
    return None


COMMITMENT_HORIZON_DAYS = 3 * 366


def check_due_on(day: date, today: date) -> DateProblem | None:
    """A commitment is due today or later, within about three years."""
    if day < today:
        return DateProblem.PAST
    if day > today + timedelta(days=COMMITMENT_HORIZON_DAYS):
        return DateProblem.TOO_FAR
    return None


def parse_count(text: str) -> int | None:
    """A number of people (``7``, ``7人``, ``７名``), or None when not a whole number in range."""
    match = _COUNT.match(normalise(text))
    return _head_count(match[1]) if match else None


def _head_count(digits: str) -> int | None:
    """Matched digits as a head count: ASCII, a handful of them, at most MAX_PEOPLE."""
    value = parse_number(digits)
    return value if value is not None and value <= MAX_PEOPLE else None


def parse_attendance(text: str) -> tuple[int, int | None] | None:
    """``7`` → (7, None); ``7/9`` (实到/应到) → (7, 9); None when unreadable."""
    text = normalise(text)
    if (single := parse_count(text)) is not None:
        return single, None
    match = _COUNT_PAIR.match(text)
    if not match:
        return None
    attended, expected = _head_count(match[1]), _head_count(match[2])
    if attended is None or expected is None:
        return None
    return attended, expected


def attendance_ok(attended: int, expected: int) -> bool:
    """实到 never exceeds 应到; both are non-negative."""
    return 0 <= attended <= expected


def below_quorum(attended: int, expected: int) -> bool:
    """Fewer than half of those expected attended (the 党员大会 quorum rule); warn, never block."""
    return expected > 0 and attended * 2 < expected


def parse_clock_time(text: str) -> str | None:
    """A start time as ``HH:MM`` (``9:30``, ``14：00``, ``9点半``, ``下午2点``), or None."""
    match = _CLOCK.match(normalise(text))
    if not match:
        return None
    part, hour = match[1], int(match[2])
    minute = 30 if match[4] else int(match[3] or match[5] or 0)
    if part in _AFTERNOON and 1 <= hour < 12:
        hour += 12
    elif part in _NOON and hour < 3:
        hour += 12
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return f"{hour:02d}:{minute:02d}"


@dataclass(frozen=True)
class TextProblem:
    """What is wrong with a typed text: empty, or longer than ``limit``."""

    empty: bool = False
    limit: int = 0


def clean_field(text: str, field: str) -> str:
    """Typed ``text`` as ``field`` keeps it (bot.rules.user_input.clean_text): several lines only
    where the field allows them."""
    return clean_text(text, multiline=field not in SINGLE_LINE_FIELDS)


def check_text(text: str, field: str) -> TextProblem | None:
    """None when ``text`` (as :func:`clean_field` left it) fits the field's limit; otherwise what
    to tell the person."""
    if not clean_text(text):
        return TextProblem(empty=True)
    limit = LIMITS[field]
    if len(text) > limit:
        return TextProblem(limit=limit)
    return None


SKIP_WORDS = frozenset(WORDS["answers"]["skip"])
DONE_WORDS = frozenset(WORDS["answers"]["done"])
_AFTERNOON = frozenset(WORDS["clock"]["afternoon"])
_NOON = frozenset(WORDS["clock"]["noon"])


def is_skip(text: str) -> bool:
    return normalise(text) in SKIP_WORDS


def is_done(text: str) -> bool:
    return normalise(text) in DONE_WORDS


def short_id(prefix: str, number: int) -> str:
    """The id people quote: ``HD0012`` for activity 12, ``CN0003`` for commitment 3."""
    return f"{prefix}{number:04d}"


ACTIVITY_PREFIX = "HD"
COMMITMENT_PREFIX = "CN"


def activity_short_id(activity_id: int) -> str:
    return short_id(ACTIVITY_PREFIX, activity_id)


def commitment_short_id(commitment_id: int) -> str:
    return short_id(COMMITMENT_PREFIX, commitment_id)


def days_overdue(due_on: date, today: date) -> int:
    return max(0, (today - due_on).days)
