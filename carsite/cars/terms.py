"""The catalogue's makes, models and aliases, loaded once per catalogue version and matched in memory against
search words: what the SQL query bench.match_terms_in_sql answers (kept there for comparison), without a query.

A term matches exactly when its catalogue_key is a name's or alias's key; a fuzzy term with no exact match gets, as
pg_trgm's nearest-first scans gave it, the three closest spellings of each table (makes, models, aliases) by
trigram similarity and the three closest by word similarity, each make or model once by its best spelling
(greatest of the two), and of those the three best of each kind. Where several spellings of a table are as close as
its third, all of them are candidates (the SQL kept an arbitrary three, so it could miss a closer make or model of
another kind); among equals in a kind the lower id comes first; spellings that share no trigram with the term are
no candidates (the SQL filled up with arbitrary ones)."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Any

from .. import db
from ..domain import kept, trigrams, versions

SOURCES = ("makes", "models", "aliases")
NEAREST = 3  # per table and measure, and per kind, as the SQL's LIMIT 3


def catalogue_key(text: str) -> str:
    """As the SQL function catalogue_key: lower case, accents and everything but letters and digits dropped."""
    return re.sub(r"[^a-z0-9]+", "", unicodedata.normalize("NFKD", text.replace("İ", "i").lower()))


@dataclass(frozen=True, slots=True, eq=False)  # by identity: one per row
class Spelling:
    source: str
    id: int
    make_id: int
    model_id: int | None
    make: str
    model: str | None
    spelling: str
    trigram_set: frozenset[str]
    trigram_list: list[str]


class Catalogue:
    """Every spelling of the catalogue, by key and by trigram (one inverted index per table)."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.by_key: dict[str, list[Spelling]] = {}
        self.by_trigram: dict[str, dict[str, list[Spelling]]] = {source: {} for source in SOURCES}
        for row in rows:
            ordered = trigrams.trigrams(row["spelling"])
            spelling = Spelling(
                row["source"],
                row["id"],
                row["make_id"],
                row["model_id"],
                row["make"],
                row["model"],
                row["spelling"],
                frozenset(ordered),
                ordered,
            )
            self.by_key.setdefault(row["key"], []).append(spelling)
            index = self.by_trigram[row["source"]]
            for trigram in spelling.trigram_set:
                index.setdefault(trigram, []).append(spelling)

    def match(self, terms: list[str], fuzzy_terms: list[str]) -> dict[str, dict[str, list[dict[str, Any]]]]:
        """For each term (by its lower case): the makes and models it may stand for, best first, as rows with
        make, model, spelling, exact and score; terms with nothing are left out."""
        fuzzy = {t.lower() for t in fuzzy_terms}
        found: dict[str, dict[str, list[dict[str, Any]]]] = {}
        for lowered, term in {t.lower(): t for t in reversed(terms)}.items():  # keyed as the caller looks up
            exact = self.by_key.get(catalogue_key(term), [])
            if exact:
                scored = [(1.0, True, s) for s in exact]
            elif lowered in fuzzy:
                scored = [(score, False, s) for score, s in self._nearest(term)]
            else:
                continue
            best: dict[tuple[int, int | None], tuple[float, bool, Spelling]] = {}
            for candidate in scored:  # each make or model once, by its best spelling (the first among equals)
                entity = (candidate[2].make_id, candidate[2].model_id)
                if entity not in best or candidate[0] > best[entity][0]:
                    best[entity] = candidate
            kinds: dict[str, list[dict[str, Any]]] = {"make": [], "model": []}
            for (_make_id, model_id), (score, is_exact, s) in sorted(
                best.items(), key=lambda item: (-item[1][0], item[0][0], item[0][1] or 0)
            ):
                rows = kinds["make" if model_id is None else "model"]
                if is_exact or len(rows) < NEAREST:
                    rows.append(
                        {"make": s.make, "model": s.model, "spelling": s.spelling, "exact": is_exact, "score": score}
                    )
            found[lowered] = kinds
        return found

    def _nearest(self, term: str) -> list[tuple[float, Spelling]]:
        """The spellings nearest to a term in each table, by similarity and by word similarity, with their score
        (the greater of the two), in table order."""
        wanted = set(trigrams.trigrams(term))
        if not wanted:
            return []
        chosen: dict[tuple[str, int], tuple[float, Spelling]] = {}
        for source in SOURCES:
            shared: Counter[Spelling] = Counter()
            index = self.by_trigram[source]
            for trigram in wanted:
                shared.update(index.get(trigram, ()))
            similarity = {s: shared[s] / (len(wanted) + len(s.trigram_set) - shared[s]) for s in shared}
            by_similarity = sorted(shared, key=lambda s: (-similarity[s], s.id))
            # word similarity is at most shared / len(wanted): look at the likeliest first, stop when none can win
            by_bound = sorted(shared, key=lambda s: (-shared[s], s.id))
            word: dict[Spelling, float] = {}
            for s in by_bound:
                if len(word) >= NEAREST and shared[s] / len(wanted) < sorted(word.values())[-NEAREST]:
                    break
                word[s] = trigrams.word_similarity(wanted, s.trigram_list)
            words = sorted(word, key=lambda s: (-word[s], s.id))
            for s in [*_nearest_with_ties(by_similarity, similarity), *_nearest_with_ties(words, word)]:
                if s not in word:
                    word[s] = trigrams.word_similarity(wanted, s.trigram_list)
                chosen[(source, s.id)] = (max(similarity[s], word[s]), s)
        return list(chosen.values())


def _nearest_with_ties(ordered: list[Spelling], score: dict[Spelling, float]) -> list[Spelling]:
    """The first NEAREST of spellings ordered best first, and any as close as the last of them."""
    if len(ordered) <= NEAREST:
        return ordered
    last = score[ordered[NEAREST - 1]]
    return [s for s in ordered if score[s] >= last]


def catalogue() -> Catalogue:
    """The catalogue as of this request's catalogue version (loaded on the first request after it changed)."""
    version = versions.current().catalogue  # before the data (see versions)
    return kept.store("catalogue", size=2).get(version, "terms", lambda: Catalogue(db.all("catalogue.terms")))
