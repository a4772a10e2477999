"""How moments and dates are written to and read from SQLite text columns."""
from __future__ import annotations

from datetime import UTC, date, datetime


def ts(moment: datetime) -> str:
    """An aware datetime as ISO text in UTC (sortable)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def parse_ts(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def ds(day: date) -> str:
    return day.isoformat()


def parse_ds(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def month_number(day: date) -> int:
    """A month's place on one line (months since the year 0): months held are kept as bits from
    a first month, which is how the 小结 reads them from the database."""
    return day.year * 12 + day.month - 1
