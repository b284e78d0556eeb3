"""Which CSV column feeds which prospect field, and turning a row's cells into prospect input.

Column names are recognised in English and Spanish, whatever their case or accents. Cell
values are read the way people type them in spreadsheets ("250.000 €", "sí", "Piso; Ático")
and handed to the same ``ProspectCreate`` schema every other way in uses, which has the
last word on what is valid.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..errors import ValidationFailed, invalid
from .tabular import unescape_text

# the prospect fields a column can feed, in the order the mapping form offers them
FIELDS: dict[str, Any] = {
    "first_name": _l("First name"),
    "last_name": _l("Last name"),
    "full_name": _l("Full name (first and last)"),
    "email": _l("E-mail"),
    "phone": _l("Phone"),
    "source": _l("Source"),
    "source_detail": _l("Source detail"),
    "operation": _l("Wants to (buy or rent)"),
    "property_types": _l("Property types"),
    "min_price": _l("Minimum price"),
    "max_price": _l("Maximum price (budget)"),
    "min_bedrooms": _l("Minimum bedrooms"),
    "min_area_m2": _l("Minimum area (m²)"),
    "areas": _l("Areas"),
    "tags": _l("Tags"),
    "marketing_consent": _l("Agrees to receive marketing"),
    "notes": _l("Notes"),
}
# fields several columns may feed: their values are put together
MULTI_COLUMN = {"property_types", "areas", "tags", "notes"}
REQUIREMENT_FIELDS = {"operation", "property_types", "min_price", "max_price", "min_bedrooms", "min_area_m2",
                      "areas"}
NOTE_MAX_LENGTH = 10_000

# column names (folded: lower case, no accents, words split by single spaces) -> field
_HEADER_NAMES: dict[str, tuple[str, ...]] = {
    "first_name": ("first name", "firstname", "first", "given name", "forename", "nombre", "nombre de pila"),
    "last_name": ("last name", "lastname", "surname", "surnames", "family name", "apellido", "apellidos",
                  "primer apellido"),
    "full_name": ("name", "full name", "fullname", "contact", "contact name", "client", "customer",
                  "nombre completo", "nombre y apellidos", "contacto", "cliente"),
    "email": ("email", "e mail", "mail", "email address", "e mail address", "correo", "correo electronico",
              "correo e", "e correo", "direccion de correo", "direccion de correo electronico"),
    "phone": ("phone", "phone number", "telephone", "tel", "mobile", "mobile phone", "mobile number",
              "cell", "cell phone", "cellphone", "telefono", "numero de telefono", "telefono movil", "movil",
              "celular", "tlf", "tfno", "tlfno", "whatsapp"),
    "source": ("source", "lead source", "origin", "channel", "origen", "fuente", "canal", "procedencia"),
    "source_detail": ("source detail", "source details", "campaign", "portal", "referred by",
                      "detalle origen", "detalle del origen", "campana", "referido por"),
    "operation": ("operation", "wants to", "buy or rent", "buy rent", "looking to", "operacion",
                  "tipo de operacion", "compra o alquiler", "compra alquiler"),
    "property_types": ("property type", "property types", "type", "types", "tipo", "tipos",
                       "tipo de inmueble", "tipos de inmueble", "tipo de vivienda", "tipo de propiedad",
                       "tipologia"),
    "min_price": ("min price", "minimum price", "price min", "budget min", "min budget", "minimum budget",
                  "precio minimo", "presupuesto minimo", "precio min", "presupuesto min"),
    "max_price": ("max price", "maximum price", "price max", "budget", "budget max", "max budget",
                  "maximum budget", "price", "presupuesto", "presupuesto maximo", "presupuesto max",
                  "precio maximo", "precio max", "precio"),
    "min_bedrooms": ("bedrooms", "min bedrooms", "minimum bedrooms", "beds", "rooms", "dormitorios",
                     "habitaciones", "min dormitorios", "dormitorios minimos", "habitaciones minimas"),
    "min_area_m2": ("area m2", "min area", "min area m2", "minimum area", "minimum area m2", "size",
                    "size m2", "m2", "sqm", "superficie", "superficie m2", "superficie minima",
                    "superficie minima m2", "metros", "metros cuadrados"),
    "areas": ("areas", "area", "zones", "zone", "neighbourhood", "neighbourhoods", "neighborhood",
              "neighborhoods", "location", "locations", "zonas", "zona", "barrio", "barrios", "ubicacion",
              "ubicaciones", "localidad"),
    "tags": ("tags", "tag", "labels", "label", "etiquetas", "etiqueta"),
    "marketing_consent": ("marketing consent", "consent", "marketing", "opt in", "newsletter",
                          "agrees to receive marketing", "consentimiento", "consentimiento marketing",
                          "acepta marketing", "acepta publicidad", "publicidad"),
    "notes": ("notes", "note", "comments", "comment", "remarks", "notas", "nota", "comentarios", "comentario",
              "observaciones"),
}
HEADER_FIELDS = {name: field for field, names in _HEADER_NAMES.items() for name in names}

# cell values (folded) that name a choice
SOURCES = {
    "web form": "web_form", "web": "web_form", "website": "web_form", "form": "web_form",
    "formulario": "web_form", "formulario web": "web_form", "pagina web": "web_form",
    "phone": "phone", "telephone": "phone", "call": "phone", "telefono": "phone", "llamada": "phone",
    "walk in": "walk_in", "office": "walk_in", "oficina": "walk_in", "presencial": "walk_in",
    "visita a la oficina": "walk_in", "escaparate": "walk_in",
    "portal": "portal", "portal inmobiliario": "portal", "idealista": "portal", "fotocasa": "portal",
    "habitaclia": "portal", "pisos com": "portal", "rightmove": "portal", "zoopla": "portal",
    "referral": "referral", "referred": "referral", "referido": "referral", "recomendacion": "referral",
    "email": "email", "e mail": "email", "mail": "email", "correo": "email", "correo electronico": "email",
    "other": "other", "otro": "other", "otros": "other",
}
OPERATIONS = {
    "buy": "buy", "purchase": "buy", "sale": "buy", "comprar": "buy", "compra": "buy", "venta": "buy",
    "rent": "rent", "let": "rent", "rental": "rent", "alquilar": "rent", "alquiler": "rent",
    "arrendar": "rent", "arrendamiento": "rent",
}
PROPERTY_TYPES = {
    "flat": "flat", "apartment": "flat", "piso": "flat", "apartamento": "flat",
    "house": "house", "casa": "house", "chalet": "house", "villa": "house", "adosado": "house",
    "studio": "studio", "estudio": "studio", "loft": "studio",
    "duplex": "duplex",
    "penthouse": "penthouse", "atico": "penthouse",
    "commercial": "commercial", "shop": "commercial", "local": "commercial", "local comercial": "commercial",
    "office": "office", "oficina": "office", "despacho": "office",
    "land": "land", "plot": "land", "terreno": "land", "solar": "land", "parcela": "land",
    "garage": "garage", "parking": "garage", "garaje": "garage", "plaza de garaje": "garage",
    "other": "other", "otro": "other",
}
YES = {"yes", "y", "true", "1", "x", "si", "s", "ok", "opt in"}
NO = {"no", "n", "false", "0", "opt out"}

_LIST_SEPARATORS = re.compile(r"[,;|\n]")
_CURRENCY = re.compile(r"[€$£\s]|euros?|eur|usd|gbp", re.IGNORECASE)


def fold(text: str) -> str:
    """Lower case without accents, every run of other characters a single space: "Teléfono
    móvil" and "TELEFONO_MOVIL" both give "telefono movil"."""
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch)).casefold()
    return " ".join(word for word in re.split(r"[^0-9a-z]+", plain) if word)


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """``{column index (as text): field}`` for the columns whose names are recognised.

    A field that takes one column goes to the first column naming it. A "Name" column beside
    a "Last name" column is taken as the first name.
    """
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for index, header in enumerate(headers):
        field = HEADER_FIELDS.get(fold(header))
        if field is None or (field in taken and field not in MULTI_COLUMN):
            continue
        mapping[str(index)] = field
        taken.add(field)
    if "full_name" in taken and "last_name" in taken and "first_name" not in taken:
        mapping = {k: "first_name" if v == "full_name" else v for k, v in mapping.items()}
    return mapping


