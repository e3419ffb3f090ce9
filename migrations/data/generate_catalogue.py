"""Write the catalogue in catalogue.txt into migration 0024, between its "generated" markers, as plain SQL.

Run from the repository root: ``python migrations/data/generate_catalogue.py``. It refuses a catalogue with an
unknown body type, impossible years, or two names (models or aliases) that would read alike within one make.
Only for building the migration: once applied, a migration never changes, so later catalogue changes go into new
migrations (or the moderators' "add a model" action).
"""

from __future__ import annotations

import re
import sys
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
MIGRATION = HERE.parent / "0024_create_catalogue.sql"
BODIES = {"sedan", "hatchback", "estate", "suv", "coupe", "convertible", "van", "pickup", "minivan", "other"}
BEGIN, END = "-- BEGIN generated from migrations/data/catalogue.txt\n", "-- END generated\n"
LANGUAGE = re.compile(r"([a-z]{2}):(.+)")


def key(text: str) -> str:
    """As the SQL function catalogue_key: lower case, accents and everything but letters and digits dropped."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return re.sub(r"[^a-z0-9]+", "", decomposed)


def quote(text: str | None) -> str:
    return "NULL" if text is None else "'" + text.replace("'", "''") + "'"


def aliases(field: str) -> list[tuple[str, str | None]]:
    """The aliases of one line, each with its language or None; the first of several that read alike."""
    found: dict[str, tuple[str, str | None]] = {}
    for raw in (a.strip() for a in field.split(",")):
        if raw:
            match = LANGUAGE.fullmatch(raw)
            alias, language = (match.group(2).strip(), match.group(1)) if match else (raw, None)
            found.setdefault(key(alias), (alias, language))
    return list(found.values())


def parse(text: str) -> list[dict]:
    makes: list[dict] = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("# "):
            continue
        parts = [p.strip() for p in line.split("|")]
        if line.startswith("@"):
            makes.append(
                {"name": parts[0][1:].strip(), "aliases": aliases(parts[1] if len(parts) > 1 else ""), "models": []}
            )
            continue
        if len(parts) != 5 or not makes:
            sys.exit(f"catalogue.txt:{number}: expected 'Model | bodies | from | until | aliases'")
        name, bodies, year_from, year_to, alias_field = parts
        body_list = [b.strip() for b in bodies.split(",")]
        if not set(body_list) <= BODIES:
            sys.exit(f"catalogue.txt:{number}: unknown body type in {bodies!r}")
        first, last = int(year_from), int(year_to) if year_to else None
        if not 1886 <= first <= 2027 or (last is not None and last < first):
            sys.exit(f"catalogue.txt:{number}: impossible years {year_from}-{year_to}")
        makes[-1]["models"].append(
            {"name": name, "bodies": body_list, "from": first, "to": last, "aliases": aliases(alias_field)}
        )
    return makes


def check(makes: list[dict]) -> None:
    """Refuse names that would read alike: make keys across makes, model keys within a make."""
    seen: dict[str, str] = {}
    for make in makes:
        for name in [make["name"]] + [a for a, _ in make["aliases"] if key(a) != key(make["name"])]:
            if seen.get(key(name), make["name"]) != make["name"]:
                sys.exit(f"make name or alias {name!r} reads like {seen[key(name)]!r}")
            seen[key(name)] = make["name"]
        models: dict[str, str] = {}
        for model in make["models"]:
            for name in [model["name"]] + [a for a, _ in model["aliases"] if key(a) != key(model["name"])]:
                if models.get(key(name), model["name"]) != model["name"]:
                    sys.exit(f"{make['name']}: model name or alias {name!r} reads like {models[key(name)]!r}")
                models[key(name)] = model["name"]


def sql(makes: list[dict]) -> str:
    out = ["INSERT INTO makes (name) VALUES\n"]
    out.append(",\n".join(f"    ({quote(m['name'])})" for m in makes) + ";\n\n")
    rows = [
        f"    ({quote(make['name'])}, {quote(model['name'])}, '{{{','.join(model['bodies'])}}}', {model['from']}, "
        f"{model['to'] if model['to'] is not None else 'NULL'})"
        for make in makes
        for model in make["models"]
    ]
    out.append("INSERT INTO models (make_id, name, bodies, year_from, year_to)\n")
    out.append("SELECT mk.id, v.name, v.bodies::text[], v.year_from, v.year_to\n  FROM (VALUES\n")
    out.append(
        ",\n".join(rows) + "\n) AS v(make, name, bodies, year_from, year_to)\n  JOIN makes mk ON mk.name = v.make;\n\n"
    )
    make_aliases = [
        f"    ({quote(make['name'])}, {quote(alias)}, {quote(lang)})"
        for make in makes
        for alias, lang in make["aliases"]
        if key(alias) != key(make["name"])
    ]
    out.append("INSERT INTO catalogue_aliases (make_id, alias, language)\n")
    out.append("SELECT mk.id, v.alias, v.language\n  FROM (VALUES\n")
    out.append(",\n".join(make_aliases) + "\n) AS v(make, alias, language)\n  JOIN makes mk ON mk.name = v.make;\n\n")
    model_aliases = [
        f"    ({quote(make['name'])}, {quote(model['name'])}, {quote(alias)}, {quote(lang)})"
        for make in makes
        for model in make["models"]
        for alias, lang in model["aliases"]
        if key(alias) != key(model["name"])
    ]
    out.append("INSERT INTO catalogue_aliases (make_id, model_id, alias, language)\n")
    out.append("SELECT mk.id, md.id, v.alias, v.language\n  FROM (VALUES\n")
    out.append(
        ",\n".join(model_aliases)
        + "\n) AS v(make, model, alias, language)\n  JOIN makes mk ON mk.name = v.make\n"
        + "  JOIN models md ON md.make_id = mk.id AND md.name = v.model;\n"
    )
    return "".join(out)


def main() -> None:
    makes = parse((HERE / "catalogue.txt").read_text(encoding="utf-8"))
    check(makes)
    text = MIGRATION.read_text(encoding="utf-8")
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    MIGRATION.write_text(text[:start] + sql(makes) + text[end:], encoding="utf-8")
    models = sum(len(m["models"]) for m in makes)
    print(f"{len(makes)} makes, {models} models written into {MIGRATION.name}")


if __name__ == "__main__":
    main()
