"""Builds the Application: settings in, a ready bot out. The one place handlers are registered.

Handler groups, in the order they run for each update:
  -2  the access gate (private chats only; strangers stopped here)
  -1  what the bot owes the caller (a report's confirmation that did not reach them) is said first
   0  commands, button taps by prefix, files, and then everything else (fallbacks last)
   1  after any of those: a person who had blocked the bot and writes again is reachable again
The reminder tick (bot/reminders/engine.py) runs on the JobQueue, started in post_init.
"""
from __future__ import annotations

import logging
from typing import Any

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.app import housekeeping
from bot.app.json_request import JsonRequest
from bot.app.limiter import PriorityRateLimiter
from bot.app.update_processor import ChatOrderedUpdateProcessor
from bot.clock import Clock, system_clock
from bot.config import Settings
from bot.reminders import engine as reminder_engine
from bot.rules.activity_kinds import load_kinds
from bot.rules.meeting_rules import load_rules
from bot.services import Services
from handlers import (
    access,
    audit,
    board,
    commitments,
    dialog,
    digest,
    drafts,
    errors,
    evidence,
    fallback,
    invites,
    leader_work,
    menus,
    my_reports,
    notices,
    owed,
    people,
    period_notes,
    plans,
    privacy,
    reminders,
    report,
    review,
    schedule,
    start,
    unit_import,
    units,
)
from handlers.context import BotContext
from storage import people as people_store
from storage.db import Database

log = logging.getLogger(__name__)


# Every guided conversation (handlers/dialog.py); a saved dialog names its flow.
FLOWS = (
    units.ADD_UNIT,
    units.EDIT_UNIT,
    unit_import.IMPORT_UNITS,
    schedule.SCHEDULE,
    digest.DIGEST,
    plans.PLAN,
    plans.OPENING,
    leader_work.LEAD,
    report.REPORT,
    commitments.NEW_COMMITMENT,
    commitments.PROGRESS,
    commitments.FULFIL,
    period_notes.PERIOD_NOTE,
    reminders.EXCUSE,
    review.REVIEW,
    notices.NOTICE,
)


# What a half-filled report may give way to, once the person drops it (handlers/drafts.py):
# name → (what starts it, its title when the macro starter_title of templates/report.j2 has none).
STARTERS = {
    drafts.REPORT_FLOW: (report.start_from_offer, None),
    "note": (period_notes.start_note, None),
    "edit": (my_reports.edit_from_offer, None),
    "commitments": (commitments.open_list, None),
    "commit_new": (commitments.start_new, None),
    "commit_progress": (commitments.start_progress, None),
    "commit_fulfil": (commitments.start_fulfil, None),
    reminders.EXCUSE_START: (reminders.ask_reason_after_draft, reminders.EXCUSE.title),
}


