"""Timeline entries are stored as a kind and its parameters and worded when read: in the
reader's language and time zone, on the pages and in the API. Entries stored as text before
are shown as they were written; plugins word the entries they write."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pluggy
import pytest
from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import select

from realty_crm import tenancy
from realty_crm.extensions import db
from realty_crm.models import Activity, ActivityKind, Role, utcnow
from realty_crm.plugin_host import PluginInfo, get_host
from realty_crm.services import activity, calls, properties, prospects, trash, visits

BOOKED_AT = datetime(2026, 12, 8, 15, 30, tzinfo=UTC)  # 16:30 in Madrid


@pytest.fixture
def readers(make, team):
    """An English reader in UTC and a Spanish one in Madrid, of the team's agency."""
    english = make.user(team.agency, Role.MANAGER, name="Eve English")
    spanish = make.user(team.agency, Role.MANAGER, name="Sara Spanish")
    english.locale, english.timezone = "en", "UTC"
    spanish.locale, spanish.timezone = "es", "Europe/Madrid"
    db.session.commit()
    return english, spanish


def _entry(kind: ActivityKind, data: dict[str, Any], source: str = "core", summary: str = "") -> Activity:
    return Activity(kind=kind, data=data, source=source, summary=summary)


CONTACTED_UP_TO_300K = {"status": "contacted", "requirements": {"max_price": "300000"}}
VISIT = {"visit_id": 1, "agent_id": 2, "reference": "MAD-0002", "starts_at": BOOKED_AT.isoformat()}

