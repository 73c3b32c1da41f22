"""Sign-in and roles on the dashboard (issue 12): with users the app asks for sign-in first; each role sees the forms
it may use and no others; the write functions refuse a crafted request; no password or hash reaches a page."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from shopkr.app import auth, ui
from shopkr.data import store
from shopkr.domain.roles import Identity, Refused

ROOT = Path(__file__).resolve().parents[1]
PASSWORDS = {"管理员": "admin-pass-1", "李娜": "lina-pass-1", "王芳": "wangfang-pass-1"}
ROLES = {"管理员": "admin", "李娜": "editor", "王芳": "viewer"}  # 李娜 owns O2 (and O5 aligns below it)


@pytest.fixture(autouse=True)
def quick_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with the smallest cost: the hashes are as real (salted, encoded, verified by argon2-cffi) but take
    a millisecond instead of ShopKR's RFC 9106 defaults (64 MiB, 3 passes), which keep the suite slow for nothing."""
    from argon2 import PasswordHasher

    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(auth, "_hasher", lambda: cheap)
    monkeypatch.setattr(auth, "_dummy", lambda: cheap.hash("not a password of anyone"))


@pytest.fixture
def users_db(db: Path) -> Path:
    """The demo copy with three users; the hashes are made once per test run (Argon2 is slow on purpose)."""
    with store.connect(db) as con:
        for name, role in ROLES.items():
            store.add_user(con, name, role, _hashes()[name], by="test")
    return db


_HASHES: dict[str, str] = {}


def _hashes() -> dict[str, str]:
    if not _HASHES:
        _HASHES.update({n: auth.hash_password(p) for n, p in PASSWORDS.items()})
    return _HASHES