def check_mapping(mapping: dict[str, str], width: int) -> dict[str, str]:
    """The mapping without blank choices, or ``ValidationFailed`` saying what is missing or doubled.

    Needed: a first name (or full name) column, and an e-mail or phone column, since the
    e-mail and the phone are how an imported person is recognised as an existing prospect.
    """
    chosen: dict[str, str] = {}
    for key, field in mapping.items():
        if not field:
            continue
        if field not in FIELDS or not key.isdigit() or int(key) >= width:
            raise invalid("mapping", _("Unknown column or field in the mapping."))
        chosen[key] = field
    fields = list(chosen.values())
    problems: list[str] = []
    doubled = sorted({f for f in fields if fields.count(f) > 1 and f not in MULTI_COLUMN})
    for field in doubled:
        problems.append(_("Only one column can be imported as “%(field)s”.", field=FIELDS[field]))
    if "first_name" in fields and "full_name" in fields:
        problems.append(_("Choose either a first name column or a full name column, not both."))
    if "first_name" not in fields and "full_name" not in fields:
        problems.append(_("Choose the column that holds the first name (or the full name)."))
    if "email" not in fields and "phone" not in fields:
        problems.append(_("Choose the column that holds the e-mail or the phone (or both)."))
    if problems:
        raise ValidationFailed(" ".join(problems), {"mapping": " ".join(problems)})
    return chosen