# kind, data; then what an English reader in UTC and a Spanish reader in Madrid read
WORDINGS = [
    (ActivityKind.VISIT, {**VISIT, "event": "scheduled"},
     "Visit booked: MAD-0002 on 12/8/26, 3:30\u202fPM.", "Visita programada: MAD-0002 el 8/12/26, 16:30."),
    (ActivityKind.VISIT, {**VISIT, "event": "rescheduled", "old_starts_at": "2026-12-07T09:00:00+00:00"},
     "Visit moved: MAD-0002 on 12/8/26, 3:30\u202fPM.",
     "Visita cambiada de fecha: MAD-0002 el 8/12/26, 16:30."),
    (ActivityKind.VISIT, {**VISIT, "event": "confirmed", "previous_status": "scheduled"},
     "Visit confirmed: MAD-0002 on 12/8/26, 3:30\u202fPM.", "Visita confirmada: MAD-0002 el 8/12/26, 16:30."),
    (ActivityKind.VISIT, {**VISIT, "event": "scheduled", "previous_status": "confirmed"},
     "Visit back to scheduled: MAD-0002 on 12/8/26, 3:30\u202fPM.",
     "Visita de nuevo programada: MAD-0002 el 8/12/26, 16:30."),
    (ActivityKind.VISIT, {**VISIT, "event": "cancelled", "previous_status": "scheduled", "reason": "Ill"},
     "Visit cancelled: MAD-0002 on 12/8/26, 3:30\u202fPM.", "Visita cancelada: MAD-0002 el 8/12/26, 16:30."),
    (ActivityKind.VISIT, {**VISIT, "event": "done", "previous_status": "confirmed"},
     "Visit done: MAD-0002 on 12/8/26, 3:30\u202fPM.", "Visita realizada: MAD-0002 el 8/12/26, 16:30."),
    (ActivityKind.VISIT, {**VISIT, "event": "no_show", "previous_status": "confirmed"},
     "No-show: MAD-0002 on 12/8/26, 3:30\u202fPM.", "No se presentó: MAD-0002 el 8/12/26, 16:30."),
    (ActivityKind.VISIT, {**VISIT, "event": "reassigned", "agent_name": "Carlos", "previous_agent_id": 3},
     "Visit handed to Carlos: MAD-0002 on 12/8/26, 3:30\u202fPM.",
     "Visita traspasada a Carlos: MAD-0002 el 8/12/26, 16:30."),
    (ActivityKind.VISIT, {**VISIT, "event": "feedback", "rating": 4}, "Rated 4/5.", "Valoración: 4/5."),
    (ActivityKind.VISIT, {**VISIT, "event": "feedback", "rating": None},
     "Feedback removed.", "Comentarios eliminados."),
    (ActivityKind.CREATED, {"source": "phone"},
     "Prospect created (source: Phone).", "Interesado creado (origen: Teléfono)."),
    (ActivityKind.CREATED, {"reference": "MAD-0002"},
     "Property MAD-0002 listed.", "Inmueble MAD-0002 dado de alta."),
    (ActivityKind.UPDATED, {"changes": {"max_price": ["1", "2"]}},
     "Changed Maximum price.", "Cambios en Precio máximo."),
    (ActivityKind.STATUS_CHANGED, {"old": "new", "new": "contacted"},
     "Status New → Contacted.", "Estado Nuevo → Contactado."),
    (ActivityKind.STATUS_CHANGED, {"old": "available", "new": "sold"},
     "Status Available → Sold.", "Estado Disponible → Vendido."),
    (ActivityKind.PRICE_CHANGED, {"old": "250000.00", "new": "240000.00", "currency": "EUR"},
     "Price €250,000 → €240,000.", "Precio 250.000\xa0€ → 240.000\xa0€."),
    (ActivityKind.ASSIGNED, {"agent_id": 2, "agent_name": "Ana", "previous_agent_id": None},
     "Assigned to Ana.", "Asignado a Ana."),
    (ActivityKind.ASSIGNED, {"agent_id": None, "agent_name": None, "previous_agent_id": 2},
     "Unassigned.", "Asignación retirada."),
    (ActivityKind.ASSIGNED, {"rule": "round_robin", "agent_id": 2, "agent_name": "Ana"},
     "Assigned to Ana by round robin.", "Asignado a Ana por turnos."),
    (ActivityKind.ASSIGNED, {"rule": "by_area", "areas": ["Retiro"], "agent_id": 2, "agent_name": "Ana"},
     "Assigned to Ana by area (Retiro).", "Asignado a Ana por zona (Retiro)."),
    (ActivityKind.ASSIGNED, {"rule": "least_loaded", "agent_id": 2, "agent_name": "Ana"},
     "Assigned to Ana, the agent with the fewest open prospects.",
     "Asignado a Ana, el agente con menos interesados abiertos."),
    (ActivityKind.ASSIGNED, {"rule": "least_loaded", "fallback_from": "by_area", "areas": [], "agent_id": 2,
                             "agent_name": "Ana"},
     "Assigned to Ana, the agent with the fewest open prospects: the prospect names no area.",
     "Asignado a Ana, el agente con menos interesados abiertos: el interesado no indica ninguna zona."),
    (ActivityKind.ASSIGNED, {"rule": "by_area", "agent_id": None, "previous_agent_id": None},
     "Left unassigned: no agent can take new leads (all inactive or away). Rule: By area.",
     "Sin asignar: ningún agente puede recibir contactos nuevos (todos están inactivos o ausentes). "
     "Regla: Por zona."),
    (ActivityKind.FOLLOW_UP, {"event": "done", "title": "Send the plans"},
     "Done: Send the plans", "Hecho: Send the plans"),
    (ActivityKind.FOLLOW_UP, {"event": "reopened", "title": "Send the plans"},
     "Reopened: Send the plans", "Reabierto: Send the plans"),
    (ActivityKind.NOTE, {"import_id": 1, "row": 2, "file": "leads.csv"},
     "Imported from the file “leads.csv” (row 2).", "Importado desde el archivo «leads.csv» (fila 2)."),
    (ActivityKind.MERGED, {"filled": {}, "source": "web_form", "name": "Ana"},
     "Merged a duplicate entry for Ana.", "Se ha fusionado un registro duplicado de Ana."),
    (ActivityKind.DELETED, {}, "Deleted.", "Eliminado."),
    (ActivityKind.RESTORED, {}, "Restored.", "Restaurado."),
    (ActivityKind.ERASED, {}, "Personal data erased.", "Datos personales borrados."),
]


@pytest.mark.parametrize(("kind", "data", "english", "spanish"), WORDINGS,
                         ids=[f"{w[0].value}-{i}" for i, w in enumerate(WORDINGS)])
def test_each_kind_reads_in_the_readers_language_and_time_zone(
    readers, read_entry, kind, data, english, spanish
):
    en, es = readers
    entry = _entry(kind, data)
    assert (read_entry(entry, en), read_entry(entry, es)) == (english, spanish)


