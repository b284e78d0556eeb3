"""The message catalogues cover every string in the code, keep its placeholders, and are compiled.

The strings are extracted from the source tree at test time, exactly as ``make translations`` does
(babel.cfg's mapping, the Makefile's keywords), so a string added without a translation fails here.
"""

from __future__ import annotations

import re
from functools import cache
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from realty_crm import PROJECT_ROOT

TRANSLATIONS = PROJECT_ROOT / "realty_crm" / "translations"
FIX = (
    "Run `make translations`, translate each entry's msgstr in {po}, "
    "then run `make translations` again to compile the .mo."
)


def _catalogue_paths() -> list[Path]:
    return sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))


def _read_po(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=path.parent.parent.name)


@cache
def _extract_command() -> str:
    """The ``pybabel extract`` line of the Makefile's ``translations`` target (continuations joined)."""
    makefile = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8").replace("\\\n", " ")
    match = re.search(r"^translations:.*?\n((?:\t.*\n)+)", makefile, re.M)
    assert match, "the Makefile has no `translations` target"
    command = next((line for line in match.group(1).splitlines() if "pybabel extract" in line), None)
    assert command, "the `translations` target does not run `pybabel extract`"
    return command


@cache
def _source_messages() -> Catalog:
    """Every translatable string in the source tree, found the way ``make translations`` finds them."""
    keywords = dict(DEFAULT_KEYWORDS)
    keywords.update(parse_keywords(re.findall(r"(?:-k|--keywords?)[ =](\S+)", _extract_command())))
    with (PROJECT_ROOT / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    catalog = Catalog()
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(PROJECT_ROOT), method_map, options_map, keywords=keywords
    ):
        catalog.add(message, None, [(filename, lineno)], context=context)
    return catalog


def _where(message) -> str:  # type: ignore[no-untyped-def]
    return ", ".join(f"{name}:{line}" for name, line in message.locations[:2])


def test_there_is_a_spanish_catalogue():
    assert TRANSLATIONS / "es" / "LC_MESSAGES" / "messages.po" in _catalogue_paths()


def test_the_makefile_extracts_from_the_project_root_with_the_lazy_keywords():
    command = _extract_command()
    # babel.cfg's patterns (realty_crm/**.py, templates/**.html, ...) are relative to the directory
    # given to pybabel, so it must be the project root
    assert command.rstrip().endswith(" ."), command
    for keyword in ("_l", "lazy_gettext", "_lp:1c,2", "lazy_pgettext:1c,2"):
        assert re.search(rf"-k {re.escape(keyword)}(\s|$)", command), (
            f"`make translations` misses the keyword {keyword}"
        )


def test_extraction_finds_strings_in_code_templates_and_lazy_and_plural_calls():
    found = _source_messages()
    assert found.get("Field required") is not None  # gettext in realty_crm/schemas
    assert found.get("Sign in to your agency.") is not None  # a template
    assert found.get("Web form") is not None  # lazy_gettext as _l
    plural = found.get("%(num)s prospect")
    assert plural is not None and plural.pluralizable  # ngettext in a template
    assert found.get("Done", context="visit status") is not None  # lazy_pgettext as _lp
    assert found.get("Calendar sync") is not None  # a first-party plugin under plugins/
    assert found.get("Visit debriefs") is not None  # the example plugin under docs/
    assert len(found) > 400


@pytest.mark.parametrize("po_path", _catalogue_paths(), ids=lambda path: path.parent.parent.name)
def test_every_message_in_the_source_is_translated(po_path):
    catalogue = _read_po(po_path)
    problems = []
    for message in _source_messages():
        if not message.id:
            continue
        entry = catalogue.get(message.id, context=message.context)
        if entry is None:
            problems.append(f"  missing: {message.id!r} ({_where(message)})")
        elif message.pluralizable and not entry.pluralizable:
            problems.append(f"  needs its plural forms: {message.id!r} ({_where(message)})")
        elif "fuzzy" in entry.flags:
            problems.append(f"  fuzzy, check and unmark it: {message.id!r} ({_where(message)})")
        elif not all(entry.string) if isinstance(entry.string, tuple) else not entry.string:
            problems.append(f"  untranslated: {message.id!r} ({_where(message)})")
    assert not problems, (
        f"{len(problems)} message(s) of the code are not translated in {po_path.parent.parent.name}:\n"
        + "\n".join(problems)
        + "\n"
        + FIX.format(po=po_path.relative_to(PROJECT_ROOT))
    )


@pytest.mark.parametrize("po_path", _catalogue_paths(), ids=lambda path: path.parent.parent.name)
def test_translations_keep_the_placeholders_and_plural_forms(po_path):
    problems = [
        f"  {message.id!r}: {'; '.join(str(error) for error in errors)}"
        for message, errors in _read_po(po_path).check()
    ]
    assert not problems, f"broken translations in {po_path}:\n" + "\n".join(problems)


@pytest.mark.parametrize("po_path", _catalogue_paths(), ids=lambda path: path.parent.parent.name)
def test_the_compiled_catalogue_is_up_to_date_with_the_po(po_path):
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path.relative_to(PROJECT_ROOT)} is missing: run `make translations`"
    compiled = BytesIO()
    write_mo(compiled, _read_po(po_path))
    compiled.seek(0)
    with mo_path.open("rb") as handle:
        shipped = read_mo(handle)
    expected = read_mo(compiled)

    def contents(catalogue: Catalog) -> dict[object, object]:
        def frozen(value: object) -> object:
            return tuple(value) if isinstance(value, list | tuple) else value

        return {(frozen(m.id), m.context): frozen(m.string) for m in catalogue if m.id}

    want, have = contents(expected), contents(shipped)
    stale = {key: value for key, value in want.items() if have.get(key) != value}
    extra = set(have) - set(want)
    assert not stale and not extra, (
        f"{mo_path.relative_to(PROJECT_ROOT)} does not match its .po ({len(stale)} entries differ or are "
        f"missing, {len(extra)} are gone from the .po, e.g. {sorted(map(str, stale or extra))[:3]}): "
        "run `make translations` to compile it again"
    )
