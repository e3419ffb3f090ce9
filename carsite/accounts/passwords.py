"""Passwords and single-use tokens: the rules for new passwords, hashing, checking, upgrading."""

from __future__ import annotations

import hashlib
import secrets
from functools import cache
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

MIN_PASSWORD = 12
MAX_PASSWORD = 256  # long passphrases welcome; the cap only bounds hashing work per request
COMMON_PASSWORDS_FILE = Path(__file__).parent.parent / "data" / "common-passwords.txt"


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line and not line.startswith("#"))


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why a new password is refused, or None. Length and commonness only: no composition rules (ASVS 2.1.9)."""
    if len(password) < MIN_PASSWORD:
        return f"Use at least {MIN_PASSWORD} characters; a few words make a strong, memorable password."
    if len(password) > MAX_PASSWORD:
        return f"Use at most {MAX_PASSWORD} characters."
    lowered = password.lower()
    if lowered in common_passwords() or len(set(lowered)) < 4:
        return "This password is too common or too easy to guess; choose another."
    if (email and lowered in (email.lower(), email.lower().split("@")[0])) or (name and lowered == name.lower()):
        return "Do not use your email address or name as your password."
    return None


def hash_password(password: str) -> str:
    """A salted scrypt hash (Werkzeug's default method)."""
    return generate_password_hash(password)


@cache
def current_method() -> str:
    """The method and parameters new hashes use, e.g. ``scrypt:32768:8:1``."""
    return hash_password("probe").split("$", 1)[0]


def check_password(stored: str, password: str) -> bool:
    """True when the password matches; False for unusable hashes (deleted accounts) instead of an error."""
    try:
        return check_password_hash(stored, password)
    except (ValueError, TypeError):
        return False


def needs_rehash(stored: str) -> bool:
    """True when the stored hash uses an older method or weaker parameters than new hashes."""
    return stored.split("$", 1)[0] != current_method()


@cache
def dummy_hash() -> str:
    return hash_password(secrets.token_hex(16))


def burn_time(password: str) -> None:
    """Spend the time a real password check takes, so an unknown email answers as slowly as a known one."""
    check_password(dummy_hash(), password)


def new_token() -> tuple[str, bytes]:
    """A URL-safe random token and the SHA-256 digest that is stored in its place."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()