def test_a_booked_visit_is_stored_as_parameters_and_read_in_madrid_time(
    team, make, book, readers, read_entry
):
    prop = make.property(team.manager, reference="MAD-0002")
    prospect = make.prospect(team.manager, first_name="Carla")
    visit = book(team.manager, prop, prospect, utcnow().replace(microsecond=0) + timedelta(days=2))
    entry = db.session.scalars(select(Activity).where(
        Activity.prospect_id == prospect.id, Activity.kind == ActivityKind.VISIT)).one()
    assert entry.summary == ""
    assert entry.data == {"event": "scheduled", "visit_id": visit.id, "agent_id": visit.agent_id,
                          "reference": "MAD-0002", "starts_at": visit.starts_at.isoformat()}
    en, es = readers
    local = visit.starts_at.astimezone(ZoneInfo("Europe/Madrid"))
    spanish_time = f"{local.hour}:{local:%M}"  # H:mm, "0:05" after midnight
    assert read_entry(entry, es) == f"Visita programada: MAD-0002 el {local:%-d/%-m/%y}, {spanish_time}."
    assert read_entry(entry, en).startswith("Visit booked: MAD-0002 on ")


def test_an_entry_stored_as_text_is_shown_as_written(readers, read_entry):
    old = _entry(ActivityKind.VISIT, {**VISIT, "event": "scheduled"},
                 summary="Visit booked: MAD-0002 on 12/8/26, 3:30 PM.")
    assert read_entry(old, readers[1]) == "Visit booked: MAD-0002 on 12/8/26, 3:30 PM."


def test_a_persons_words_are_shown_as_written_in_every_language(team, make, readers, read_entry):
    prospect = make.prospect(team.manager, first_name="Ana")
    with tenancy.scope(team.agency.id):
        note = prospects.add_note(team.manager, prospect, "Prefers afternoons.")
    assert [read_entry(note, reader) for reader in readers] == ["Prefers afternoons."] * 2


def test_an_erased_persons_entries_read_as_nothing_but_the_erasure(team, make, readers, read_entry):
    prospect = make.prospect(team.manager, first_name="Ana", source="phone")
    with tenancy.scope(team.agency.id):
        prospects.update_prospect(team.manager, prospect, {"status": "contacted"})
        prospects.erase_prospect(team.admin, prospect)
        entries = db.session.scalars(select(Activity).where(Activity.prospect_id == prospect.id)
                                     .order_by(Activity.id)).all()
    assert [read_entry(e, readers[1]) for e in entries] == ["", "", "Datos personales borrados."]


def test_the_services_store_no_text_for_what_the_system_writes(team, make, book, at):
    prop = make.property(team.manager, reference="MAD-0003")
    prospect = make.prospect(team.manager, first_name="Ana", assigned_agent_id=team.agent.id)
    with tenancy.scope(team.agency.id):
        prospects.update_prospect(team.manager, prospect, CONTACTED_UP_TO_300K)
        due = (utcnow() + timedelta(days=1)).isoformat()
        follow_up = calls.create_follow_up(team.manager, {"prospect_id": prospect.id, "title": "Ring",
                                                          "due_at": due})
        calls.update_follow_up(team.manager, follow_up, {"done": True})
        visit = book(team.manager, prop, prospect, at(10))
        visits.update_visit(team.manager, visit, {"status": "confirmed"})
        trash.move_to_trash(team.admin, prop)
        trash.restore(team.admin, prop)
    written = db.session.scalars(select(Activity).where(Activity.agency_id == team.agency.id)).all()
    texts = {e.summary for e in written if e.kind not in (ActivityKind.NOTE, ActivityKind.CALL)}
    assert texts == {"", "Ring"}  # only the follow-up's title, which a person wrote


def test_the_prospect_page_speaks_the_readers_language(team, make, login, readers):
    prospect = make.prospect(team.manager, first_name="Ana", source="phone")
    with tenancy.scope(team.agency.id):
        prospects.update_prospect(team.manager, prospect, CONTACTED_UP_TO_300K)
    page = login(readers[1]).get(f"/prospects/{prospect.id}").get_data(as_text=True)
    timeline = page[page.index('id="timeline"'):]
    assert "Interesado creado (origen: Teléfono)." in timeline
    assert "Estado Nuevo → Contactado." in timeline
    assert "Cambios en Precio máximo." in timeline
    assert '<span class="field-name">Precio máximo</span>' in timeline
    assert "max_price" not in timeline and "max price" not in timeline and "phone" not in timeline


