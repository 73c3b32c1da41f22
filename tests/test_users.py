"""Users, roles and sign-in (issue 12): the `users` CLI, Argon2 hashes only, the sign-in rate limit, role rules."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest

from shopkr.app import auth, cli
from shopkr.data import store
from shopkr.domain import roles
from shopkr.domain.okr import Objective

SECRET = "kaixin-2026!"


@pytest.fixture(autouse=True)
def quick_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with the smallest cost: the hashes are as real (salted, encoded, verified by argon2-cffi) but take
    a millisecond instead of ShopKR's RFC 9106 defaults (64 MiB, 3 passes), which keep the suite slow for nothing."""
    from argon2 import PasswordHasher

    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(auth, "_hasher", lambda: cheap)
    monkeypatch.setattr(auth, "_dummy", lambda: cheap.hash("not a password of anyone"))


def users_cli(db: Path, *args: str, stdin: str | None = None, monkeypatch=None) -> int:
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return cli.main(["users", *args, "--db", str(db)])


def test_users_add_list_set_role_passwd_remove(tmp_db: Path, monkeypatch, capsys) -> None:
    add = ("add", "李娜", "--role", "admin", "--password-stdin", "--user", "boss")
    assert users_cli(tmp_db, *add, stdin=SECRET + "\n", monkeypatch=monkeypatch) == 0
    assert (
        users_cli(
            tmp_db, "add", "王芳", "--role", "viewer", "--password-stdin", stdin="12345678\n", monkeypatch=monkeypatch
        )
        == 0
    )
    assert users_cli(tmp_db, "list") == 0
    out = capsys.readouterr().out
    assert "李娜" in out and "admin" in out and "王芳" in out and "viewer" in out
    with store.connect(tmp_db) as con:
        hashed = store.password_hash(con, "李娜")
        history = store.run(con, "SELECT user_name, entity, entity_id, field, old_value, new_value FROM okr_changes")
    assert hashed.startswith("$argon2id$") and SECRET not in hashed
    assert auth.verify_password(hashed, SECRET) and not auth.verify_password(hashed, SECRET + "x")
    assert ("boss", "user", "李娜", "user_added", None, "admin") in history
    # neither the password nor the hash is in the output or the history
    assert SECRET not in out and hashed not in out and not any(hashed in str(r) or SECRET in str(r) for r in history)

    assert users_cli(tmp_db, "set-role", "王芳", "editor") == 0
    assert users_cli(tmp_db, "passwd", "王芳", "--password-stdin", stdin="another-pass\n", monkeypatch=monkeypatch) == 0
    with store.connect(tmp_db) as con:
        assert auth.sign_in(con, "王芳", "another-pass").identity == roles.Identity("王芳", "editor")
    assert users_cli(tmp_db, "remove", "王芳") == 0
    with store.connect(tmp_db) as con:
        assert [u.name for u in store.users(con)] == ["李娜"]


@pytest.mark.parametrize(
    "args, stdin, words",
    [
        (("add", "李娜", "--role", "viewer", "--password-stdin"), "long enough 1\n", "exists already"),
        (("add", "赵六", "--role", "viewer", "--password-stdin"), "short\n", "at least 8 characters"),
        (("set-role", "李娜", "editor"), None, "last admin"),
        (("remove", "李娜"), None, "last admin"),
        (("set-role", "nobody", "editor"), None, "no user named"),
        (("add", "赵六", "--role", "viewer"), None, "--password-stdin"),  # no terminal to ask
        (
            ("add", "赵六", "--role", "viewer", "--no-password", "--email", "wang@example.COM"),
            None,
            "already the e-mail",
        ),
        (("add", "赵六", "--role", "viewer", "--no-password", "--email", "not-an-address"), None, "not an e-mail"),
        (("add", "赵六", "--role", "viewer", "--no-password"), None, "neither a password nor an e-mail"),
    ],
)
def test_refused_user_changes_say_why_and_change_nothing(tmp_db, monkeypatch, capsys, args, stdin, words) -> None:
    assert (
        users_cli(
            tmp_db, "add", "李娜", "--role", "admin", "--password-stdin", stdin=SECRET + "\n", monkeypatch=monkeypatch
        )
        == 0
    )
    assert users_cli(tmp_db, "add", "王芳", "--role", "viewer", "--no-password", "--email", "Wang@Example.com") == 0
    with store.connect(tmp_db) as con:
        before = (store.users(con), store.run(con, "SELECT count(*) FROM okr_changes"))
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin or ""))
    assert cli.main(["users", *args, "--db", str(tmp_db)]) == 1
    assert words in capsys.readouterr().err
    with store.connect(tmp_db) as con:
        assert (store.users(con), store.run(con, "SELECT count(*) FROM okr_changes")) == before


