"""Create or drop a throw-away PostgreSQL database for a test run.

Usage: pgdb.py create|drop|url ADMIN_URL NAME
"""

from __future__ import annotations

import sys

import psycopg
from psycopg import sql


def main(action: str, admin_url: str, name: str) -> None:
    if action == "url":
        base = admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
        print(f"{base}/{name}")
        return
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if action == "create":
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        elif action == "drop":
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        else:
            raise SystemExit(__doc__)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    main(*sys.argv[1:])
