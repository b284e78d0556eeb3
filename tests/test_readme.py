"""The README tells the truth: the commands and options it shows exist, its links lead somewhere,
and `make demo` prints the address it serves on."""

from __future__ import annotations

import re

import click
import pytest
from flask import Flask

from realty_crm import PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
MAKEFILE = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
# `realty-crm …` as the README writes it, in code spans, code blocks and the command table
COMMAND = re.compile(r"(?:`|bin/|: )realty-crm((?: [a-z][a-z-]*)+)([^`\n]*)")
# the plugins the README presents: "- [`name`](plugins/name/) ..."
PLUGIN_ITEM = re.compile(r"^- \[`(\w+)`\]\(plugins/(\w+)/\)", re.MULTILINE)
OPTION = re.compile(r"--[a-z][a-z-]*")
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def _invocations() -> list[tuple[list[str], list[str]]]:
    """Each ``realty-crm`` invocation of the README: its words (command, subcommand, arguments)
    and the options it names."""
    found = []
    for words, rest in COMMAND.findall(README):
        found.append((words.split(), OPTION.findall(rest)))
    return found


def _command(app: Flask, words: list[str]) -> click.Command:
    command: click.Command = app.cli
    for word in words:
        if not isinstance(command, click.Group):
            break
        sub = command.get_command(click.Context(command), word)
        if sub is None:
            break
        command = sub
    return command


def test_the_readme_shows_realty_crm_commands():
    assert len(_invocations()) >= 15


@pytest.mark.parametrize(("words", "options"), _invocations(), ids=lambda v: " ".join(v) or "-")
def test_every_command_and_option_the_readme_shows_exists(app, words, options):
    command = _command(app, words)
    assert command is not app.cli, f"no command realty-crm {words[0]}"
    known = {name for param in command.params for name in param.opts}
    assert set(options) <= known, f"realty-crm {' '.join(words)}: {set(options) - known} unknown"


def test_the_readme_documents_the_demo_reset_and_the_language():
    assert "realty-crm demo --reset" in README
    assert "The demo speaks Spanish" in README and "Idioma" in README
    assert "/api/v1/openapi.json" in README


@pytest.mark.parametrize("target", sorted(set(LINK.findall(README)) - {""}))
def test_every_link_of_the_readme_leads_somewhere(client, target):
    if target.startswith("https://"):
        return  # outside this repository
    if target.startswith("http://127.0.0.1:5000/"):
        assert client.get(target.removeprefix("http://127.0.0.1:5000")).status_code == 200
    else:
        assert (PROJECT_ROOT / target).exists(), target


def test_the_plugins_the_readme_presents_are_the_ones_installed(app):
    from realty_crm import plugin_host

    presented = {name for name, folder in PLUGIN_ITEM.findall(README) if name == folder}
    shipped = {folder.name for folder in (PROJECT_ROOT / "plugins").iterdir()
               if (folder / "pyproject.toml").exists()}
    assert presented == shipped
    with app.app_context():
        assert presented <= set(plugin_host.get_host().names)


def test_make_demo_prints_the_address_it_serves_on():
    recipe = MAKEFILE[MAKEFILE.index("\ndemo:"):].split("\n\n", 1)[0]
    assert "realty-crm demo --host $(HOST) --port $(PORT)" in recipe
    assert "realty-crm serve --host $(HOST) --port $(PORT)" in recipe
