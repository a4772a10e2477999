"""Settings, read from the environment (or a ``.env`` file) and validated once at start-up.

A missing or malformed setting raises :class:`ConfigError` with one line naming it; the CLI prints
that line and exits, so nobody ever sees a traceback for a typo in ``.env``.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.texts import plain

DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_DATABASE_PATH = "data/bot.sqlite3"


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names it."""


@dataclass(frozen=True)
class Settings:
    token: str | None
    api_base_url: str
    proxy_url: str | None
    database_path: Path
    timezone: ZoneInfo
    admin_ids: frozenset[int]
    org_name: str
    invite_ttl_days: int = 7
    report_window_days: int = 90
    campaign_name: str = ""
    digest_date_style: str = "hanzi"
    digest_script: str = "hans"
    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)
    # Reporting cycle and deadline defaults; leaders change them in chat with /schedule.
    report_cycle: str = "month"
    deadline_day: int = 25
    deadline_weekday: int = 4  # weekly cycles: Monday = 0 … Friday = 4
    deadline_time: time = time(18, 0)
    # The reminder plan: N days before, the deadline's morning, then every M days K times.
    reminder_time: time = time(9, 0)
    reminder_days_before: int = 3
    reminder_after_every_days: int = 2
    reminder_after_max: int = 3
    escalation_max_days: int = 5
    # A reminder missed while the bot was down is still sent this long after its moment.
    reminder_grace_hours: int = 24
    # Seconds between reminder ticks (0: no periodic tick), and messages in flight at once.
    reminder_tick_seconds: int = 60
    reminder_send_concurrency: int = 4
    # Reminder fan-out pace, messages/s at most, evenly spaced. The rate limiter (bot/app/limiter.py)
    # keeps the bot as a whole just under Telegram's ~30/s, so the default leaves the pace to it.
    reminder_send_rate: int = 30
    # Daily copies of the database (storage/backup.py): off while backup_dir is None.
    backup_dir: Path | None = None
    backup_keep: int = 14
    # People whose access was revoked this many days ago are erased (0: kept until a leader erases them).
    retention_days_after_leaving: int = 365

    @property
    def file_base_url(self) -> str:
        """The file-download base matching ``api_base_url`` (``…/bot`` → ``…/file/bot``)."""
        return file_base_url_for(self.api_base_url)


def file_base_url_for(api_base_url: str) -> str:
    base = api_base_url.rstrip("/")
    head, sep, tail = base.rpartition("/")
    if not sep:
        raise ConfigError(plain("names", "config_api_url_bad", url=api_base_url))
    return f"{head}/file/{tail}"


