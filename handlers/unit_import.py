"""Bulk set-up: a leader sends a CSV/XLSX of units; every row is checked before anything is saved."""
from __future__ import annotations

from telegram import Update

from bot import texts
from bot.rules.import_worker import read_table_apart
from bot.rules.unit_import import MAX_FILE_BYTES, UnreadableFile, check_rows, too_big_message
from bot.rules.unit_kinds import UNIT_KINDS
from handlers.access import leaders_only
from handlers.context import BotContext
from handlers.dialog import Button, Card, Flow, Step, Turn, start_flow
from storage import units as unit_store
from storage.units import DuplicateUnitName

SHOWN_PROBLEMS = 20


@leaders_only
async def importunits_command(update: Update, context: BotContext) -> None:
    """/importunits: explain the file format."""
    await context.bot.send_message(context.caller().user_id, texts.say("import", "how_to", kinds=UNIT_KINDS))


async def prompt_confirm(turn: Turn) -> Card:
    rows = turn.data["rows"]
    bad = [tuple(b) for b in turn.data["bad"]]
    label = texts.label("import_good_only" if bad else "import_all", count=len(rows))
    buttons = [[Button(label, "import")], [Button(texts.label("cancel"), "cancel")]]
    if bad:
        text = texts.say("import", "some_bad", good=rows, bad=bad, file_name=turn.data["file_name"], shown=SHOWN_PROBLEMS)
        if not rows:
            buttons = []
    else:
        text = texts.say("import", "all_good", count=len(rows), file_name=turn.data["file_name"])
    return Card(text, buttons)


async def handle_confirm(turn: Turn) -> None:
    if turn.action != "import":
        await turn.reask(texts.say("common", "idle_hint"))
        return
    services = turn.services
    rows = [(r[0], r[1], int(r[2]), *r[3:5]) for r in turn.data["rows"]]
    try:
        count = await unit_store.add_units(services.db, rows, turn.person.user_id, services.now())
    except DuplicateUnitName as err:
        await turn.finish(texts.say("import", "conflict", name=str(err)))
        return
    await turn.finish(texts.say("import", "imported", count=count))


IMPORT_UNITS = Flow(name="import", title=texts.say("import", "flow_title"), steps={"confirm": Step(prompt_confirm, handle_confirm)})


@leaders_only
async def document_received(update: Update, context: BotContext) -> None:
    """A leader sent a file: check it as a list of units and ask before importing."""
    message = update.message
    assert message is not None and message.document is not None
    document = message.document
    file_name = document.file_name or "units.csv"
    user_id = context.caller().user_id
    if document.file_size and document.file_size > MAX_FILE_BYTES:  # refused before downloading
        await context.bot.send_message(user_id, texts.say("import", "unreadable", reason=too_big_message()))
        return
    telegram_file = await document.get_file()
    content = bytes(await telegram_file.download_as_bytearray())
    try:
        # Read in a child process with a time limit: the event loop stays free for everyone else.
        rows = await read_table_apart(content, file_name)
        check = check_rows(rows, await unit_store.existing_names(context.services.db))
    except UnreadableFile as err:
        await context.bot.send_message(user_id, texts.say("import", "unreadable", reason=str(err)))
        return
    if not check.good and not check.bad:
        await context.bot.send_message(user_id, texts.say("import", "nothing"))
        return
    data = {
        "file_name": file_name,
        "rows": [list(row.as_tuple()) for _, row in check.good],
        "bad": [[number, reason] for number, reason in check.bad],
    }
    if not check.good:
        # Nothing can be imported: say what is wrong and do not leave a dialog open.
        turn_text = texts.say("import", "some_bad", good=[], bad=check.bad, file_name=file_name, shown=SHOWN_PROBLEMS)
        await context.bot.send_message(user_id, turn_text)
        return
    await start_flow(update, context, IMPORT_UNITS, "confirm", data)



async def document_or_dialog(update: Update, context: BotContext) -> None:
    """A file: part of the current conversation if one is open, else (for leaders) a unit list."""
    from handlers import dialog

    if await dialog.on_message(update, context):
        return
    await document_received(update, context)
