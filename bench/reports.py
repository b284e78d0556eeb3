"""Time the reports (pipeline, sources, agents, properties) on one agency of the SPEC §7 set.

    .venv/bin/python bench/reports.py [--database-url URL] [--prospects 20000] [--reuse]

Seeds one agency with ``realty-crm seed`` into a fresh database (a temporary SQLite file
unless a URL is given; the URL's database is emptied first), then times each report as a
manager for the default period (the last 90 days), for the last year, and for one agent,
and prints the median and p95 in milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import timedelta

from seeded import percentile, seeded_app
from sqlalchemy import select

from realty_crm import tenancy
from realty_crm.extensions import db
from realty_crm.models import Prospect, Role, User
from realty_crm.seed import SeedRequest
from realty_crm.services import reports


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url")
    parser.add_argument("--prospects", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--reuse", action="store_true", help="measure an already seeded --database-url")
    args = parser.parse_args()
    # one agency of SPEC §7: a tenth of 200,000 prospects, 20,000 properties, 500,000 visits,
    # 1,000,000 calls
    n = args.prospects
    request = SeedRequest(prospects=n, properties=n // 10, visits=n * 5 // 2, calls=n * 5, agencies=1)
    app = seeded_app(args.database_url, request, args.reuse)
    with app.app_context():
        agency_id = db.session.scalar(select(Prospect.agency_id).limit(1))
        with tenancy.scope(agency_id):
            manager = db.session.scalars(select(User).where(User.role == Role.MANAGER)).first()
            agent = db.session.scalars(select(User).where(User.role == Role.AGENT)).first()
            default = reports.parse_filters(manager, {})
            year = reports.parse_filters(
                manager, {"from": (default.date_to - timedelta(days=364)).isoformat()}
            )
            cases = {
                "last 90 days": (manager, default),
                "last year": (manager, year),
                "one agent, 90 days": (agent, reports.parse_filters(agent, {})),
            }
            for label, (user, filters) in cases.items():
                for name in reports.REPORTS:
                    times = []
                    for _run in range(args.runs):
                        started = time.perf_counter()
                        reports.run(user, name, filters)
                        times.append((time.perf_counter() - started) * 1000)
                        db.session.rollback()
                    print(f"{label:20} {name:11} median {statistics.median(times):6.1f} ms"
                          f"   p95 {percentile(times, 0.95):6.1f} ms")


if __name__ == "__main__":
    main()