def test_the_property_page_speaks_the_readers_language(team, make, login, readers):
    prop = make.property(team.manager, reference="MAD-0004")
    with tenancy.scope(team.agency.id):
        properties.update_property(team.manager, prop, {"price": "240000", "status": "reserved"})
    page = login(readers[1]).get(f"/properties/{prop.id}").get_data(as_text=True)
    timeline = page[page.index('id="timeline"'):]
    assert "Inmueble MAD-0004 dado de alta." in timeline
    assert "Precio 250.000\xa0€ → 240.000\xa0€." in timeline and "Estado Disponible → Reservado." in timeline


def test_the_api_timeline_summary_is_in_the_callers_language(team, make, api, readers):
    prospect = make.prospect(team.manager, first_name="Ana", source="phone")
    english = api(readers[0]).get(f"/api/v1/prospects/{prospect.id}/timeline").get_json()
    spanish = api(readers[1]).get(f"/api/v1/prospects/{prospect.id}/timeline").get_json()
    assert [e["summary"] for e in english["items"]] == ["Prospect created (source: Phone)."]
    assert [e["summary"] for e in spanish["items"]] == ["Interesado creado (origen: Teléfono)."]
    assert {k: v for k, v in spanish["items"][0].items() if k != "summary"} == {
        k: v for k, v in english["items"][0].items() if k != "summary"}
    assert set(spanish["items"][0]) == {"id", "kind", "occurred_at", "actor_id", "prospect_id", "property_id",
                                        "subject_id", "summary", "data", "source"}


class Newsletter:
    """A plugin that writes its own kind of entry and words it."""

    @staticmethod
    def crm_plugin_info() -> PluginInfo:
        return PluginInfo(name="newsletter", title="Newsletter")

    @staticmethod
    def crm_timeline_texts() -> dict[str, Any]:
        def sent(data: dict[str, Any]) -> str:
            when = format_datetime(datetime.fromisoformat(data["at"]), "short")
            # a message the core's catalogue translates, so the reader's language shows
            return _("Assigned to %(name)s.", name=f"{data['list']} @ {when}")

        def broken(data: dict[str, Any]) -> str:
            raise RuntimeError("a plugin bug")

        return {ActivityKind.EMAIL_SENT.value: sent, ActivityKind.NOTE.value: broken}


@pytest.fixture
def newsletter(app):
    plugin = Newsletter()
    marker = pluggy.HookimplMarker("realty_crm")
    marker(Newsletter.crm_plugin_info)
    marker(Newsletter.crm_timeline_texts)
    get_host().register(plugin, "newsletter")
    return plugin


def test_a_plugin_words_its_own_entries_in_the_readers_language(team, make, newsletter, readers, read_entry,
                                                                  login):
    prospect = make.prospect(team.manager, first_name="Ana")
    with tenancy.scope(team.agency.id):
        activity.record(ActivityKind.EMAIL_SENT, None, prospect=prospect, source="newsletter",
                        data={"list": "Spring", "at": BOOKED_AT.isoformat()})
        activity.record(ActivityKind.NOTE, None, prospect=prospect, source="newsletter", data={"x": 1})
        db.session.commit()
        sent, broken = db.session.scalars(select(Activity).where(Activity.source == "newsletter")
                                          .order_by(Activity.id)).all()
    assert read_entry(sent, readers[0]) == "Assigned to Spring @ 12/8/26, 3:30\u202fPM."
    assert read_entry(sent, readers[1]) == "Asignado a Spring @ 8/12/26, 16:30."
    assert read_entry(broken, readers[1]) == ""  # a plugin's bug costs its words, not the page
    page = login(readers[1]).get(f"/prospects/{prospect.id}")
    assert page.status_code == 200  # the plugin is not even enabled in the agency: its entries still read
    assert "Asignado a Spring @ 8/12/26, 16:30." in page.get_data(as_text=True)
    assert "· Newsletter" in page.get_data(as_text=True)


def test_an_entry_of_a_plugin_no_longer_installed_shows_its_kind_only(team, make, login, readers):
    prospect = make.prospect(team.manager, first_name="Ana")
    with tenancy.scope(team.agency.id):
        activity.record(ActivityKind.EMAIL_SENT, None, prospect=prospect, source="gone", data={"list": "x"})
        db.session.commit()
    page = login(readers[1]).get(f"/prospects/{prospect.id}").get_data(as_text=True)
    timeline = page[page.index('id="timeline"'):]
    assert 'class="kind-email_sent"' in timeline and "· gone" in timeline and '"list"' not in timeline
