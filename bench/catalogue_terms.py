"""What reading search words through the catalogue costs: matched in memory (carsite.cars.terms) against the SQL
matcher it replaced (bench.match_terms_in_sql), per query.

    python bench/catalogue_terms.py [--runs 200]

Uses the configured database (DATABASE_URL, or the embedded one in the instance folder, seeded on first start).
In SQL, exact names and aliases are index look-ups and each word looked at for typos adds six nearest-first trigram
index scans; in memory, a dictionary look-up and trigram counts over an inverted index. Figures: per query, the
median and 95th percentile in milliseconds of the SQL matcher (round trip included), of the in-memory match, and
of all of interpret (in a request's unit of work: the catalogue version read once, as a request does).
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from carsite import create_app, db
from carsite.cars import terms
from carsite.cars.search import WORD, _worth_fuzzy, interpret, parse
from carsite.domain import versions

QUERIES = [
    "golf",  # one exact model
    "bmw 3er",  # a make and an alias
    "mercedes c klasse diesel",  # aliases, a pair and a filter word
    "toyta corola",  # two typos: two fuzzy words
    "automatic estate under 10000",  # filter words and stop words: nothing fuzzy
    "golf berlin sunroof",  # an exact model and two fuzzy words
]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    app = create_app({"DB_POOL_MIN": 1, "DB_POOL_MAX": 1})
    with app.app_context():
        versions.start_unit()
        catalogue = terms.catalogue()
        print(f"{'q':34} {'SQL median/p95':>15} {'memory':>14} {'interpret':>14}  read as")
        for q in QUERIES:
            words = WORD.findall(q)
            lookups = [f"{a} {b}" for a, b in itertools.pairwise(words)] + words
            fuzzy = [w for w in words if _worth_fuzzy(w)]
            figures = []
            for step in (
                partial(db.all, "bench.match_terms_in_sql", terms=lookups, fuzzy_terms=fuzzy),
                partial(catalogue.match, lookups, fuzzy),
                partial(lambda q: interpret(parse({"q": q})), q),
            ):
                times = []
                for _ in range(args.runs):
                    started = time.perf_counter()
                    step()
                    times.append((time.perf_counter() - started) * 1000)
                figures.append(f"{statistics.median(times):6.2f}/{percentile(times, 0.95):6.2f}")
            search = interpret(parse({"q": q}))
            shown = {k: getattr(search, k) for k in ("make", "model", "fuel", "body", "transmission", "text")}
            read = ", ".join(f"{k}={v}" for k, v in shown.items() if v)
            print(f"{q:34} {figures[0]:>15} {figures[1]:>14} {figures[2]:>14}  {read}")


if __name__ == "__main__":
    main()