def _split(value: str) -> list[str]:
    return [item.strip() for item in _LIST_SEPARATORS.split(value) if item.strip()]


def amount(value: str) -> str:
    """A price as typed in Spain or in England ("250.000 €", "250,000", "1.250.000,50") as a plain
    decimal ("250000", "1250000.50"); text that is no number is returned as it was."""
    digits = _CURRENCY.sub("", value)
    if not re.fullmatch(r"\d[\d.,]*", digits):
        return value
    if "." in digits and "," in digits:
        decimal_mark = "," if digits.rindex(",") > digits.rindex(".") else "."
    else:
        mark = "." if "." in digits else "," if "," in digits else ""
        # "250.000" and "1,250,000" group thousands; "2500,50" and "99.5" have decimals
        grouped = mark and (digits.count(mark) > 1 or re.fullmatch(rf"\d{{1,3}}\{mark}\d{{3}}", digits))
        decimal_mark = "" if grouped else mark
    thousands = {".", ","} - {decimal_mark}
    plain = "".join(ch for ch in digits if ch not in thousands)
    return plain.replace(",", ".") if decimal_mark == "," else plain


def _whole_number(value: str) -> str:
    match = re.fullmatch(r"(\d+)(?:[.,]0+)?", value.strip())
    return match.group(1) if match else value


def _choice(value: str, names: dict[str, str]) -> str:
    return names.get(fold(value), value)


def _consent(value: str) -> bool | str:
    folded = fold(value)
    if folded in YES:
        return True
    if not folded or folded in NO:
        return False
    return value


def _split_full_name(value: str) -> tuple[str, str]:
    """"Ana López Ruiz" → ("Ana", "López Ruiz"); "López Ruiz, Ana" → ("Ana", "López Ruiz")."""
    if "," in value:
        last, _sep, first = value.partition(",")
        return first.strip(), last.strip()
    first, _sep, last = value.strip().partition(" ")
    return first, last.strip()


def row_input(cells: list[str], mapping: dict[str, str]) -> tuple[dict[str, Any], str]:
    """The ``ProspectCreate`` input a row gives under ``mapping``, and the row's notes.

    A cell escaped against formula injection by our own exports (``'=...``) is read back as it
    was. An unknown source is kept as "other", with the text as the source detail (as is a
    portal's name).
    """
    values: dict[str, list[str]] = {}
    for key, field in mapping.items():
        cell = unescape_text(cells[int(key)].strip()).strip()
        if cell:
            values.setdefault(field, []).append(cell)
    single = {field: items[0] for field, items in values.items()}
    data: dict[str, Any] = {}
    requirements: dict[str, Any] = {}
    if "full_name" in single:
        data["first_name"], data["last_name"] = _split_full_name(single["full_name"])
    else:
        data["first_name"] = single.get("first_name", "")
    for field in ("last_name", "email", "phone", "source_detail"):
        if field in single:
            data[field] = single[field]
    if "source" in single:
        source = SOURCES.get(fold(single["source"]))
        if source is None or (source == "portal" and fold(single["source"]) != "portal"):
            # an unknown source, or the portal's name ("Idealista"): kept as the detail
            data.setdefault("source_detail", single["source"])
        data["source"] = source or "other"
    if "operation" in single:
        requirements["operation"] = _choice(single["operation"], OPERATIONS)
    if "property_types" in values:
        types = [_choice(t, PROPERTY_TYPES) for cell in values["property_types"] for t in _split(cell)]
        requirements["property_types"] = list(dict.fromkeys(types))
    for field in ("min_price", "max_price"):
        if field in single:
            requirements[field] = amount(single[field])
    for field in ("min_bedrooms", "min_area_m2"):
        if field in single:
            requirements[field] = _whole_number(single[field])
    if "areas" in values:
        requirements["areas"] = list(dict.fromkeys(a for cell in values["areas"] for a in _split(cell)))
    if "tags" in values:
        data["tags"] = list(dict.fromkeys(t for cell in values["tags"] for t in _split(cell)))
    if "marketing_consent" in single:
        data["marketing_consent"] = _consent(single["marketing_consent"])
    if requirements:
        data["requirements"] = requirements
    notes = "\n\n".join(values.get("notes", []))
    return data, notes


def field_of(detail_key: str) -> str:
    """The import field a ``ProspectCreate`` error key is about (``requirements.areas.2`` → ``areas``)."""
    parts = detail_key.split(".")
    if parts[0] == "requirements":
        # the requirements as a whole refuse a minimum above the maximum
        return parts[1] if len(parts) > 1 else "max_price"
    return parts[0]