def quiet_noisy_loggers() -> None:
    """httpx logs every request URL, and the URL contains the bot token: keep it quiet."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def register_handlers(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(TypeHandler(Update, access.gate), group=-2)
    app.add_handler(TypeHandler(Update, owed.say_owed), group=-1)

    commands = {
        "start": start.start,
        "help": start.help_command,
        "cancel": dialog.cancel,
        "units": units.units_command,
        "addunit": units.addunit_command,
        "invite": invites.invite_command,
        "people": people.people_command,
        "audit": audit.audit_command,
        "importunits": unit_import.importunits_command,
        "schedule": schedule.schedule_command,
        "board": board.board_command,
        "review": review.review_command,
        "digest": digest.digest_command,
        "plan": plans.plan_command,
        "opening": plans.opening_command,
        "lead": leader_work.lead_command,
        "notice": notices.notice_command,
        "report": report.report_command,
        "my": my_reports.my_command,
        "commit": commitments.commit_command,
        "mydata": privacy.mydata_command,
        "erase": privacy.erase_command,
    }
    for name, callback in commands.items():
        app.add_handler(CommandHandler(name, callback, filters=filters.ChatType.PRIVATE))

    # Button prefixes: d = a step of a guided flow; u = units; i = invites; p = people; x = ledger export.
    # "u:add" must come before the general "u:" pattern.
    app.add_handler(CallbackQueryHandler(dialog.on_button, pattern=r"^d:"))
    app.add_handler(CallbackQueryHandler(units.addunit_button, pattern=r"^u:add:"))
    app.add_handler(CallbackQueryHandler(units.units_button, pattern=r"^u:"))
    app.add_handler(CallbackQueryHandler(invites.invite_button, pattern=r"^i:"))
    app.add_handler(CallbackQueryHandler(people.people_button, pattern=r"^p:"))
    app.add_handler(CallbackQueryHandler(audit.audit_button, pattern=r"^au:"))  # au = /audit pages
    # pv = erasing a person's personal data (handlers/privacy.py).
    app.add_handler(CallbackQueryHandler(privacy.erase_button, pattern=r"^pv:"))
    # Reminders: r = buttons on reminders and escalations; b = the /board pages.
    app.add_handler(CallbackQueryHandler(reminders.reminder_button, pattern=r"^r:"))
    app.add_handler(CallbackQueryHandler(board.board_button, pattern=r"^b:"))
    app.add_handler(CallbackQueryHandler(digest.ledger_button, pattern=r"^x:"))
    # Leaders: ev = a unit's records, a record, its photos, commitments; rv = 点评/退回/通过/评诺, /review.
    app.add_handler(CallbackQueryHandler(evidence.evidence_button, pattern=r"^ev:"))
    app.add_handler(CallbackQueryHandler(review.review_button, pattern=r"^rv:"))
    # Notices: nt = the /notice cards (leaders); nr = 已阅 under a delivered notice.
    app.add_handler(CallbackQueryHandler(notices.notice_button, pattern=r"^nt:"))
    app.add_handler(CallbackQueryHandler(notices.read_button, pattern=r"^nr:"))
    # Reporting: rp = a report draft's 继续/重新开始 offer; my = /my cards; cm = commitments.
    app.add_handler(CallbackQueryHandler(drafts.draft_button, pattern=r"^rp:"))
    app.add_handler(CallbackQueryHandler(my_reports.my_button, pattern=r"^my:"))
    app.add_handler(CallbackQueryHandler(commitments.commit_button, pattern=r"^cm:"))
    # The secretaries' "📝 汇报活动" keyboard button sends its label as text: catch it before the
    # typed-answer fallback below.
    app.add_handler(MessageHandler(filters.ChatType.PRIVATE & filters.Text([report.keyboard_label()]), report.report_command))

    app.add_handler(MessageHandler(filters.Document.ALL, unit_import.document_or_dialog))
    # mn = the main buttons shown under a message nothing else took (handlers/fallback.py).
    app.add_handler(CallbackQueryHandler(fallback.main_button, pattern=r"^mn:"))
    # Fallbacks last: unknown commands, then typed answers to the current step, then stray taps.
    app.add_handler(MessageHandler(filters.COMMAND, fallback.on_unknown_command))
    app.add_handler(MessageHandler(filters.ALL, fallback.on_message))
    app.add_handler(CallbackQueryHandler(fallback.on_unknown_button))
    app.add_handler(TypeHandler(Update, reminders.note_reachable), group=1)
    app.add_error_handler(errors.on_error)


async def _post_init(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    services: Services = app.bot_data["services"]
    await people_store.ensure_admins(services.db, services.settings.admin_ids, services.now())
    await menus.set_default_menu(app.bot)
    for leader in await people_store.list_leaders(services.db):
        await menus.set_menu_for(app.bot, leader)
    await owed.load(app, services.db)
    reminder_engine.start_ticking(app)
    review.start_morning_news(app)
    housekeeping.start(app)


def build_application(
    settings: Settings,
    db: Database,
    *,
    clock: Clock = system_clock,
    update_processor: ChatOrderedUpdateProcessor | None = None,
    rate_limiter: PriorityRateLimiter | None = None,
    read_timeout: float | None = None,
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The bot, wired and ready for ``initialize``/``start`` (or ``run_polling``)."""
    if settings.token is None:
        raise ValueError("a token is required to build the application")
    quiet_noisy_loggers()
    request_options: dict[str, Any] = {"proxy": settings.proxy_url}
    if read_timeout is not None:  # how long a Bot API answer is awaited (python-telegram-bot: 5 s)
        request_options["read_timeout"] = read_timeout
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.api_base_url)
        .base_file_url(settings.file_base_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.timezone, link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .context_types(ContextTypes(context=BotContext))
        .concurrent_updates(update_processor or ChatOrderedUpdateProcessor())
        .rate_limiter(rate_limiter or PriorityRateLimiter(max_retries=3))
        # Bot API calls as JSON bodies over aiohttp (bot/app/json_request.py); getUpdates on a connection of its own.
        .request(JsonRequest(**request_options))
        .get_updates_request(JsonRequest(connection_pool_size=1, proxy=settings.proxy_url))
        .post_init(_post_init)
    )
    app = builder.build()
    app.bot_data["services"] = Services(settings=settings, db=db, clock=clock, kinds=load_kinds(), rules=load_rules())
    reminder_engine.install(app)
    dialog.install_flows(app, FLOWS)
    drafts.install_starters(app, STARTERS)
    register_handlers(app)
    return app
