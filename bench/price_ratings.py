"""Price ratings at scale: how long the set-based refresh (pricing.refresh) takes for every car, and for one model.

    python bench/price_ratings.py [--cars 1000000] [--runs 5] [--database-url URL]

Uses the database bench/search.py sets up (a database "carsite_bench" on the embedded server in the instance folder,
topped up to --cars generated cars). Figures: the refresh of every listed car when no rating exists yet (every row
written), again when nothing changed (the computation alone: rows with the same figures are not written), after 1 %
of the prices changed, and the refresh of one make and model (what a listing's price change or approval runs while
the seller waits), as medians over --runs; then the comparables query of the seller's price question.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.search import database_url, prepare  # noqa: E402
from carsite import create_app, db  # noqa: E402
from carsite.cars import pricing  # noqa: E402
from carsite.selling import price_check  # noqa: E402


def timed(action) -> tuple[float, int]:
    started = time.perf_counter()
    result = action()
    return (time.perf_counter() - started) * 1000, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cars", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    app = create_app(
        {
            "DATABASE_URL": database_url(args.database_url),
            "RATELIMIT_ENABLED": False,
            "DB_SLOW_QUERY_MS": 600_000,
            "DB_STATEMENT_TIMEOUT_MS": 600_000,  # the one-time vacuum after generating a million cars
        }
    )
    prepare(app, args.cars)
    with app.app_context():
        db.execute("bench.clear_price_ratings")
        print(f"\n{'price rating refresh':<52} {'ms':>9} {'rows changed':>13}")
        ms, changed = timed(pricing.refresh_all)
        print(f"{'every listed car, no ratings yet':<52} {ms:>9.0f} {changed:>13,}")
        db.execute("bench.analyze")
        runs = [timed(pricing.refresh_all) for _ in range(args.runs)]
        ms = statistics.median(r[0] for r in runs)
        print(f"{'every listed car, nothing changed (median)':<52} {ms:>9.0f} {runs[-1][1]:>13,}")
        moved = db.execute("bench.change_some_prices", share=0.01)
        ms, changed = timed(pricing.refresh_all)
        print(f"{f'every listed car, {moved:,} prices changed':<52} {ms:>9.0f} {changed:>13,}")
        for make, model in (("Volkswagen", "Golf"), ("Porsche", "911")):
            listed = db.scalar("bench.count_listed_model", make=make, model=model)
            runs = [timed(functools.partial(pricing.refresh, make, model)) for _ in range(args.runs)]
            ms = statistics.median(r[0] for r in runs)
            print(f"{f'one model: {make} {model} ({listed:,} listed; median)':<52} {ms:>9.1f} {runs[-1][1]:>13,}")
        question = {"price": 18.9, "make": "Volkswagen", "model": "Golf", "year": 2019}
        runs = [timed(functools.partial(price_check.question, question)) for _ in range(args.runs)]
        ms = statistics.median(r[0] for r in runs)
        print(f"{'the seller price question (Golf 2019; median)':<52} {ms:>9.1f}")
        shares = db.all("bench.price_rating_shares")
        print("\nratings: " + ", ".join(f"{r['rating'] or 'too few comparables'} {r['cars']:,}" for r in shares))
    app.extensions["carsite.views"].close()
    app.extensions["carsite.db"].close()


if __name__ == "__main__":
    main()
