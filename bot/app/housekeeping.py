"""The daily chores on the JobQueue: a dated copy of the database (when ``BACKUP_DIR`` is set,
keeping the newest ``BACKUP_KEEP``) and erasing people who left more than
``RETENTION_DAYS_AFTER_LEAVING`` days ago (0: never by this rule).

The job runs every hour and each chore acts at most once a day (a copy is taken when today's
file is missing; the retention rule finds nobody the second time), so a bot that was down at
night catches up within the hour of starting. The copy runs in a worker thread: SQLite's backup
reads from its own connection and the event loop keeps answering people meanwhile.
"""
from __future__ import annotations

import asyncio
import logging
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from telegram.ext import Application, CallbackContext

from bot.config import Settings
from bot.services import Services
from storage.backup import BackupCopy, daily_backup
from storage.db import Database
from storage.privacy import erase_departed

log = logging.getLogger(__name__)

JOB_NAME = "housekeeping"
INTERVAL_SECONDS = 3600
FIRST_RUN_SECONDS = 300  # not in the busy first minutes after a start


@dataclass(frozen=True)
class Chores:
    backup: BackupCopy | None
    erased: int


async def run_chores(db: Database, settings: Settings, now: datetime) -> Chores:
    """Do today's chores once; safe to call as often as wanted."""
    copy = None
    if settings.backup_dir is not None:
        today = now.astimezone(settings.timezone).date()
        try:
            copy = await asyncio.to_thread(daily_backup, db.path, settings.backup_dir, today, settings.backup_keep)
        except (OSError, sqlite3.Error):
            log.exception("daily backup to %s failed; the next run tries again", settings.backup_dir)
    erased = await erase_departed(db, now, settings.retention_days_after_leaving)
    return Chores(copy, erased)


async def _job(context: CallbackContext[Any, Any, Any, Any]) -> None:
    services: Services = context.application.bot_data["services"]
    try:
        chores = await run_chores(services.db, services.settings, services.now())
    except Exception:  # noqa: BLE001 - the next run tries again
        log.exception("housekeeping failed")
        return
    if chores.backup is not None:
        log.info("daily backup written: %s (%d bytes)", chores.backup.path, chores.backup.size_bytes)
    if chores.erased:
        log.info("retention rule erased %d people who left", chores.erased)


def start(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Schedule the hourly run (replacing one scheduled before, as after a restart in tests)."""
    if app.job_queue is None:
        return
    for job in app.job_queue.get_jobs_by_name(JOB_NAME):
        job.schedule_removal()
    app.job_queue.run_repeating(_job, interval=INTERVAL_SECONDS, first=FIRST_RUN_SECONDS, name=JOB_NAME)