def _int_setting(env: Mapping[str, str], name: str, default: int, minimum: int, maximum: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if not minimum <= value <= maximum:
        raise ConfigError(f"{name} must be between {minimum} and {maximum}, got {value}")
    return value


def _time_setting(env: Mapping[str, str], name: str, default: time) -> time:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return time.fromisoformat(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a time such as 21:00, got {raw!r}") from None


def _choice(env: Mapping[str, str], name: str, default: str, choices: tuple[str, ...]) -> str:
    raw = env.get(name, "").strip() or default
    if raw not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, got {raw!r}")
    return raw


def parse_admin_ids(raw: str) -> frozenset[int]:
    ids: set[int] = set()
    for part in raw.replace(" ", "").split(","):
        if not part:
            continue
        if not part.lstrip("-").isdigit():
            raise ConfigError(f"BOT_ADMIN_IDS must be comma-separated Telegram user ids, got {part!r}")
        ids.add(int(part))
    return frozenset(ids)


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build :class:`Settings` from ``env`` (default: the process environment)."""
    env = os.environ if env is None else env
    token = env.get("TELEGRAM_BOT_TOKEN", "").strip() or None
    if token is not None and (":" not in token or any(c.isspace() for c in token)):
        raise ConfigError("TELEGRAM_BOT_TOKEN does not look like a bot token (expected 123456:ABC…)")
    api_base_url = env.get("TELEGRAM_API_BASE_URL", "").strip() or DEFAULT_API_BASE_URL
    if not api_base_url.startswith(("http://", "https://")):
        raise ConfigError(f"TELEGRAM_API_BASE_URL must start with http:// or https://, got {api_base_url!r}")
    file_base_url_for(api_base_url)
    proxy_url = env.get("TELEGRAM_PROXY_URL", "").strip() or None
    if proxy_url is not None and not proxy_url.startswith(("http://", "https://", "socks5://", "socks5h://")):
        raise ConfigError(f"TELEGRAM_PROXY_URL must be an http(s):// or socks5:// URL, got {proxy_url!r}")
    tz_name = env.get("TIMEZONE", "").strip() or "Asia/Shanghai"
    try:
        timezone = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"TIMEZONE is not a known time zone: {tz_name!r}") from None
    return Settings(
        token=token,
        api_base_url=api_base_url,
        proxy_url=proxy_url,
        database_path=Path(env.get("DATABASE_PATH", "").strip() or DEFAULT_DATABASE_PATH),
        timezone=timezone,
        admin_ids=parse_admin_ids(env.get("BOT_ADMIN_IDS", "")),
        org_name=env.get("ORG_NAME", "").strip() or plain("names", "default_org"),
        invite_ttl_days=_int_setting(env, "INVITE_TTL_DAYS", 7, 1, 90),
        report_window_days=_int_setting(env, "REPORT_WINDOW_DAYS", 90, 1, 3650),
        campaign_name=env.get("DIGEST_CAMPAIGN", "").strip(),
        digest_date_style=_choice(env, "DIGEST_DATE_STYLE", "hanzi", ("hanzi", "arabic")),
        digest_script=_choice(env, "DIGEST_SCRIPT", "hans", ("hans", "hant")),
        quiet_start=_time_setting(env, "QUIET_HOURS_START", time(21, 0)),
        quiet_end=_time_setting(env, "QUIET_HOURS_END", time(8, 0)),
        report_cycle=_choice(env, "REPORT_CYCLE", "month", ("week", "month", "quarter")),
        deadline_day=_int_setting(env, "DEADLINE_DAY", 25, 1, 31),
        deadline_weekday=_int_setting(env, "DEADLINE_WEEKDAY", 5, 1, 7) - 1,
        deadline_time=_time_setting(env, "DEADLINE_TIME", time(18, 0)),
        reminder_time=_time_setting(env, "REMINDER_TIME", time(9, 0)),
        reminder_days_before=_int_setting(env, "REMINDER_DAYS_BEFORE", 3, 0, 14),
        reminder_after_every_days=_int_setting(env, "REMINDER_AFTER_EVERY_DAYS", 2, 1, 14),
        reminder_after_max=_int_setting(env, "REMINDER_AFTER_MAX", 3, 0, 10),
        escalation_max_days=_int_setting(env, "ESCALATION_MAX_DAYS", 5, 0, 10),
        reminder_grace_hours=_int_setting(env, "REMINDER_GRACE_HOURS", 24, 1, 168),
        reminder_tick_seconds=_int_setting(env, "REMINDER_TICK_SECONDS", 60, 0, 3600),
        reminder_send_concurrency=_int_setting(env, "REMINDER_SEND_CONCURRENCY", 4, 1, 30),
        reminder_send_rate=_int_setting(env, "REMINDER_SEND_RATE", 30, 1, 30),
        backup_dir=Path(env["BACKUP_DIR"].strip()) if env.get("BACKUP_DIR", "").strip() else None,
        backup_keep=_int_setting(env, "BACKUP_KEEP", 14, 1, 3650),
        retention_days_after_leaving=_int_setting(env, "RETENTION_DAYS_AFTER_LEAVING", 365, 0, 36500),
    )
