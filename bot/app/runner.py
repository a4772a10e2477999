"""Serving the bot for real: open the database, poll (bot/app/polling.py), stop cleanly on Ctrl-C or SIGTERM."""
from __future__ import annotations

import asyncio
import logging
import signal

from telegram import Update

from bot.app.polling import AcknowledgingPoller
from bot.app.wiring import build_application
from bot.config import Settings
from storage.db import open_database

log = logging.getLogger(__name__)

ALLOWED_UPDATES = (Update.MESSAGE, Update.CALLBACK_QUERY)


async def serve(settings: Settings) -> None:
    """Run until interrupted. Polling fetches only what the bot handles, and keeps each received update
    in the database until it is handled: a crash replays it rather than dropping it."""
    db = await open_database(settings.database_path)
    app = build_application(settings, db)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await app.initialize()
        await app.bot.delete_webhook()  # getUpdates is refused while a webhook is set
        if app.post_init is not None:
            await app.post_init(app)
        await app.start()
        log.info("bot @%s is running; press Ctrl-C to stop", app.bot.username)
        await AcknowledgingPoller(app, db, ALLOWED_UPDATES).run(stop)
    finally:
        if app.running:
            await app.stop()
        await app.shutdown()
        await db.close()