def app(page: str | None = None, user: str | None = None, **params: str) -> AppTest:
    """The dashboard at `page` (a pages/ file), signed in as `user` (the session's identity) when given."""
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    at.query_params.update({"cycle": "2026-Q4", **params})
    if user:
        at.session_state["identity"] = user
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def everything(at: AppTest) -> str:
    """All text the page shows (markdown, captions, alerts, labels, titles)."""
    parts = [
        e.value
        for kind in ("markdown", "caption", "info", "warning", "error", "success", "title")
        for e in getattr(at, kind)
    ]
    parts += [w.label for kind in ("text_input", "button", "selectbox", "text_area") for w in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def test_with_users_every_page_asks_for_sign_in_and_a_wrong_password_is_refused(users_db: Path) -> None:
    at = app(page=None)
    assert [t.value for t in at.title] == ["登录 ShopKR"]
    at.text_input(key="sign_in_name").set_value("李娜")
    at.text_input(key="sign_in_password").set_value("wrong password")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["用户名或密码不正确。"]
    assert [t.value for t in at.title] == ["登录 ShopKR"]
    at.text_input(key="sign_in_name").set_value("李娜")
    at.text_input(key="sign_in_password").set_value(PASSWORDS["李娜"])
    at.button[0].click().run()
    assert not at.exception
    assert "总览" in at.title[0].value
    assert "已登录：李娜 · 编辑者" in [c.value for c in at.sidebar.caption]
    # the password is not kept in the session, and neither it nor the hash is on the page
    assert "sign_in_password" not in at.session_state
    text = everything(at)
    assert PASSWORDS["李娜"] not in text and "$argon2" not in text
    # sign out
    at.sidebar.button(key="sign_out").click().run()
    assert [t.value for t in at.title] == ["登录 ShopKR"]


def test_a_viewer_sees_everything_and_no_form(users_db: Path) -> None:
    manage = app("pages/manage.py", "王芳")
    assert "你的角色（查看者）只能查看" in everything(manage)
    assert not [b for b in manage.button if b.key == "lock"] and not manage.get("file_uploader")
    assert not [b for b in manage.sidebar.button if b.key == "demo_clear"]
    my = app("pages/my_krs.py", "王芳", owner="李娜")
    assert my.get("slider") == [] and not [b for b in my.button if b.label == "打卡"]
    assert "上次打卡" in everything(my)  # the demo's check-ins on 李娜's KRs are visible to a viewer
    kr = app("pages/kr_detail.py", "王芳", kr="O2.KR1")
    assert not [x for x in kr.get("expander") if x.label == ui.t("note.add")]
    imp = app("pages/data_import.py", "王芳")
    assert not imp.get("file_uploader") and "只能查看" in everything(imp)
    ab = app("pages/abtest.py", "王芳")
    assert not [x for x in ab.get("expander") if x.label == ui.t("ab.new")]


def test_an_editor_edits_their_own_objectives_only(users_db: Path) -> None:
    own = app("pages/manage.py", "李娜", objective="O2")
    assert [b for b in own.button if b.key == "o-O2-save"]  # the objective's form
    assert not [b for b in own.button if b.key == "lock"]  # locking is an admin's
    other = app("pages/manage.py", "李娜", objective="O3")
    assert not [b for b in other.button if b.key == "o-O3-save"]
    assert "O3 不在其中" in everything(other)
    mine = app("pages/my_krs.py", "李娜", owner="李娜")
    assert [b for b in mine.button if b.label == "打卡"]
    theirs = app("pages/my_krs.py", "李娜", owner="张伟")
    assert not [b for b in theirs.button if b.label == "打卡"]
    # no 操作人 field when signed in: the write records the signed-in user
    assert not [t for t in mine.text_input if t.key == "checkin_user"]
    assert app("pages/data_import.py", "李娜").get("file_uploader")


def test_an_admin_locks_and_clears_the_demo(users_db: Path) -> None:
    manage = app("pages/manage.py", "管理员")
    assert [b for b in manage.button if b.key == "lock"]
    assert [b for b in manage.sidebar.button if b.key == "demo_clear"]
    assert not [t for t in manage.text_input if t.key == "manage_user"]


def test_without_users_the_sidebar_says_single_user_local_mode(db: Path) -> None:
    at = app("pages/manage.py")
    assert any("单用户本地模式" in c.value for c in at.sidebar.caption)
    assert [t for t in at.text_input if t.key == "manage_user"]  # the 操作人 field of local mode


def retitle(okrs, oid: str, title: str):
    """The definitions with objective `oid` retitled."""
    return okrs.model_copy(
        update={"objectives": [o.model_copy(update={"title": title}) if o.id == oid else o for o in okrs.objectives]}
    )


def test_the_write_functions_refuse_a_crafted_request(users_db: Path) -> None:
    """Whatever a page showed, the write functions check the role again."""
    st.cache_data.clear()
    viewer, editor = Identity("王芳", "viewer"), Identity("李娜", "editor")

    def state() -> tuple:
        with store.connect(users_db) as con:
            return (
                store.read_okrs(con),
                store.one(con, "SELECT count(*) FROM checkins")[0],
                store.one(con, "SELECT count(*) FROM annotations")[0],
                store.one(con, "SELECT count(*) FROM okr_changes")[0],
            )

    before = state()
    okrs = before[0]
    with pytest.raises(Refused):
        ui.save_checkin("O2.KR1", confidence=7, note="x", who=viewer)
    with pytest.raises(Refused):
        ui.save_checkin("O3.KR1", confidence=7, note="x", who=editor)  # 张伟's objective
    with pytest.raises(Refused):
        ui.add_note(
            who=viewer,
            start=okrs.cycles[0].start,
            end=None,
            text="x",
            shop="暖居旗舰店",
            product_id=None,
            creative_id=None,
            kr_id=None,
        )
    retitled = retitle(okrs, "O3", "改掉别人的目标")
    with pytest.raises(Refused):
        ui.save_okrs(okrs, retitled, who=editor, reason=None)
    with pytest.raises(Refused):
        ui.set_lock(okrs.cycles[0], who=editor, locked=True)
    with pytest.raises(Refused):
        ui.import_files([("a.csv", b"date,gmv\n")], "暖居旗舰店", who=viewer)
    assert state() == before
    # the editor's own objective goes through, recorded under the signed-in name
    mine = retitle(okrs, "O2", "李娜改了自己的目标")
    assert ui.save_okrs(okrs, mine, who=editor, reason=None)
    with store.connect(users_db) as con:
        assert store.one(con, "SELECT user_name FROM okr_changes ORDER BY id DESC LIMIT 1")[0] == "李娜"


def test_with_an_oidc_provider_the_dashboard_offers_streamlits_login(db: Path) -> None:
    """An [auth] section in secrets.toml: st.login's button instead of the password form, and no page."""
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    at.secrets["auth"] = {"redirect_uri": "http://127.0.0.1/oauth2callback", "cookie_secret": "x" * 32}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == ["登录 ShopKR"]
    assert [b.label for b in at.button] == ["使用公司账号登录"]
    assert not at.text_input  # no password form
