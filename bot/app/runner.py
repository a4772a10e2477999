"""Serving the bot for real: open the database, start polling, stop cleanly on Ctrl-C or SIGTERM."""
from __future__ import annotations

import asyncio
import logging
import signal

from telegram import Update

from bot.app.wiring import build_application
from bot.config import Settings
from storage.db import open_database

log = logging.getLogger(__name__)


async def serve(settings: Settings) -> None:
    """Run until interrupted. Polling fetches only what the bot handles; nothing is dropped."""
    db = await open_database(settings.database_path)
    app = build_application(settings, db)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await app.initialize()
        if app.post_init is not None:
            await app.post_init(app)
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(allowed_updates=[Update.MESSAGE, Update.CALLBACK_QUERY])
        log.info("bot @%s is running; press Ctrl-C to stop", app.bot.username)
        await stop.wait()
    finally:
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        await db.close()
