"""Time matching at scale: one property against every prospect of its agency, and one
prospect against every property (SPEC §7: ≤ 100 ms).

    .venv/bin/python bench/matching.py [--database-url URL] [--prospects 200000]

Seeds one agency with ``realty-crm seed`` into a fresh database (a temporary SQLite file
unless a URL is given; the URL's database is emptied first), then times
``matching.prospects_for`` and ``matching.properties_for`` on sampled records and prints
the median and p95 in milliseconds.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from seeded import percentile, seeded_app
from sqlalchemy import select

from realty_crm import tenancy
from realty_crm.extensions import db
from realty_crm.models import Property, PropertyStatus, Prospect, Role, User
from realty_crm.seed import SeedRequest
from realty_crm.services import matching


def _timed(func, samples: list) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for sample in samples:
        started = time.perf_counter()
        func(sample)
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url")
    parser.add_argument("--prospects", type=int, default=200_000)
    parser.add_argument("--properties", type=int, default=20_000)
    parser.add_argument("--samples", type=int, default=50)
    parser.add_argument("--reuse", action="store_true", help="measure an already seeded --database-url")
    args = parser.parse_args()
    request = SeedRequest(prospects=args.prospects, properties=args.properties, agencies=1)
    app = seeded_app(args.database_url, request, args.reuse)
    with app.app_context():
        agency_id = db.session.scalar(select(Prospect.agency_id).limit(1))
        with tenancy.scope(agency_id):
            manager = db.session.scalars(select(User).where(User.role == Role.MANAGER)).first()
            rng = random.Random(7)
            props = db.session.scalars(
                select(Property).where(Property.status == PropertyStatus.AVAILABLE).limit(2000)
            ).all()
            prospects = db.session.scalars(
                select(Prospect).where(Prospect.operation.is_not(None)).limit(2000)
            ).all()
            by_property = _timed(
                lambda p: matching.prospects_for(manager, p), rng.sample(props, args.samples)
            )
            by_prospect = _timed(matching.properties_for, rng.sample(prospects, args.samples))
    for name, times in (("property → prospects", by_property), ("prospect → properties", by_prospect)):
        print(f"{name:24} median {statistics.median(times):6.1f} ms   p95 {percentile(times, 0.95):6.1f} ms")


if __name__ == "__main__":
    main()
