"""The shape of the code: one package per area, views that never import another area's views, use cases that take
an Actor and never read the request, one vocabulary that matches the database's CHECK constraints."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from carsite import db
from carsite.accounts import management
from carsite.domain.actor import Actor
from carsite.domain.errors import Conflict, Forbidden, NotFound
from carsite.domain.vocabulary import (
    BODIES,
    CONDITIONS,
    EMISSION_CLASSES,
    FUELS,
    LISTING_STATUSES,
    PUBLIC_STATUSES,
    ROLES,
    SELLER_TYPES,
    TRANSMISSIONS,
)
from carsite.selling import listings, workflow

from .helpers import make_user, sql

PACKAGE = Path(__file__).resolve().parent.parent / "carsite"
SCHEMA = PACKAGE.parent / "schema" / "schema.sql"
AREAS = ("accounts", "cars", "selling", "admin", "api", "site", "contact")
REQUEST_STATE = {"request", "session", "g", "current_user"}


def modules() -> dict[str, ast.Module]:
    return {
        ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts): ast.parse(path.read_text())
        for path in PACKAGE.rglob("*.py")
    }


def imported(module: str, tree: ast.Module) -> list[tuple[str, list[str]]]:
    """(absolute module, names) for every import in a module, relative imports resolved."""
    package = module if module.endswith("__init__") else module.rsplit(".", 1)[0]
    package = package.removesuffix(".__init__")
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            names = [alias.name for alias in node.names]
            found.append((base, names))
            found += [(f"{base}.{name}", []) for name in names]
    return found


def area_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in AREAS else None


def test_every_area_is_a_package_with_views():
    for area in AREAS:
        assert (PACKAGE / area / "__init__.py").exists(), area
        assert (PACKAGE / area / "views.py").exists(), area


def test_no_module_imports_another_areas_views():
    """Only the app factory wires views together; an area reaches another through its use-case modules."""
    problems = []
    for module, tree in modules().items():
        for target, _names in imported(module, tree):
            if not target.startswith("carsite.") or not target.endswith(".views"):
                continue
            if module == "carsite.__init__" or area_of(target) == area_of(module) is not None:
                continue
            problems.append(f"{module} imports {target}")
    assert problems == []


def test_use_cases_never_read_the_request():
    """Use-case modules take an Actor: they run from views, the CLI and jobs alike."""
    problems = []
    for module, tree in modules().items():
        if area_of(module) is None and not module.startswith("carsite.domain"):
            continue
        if module.endswith((".views", ".forms", ".form")):
            continue
        for target, names in imported(module, tree):
            if target.split(".")[0] in ("flask", "flask_login") and REQUEST_STATE & set(names):
                problems.append(f"{module} imports {sorted(REQUEST_STATE & set(names))} from {target}")
            if target.startswith("carsite.web") and names:
                problems.append(f"{module} imports {target}")
    # The one adapter: Actor.from_request, which views call.
    assert problems == ["carsite.domain.actor imports carsite.web.access"]


def test_the_rule_checks_can_fail():
    tree = ast.parse("from ..cars.views import bp\nfrom flask import request\n")
    assert ("carsite.cars.views", ["bp"]) in imported("carsite.selling.listings", tree)
    assert ("flask", ["request"]) in imported("carsite.selling.listings", tree)


def check_values(constraint: str) -> set[str]:
    """The allowed values of an `x = ANY (ARRAY[...])` CHECK constraint in schema/schema.sql."""
    match = re.search(rf"CONSTRAINT {constraint} CHECK \(\(\w+ = ANY \(ARRAY\[(.*?)\]\)\)\)", SCHEMA.read_text())
    assert match, f"{constraint} not found in schema/schema.sql"
    return set(re.findall(r"'([^']*)'::text", match.group(1)))


@pytest.mark.parametrize(
    ("constraint", "values"),
    [
        ("cars_fuel_check", FUELS),
        ("cars_transmission_check", TRANSMISSIONS),
        ("cars_body_check", BODIES),
        ("cars_condition_check", CONDITIONS),
        ("cars_status_check", LISTING_STATUSES),
        ("users_role_check", ROLES),
        ("cars_seller_type_check", SELLER_TYPES),
        ("cars_emission_class_check", EMISSION_CLASSES),
    ],
)
def test_vocabulary_matches_the_check_constraints(constraint, values):
    assert check_values(constraint) == set(values)


def test_public_statuses_are_what_the_sql_function_says(app):
    rows = sql(app, "SELECT s FROM unnest(%s::text[]) AS s WHERE listing_is_public(s)", list(LISTING_STATUSES))
    assert tuple(r[0] for r in rows) == PUBLIC_STATUSES
    assert all(workflow.is_public(s) == (s in PUBLIC_STATUSES) for s in LISTING_STATUSES)


def test_workflow_moves_use_known_statuses_and_drive_the_buttons():
    for move in workflow.MOVES.values():
        assert move.to in LISTING_STATUSES
        assert set(move.from_statuses) <= set(LISTING_STATUSES)
    assert [m.action for m in workflow.actions_for("draft")] == ["submit", "withdraw"]
    assert [m.action for m in workflow.actions_for("withdrawn")] == ["relist"]
    assert workflow.actions_for("sold") == []


LISTING = {
    "title": "Golf 1.5 TSI",
    "make": "Volkswagen",
    "model": "Golf",
    "year": 2019,
    "price": 18900,
    "mileage_km": 42000,
    "fuel": "petrol",
    "transmission": "manual",
    "body": "hatchback",
    "colour": "blue",
    "condition": "used",
    "vin": None,
    "city": "Berlin",
    "postcode": None,
    "description": "",
    "features": [],
    "specs": "[]",
    "seo_title": None,
    "seo_description": None,
    "seller_type": "private",
    "power_kw": None,
    "owners": None,
    "registration_month": None,
    "accident_free": None,
    "doors": None,
    "seats": None,
    "emission_class": None,
}


def test_listing_workflow_runs_without_a_request(app):
    """The use cases take an Actor: a seller's moves and a moderator's decision, no HTTP anywhere."""
    seller_id = make_user(app, "seller@example.com", role="seller")
    other_id = make_user(app, "other@example.com", role="seller")
    seller = Actor(user_id=seller_id, role="seller", email_verified=True)
    with app.app_context():
        car_id = listings.create(LISTING, actor=seller)
        with pytest.raises(NotFound):
            workflow.change(car_id, "submit", actor=Actor(user_id=other_id, role="seller", email_verified=True))
        assert workflow.change(car_id, "submit", actor=seller).to == "pending"
        with pytest.raises(Conflict):
            workflow.change(car_id, "submit", actor=seller)
        with pytest.raises(Forbidden):
            workflow.decide(car_id, "approve", None, actor=seller)
        workflow.decide(car_id, "approve", None, actor=Actor.system())
        assert db.one("cars.car_by_id", car_id=car_id)["status"] == "available"
    (event,) = sql(app, "SELECT actor_id, detail FROM audit_log WHERE action = 'listing.approve'")
    assert event == (None, {"car_id": car_id, "remark": None, "by": "system"})


def test_account_management_runs_without_a_request(app):
    user_id = make_user(app, "ann@example.com")
    with app.app_context():
        assert management.set_role(user_id, "admin", actor=Actor.system()) == "user"
        with pytest.raises(Forbidden):
            management.set_role(user_id, "user", actor=Actor(user_id=user_id, role="seller"))
        with pytest.raises(NotFound):
            management.set_role(999_999, "user", actor=Actor.system())
        with pytest.raises(Conflict):  # the only admin
            management.set_role(user_id, "user", actor=Actor.system())
    assert sql(app, "SELECT role FROM users WHERE id = %s", user_id) == [("admin",)]


def test_cli_sets_roles_and_moderates_through_the_use_cases(app):
    seller_id = make_user(app, "seller@example.com", role="seller")
    make_user(app, "ann@example.com")
    runner = app.test_cli_runner()
    made = runner.invoke(args=["accounts", "set-role", "ANN@example.com", "admin"])
    assert made.exit_code == 0 and "user -> admin" in made.output
    unknown = runner.invoke(args=["accounts", "set-role", "nobody@example.com", "admin"])
    assert unknown.exit_code == 1 and "no account" in unknown.output
    with app.app_context():
        car_id = listings.create(LISTING, actor=Actor(user_id=seller_id, role="seller", email_verified=True))
        workflow.change(car_id, "submit", actor=Actor(user_id=seller_id, role="seller", email_verified=True))
    assert str(car_id) in runner.invoke(args=["listings", "queue"]).output
    refused = runner.invoke(args=["listings", "reject", str(car_id), "--remark", " "])
    assert refused.exit_code == 1 and "remark" in refused.output
    approved = runner.invoke(args=["listings", "approve", str(car_id)])
    assert approved.exit_code == 0 and "live" in approved.output
    again = runner.invoke(args=["listings", "approve", str(car_id)])
    assert again.exit_code == 1 and "not waiting for review" in again.output
    assert sql(app, "SELECT status FROM cars WHERE id = %s", car_id) == [("available",)]
