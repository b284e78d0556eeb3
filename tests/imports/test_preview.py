"""The preview: columns guessed from English or Spanish names, every row checked by the prospect
schema, duplicates of existing prospects and of earlier rows marked, and nothing written."""

from __future__ import annotations

import pytest

from realty_crm.errors import ValidationFailed
from realty_crm.services.import_mapping import amount, guess_mapping
from realty_crm.services.prospect_import import RowAction


def test_english_column_names_are_recognised(app):
    headers = ["First name", "Last name", "E-mail", "Phone", "Source", "Areas", "Budget max", "Tags", "Notes",
               "Operation", "Property type", "Bedrooms", "Marketing consent", "Favourite colour"]
    assert guess_mapping(headers) == {
        "0": "first_name", "1": "last_name", "2": "email", "3": "phone", "4": "source", "5": "areas",
        "6": "max_price", "7": "tags", "8": "notes", "9": "operation", "10": "property_types",
        "11": "min_bedrooms", "12": "marketing_consent",
    }


def test_spanish_column_names_are_recognised_whatever_their_case_or_accents(app):
    headers = ["NOMBRE", "apellidos", "Correo electrónico", "Teléfono", "Móvil", "Origen", "Zonas",
               "Presupuesto", "Etiquetas", "Observaciones", "Operación", "Tipo de inmueble", "Habitaciones"]
    assert guess_mapping(headers) == {
        "0": "first_name", "1": "last_name", "2": "email", "3": "phone", "5": "source", "6": "areas",
        "7": "max_price", "8": "tags", "9": "notes", "10": "operation", "11": "property_types",
        "12": "min_bedrooms",
    }


def test_a_name_column_is_a_full_name_unless_a_last_name_column_sits_beside_it(app):
    assert guess_mapping(["Name", "Email"]) == {"0": "full_name", "1": "email"}
    assert guess_mapping(["Name", "Surname", "Email"]) == {"0": "first_name", "1": "last_name", "2": "email"}


def test_our_own_export_headers_are_recognised(app):
    headers = ["id", "first_name", "last_name", "email", "phone", "source", "source_detail", "status",
               "lost_reason", "assigned_agent_id", "assigned_agent_name", "operation", "property_types",
               "min_price", "max_price", "min_bedrooms", "min_area_m2", "areas", "marketing_consent", "tags"]
    assert set(guess_mapping(headers).values()) == {
        "first_name", "last_name", "email", "phone", "source", "source_detail", "operation",
        "property_types", "min_price", "max_price", "min_bedrooms", "min_area_m2", "areas",
        "marketing_consent", "tags",
    }


@pytest.mark.parametrize(("typed", "plain"), [
    ("250000", "250000"), ("250.000", "250000"), ("250.000 €", "250000"), ("€250,000", "250000"),
    ("1.250.000,50", "1250000.50"), ("1,250,000.50", "1250000.50"), ("2500,5", "2500.5"),
    ("99.95", "99.95"), ("300000 EUR", "300000"), ("about 300k", "about 300k"),
])
def test_prices_are_read_as_spain_and_england_write_them(app, typed, plain):
    assert amount(typed) == plain


def test_every_row_is_shown_as_it_will_be_imported(office, csv_file, counts):
    imp = office.upload(csv_file([
        ["Nombre", "Apellidos", "Correo", "Teléfono", "Origen", "Zonas", "Presupuesto", "Operación",
         "Tipo", "Consentimiento", "Etiquetas"],
        ["Lucía", "Ortega", "LUCIA@Example.com", "600 111 222", "Idealista", "Chamberí; Salamanca",
         "350.000 €", "Comprar", "Piso, Ático", "sí", "vip; inversor"],
    ], delimiter=";"))
    before = counts()
    preview = office.preview(imp)
    [row] = preview.rows
    assert row.action == RowAction.CREATE and not row.errors
    assert row.shown == {
        "first_name": "Lucía", "last_name": "Ortega", "email": "lucia@example.com", "phone": "+34600111222",
        "source": "Portal", "source_detail": "Idealista", "areas": "Chamberí, Salamanca",
        "max_price": "350000",
        "operation": "Buy", "property_types": "Flat, Penthouse", "marketing_consent": "yes",
        "tags": "vip, inversor",
    }
    assert counts() == before  # a preview writes nothing


