"""Running an import: new people become prospects through the usual service (so the agency's
assignment rule applies), known ones are merged, bad rows are skipped and listed."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from realty_crm import tenancy
from realty_crm.errors import Conflict
from realty_crm.extensions import db
from realty_crm.models import Activity, ActivityKind, Prospect
from realty_crm.services import accounts


def prospects_of(office) -> dict[str, Prospect]:
    db.session.rollback()
    with tenancy.scope(office.agency.id):
        return {p.first_name: p for p in db.session.scalars(select(Prospect))}


def timeline(office, prospect: Prospect) -> list[Activity]:
    with tenancy.scope(office.agency.id):
        stmt = select(Activity).where(Activity.prospect_id == prospect.id).order_by(Activity.id)
        return list(db.session.scalars(stmt))


def test_a_spanish_semicolon_file_with_a_bom_is_imported(office, csv_file, read_entry):
    imp = office.upload(csv_file([
        ["Nombre", "Apellidos", "Correo", "Móvil", "Origen", "Zonas", "Presupuesto", "Etiquetas", "Notas"],
        ["Lucía", "Ortega", "lucia@example.com", "600 111 222", "Referido", "Chamberí", "350.000", "vip",
         "Quiere terraza."],
        ["Marcos", "Pardo", "", "+34 611 222 333", "web", "Retiro, Salamanca", "", "", ""],
    ], delimiter=";", bom=True), filename="clientes año.csv")
    done = office.run(imp)
    assert done.status.value == "imported"
    assert done.summary == {"created": 2, "merged": 0, "skipped": 0, "assigned": 0, "errors": [],
                            "errors_total": 0, "interrupted": False}
    assert done.content == b"" and done.finished_at is not None
    people = prospects_of(office)
    lucia, marcos = people["Lucía"], people["Marcos"]
    assert (lucia.email, lucia.phone, lucia.source.value, lucia.areas, lucia.tags) == (
        "lucia@example.com", "+34600111222", "referral", ["Chamberí"], ["vip"])
    assert lucia.max_price == 350000
    assert (marcos.email, marcos.phone, marcos.source.value, marcos.areas) == (
        None, "+34611222333", "web_form", ["Retiro", "Salamanca"])
    entries = [(e.kind, read_entry(e)) for e in timeline(office, lucia)]
    assert (ActivityKind.CREATED, "Prospect created (source: Referral).") in entries
    assert (ActivityKind.NOTE, "Imported from the file “clientes año.csv” (row 2).") in entries
    assert (ActivityKind.NOTE, "Quiere terraza.") in entries


def test_an_english_cp1252_file_is_imported_with_its_accents(office, csv_file):
    imp = office.upload(csv_file([
        ["First name", "Last name", "Email", "Phone", "Budget max", "Wants to"],
        ["Zoë", "Brontë", "zoe@example.co.uk", "+44 20 7946 0958", "£450,000", "rent"],
    ], encoding="cp1252"))
    assert imp.encoding == "cp1252"
    office.run(imp)
    zoe = prospects_of(office)["Zoë"]
    assert (zoe.last_name, zoe.phone, zoe.max_price, zoe.operation.value) == (
        "Brontë", "+442079460958", 450000, "rent")


def test_rows_with_problems_are_skipped_and_listed(office, csv_file):
    imp = office.upload(csv_file([
        ["First name", "Email", "Phone"],
        ["Good", "good@example.com", ""],
        ["Bad", "bad@", ""],
        ["Worse", "", "123"],
        ["", "anonymous@example.com", ""],
    ]))
    summary = office.run(imp).summary
    assert (summary["created"], summary["merged"], summary["skipped"]) == (1, 0, 3)
    assert summary["errors"] == [
        {"row": 3, "column": "Email", "message": "not a valid e-mail address"},
        {"row": 4, "column": "Phone", "message": "not a valid phone number"},
        {"row": 5, "column": "First name", "message": "The first name is missing."},
    ]
    assert set(prospects_of(office)) == {"Good"}


def test_duplicates_are_merged_into_existing_prospects_and_into_their_first_row(office, csv_file, read_entry):
    carla = office.prospect(first_name="Carla", last_name="", email="carla@example.com", tags=["old"])
    imp = office.upload(csv_file([
        ["First name", "Last name", "Email", "Phone", "Tags"],
        ["Carla", "Cruz", "Carla@Example.com", "600 123 456", "new"],
        ["Fran", "Gil", "fran@example.com", "", ""],
        ["Francisco", "Gil", "", "", ""],  # no contact: skipped
        ["Fran", "", "FRAN@example.com", "611 000 111", "buyer"],
    ]))
    summary = office.run(imp).summary
    assert (summary["created"], summary["merged"], summary["skipped"]) == (1, 2, 1)
    people = prospects_of(office)
    assert set(people) == {"Carla", "Fran"}
    merged = people["Carla"]
    assert merged.id == carla.id
    # blanks filled, what the record had kept, tags joined
    assert (merged.last_name, merged.phone, merged.tags) == ("Cruz", "+34600123456", ["old", "new"])
    fran = people["Fran"]
    assert (fran.phone, fran.tags) == ("+34611000111", ["buyer"])
    kinds = [e.kind for e in timeline(office, fran)]
    assert kinds.count(ActivityKind.CREATED) == 1 and kinds.count(ActivityKind.MERGED) == 1
    notes = [read_entry(e) for e in timeline(office, fran) if e.kind == ActivityKind.NOTE]
    assert notes == [
        "Imported from the file “leads.csv” (row 3).", "Imported from the file “leads.csv” (row 5)."]


def test_a_deleted_prospect_named_again_is_restored_by_the_merge(office, csv_file):
    from realty_crm.services import prospects

    gone = office.prospect(first_name="Gone", email="gone@example.com")
    with tenancy.scope(office.agency.id):
        prospects.delete_prospect(office.manager, gone)
    imp = office.upload(csv_file([["Name", "Email"], ["Gone Again", "gone@example.com"]]))
    summary = office.run(imp).summary
    assert (summary["created"], summary["merged"]) == (0, 1)
    assert prospects_of(office)["Gone"].deleted_at is None


def test_cells_escaped_by_our_exports_are_read_back(office, csv_file):
    imp = office.upload(csv_file([
        ["First name", "Last name", "Email", "Notes"],
        ["'=Eve", "'-Smith", "eve@example.com", "'+34 call after 6"],
        ["'Quoted", "O'Neil", "quoted@example.com", ""],
    ]))
    office.run(imp)
    people = prospects_of(office)
    assert people["=Eve"].last_name == "-Smith"
    assert "+34 call after 6" in [e.summary for e in timeline(office, people["=Eve"])]
    assert people["'Quoted"].last_name == "O'Neil"  # an apostrophe before a plain letter stays


def test_new_prospects_go_through_the_agencys_assignment_rule(office, csv_file):
    with tenancy.scope(office.agency.id):
        accounts.update_agency(office.admin, {"assignment_rule": "round_robin"})
    office.prospect(first_name="Known", email="known@example.com")  # takes a turn too
    imp = office.upload(csv_file([
        ["First name", "Email"],
        ["P1", "p1@example.com"], ["P2", "p2@example.com"], ["P3", "p3@example.com"],
        ["P4", "p4@example.com"], ["Known", "known@example.com"],
    ]))
    summary = office.run(imp).summary
    assert (summary["created"], summary["merged"], summary["assigned"]) == (4, 1, 4)
    people = prospects_of(office)
    holders = [people[f"P{i}"].assigned_agent_id for i in range(1, 5)]
    agents = sorted([office.agent.id, office.colleague.id])
    assert set(holders) == set(agents)
    assert holders[0] != holders[1] and holders[1] != holders[2] and holders[2] != holders[3]
    rule_entries = [e for e in timeline(office, people["P1"]) if e.kind == ActivityKind.ASSIGNED]
    assert rule_entries[0].data["rule"] == "round_robin"


def test_under_the_manual_rule_imported_prospects_wait_unassigned(office, csv_file):
    imp = office.upload(csv_file([["First name", "Email"], ["Pool", "pool@example.com"]]))
    summary = office.run(imp).summary
    assert summary["assigned"] == 0
    assert prospects_of(office)["Pool"].assigned_agent_id is None


def test_a_file_is_imported_once(office, csv_file, counts):
    imp = office.upload(csv_file([["First name", "Email"], ["Once", "once@example.com"]]))
    office.run(imp)
    before = counts()
    with pytest.raises(Conflict):
        office.run(imp)
    assert counts() == before


def test_a_discarded_file_cannot_be_imported(office, csv_file, counts):
    from realty_crm.services import prospect_import

    imp = office.upload(csv_file([["First name", "Email"], ["Never", "never@example.com"]]))
    with tenancy.scope(office.agency.id):
        prospect_import.discard(office.manager, imp)
    assert imp.content == b"" and imp.status.value == "discarded"
    before = counts()
    with pytest.raises(Conflict):
        office.run(imp)
    assert counts() == before


def test_a_mapping_without_required_columns_imports_nothing(office, csv_file, counts):
    from realty_crm.errors import ValidationFailed

    imp = office.upload(csv_file([["First name", "Email"], ["Nope", "nope@example.com"]]))
    before = counts()
    with pytest.raises(ValidationFailed):
        office.run(imp, {"0": "first_name"})
    assert counts() == before
    assert imp.status.value == "previewed" and imp.finished_at is None


def test_an_exported_file_imports_back_as_merges(office, csv_file, api):
    office.prospect(first_name="Round", last_name="Trip", email="round@example.com", phone="600777888",
                    tags=["a", "b"], requirements={"areas": ["Centro"], "max_price": "199000.50"})
    exported = api(office.manager).get("/api/v1/exports/prospects.csv").get_data()
    summary = office.run(office.upload(exported, filename="prospects.csv")).summary
    assert (summary["created"], summary["merged"], summary["skipped"]) == (0, 1, 0)


def test_a_file_with_bad_rows_is_refused_whole_unless_skipping_them_is_confirmed(office, csv_file, counts):
    from realty_crm.errors import ValidationFailed
    from realty_crm.services import prospect_import

    imp = office.upload(csv_file([["First name", "Email"], ["Ok", "ok@example.com"], ["Bad", "bad@"]]))
    before = counts()
    with tenancy.scope(office.agency.id), pytest.raises(ValidationFailed) as caught:
        prospect_import.run(office.manager, imp, imp.mapping, skip_rows_with_problems=False)
    assert "skip_errors" in caught.value.details
    assert counts() == before
    assert office.run(imp).summary["created"] == 1


@pytest.mark.parametrize("language", ["en", "es"])
def test_an_export_in_the_readers_language_imports_back_with_every_field(office, api, language):
    office.manager.locale = language
    db.session.commit()
    office.prospect(
        first_name="Round", last_name="Trip", email="round@example.com", phone="600777888", source="walk_in",
        source_detail="Escaparate", tags=["a", "b"], marketing_consent=True,
        requirements={"operation": "rent", "property_types": ["flat", "penthouse"], "min_price": "900",
                      "max_price": "1500.50", "min_bedrooms": 2, "min_area_m2": 60,
                      "areas": ["Centro", "Sol"]},
    )
    exported = api(office.manager).get("/api/v1/exports/prospects.csv").get_data()
    # imported by another agency, it makes the same prospect there
    imp = office.upload(exported, filename="prospects.csv", actor=office.outsider)
    assert office.run(imp, actor=office.outsider).summary["created"] == 1
    with tenancy.scope(office.outsider.agency_id):
        copy = db.session.scalars(select(Prospect).where(Prospect.email == "round@example.com")).one()
    assert (copy.first_name, copy.last_name, copy.phone) == ("Round", "Trip", "+34600777888")
    assert (copy.source.value, copy.source_detail, copy.tags, copy.marketing_consent) == (
        "walk_in", "Escaparate", ["a", "b"], True)
    assert (copy.operation.value, copy.property_types, copy.areas) == ("rent", ["flat", "penthouse"],
                                                                      ["Centro", "Sol"])
    assert (copy.min_price, copy.max_price, copy.min_bedrooms, copy.min_area_m2) == (
        900, Decimal("1500.50"), 2, 60)
