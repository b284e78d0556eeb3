"""Test helpers for realty-crm and for plugin authors: fixtures (a pytest plugin) and factories.

Installed with the package and loaded by pytest through the ``pytest11`` entry point, so a
plugin's own test suite gets ``app``, ``client``, ``make``, ``login`` and ``api`` for free.
"""
