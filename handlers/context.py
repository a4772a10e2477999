"""The callback context every handler receives: the caller (``person``) and the ``services``.

The access gate fills in ``person`` once per update, so no handler looks the caller up again.
"""
from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.services import Services
from storage.models import Person


class BotContext(CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    def __init__(self, application: Application[Any, Any, Any, Any, Any, Any], chat_id: int | None = None, user_id: int | None = None):
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self.person: Person | None = None

    @property
    def services(self) -> Services:
        return self.application.bot_data["services"]

    def caller(self) -> Person:
        """The gate guarantees a known, active person before any role handler runs."""
        if self.person is None:
            raise RuntimeError("handler reached without a known person")
        return self.person
