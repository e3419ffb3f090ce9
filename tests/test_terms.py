"""Search words matched against the catalogue in memory (carsite.cars.terms): pg_trgm's similarity and word
similarity reproduced exactly (compared with PostgreSQL's own on real catalogue spellings), the same candidates as
the SQL matcher it replaced (bench.match_terms_in_sql), and the catalogue reloaded when its version changes."""

from __future__ import annotations

import random

import pytest

from carsite import db
from carsite.cars import terms
from carsite.db import Database
from carsite.domain import trigrams

from .helpers import sql

TYPED = [
    "toyta", "corola", "mercedez", "berlin", "sunroof", "sport", "c klasse", "modl3", "porshe", "lamborgini",
    "volkswagn", "aircros", "Škoda", "citroën", "İstanbul", "x²y_z", "ÄÖÜ-Klasse", "a", "", "3er", "gti-16v",
]  # fmt: skip


def typos(names: list[str], count: int) -> list[str]:
    """Names with one letter dropped, changed or added, as people mistype them."""
    rnd = random.Random(11)
    typed = []
    for name in rnd.sample(names, count):
        letters, at = list(name.lower()), rnd.randrange(len(name))
        if rnd.random() < 0.4 and len(letters) > 3:
            del letters[at]
        else:
            letters.insert(at, rnd.choice("aeiourst"))
        typed.append("".join(letters))
    return typed


@pytest.fixture
def spellings(app) -> list[str]:
    return [r[0] for r in sql(app, "SELECT name FROM makes UNION ALL SELECT name FROM models UNION ALL"
                                   " SELECT alias FROM catalogue_aliases")]  # fmt: skip


def test_similarities_are_postgresqls_to_the_last_digit(app, spellings):
    words = TYPED + typos(spellings, 40)
    pairs = [(w, s) for w in words for s in spellings[::3]] + [(s, w) for w in TYPED for s in spellings[::7]]
    theirs = sql(
        app,
        "SELECT similarity(a, b), word_similarity(a, b) FROM unnest(%s::text[], %s::text[]) AS u(a, b)",
        [a for a, _ in pairs],
        [b for _, b in pairs],
    )
    assert len(pairs) > 15_000
    ours = [(trigrams.similarity(a, b), trigrams.word_similarity(a, b)) for a, b in pairs]
    wrong = [(pair, t, o) for pair, t, o in zip(pairs, theirs, ours, strict=True) if abs(t[0] - o[0]) > 1e-6
             or abs(t[1] - o[1]) > 1e-6]  # fmt: skip
    assert wrong == []


def test_trigrams_are_pg_trgms(app):
    for text in ["Golf", "c-klasse", "Model 3", "x²y_z", "A", "", "  two  words "]:
        (theirs,) = sql(app, "SELECT show_trgm(%s)", text)[0]
        assert sorted(set(trigrams.trigrams(text))) == sorted(theirs), text


def test_keys_are_catalogue_keys(app, spellings):
    typed = [*TYPED, *spellings]
    theirs = [r[0] for r in sql(app, "SELECT catalogue_key(t) FROM unnest(%s::text[]) WITH ORDINALITY AS u(t, n)"
                                     " ORDER BY n", typed)]  # fmt: skip
    assert [terms.catalogue_key(t) for t in typed] == theirs


def test_matches_are_the_sql_matchers(app, spellings):
    """The same makes and models with the same scores, best first. Where several spellings of a table were as close
    as the third, the SQL kept an arbitrary three of them and the matcher keeps all: its scores are then as high or
    higher, never lower, and which of the equally close comes first is not compared."""
    words = TYPED + typos(spellings, 120) + random.Random(3).sample(spellings, 40) + ["bmw 3er", "tesla model3"]
    same = compared = 0
    with app.app_context():
        catalogue = terms.Catalogue(db.all("catalogue.terms"))
        for start in range(0, len(words), 25):
            chunk = words[start : start + 25]
            fuzzy = [w for w in chunk if " " not in w]
            theirs: dict[str, dict[str, list]] = {}
            for row in db.all("bench.match_terms_in_sql", terms=chunk, fuzzy_terms=fuzzy):
                theirs.setdefault(row["term"].lower(), {"make": [], "model": []})[row["kind"]].append(row)
            ours = catalogue.match(chunk, fuzzy)
            for word in chunk:
                for kind in ("make", "model"):
                    sql_rows = [r for r in theirs.get(word.lower(), {}).get(kind, []) if r["score"] > 0]
                    our_rows = ours.get(word.lower(), {}).get(kind, [])
                    sql_scores = [(round(r["score"], 5), r["exact"]) for r in sql_rows]
                    our_scores = [(round(r["score"], 5), r["exact"]) for r in our_rows]
                    compared += 1
                    if our_scores != sql_scores:
                        assert len(our_scores) >= len(sql_scores) and all(
                            o >= t for o, t in zip(our_scores, sql_scores, strict=False)
                        ), (word, kind)
                        continue
                    same += 1
                    last = sql_scores[-1][0] if sql_rows and not sql_rows[0]["exact"] else 2
                    assert [(r["make"], r["model"]) for r in our_rows if round(r["score"], 5) > last] == [
                        (r["make"], r["model"]) for r in sql_rows if round(r["score"], 5) > last
                    ], (word, kind)
                    if sql_rows and sql_rows[0]["exact"]:
                        assert {(r["make"], r["model"]) for r in our_rows} == {
                            (r["make"], r["model"]) for r in sql_rows
                        }
    assert same >= 0.9 * compared, (same, compared)


@pytest.mark.parametrize(
    ("q", "make", "model"),
    [("toyta corola", "Toyota", "Corolla"), ("mercedez", "Mercedes-Benz", None), ("bmw 3er", "BMW", "3 Series")],
)
def test_reading_words_asks_the_database_nothing_but_the_version(app, q, make, model):
    from carsite.cars.search import interpret, parse

    client = app.test_client()
    client.get("/cars?q=golf")  # the catalogue is loaded
    with Database.record() as names:
        assert client.get("/cars", query_string={"q": q}).status_code == 200
    assert "catalogue.terms" not in names and names.count("versions.current") == 1
    with app.app_context():
        search = interpret(parse({"q": q}))
    assert (search.make, search.model) == (make, model)


def test_a_catalogue_change_is_read_on_the_next_request(app):
    client = app.test_client()
    client.get("/cars?q=trabbi")
    with Database.record() as names:
        client.get("/cars?q=trabbi")
    assert "catalogue.terms" not in names
    sql(app, "INSERT INTO makes (name) VALUES ('Trabant')")
    sql(app, "INSERT INTO catalogue_aliases (make_id, alias, language) SELECT id, 'Trabbi', 'de' FROM makes"
             " WHERE name = 'Trabant'")  # fmt: skip
    with Database.record() as names:
        html = client.get("/cars?q=trabbi").get_data(as_text=True)
    assert "catalogue.terms" in names
    assert "Trabant cars for sale" in html