def test_failed_sign_ins_are_rate_limited_per_name(tmp_db: Path) -> None:
    with store.connect(tmp_db) as con:
        store.add_user(con, "李娜", "editor", auth.hash_password(SECRET), by="t")
        t0 = dt.datetime(2026, 12, 1, 9, 0)
        for i in range(auth.MAX_FAILURES):
            assert auth.sign_in(con, "李娜", "wrong", now=t0 + dt.timedelta(seconds=i)).reason == "bad"
        # blocked: even the right password is not checked until the window has passed
        blocked = auth.sign_in(con, "李娜", SECRET, now=t0 + dt.timedelta(minutes=1))
        assert blocked.identity is None and blocked.reason == "wait" and blocked.retry_at == t0 + auth.WINDOW
        # another name is not blocked; unknown names are answered like a wrong password
        assert auth.sign_in(con, "nobody", SECRET, now=t0 + dt.timedelta(minutes=1)).reason == "bad"
        later = auth.sign_in(con, "李娜", SECRET, now=t0 + auth.WINDOW + dt.timedelta(seconds=1))
        assert later.identity == roles.Identity("李娜", "editor")
        # a success clears the count
        assert auth.sign_in(con, "李娜", "wrong", now=t0 + auth.WINDOW + dt.timedelta(seconds=2)).reason == "bad"
        assert auth.blocked_until(con, "李娜", t0 + auth.WINDOW + dt.timedelta(seconds=3)) is None


def test_an_oidc_sign_in_is_matched_by_email(tmp_db: Path) -> None:
    with store.connect(tmp_db) as con:
        store.add_user(con, "李娜", "editor", None, by="t", email="Li.Na@example.com")
        assert auth.identity_by_email(con, "li.na@EXAMPLE.com") == roles.Identity("李娜", "editor")
        assert auth.identity_by_email(con, "other@example.com") is None
        assert auth.sign_in(con, "李娜", "anything-at-all").identity is None  # no password: OIDC only


def objective(oid: str, owner: str, parent: str | None = None) -> Objective:
    return Objective(id=oid, cycle="2026-Q4", title=oid, owner=owner, parent=parent)


def test_role_rules() -> None:
    objectives = [
        objective("C1", "老板"),
        objective("D1", "李娜", "C1"),
        objective("T1", "张伟", "D1"),
        objective("T2", "王芳", "C1"),
        objective("I1", "赵六", "T1"),
    ]
    scope = roles.own_objectives("李娜", objectives)
    assert scope == {"D1", "T1", "I1"}  # her own and everything aligned below, any depth
    editor, viewer, admin = (
        roles.Identity("李娜", "editor"),
        roles.Identity("王芳", "viewer"),
        roles.Identity("a", "admin"),
    )
    assert roles.allowed(editor, "edit_okrs", "T1", scope) and not roles.allowed(editor, "edit_okrs", "T2", scope)
    assert roles.allowed(editor, "import") and roles.allowed(editor, "ab_test")
    assert not any(roles.allowed(editor, a) for a in ("lock", "close", "demo", "users"))
    assert not any(roles.allowed(viewer, a, "T2", {"T2"}) for a in roles.ACTIONS)
    assert all(roles.allowed(admin, a) for a in roles.ACTIONS)
    assert all(roles.allowed(roles.Identity.local_user("me"), a) for a in roles.ACTIONS)
    with pytest.raises(roles.Refused) as refused:
        roles.check(viewer, "import")
    assert refused.value.message.code == "auth.refused"
    with pytest.raises(roles.Refused) as refused:
        roles.check(editor, "checkin", "T2", scope)
    assert refused.value.message.code == "auth.not_yours"


@pytest.mark.parametrize(
    "args",
    [
        ("review", "grade", "2026-Q3", "Q3-O2.KR1", "0.5"),
        ("checkin", "O2.KR1", "--confidence", "5"),
        ("okrs", "lock", "2026-Q4"),
    ],
)
def test_an_empty_user_is_refused_by_every_command(tmp_db: Path, capsys, args) -> None:
    """An empty --user would be recorded as the OS user (or nobody): refused before anything runs."""
    with pytest.raises(SystemExit) as stop:
        cli.main([*args, "--user", " ", "--db", str(tmp_db)])
    assert stop.value.code == 2 and "--user is empty" in capsys.readouterr().err
    assert not tmp_db.exists()
