"""Sign-in (issue 12): password hashes, the sign-in check with its rate limit, and who is acting.

Passwords are hashed with Argon2id by argon2-cffi (`argon2.PasswordHasher`, its defaults follow RFC 9106's
second recommended option: 64 MiB, 3 passes, 4 lanes, a 16-byte random salt per hash); only the encoded hash
is stored (store.users). Nothing here logs or returns a password or a hash.

Rate limit: after MAX_FAILURES failed sign-ins of one name within WINDOW, further attempts for that name are
refused without checking the password until WINDOW has passed since the oldest of those failures (a successful
sign-in clears the count). Unknown names are counted the same way and take as long to check (a dummy hash is
verified), so the answer does not tell which names exist.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

import duckdb
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from shopkr.data import store
from shopkr.domain.roles import Identity

MAX_FAILURES = 5
WINDOW = dt.timedelta(minutes=15)
MIN_PASSWORD = 8  # characters


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()


@cache
def _dummy() -> str:
    return _hasher().hash("not a password of anyone")


def hash_password(password: str) -> str:
    """The Argon2id hash of `password` (an encoded string with its own salt and parameters). Raises ValueError
    for a password shorter than MIN_PASSWORD characters."""
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"a password needs at least {MIN_PASSWORD} characters")
    return _hasher().hash(password)


def verify_password(hashed: str | None, password: str) -> bool:
    """True when `password` matches `hashed`; False for a mismatch, a missing or malformed hash."""
    try:
        return _hasher().verify(hashed or _dummy(), password) and hashed is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in attempt: the identity, or why not (`bad` password or name, `wait` with the time
    when the next attempt is possible)."""

    identity: Identity | None
    reason: str | None = None  # None | "bad" | "wait"
    retry_at: dt.datetime | None = None


def blocked_until(con: duckdb.DuckDBPyConnection, name: str, now: dt.datetime) -> dt.datetime | None:
    """When `name` may try again, or None when not blocked (see the module docstring)."""
    failures = store.failed_signins(con, name, now - WINDOW)
    if len(failures) < MAX_FAILURES:
        return None
    return failures[-MAX_FAILURES] + WINDOW


def sign_in(con: duckdb.DuckDBPyConnection, name: str, password: str, now: dt.datetime | None = None) -> SignIn:
    """Check a sign-in: rate limit first, then the password; records the attempt. Returns a SignIn."""
    now = now or dt.datetime.now()
    name = name.strip()
    until = blocked_until(con, name, now)
    if until is not None:
        return SignIn(None, "wait", until)
    hashed = store.password_hash(con, name)
    ok = verify_password(hashed, password)
    store.record_signin(con, name, ok, now)
    if not ok:
        return SignIn(None, "bad")
    role = next(u.role for u in store.users(con) if u.name == name)
    return SignIn(Identity(name, role))


def identity_by_email(con: duckdb.DuckDBPyConnection, email: str | None) -> Identity | None:
    """The user whose e-mail is `email` (OIDC sign-in, case-insensitive), or None."""
    if not email:
        return None
    for u in store.users(con):
        if u.email and u.email.strip().lower() == email.strip().lower():
            return Identity(u.name, u.role)
    return None
