"""What reading search words through the catalogue costs: search.match_terms (and interpret around it) per query.

    python bench/catalogue_terms.py [--runs 200]

Uses the configured database (DATABASE_URL, or the embedded one in the instance folder, seeded on first start).
Exact names and aliases are index look-ups; each word looked at for typos adds six nearest-first trigram index
scans. Figures: per query, the median and 95th percentile in milliseconds (round trip included), for q texts of
each kind.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from carsite import create_app
from carsite.cars.search import interpret, parse

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
        print(f"{'q':34} {'median ms':>10} {'p95 ms':>8}  read as")
        for q in QUERIES:
            search = interpret(parse({"q": q}))
            times = []
            for _ in range(args.runs):
                started = time.perf_counter()
                interpret(parse({"q": q}))
                times.append((time.perf_counter() - started) * 1000)
            shown = {k: getattr(search, k) for k in ("make", "model", "fuel", "body", "transmission", "text")}
            read = ", ".join(f"{k}={v}" for k, v in shown.items() if v)
            print(f"{q:34} {statistics.median(times):10.2f} {percentile(times, 0.95):8.2f}  {read}")


if __name__ == "__main__":
    main()
