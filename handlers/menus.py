"""Per-role command menus (the phone's menu button), set with chat-scoped ``setMyCommands``."""
from __future__ import annotations

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import TelegramError

from bot import texts
from storage.models import LEADER, Person

STRANGER_COMMANDS = ("start", "help")
SECRETARY_COMMANDS: list[str] = ["report", "my", "commit", "digest", "mydata", "help", "cancel"]
LEADER_COMMANDS: list[str] = [
    "digest", "plan", "opening", "lead", "notice", "units", "addunit", "invite", "people", "audit", "importunits",
    "schedule", "board", "review", "erase", "mydata", "help", "cancel",
]


def commands_for_role(role: str | None) -> list[BotCommand]:
    names = LEADER_COMMANDS if role == LEADER else SECRETARY_COMMANDS if role else STRANGER_COMMANDS
    return [BotCommand(name, texts.say("commands", name)) for name in names]


async def set_default_menu(bot: Bot) -> None:
    await bot.set_my_commands(commands_for_role(None), scope=BotCommandScopeDefault())


async def set_menu_for(bot: Bot, person: Person) -> None:
    """Give ``person`` the menu of their role (or the stranger's menu if their access ended)."""
    scope = BotCommandScopeChat(chat_id=person.user_id)
    try:
        if person.active:
            await bot.set_my_commands(commands_for_role(person.role), scope=scope)
        else:
            await bot.delete_my_commands(scope=scope)
    except TelegramError:
        # A menu is a convenience; failing to set one must not fail the action that triggered it.
        pass