def test_each_bad_row_of_the_whole_file_is_reported_with_its_column(office, csv_file):
    rows = [["First name", "Email", "Phone", "Budget max"]]
    rows += [[f"P{i}", f"p{i}@example.com", "", ""] for i in range(40)]
    rows += [
        ["Bad", "not-an-email", "", ""],
        ["Worse", "", "12", ""],
        ["", "noname@example.com", "", ""],
        ["Nocontact", "", "", ""],
        ["Broke", "broke@example.com", "", "-5"],
    ]
    preview = office.preview(office.upload(csv_file(rows)))
    assert preview.count(RowAction.CREATE) == 40
    assert preview.count(RowAction.SKIP) == 5
    assert [(e.row, e.column, e.message) for e in preview.errors] == [
        (42, "Email", "not a valid e-mail address"),
        (43, "Phone", "not a valid phone number"),
        (44, "First name", "The first name is missing."),
        (45, "", "An e-mail or a phone is needed, so that the person can be recognised later."),
        (46, "Budget max", "Input should be greater than or equal to 0"),
    ]


def test_rows_of_existing_prospects_will_merge_into_them(office, csv_file):
    known = office.prospect(first_name="Carla", email="carla@example.com")
    by_phone = office.prospect(first_name="Dan", phone="+34600999888")
    preview = office.preview(office.upload(csv_file([
        ["First name", "Email", "Phone"],
        ["Carla", "CARLA@example.com", ""],
        ["Daniel", "", "600 999 888"],
        ["Eva", "eva@example.com", ""],
    ])))
    carla, dan, eva = preview.rows
    assert (carla.action, carla.person.existing_id) == (RowAction.MERGE, known.id)
    assert (dan.action, dan.person.existing_id) == (RowAction.MERGE, by_phone.id)
    assert eva.action == RowAction.CREATE


def test_repeated_people_in_the_file_merge_into_their_first_row(office, csv_file):
    preview = office.preview(office.upload(csv_file([
        ["First name", "Email", "Phone"],
        ["Fran", "fran@example.com", ""],
        ["Fran", "FRAN@example.com", "600 222 333"],  # the same e-mail: brings a phone
        ["Francisco", "", "+34 600 222 333"],  # that phone: the same person again
        ["Gema", "gema@example.com", ""],
    ])))
    first, again, by_phone, gema = preview.rows
    assert first.action == RowAction.CREATE
    assert (again.action, again.person.first_row) == (RowAction.MERGE, 2)
    assert (by_phone.action, by_phone.person.first_row) == (RowAction.MERGE, 2)
    assert gema.action == RowAction.CREATE


def test_a_row_naming_two_different_people_is_a_problem(office, csv_file):
    office.prospect(first_name="Hugo", email="hugo@example.com")
    office.prospect(first_name="Irene", phone="+34600444555")
    preview = office.preview(office.upload(csv_file([
        ["First name", "Email", "Phone"], ["Hugo", "hugo@example.com", "600444555"],
    ])))
    [row] = preview.rows
    assert row.action == RowAction.SKIP
    assert row.errors[0].message == (
        "The e-mail is Hugo Test's and the phone is Irene Test's: two different people.")


def test_changing_the_mapping_changes_the_preview(office, csv_file):
    imp = office.upload(csv_file([
        ["Contacto", "Dirección", "Teléfono fijo"],
        ["Julia Vidal Roca", "julia@example.com", "912 345 678"],
    ]))
    assert imp.mapping == {"0": "full_name"}
    with pytest.raises(ValidationFailed) as caught:
        office.preview(imp)
    assert caught.value.details == {
        "mapping": "Choose the column that holds the e-mail or the phone (or both)."}
    [row] = office.preview(imp, {"0": "full_name", "1": "email", "2": ""}).rows
    assert (row.shown["first_name"], row.shown["last_name"], row.shown["email"]) == (
        "Julia", "Vidal Roca", "julia@example.com")
    assert "phone" not in row.shown
    [row] = office.preview(imp, {"0": "first_name", "2": "phone"}).rows
    assert (row.shown["first_name"], row.shown["phone"]) == ("Julia Vidal Roca", "+34912345678")


@pytest.mark.parametrize(("mapping", "message"), [
    ({"1": "email"}, "Choose the column that holds the first name (or the full name)."),
    ({"0": "first_name"}, "Choose the column that holds the e-mail or the phone (or both)."),
    ({"0": "first_name", "1": "email", "2": "email"}, "Only one column can be imported as “E-mail”."),
    ({"0": "first_name", "1": "full_name", "2": "phone"},
     "Choose either a first name column or a full name column, not both."),
    ({"0": "first_name", "1": "password"}, "Unknown column or field in the mapping."),
    ({"0": "first_name", "9": "email"}, "Unknown column or field in the mapping."),
])
def test_a_mapping_missing_required_columns_is_refused(office, csv_file, mapping, message):
    imp = office.upload(csv_file([["A", "B", "C"], ["Kim", "kim@example.com", "600111222"]]))
    with pytest.raises(ValidationFailed) as caught:
        office.preview(imp, mapping)
    assert caught.value.details == {"mapping": message}
