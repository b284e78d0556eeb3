"""The plugin author's documentation keeps up with the hooks and the plugin API (after
Datasette's tests/test_docs.py).

A hook added to realty_crm/hookspecs.py without a docstring, or without `make docs`, fails
here; so does a hook the product spec promises that hookspecs.py lacks, and a name of
realty_crm/plugin_api.py that says nothing or is missing from docs/plugins.md.
"""

from __future__ import annotations

import importlib.util
import inspect
import re
import sys
from types import ModuleType

import pytest

from realty_crm import PROJECT_ROOT, hookspecs, plugin_api
from realty_crm.testing import plugin_tools

DOCS = PROJECT_ROOT / "docs"
PLUGIN_DOC = DOCS / "plugins.md"

# SPEC §5: the event hooks that must exist, with the arguments it names; every event also
# receives the record's agency and the acting user
SPEC_EVENTS = {
    "crm_prospect_created": ("prospect",),
    "crm_prospect_assigned": ("prospect", "agent", "previous_agent"),
    "crm_prospect_status_changed": ("prospect", "old", "new"),
    "crm_visit_scheduled": ("visit",),
    "crm_visit_rescheduled": ("visit", "old_starts_at"),
    "crm_visit_cancelled": ("visit",),
    "crm_visit_completed": ("visit",),
    "crm_call_logged": ("call",),
    "crm_property_published": ("property",),
    "crm_property_price_changed": ("property", "old_price"),
}
# SPEC §5: each plugin declares itself and its settings, and may add pages, tables with their
# own migrations, scheduled jobs, navigation entries, dashboard widgets, timeline items and
# busy-time sources
SPEC_DECLARATIONS_AND_QUERIES = {
    "crm_plugin_info", "crm_register_blueprints", "crm_migrations_directory", "crm_register_jobs",
    "crm_nav_items", "crm_dashboard_widgets", "crm_timeline_items", "crm_busy_intervals",
}


def _docs_script(name: str) -> ModuleType:
    """A script of docs/ loaded as a module (with docs/ on the path, as when it runs)."""
    if str(DOCS) not in sys.path:
        sys.path.insert(0, str(DOCS))
    spec = importlib.util.spec_from_file_location(name, DOCS / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


reference = _docs_script("hook_reference")
HOOKS = [function for _section, function in reference.hookspecs_in_order()]


def test_the_reference_sees_every_hook_pluggy_sees():
    declared = {name for name in dir(hookspecs) if hasattr(getattr(hookspecs, name), "realty_crm_spec")}

    assert {f.__name__ for f in HOOKS} == declared
    assert len(declared) >= len(SPEC_EVENTS) + len(SPEC_DECLARATIONS_AND_QUERIES)


@pytest.mark.parametrize("hook", HOOKS, ids=lambda f: f.__name__)
def test_every_hook_has_a_docstring(hook):
    doc = inspect.getdoc(hook) or ""

    assert len(doc.split()) >= 4, f"{hook.__name__} needs a docstring saying what it is for"


@pytest.mark.parametrize("hook", HOOKS, ids=lambda f: f.__name__)
def test_every_hook_is_in_the_plugin_docs_with_its_exact_signature(hook):
    text = PLUGIN_DOC.read_text(encoding="utf-8")

    assert f"#### `{reference.signature(hook)}`" in text, "run `make docs`"


def test_the_hook_reference_is_the_one_generated_from_the_hookspecs():
    text = PLUGIN_DOC.read_text(encoding="utf-8")

    assert reference.current(text) == reference.render(), "docs/plugins.md is out of date: run `make docs`"


def test_every_hook_the_plugin_docs_mention_exists():
    text = PLUGIN_DOC.read_text(encoding="utf-8")
    mentioned = set(re.findall(r"\bcrm_[a-z_]+[a-z]", text))

    assert mentioned <= {f.__name__ for f in HOOKS}


@pytest.mark.parametrize("name, arguments", sorted(SPEC_EVENTS.items()))
def test_every_event_of_the_spec_exists_with_its_arguments_and_agency_and_actor(name, arguments):
    hook = getattr(hookspecs, name, None)

    assert hook is not None and hasattr(hook, "realty_crm_spec"), f"SPEC §5 promises {name}"
    assert tuple(inspect.signature(hook).parameters) == (*arguments, "agency", "actor")


@pytest.mark.parametrize("name", sorted(SPEC_DECLARATIONS_AND_QUERIES))
def test_every_extension_point_of_the_spec_has_a_hook(name):
    assert hasattr(getattr(hookspecs, name, None), "realty_crm_spec"), f"SPEC §5 promises {name}"


api_reference = _docs_script("plugin_api_reference")
API_ENTRIES = api_reference.entries()


def test_the_plugin_api_list_sees_every_name_of_the_plugin_api():
    assert [entry.name for entry in API_ENTRIES] == list(plugin_api.__all__)


@pytest.mark.parametrize("entry", API_ENTRIES, ids=lambda entry: entry.name)
def test_every_name_of_the_plugin_api_says_what_it_is_for(entry):
    # its own docstring, or its `#:` comment in plugin_api.__all__ when it is an object without one
    assert len(entry.description.split()) >= 4, f"{entry.name} needs a docstring saying what it is for"


@pytest.mark.parametrize("entry", API_ENTRIES, ids=lambda entry: entry.name)
def test_every_name_of_the_plugin_api_is_in_the_plugin_docs(entry):
    assert f"- `{entry.name}`: " in PLUGIN_DOC.read_text(encoding="utf-8"), "run `make docs`"


def test_the_plugin_api_list_is_the_one_generated_from_the_plugin_api():
    text = PLUGIN_DOC.read_text(encoding="utf-8")

    assert api_reference.current(text) == api_reference.render(), "docs/plugins.md is out of date: make docs"


def test_the_plugin_api_section_comes_before_the_hook_reference():
    text = PLUGIN_DOC.read_text(encoding="utf-8")

    assert text.index("## The plugin API") < text.index(api_reference.START) < text.index("## Hook reference")


@pytest.mark.parametrize("name", plugin_tools.__all__)
def test_every_test_helper_for_plugins_is_in_the_testing_section_of_the_plugin_docs(name):
    text = PLUGIN_DOC.read_text(encoding="utf-8")
    testing = text[text.index("## Testing a plugin"):text.index("## Checklist")]

    assert hasattr(plugin_tools, name)
    assert re.search(rf"`{name}\b", testing), f"say what {name} is for under 'Testing a plugin'"
