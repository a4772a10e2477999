"""/lead: a leader records their own work at a unit (讲党课, 调研指导 …) for the 小结."""
from __future__ import annotations

from datetime import date, timedelta

from bot import texts
from bot.rules.activity_kinds import LEADER_ACTIVITY_KINDS
from bot.rules.report_rules import check_held_on, parse_date
from handlers.access import leaders_only
from handlers.dialog import Button, Card, Flow, Step, Turn, opener
from handlers.paging import dialog_unit_rows
from storage import leader_activities
from storage import units as unit_store


async def prompt_kind(turn: Turn) -> Card:
    rows = [[Button(kind, "kind", str(i))] for i, kind in enumerate(LEADER_ACTIVITY_KINDS)]
    rows.append([Button(texts.label("cancel"), "cancel")])
    return Card(texts.say("digest_chat", "ask_lead_kind"), rows)


async def handle_kind(turn: Turn) -> None:
    index = turn.arg_id if turn.action == "kind" else None
    if index is not None and index < len(LEADER_ACTIVITY_KINDS):
        turn.data["kind"] = LEADER_ACTIVITY_KINDS[index]
        turn.data["page"] = 0
        await turn.ask("unit")
    else:
        await turn.reask(texts.say("digest_chat", "ask_lead_kind"))


async def prompt_unit(turn: Turn) -> Card:
    rows = dialog_unit_rows(await unit_store.list_units(turn.services.db), int(turn.data.get("page", 0)), "unit", "page")
    rows.append([Button(texts.label("cancel"), "cancel")])
    return Card(texts.say("digest_chat", "ask_lead_unit", kind=turn.data["kind"]), rows)


async def handle_unit(turn: Turn) -> None:
    number = turn.arg_id
    if turn.action == "page" and number is not None:
        turn.data["page"] = number
        await turn.ask("unit")
        return
    unit = await unit_store.get_unit(turn.services.db, number) if turn.action == "unit" and number is not None else None
    if unit is None or unit.archived:
        await turn.reask(texts.say("digest_chat", "ask_lead_unit", kind=turn.data["kind"]))
        return
    turn.data["unit_id"], turn.data["unit_name"] = unit.id, unit.name
    await turn.ask("date")


async def prompt_date(turn: Turn) -> Card:
    rows = [
        [Button(texts.label("today"), "day", "0"), Button(texts.label("yesterday"), "day", "1"), Button(texts.label("day_before"), "day", "2")],
        [Button(texts.label("cancel"), "cancel")],
    ]
    return Card(texts.say("digest_chat", "ask_lead_date", kind=turn.data["kind"], unit=turn.data["unit_name"]), rows)


async def handle_date(turn: Turn) -> None:
    services = turn.services
    today = services.today()
    day: date | None = None
    if turn.action == "day" and turn.arg in ("0", "1", "2"):
        day = today - timedelta(days=int(turn.arg))
    elif turn.text is not None:
        day = parse_date(turn.text, today)
    window = services.settings.report_window_days
    if day is None or check_held_on(day, today, window) is not None:
        await turn.reask(texts.say("digest_chat", "lead_date_invalid", window=window))
        return
    await leader_activities.add_leader_activity(
        services.db, turn.person.user_id, turn.data["kind"], int(turn.data["unit_id"]), day, None, services.now()
    )
    await turn.finish(texts.say("digest_chat", "lead_saved", kind=turn.data["kind"], unit=turn.data["unit_name"], day=day))


LEAD = Flow(
    name="lead",
    title=texts.say("digest_chat", "lead_flow_title"),
    steps={"kind": Step(prompt_kind, handle_kind), "unit": Step(prompt_unit, handle_unit), "date": Step(prompt_date, handle_date)},
)


# /lead: record a 党课 given or a 调研指导 visit at a unit.
lead_command = leaders_only(opener(LEAD, "kind"))
