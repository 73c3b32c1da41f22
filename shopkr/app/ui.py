"""Streamlit view helpers shared by dashboard.py and pages/: the only shopkr module that imports Streamlit.

Cached reads key on the database file's fingerprint (`store.data_version`), so an import from the CLI or
the import page shows on the next interaction without a restart. Connections are short-lived; a busy
database (another process writing) is waited for and never shown as a lock error.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from shopkr.app import numbers
from shopkr.app.i18n import STRINGS, Coded, Lang, render, t
from shopkr.data import queries, store
from shopkr.domain import engine, roles
from shopkr.domain.messages import Message
from shopkr.domain.okr import Cycle, OKRFile, resolve_cycles
from shopkr.domain.roles import Identity

PAGE_KEYS = ("cycle", "owner", "kr", "test", "lang")


def require_app() -> None:
    """Pages run inside dashboard.py's st.navigation. A fresh server (or AppTest) starts in Streamlit's legacy
    pages/ mode until st.navigation has run once: a page URL would run the page alone (no page config, no
    sidebar) and widget ids of that first run would not match later runs. Switch the mode off and rerun.
    Called first by dashboard.py and by every page.

    The mode is a process-wide flag that Streamlit reads when a run starts: two first visits at once (a newcomer
    with two tabs) both start in the legacy mode, and the first to get here switches it off before the other's
    page gets here. So a run is also recognised as legacy by Streamlit's legacy runner (`_mpa_v1`) on the stack;
    without that, the second page stayed in the legacy mode, without the app's sidebar and first start."""
    import sys

    from streamlit.runtime.pages_manager import PagesManager

    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_name != "_mpa_v1":
        frame = frame.f_back
    if PagesManager.uses_pages_directory or frame is not None:
        PagesManager.uses_pages_directory = False
        st.rerun()


def live_pages_manager() -> type:
    """A PagesManager for `streamlit.testing.v1.app_test` that leaves the legacy pages/ mode, as a live
    server has once `require_app` has run (AppTest resets that mode before every run, so a widget clicked in
    one run would belong to another page in the next). Used by the tests and the page benchmark."""
    from streamlit.runtime import pages_manager

    class LivePagesManager(pages_manager.PagesManager):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            pages_manager.PagesManager.uses_pages_directory = False

    return LivePagesManager


# --- sign-in and roles (issue 12) -------------------------------------------------------------------------------
#
# Three modes, decided on every run: OIDC (an [auth] section in .streamlit/secrets.toml: Streamlit's st.login,
# users matched by e-mail), password sign-in (at least one user in the database), and single-user local mode
# (neither: the person at the keyboard may do everything, as before sign-in existed). The identity lives in the
# session (`st.session_state["identity"]`, a name only): its role is read from the database on every run, so a
# changed role or a removed user applies at once.


def oidc_configured() -> bool:
    """Is an OIDC provider configured for st.login ([auth] in .streamlit/secrets.toml)?"""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all: Streamlit raises its own not-found error
        return False


@st.cache_data(show_spinner=False, max_entries=4)
def _users(data_version: tuple) -> dict[str, store.User]:
    return {u.name: u for u in _with_db(store.users)}


def _user_identity(name: str | None) -> Identity | None:
    user = _users(version()).get(name or "")
    return Identity(user.name, user.role) if user else None  # type: ignore[arg-type]


def identity() -> Identity:
    """Who is using the dashboard (after `sign_in_gate` let the page run): the signed-in user with their current
    role, or the local user in single-user local mode."""
    from shopkr.data import importer

    if oidc_configured() or _users(version()):
        found = _user_identity(st.session_state.get("identity"))
        return found or Identity("", "viewer")  # never reached by a page: the gate stops first
    return Identity.local_user(importer.default_user())


def _oidc_identity() -> Identity | None:
    """The user matching the OIDC sign-in's e-mail, or None (not signed in with the provider, or unknown)."""
    from shopkr.app import auth

    if not st.user.get("is_logged_in", False):
        return None
    return _with_db(lambda con: auth.identity_by_email(con, st.user.get("email")))


def needs_sign_in() -> bool:
    """True when the dashboard must ask for sign-in before any page (then dashboard.py hides the menu)."""
    from shopkr.data import demo

    if oidc_configured():
        return _oidc_identity() is None
    job = demo.current_load()
    if job is not None and job.status().state == "running":
        return False  # the demo loads only into an empty database (no users): leave the file to the loader
    return bool(_users(version())) and _user_identity(st.session_state.get("identity")) is None


def sign_in_gate() -> bool:
    """Run before the pages: True when the page may run (signed in, or local mode); otherwise draws the sign-in
    (a name and password form, or the OIDC button) and returns False."""
    from shopkr.app import auth
    from shopkr.app.escape import md

    if oidc_configured():
        if not st.user.get("is_logged_in", False):
            st.title(tr("auth.title"))
            st.button(tr("auth.oidc"), on_click=st.login, type="primary")
            return False
        who = _oidc_identity()
        if who is None:
            st.error(tr("auth.oidc_unknown", email=md(str(st.user.get("email") or ""))))
            st.button(tr("auth.sign_out"), on_click=st.logout)
            return False
        st.session_state["identity"] = who.name
        return True
    if not _users(version()):
        return True
    if _user_identity(st.session_state.get("identity")) is not None:
        return True
    st.session_state.pop("identity", None)  # removed meanwhile
    st.title(tr("auth.title"))
    with st.form("sign_in"):
        name = st.text_input(tr("auth.name"), key="sign_in_name")
        password = st.text_input(tr("auth.password"), type="password", key="sign_in_password")
        submitted = st.form_submit_button(tr("auth.sign_in"), type="primary")
    if submitted:
        result = _with_db(lambda con: auth.sign_in(con, name, password))
        if result.identity is not None:
            st.session_state["identity"] = result.identity.name
            st.session_state.pop("sign_in_password", None)
            st.rerun()
        elif result.reason == "wait":
            st.error(tr("auth.wait", time=f"{result.retry_at:%H:%M}"))
        else:
            st.error(tr("auth.bad"))
    return False


def account_sidebar() -> None:
    """The sidebar's account line: who is signed in with which role and 退出登录, or that ShopKR runs in
    single-user local mode with where to read how to add users."""
    from shopkr.app.escape import md

    who = identity()
    if who.local:
        st.caption(tr("auth.local_mode"))
        return
    st.caption(tr("auth.signed_in", name=md(who.name), role=tr(f"auth.role.{who.role}")))
    if st.button(tr("auth.sign_out"), key="sign_out"):
        st.session_state.pop("identity", None)
        if oidc_configured():
            st.logout()
        st.rerun()


def may(action: roles.Action, objective: str | None = None) -> bool:
    """May the current user do `action` (on `objective`, for the scoped actions)? Pages hide what is not
    allowed; the write functions below check again."""
    who = identity()
    scope = roles.own_objectives(who.name, okrs().objectives) if action in roles.SCOPED else None
    return roles.allowed(who, action, objective, scope)


def read_only_text(objective: str | None = None) -> str:
    """Why the forms are not shown: a viewer's role, or (an editor) `objective` is someone else's."""
    who = identity()
    if who.role == "editor" and objective is not None:
        return message(Message.make("auth.not_yours", user=who.name, objective=objective))
    return tr("auth.read_only", role=tr(f"auth.role.{who.role}"))


def actor(
    key: str, label_key: str = "manage.user", help_key: str | None = "manage.user_help", where: Any = None
) -> Identity:
    """Who a write is recorded as: the signed-in user; in single-user local mode the person typed in the 操作人
    text input drawn here (default: the OS user), with local mode's rights."""
    from shopkr.data import importer

    who = identity()
    if not who.local:
        return who
    area = where or st
    value = area.text_input(tr(label_key), importer.default_user(), key=key, help=tr(help_key) if help_key else None)
    return Identity.local_user(value.strip())  # blank: check-ins, notes and reviews refuse it, OKR edits say "unknown"


Refused = roles.Refused  # a write the role does not allow (code and parameters for `message`; nothing written)


def import_files(files: list[tuple[str, bytes]], shop: str, *, who: Identity, **options: Any) -> list:
    """importer.import_files as `who` (options: platform, progress, on_wait). Raises roles.Refused unless `who`
    may import, DatabaseBusy like the other writes."""
    from shopkr.data import importer

    roles.check(who, "import")
    return importer.import_files(files, shop, user=who.name or None, **options)  # blank: the OS user


def _scope(con: Any, who: Identity) -> set[str]:
    """The objectives `who` may edit, from the stored definitions (read on the write's own connection)."""
    return roles.own_objectives(who.name, store.read_okrs(con).objectives)


# --- language -----------------------------------------------------------------------------------------


def lang() -> Lang:
    """The current UI language (query parameter `lang`, default 简体中文)."""
    value = st.query_params.get("lang", "zh")
    return "en" if value == "en" else "zh"


def tr(key: str, **values: object) -> str:
    """Translate a key of the i18n table into the current language."""
    return t(key, lang(), **values)


def number(value: object, unit: str, **options: Any) -> str:
    """`value` in `unit` as `shopkr.app.numbers.fmt` writes it in the current language (options: compact,
    digits, signed, symbol): ¥268.7万 for a yuan amount with compact=True, symbol=True in 简体中文."""
    return numbers.fmt(value, unit, lang(), **options)


def message(m: Coded) -> str:
    """A message (code and parameters, e.g. a KR's `message` or a Problem) in the current language."""
    return render(m, lang())


def has(key: str) -> bool:
    """Is there a translation for `key`?"""
    return key in STRINGS


# --- query parameters (bookmarkable selections) ---------------------------------------------------------


def param(name: str, default: str | None = None) -> str | None:
    """A bookmarkable selection from the URL."""
    return st.query_params.get(name, default)


def set_param(name: str, value: str | None) -> None:
    """Store a selection in the URL (None removes it)."""
    if value is None:
        if name in st.query_params:
            del st.query_params[name]
    elif st.query_params.get(name) != value:
        st.query_params[name] = value


def bound_widget(
    widget: Callable[..., Any],
    name: str,
    label: str,
    options: list[str],
    default: str | None,
    *,
    key: str | None = None,
    **kwargs: Any,
) -> Any:
    """A selectbox/segmented control whose value lives in the URL parameter `name` (bookmarkable): the URL
    wins over stale widget state, and a user's choice is written back to the URL. `key` (default `url_<name>`)
    lets a page bind a second widget to a parameter the sidebar binds too (复盘's cycle among the ended ones)."""
    key = key or f"url_{name}"
    current = param(name, default)
    if current not in options:
        current = default if default in options else options[0]
    if st.session_state.get(key) != current:
        st.session_state[key] = current

    def write_back() -> None:
        set_param(name, st.session_state.get(key))

    return widget(label, options, key=key, on_change=write_back, **kwargs)


def keep_params() -> dict[str, str]:
    """The selections to carry over when switching pages."""
    return {k: st.query_params[k] for k in PAGE_KEYS if k in st.query_params}


# --- data access (cached by data version) -------------------------------------------------------------


def version() -> tuple:
    """Fingerprint of the database file: changes after any write, from this process or the CLI."""
    return store.data_version()


def _with_db(fn: Callable[[Any], Any]) -> Any:
    """Run fn(con) on a short-lived connection, waiting quietly while another process writes."""
    with store.connect(wait=60.0) as con:
        return fn(con)


@st.cache_data(show_spinner=False, max_entries=8)
def _okrs(data_version: tuple) -> OKRFile:
    return _with_db(store.read_okrs)


def okrs() -> OKRFile:
    """All stored definitions."""
    return _okrs(version())


@st.cache_data(show_spinner=False, max_entries=32)
def _report(cycle_id: str, as_of: dt.date, data_version: tuple) -> engine.CycleReport:
    defs = _okrs(data_version)
    return _with_db(lambda con: engine.score_cycle(con, defs, cycle_id, as_of))


def report(cycle_id: str, as_of: dt.date | None = None) -> engine.CycleReport:
    """The scored cycle at as_of (default today)."""
    return _report(cycle_id, as_of or dt.date.today(), version())


@st.cache_data(show_spinner=False, max_entries=64)
def _series(kr_id: str, as_of: dt.date, data_version: tuple) -> pd.DataFrame:
    defs = _okrs(data_version)
    if engine.find_kr(defs, kr_id)[1].sql is not None:
        # One query per day, each on its own short connection (the file is never held for the whole
        # series), within engine.SERIES_BUDGET seconds in all.
        return engine.kr_series(None, defs, kr_id, as_of, connect=lambda wait: store.connect(wait=wait))
    return _with_db(lambda con: engine.kr_series(con, defs, kr_id, as_of))


def series(kr_id: str, as_of: dt.date | None = None) -> pd.DataFrame:
    """The daily to-date series of one KR with target and pace; for an SQL KR whose days did not all run
    within the time budget, `attrs["incomplete_from"]` is the first day left empty (see engine.kr_series)."""
    return _series(kr_id, as_of or dt.date.today(), version())


def series_note(frame: pd.DataFrame) -> str | None:
    """What a page says under a series that is incomplete (an SQL KR out of time budget), else None."""
    first = frame.attrs.get("incomplete_from")
    if first is None:
        return None
    return tr("detail.series_incomplete", seconds=f"{engine.SERIES_BUDGET:g}", date=f"{first:%m-%d}")


@st.cache_data(show_spinner=False, max_entries=16)
def _query(name: str, args: tuple, data_version: tuple) -> pd.DataFrame:
    fn = getattr(queries, name)
    return _with_db(lambda con: fn(con, *args))


def query(name: str, *args: Any) -> pd.DataFrame:
    """A cached call of a function in shopkr.data.queries (by name)."""
    return _query(name, args, version())


@st.cache_data(show_spinner=False, max_entries=8)
def _people(cycle_id: str, as_of: dt.date, data_version: tuple) -> list:
    from shopkr.app import people_tables

    defs = _okrs(data_version)
    used = {o.cycle for o in defs.objectives}
    return people_tables.people([_report(c, as_of, data_version) for c in sorted(used)], cycle_id)


def people_summaries(cycle_id: str) -> list:
    """Everyone who owns OKRs, with the selected cycle's and earlier cycles' scores (see shopkr.app.people_tables)."""
    return _people(cycle_id, dt.date.today(), version())


def cycles() -> list[str]:
    """Cycle ids that have objectives, newest first."""
    defs = okrs()
    resolved = resolve_cycles(defs)
    used = {o.cycle for o in defs.objectives}
    return sorted(used, key=lambda c: (resolved[c].start if c in resolved else dt.date.min, c), reverse=True)


def current_cycle() -> str | None:
    """The cycle picked in the sidebar (URL), else the one containing today."""
    options = cycles()
    chosen = param("cycle")
    if chosen in options:
        return chosen
    return engine.current_cycle(okrs(), dt.date.today()) if options else None


@st.cache_data(show_spinner=False, max_entries=4)
def _is_demo(data_version: tuple) -> bool:
    return _with_db(lambda con: store.get_meta(con, "demo") == "loaded")


def is_demo() -> bool:
    """Is the demo data loaded?"""
    return _is_demo(version())


@st.cache_data(show_spinner=False, max_entries=4)
def _demo_shops(data_version: tuple) -> frozenset[str]:
    from shopkr.data import demo

    return frozenset(_with_db(demo.demo_shops))


def demo_shops() -> frozenset[str]:
    """Shops that hold only the demo's data."""
    return _demo_shops(version())


def _rhythm_words(plan: store.DemoPlan) -> dict[str, str]:
    """The demo plan's sentences about check-ins, notes and reviews (issue 11), by i18n key: demo_rhythm.clear
    (the demo's, removed), demo_rhythm.kept (the demo's, changed since) and demo_rhythm.others (others' on the
    removed demo objectives); a key only when its counts are not all 0."""
    names = {"checkin": "checkins", "annotation": "notes", "objective_review": "reviews", "kr_review": "grades"}
    found = {
        "demo_rhythm.clear": {names[e]: plan.rhythm_count(e) for e in names},
        "demo_rhythm.kept": {names[e]: plan.rhythm_count(e, kept=True) for e in names},
        "demo_rhythm.others": {names[e]: plan.others_rhythm.get(e, 0) for e in names},
    }
    return {key: tr(key, **counts) for key, counts in found.items() if any(counts.values())}


def demo_sidebar() -> None:
    """The 示例数据 banner and 清除示例数据: the first click shows what clearing removes and what stays (counts);
    only the confirmation clears, and it removes exactly what the demo wrote (see shopkr.data.demo)."""
    from shopkr.data import demo

    if done := st.session_state.pop("demo_cleared", None):
        st.success(tr("ui.demo_cleared", **done), icon=":material/check_circle:")
    if not is_demo():
        return
    st.warning(tr("ui.demo_banner"), icon=":material/science:")
    if not may("demo"):  # clearing the demo is an admin's
        return
    if not st.session_state.get("demo_confirm"):
        if st.button(tr("ui.demo_clear"), width="stretch", key="demo_clear"):
            st.session_state["demo_confirm"] = True
            st.rerun()
        return
    plan = demo.plan()
    if plan is None:  # cleared elsewhere meanwhile
        st.session_state.pop("demo_confirm", None)
        return
    counts = {
        "rows": number(plan.row_count, "count"),
        "imports": number(len(plan.imports), "count"),
        "objectives": len(plan.objectives),
        "tests": len(plan.tests),
        "changes": len(plan.changes),
    }
    st.markdown(tr("ui.demo_clear_plan", **counts))
    rhythm = _rhythm_words(plan)
    if "demo_rhythm.clear" in rhythm:
        st.markdown(rhythm["demo_rhythm.clear"])
    kept = len(plan.kept_objectives) + len(plan.kept_tests)
    st.markdown(tr("ui.demo_clear_keep", kept_rows=number(plan.kept_rows, "count"), kept=kept))
    for key in ("demo_rhythm.kept", "demo_rhythm.others"):
        if key in rhythm:
            st.markdown(rhythm[key])
    if not plan.recorded:
        st.caption(tr("ui.demo_clear_old"))
    yes, no = st.columns(2)
    if yes.button(tr("ui.demo_clear_yes"), type="primary", key="demo_clear_yes"):
        who = identity()
        roles.check(who, "demo")
        done = demo.clear(user=who.name or "unknown")
        st.session_state.pop("demo_confirm", None)
        if done is not None:
            st.session_state["demo_cleared"] = {
                "rows": number(done.row_count, "count"),
                "objectives": len(done.objectives),
                "tests": len(done.tests),
            }
        refresh()
        st.rerun()
    if no.button(tr("ui.demo_clear_no"), key="demo_clear_no"):
        st.session_state.pop("demo_confirm", None)
        st.rerun()


def first_start(title: str) -> bool:
    """The first start on an empty database: the first session starts loading the demo in the background (once
    per server, `shopkr.data.demo.start_load`); while it loads, every session draws `title` and the progress,
    updated every second, and the page appears by itself when the demo is in. Returns True while the demo is
    loading: the caller then runs neither the page nor anything else that reads the database. A failed load
    is said once per session (why, and what to do), then the app runs on what is there."""
    import gc

    from shopkr.app.escape import md
    from shopkr.data import demo

    if "demo_checked" not in st.session_state:
        if demo.start_load() is not None:
            # Every script run, the progress's too, ends in Streamlit's full garbage collection (runner.postScriptGC):
            # about 100 ms holding the GIL over the ~170,000 objects of the imported libraries, which the loading
            # thread waits for. Frozen out of the collector until the load has ended, they cost nothing.
            gc.freeze()
        st.session_state["demo_checked"] = True
    job = demo.current_load()
    if job is None:
        return False
    status = job.status()
    if status.state == "running":
        st.title(title)
        _demo_progress()
        return True
    if gc.get_freeze_count():
        gc.unfreeze()
    if status.state == "failed" and st.session_state.get("demo_failure_said") != id(job):
        st.session_state["demo_failure_said"] = id(job)
        error = status.error
        reason = str(error)[:300] or type(error).__name__
        st.error(tr("ui.demo_failed", reason=md(reason)), icon=":material/error:")
    return False


@st.fragment(run_every=1.0)
def _demo_progress() -> None:
    """The demo's progress, redrawn alone every second; the whole app reruns once the load has ended."""
    from shopkr.data import demo

    job = demo.current_load()
    status = job.status() if job is not None else None
    if status is None or status.state != "running":
        st.rerun(scope="app")  # cached reads are keyed on the file's fingerprint: the page reads the new data
    step = status.step
    if status.files is not None:
        step = tr("ui.demo_loading_files", shop=status.step, done=status.files[0], total=status.files[1])
    with st.container(key="demo_loading"):
        st.progress(min(max(status.fraction, 0.0), 1.0), text=tr("ui.demo_loading", step=step))
        st.caption(tr("ui.demo_loading_note"))


def refresh() -> None:
    """Drop cached reads after this process wrote to the database."""
    st.cache_data.clear()


# --- writes the pages make (pages never open the database themselves) ----------------------------------------

# What a write can raise, for the pages to catch without importing the data layer.
DatabaseBusy = store.DatabaseBusy
LockedCycleError = store.LockedCycleError


def save_okrs(drawn: OKRFile, new: OKRFile, *, who: Identity, reason: str | None) -> list[store.Change] | None:
    """Store the whole new definition set `new` (already validated) as `who`, unless the stored definitions
    are no longer `drawn` (someone else saved since this page was drawn): then nothing is written and the
    result is None. Returns the changes recorded. Raises roles.Refused when `who` may not make one of the
    changes (roles.check_okr_changes), LockedCycleError when a locked cycle's start or target changes without
    a reason, DatabaseBusy when another process keeps the file."""
    with store.connect() as con:
        stored = store.read_okrs(con)
        if stored != drawn:
            refresh()
            return None
        roles.check_okr_changes(who, stored, new)
        changes = store.save_okrs(con, new, user=who.name or "unknown", reason=reason)
    refresh()
    return changes


def set_lock(cycle: Cycle, *, who: Identity, locked: bool) -> None:
    """Lock (or unlock) a cycle's starts and targets as `who`. Raises roles.Refused unless `who` may lock
    (admins), DatabaseBusy like save_okrs."""
    roles.check(who, "lock")
    with store.connect() as con:
        store.set_lock(con, cycle, user=who.name or "unknown", locked=locked)
    refresh()


# --- quarter-end reviews (issue 11): 复盘, 成员 and 总览 ----------------------------------------------------------

ReviewError = store.ReviewError  # a refused review (code and parameters; nothing written), for the pages


@st.cache_data(show_spinner=False, max_entries=16)
def _reviews(cycle_id: str, data_version: tuple) -> list:
    defs = _okrs(data_version)
    return _with_db(lambda con: store.read_reviews(con, cycle_id, defs))


def reviews(cycle_id: str) -> list[store.ObjectiveReview]:
    """The stored review of each objective of a cycle (store.read_reviews)."""
    return _reviews(cycle_id, version())


@st.cache_data(show_spinner=False, max_entries=4)
def _review_cycles(today: dt.date, data_version: tuple) -> list[str]:
    return _with_db(lambda con: store.review_cycles(con, today))


def review_cycles() -> list[str]:
    """The cycles that can be reviewed today (ended or closed), newest first (store.review_cycles)."""
    return _review_cycles(dt.date.today(), version())


@st.cache_data(show_spinner=False, max_entries=4)
def _missing_reviews(today: dt.date, data_version: tuple) -> list:
    return _with_db(lambda con: store.missing_reviews(con, today))


def missing_reviews(today: dt.date) -> list[store.MissingReview]:
    """Reviews still missing or incomplete 14 days or more after their cycle's end (store.missing_reviews)."""
    return _missing_reviews(today, version())


@st.cache_data(show_spinner=False, max_entries=8)
def _people_reviews(cycle_id: str, as_of: dt.date, data_version: tuple) -> dict:
    from shopkr.app import people_tables

    defs = _okrs(data_version)
    used = sorted({o.cycle for o in defs.objectives})
    stored = _with_db(lambda con: {c: store.read_reviews(con, c, defs) for c in used})
    return people_tables.past_reviews([_report(c, as_of, data_version) for c in used], stored, cycle_id)


def people_reviews(cycle_id: str) -> dict[str, list]:
    """Per owner, their reviews of the cycles before `cycle_id` beside their scores (people_tables.past_reviews)."""
    return _people_reviews(cycle_id, dt.date.today(), version())


def save_review(review: store.ObjectiveReview, *, who: Identity) -> list[store.Change]:
    """Store one objective's review as `who` (store.save_review, as of today). Raises roles.Refused unless `who`
    may review that objective, ReviewError when it is refused (nothing written) and DatabaseBusy when another
    process keeps the file."""
    with store.connect() as con:
        roles.check(who, "review", review.objective_id, _scope(con, who))
        changes = store.save_review(con, review, user=who.name)
    refresh()
    return changes


# --- check-ins (issue 11): reads cached by data version, and the one write ---------------------------------------

CheckInError = store.CheckInError


@st.cache_data(show_spinner=False, max_entries=32)
def _checkins(kr_id: str, data_version: tuple) -> list[store.CheckIn]:
    return _with_db(lambda con: store.checkins_of_kr(con, kr_id))


def checkins(kr_id: str) -> list[store.CheckIn]:
    """Every check-in of one KR in timeline order (store.checkins_of_kr)."""
    return _checkins(kr_id, version())


@st.cache_data(show_spinner=False, max_entries=16)
def _latest_checkins(cycle_id: str, as_of: dt.date, data_version: tuple) -> dict[str, store.CheckIn]:
    return _with_db(lambda con: store.latest_checkins(con, cycle_id, as_of))


def latest_checkins(cycle_id: str, as_of: dt.date | None = None) -> dict[str, store.CheckIn]:
    """KR id -> its latest check-in dated on or before as_of (default today), for the cycle's KRs that have one."""
    return _latest_checkins(cycle_id, as_of or dt.date.today(), version())


@st.cache_data(show_spinner=False, max_entries=16)
def _stale_krs(owner: str, cycle_id: str, as_of: dt.date, data_version: tuple) -> list[store.StaleKR]:
    return _with_db(lambda con: store.stale_krs(con, owner, cycle_id, as_of))


def stale_krs(owner: str, cycle_id: str, as_of: dt.date | None = None) -> list[store.StaleKR]:
    """`owner`'s KRs without a check-in for 7 days as of as_of (default today), while the cycle runs
    (store.stale_krs)."""
    return _stale_krs(owner, cycle_id, as_of or dt.date.today(), version())


@st.cache_data(show_spinner=False, max_entries=32)
def _checkin_p_hits(kr_id: str, days: tuple[dt.date, ...], data_version: tuple) -> dict[dt.date, float | None]:
    from shopkr.app import checkins as checkin_view

    defs = _okrs(data_version)
    return _with_db(lambda con: checkin_view.p_hits(con, defs, kr_id, days))


def checkin_p_hits(kr_id: str, days: list[dt.date]) -> dict[dt.date, float | None]:
    """Day -> the KR's P(hit) as computed on that day, for the days of its check-ins (shopkr.app.checkins.p_hits:
    one scoring of the KR per distinct day), cached until the data change."""
    return _checkin_p_hits(kr_id, tuple(sorted(set(days))), version())


def save_checkin(kr_id: str, *, confidence: object, note: str, who: Identity) -> store.CheckInSave:
    """Store `who`'s check-in on `kr_id` for today (a new one, or an edit of their check-in made today) through
    store.save_checkin, then drop cached reads. Raises roles.Refused unless `who` may check in on the KR's
    objective, CheckInError (nothing written) for a refused check-in, with a code and parameters for `message`,
    and DatabaseBusy when another process keeps the file."""
    with store.connect() as con:
        owner = next((o.id for o in store.read_okrs(con).objectives for k in o.key_results if k.id == kr_id), None)
        roles.check(who, "checkin", owner, _scope(con, who))
        saved = store.save_checkin(con, kr_id, confidence=confidence, note=note, author=who.name)
    refresh()
    return saved


# --- notes on the charts (issue 11): reads cached by data version, the two writes --------------------------------

AnnotationError = store.AnnotationError  # a refused note (code and parameters; nothing written), for the pages


@st.cache_data(show_spinner=False, max_entries=64)
def _chart_notes(
    scope: tuple[str | None, str | None, str | None, str | None],
    first: dt.date | None,
    last: dt.date | None,
    data_version: tuple,
) -> list[store.Annotation]:
    from shopkr.domain.annotations import Scope

    defs = _okrs(data_version)
    return _with_db(lambda con: store.chart_annotations(con, Scope(*scope), first=first, last=last, okrs=defs))


def kr_notes(k: engine.KRResult, series: pd.DataFrame | None = None) -> list[store.Annotation]:
    """The notes and A/B test marks a chart of KR `k` shows (store.chart_annotations on the KR's scope), within the
    days of `series` (its `date` column: the chart's days) when given."""
    from shopkr.domain.annotations import kr_chart_scope

    s = kr_chart_scope(k.id, k.filters)
    first = last = None
    if series is not None and len(series):
        first, last = pd.Timestamp(series["date"].min()).date(), pd.Timestamp(series["date"].max()).date()
    return _chart_notes((s.shop, s.product_id, s.creative_id, s.kr_id), first, last, version())


def ab_test_notes(shop: str, product_id: str | None) -> list[store.Annotation]:
    """The notes and A/B test marks the charts of an A/B test on `shop` and `product_id` show."""
    from shopkr.domain.annotations import ab_scope

    s = ab_scope(shop, product_id)
    return _chart_notes((s.shop, s.product_id, s.creative_id, s.kr_id), None, None, version())


def add_note(*, who: Identity, **fields: Any) -> store.Annotation:
    """Store a note by `who` (store.add_annotation's keyword arguments but the author: start, end, text and the
    scope), then drop cached reads. Raises roles.Refused unless `who` may annotate, AnnotationError (nothing
    written) and DatabaseBusy like the other writes."""
    roles.check(who, "annotate")
    with store.connect() as con:
        note = store.add_annotation(con, author=who.name, **fields)
    refresh()
    return note


def remove_note(annotation_id: int, *, who: Identity) -> store.Annotation:
    """Remove a note as `who`, its author (store.remove_annotation), then drop cached reads. Raises roles.Refused
    unless `who` may annotate, AnnotationError (not found, or not the author: nothing removed) and DatabaseBusy."""
    roles.check(who, "annotate")
    with store.connect() as con:
        note = store.remove_annotation(con, annotation_id, user=who.name)
    refresh()
    return note


# --- small shared widgets -----------------------------------------------------------------------------

SCORE_COLOURS = {"red": "#d64545", "yellow": "#e0a100", "green": "#2e9d5b", "grey": "#9aa0a6"}


def band(score: float | None, status: str | None = None) -> str:
    """The colour band of a score: red < 0.4, yellow 0.4-0.69, green >= 0.7; grey without data."""
    if status in ("no_data", "not_started", "error") or score is None:
        return "grey"
    if score < 0.4:
        return "red"
    if score < 0.7:
        return "yellow"
    return "green"


def score_badge(score: float | None, status: str | None = None) -> str:
    """Markdown for a coloured score with two decimals."""
    colour = band(score, status)
    text = numbers.DASH if status in ("no_data", "not_started") else numbers.fmt(score, "score")
    markdown_colour = {"red": "red", "yellow": "orange", "green": "green"}.get(colour, "gray")
    return f":{markdown_colour}[**{text}**]"


STATUS_COLOUR = {
    "on_track": "green",
    "done": "blue",
    "at_risk": "orange",
    "off_track": "red",
    "no_data": "gray",
    "not_started": "gray",
    "error": "red",
}


def status_badge(status: str) -> str:
    """A coloured status badge (markdown)."""
    return f":{STATUS_COLOUR.get(status, 'gray')}-badge[{status_text(status)}]"


def series_columns(unit: str, metric: str | None = None) -> dict[str, Any]:
    """Column labels and number formats (`shopkr.app.numbers.column_format`) for a KR's daily series table: the
    value in the KR's `unit`, numerator and denominator in the units of the catalogue `metric`'s parts
    (aov: yuan / count; without a metric, numbers)."""
    num_unit, den_unit = numbers.part_units(metric)
    column = st.column_config.NumberColumn
    return {
        "date": st.column_config.DateColumn(tr("ui.date"), format="YYYY-MM-DD"),
        "numerator": column(tr("ui.numerator"), format=numbers.column_format(num_unit)),
        "denominator": column(tr("ui.denominator"), format=numbers.column_format(den_unit)),
        "num_to_date": column(tr("detail.num_to_date"), format=numbers.column_format(num_unit)),
        "den_to_date": column(tr("detail.den_to_date"), format=numbers.column_format(den_unit)),
        "value": column(tr("ui.to_date"), format=numbers.column_format(unit)),
    }


def status_text(status: str) -> str:
    """A status in words in the current language."""
    return tr(f"status.{status}")


def no_cycle_hint() -> None:
    """What to do when there are no OKRs yet."""
    st.info(tr("ui.no_okrs"))


def chart_labels(k: engine.KRResult) -> dict[str, str]:
    """The names in a KR's progress chart (charts.progress): the to-date value, the target, the pace line named
    by its method (按去年同期节奏 / 按大促日历 / 线性), the forecast and its band, and the data-through mark."""
    labels = {
        "value": tr("ui.to_date"),
        "target": tr("ui.target"),
        "pace": tr(f"ui.pace_line.{k.pace_method or 'linear'}"),
        "forecast": tr("ui.forecast"),
        "fan": tr("ui.forecast_fan"),
    }
    if k.data_through:
        labels["data_through"] = tr("ui.data_through", date=f"{k.data_through:%m-%d}")
    return labels


def p_hit(p: float | None) -> str:
    """A probability as the pages show P(hit): a whole percentage, "> 99%" / "< 1%" near certainty, "–" without a
    forecast (numbers.fmt's probability unit)."""
    return numbers.fmt(p, "probability")


def p_hit_help(k: engine.KRResult) -> str:
    """The tooltip of P(hit): what it is and which pace it follows, and why that pace."""
    pace = tr(f"ui.pace_method.{k.pace_method}") if k.pace_method else ""
    if k.pace_reason is not None:
        pace = f"{pace}：{message(k.pace_reason)}" if lang() == "zh" else f"{pace}: {message(k.pace_reason)}"
    return tr("ui.p_hit_help", pace=pace)


def provisional_badge(k: engine.KRResult) -> str | None:
    """Markdown for the 暂估 (provisional) badge of a KR whose value still includes settling days (refunds,
    attributed sales; None when it has none). Its tooltip is `provisional_help`."""
    return f":orange-badge[{tr('ui.provisional')}]" if k.provisional else None


def provisional_help(k: engine.KRResult) -> str | None:
    """The 暂估 badge's tooltip: which days are still settling, what, when they are final and the share of the
    value from them, e.g. "11-19 ~ 11-26 的退款仍在回补，约 12-10 定稿；…" (a frozen provisional grade: that it
    must be closed again). None for a KR that is not provisional."""
    if not k.provisional:
        return None
    s = k.settling
    columns = s.columns if s is not None else ("refund_amount",) if k.metric in ("refund_rate", "refund_amount") else ()
    words = [tr(f"ui.settling.{c}") if has(f"ui.settling.{c}") else c for c in columns] or [tr("ui.settling.values")]
    what = "、".join(words) if lang() == "zh" else " and ".join(words)
    if s is None:
        return tr("ui.provisional_frozen", what=what)
    days = f"{s.first:%m-%d} ~ {s.last:%m-%d}" if s.first != s.last else f"{s.first:%m-%d}"
    share = number(k.provisional_share, "rate") if k.provisional_share is not None else "–"
    return tr("ui.provisional_help", days=days, what=what, final=f"{s.final_on:%m-%d}", share=share)


def closing_note(report: engine.CycleReport) -> str | None:
    """The 管理 page's line about a provisional closing of the report's cycle (None when it is not closed or its
    grades are final)."""
    if report.closed_at is None or report.final_on is None:
        return None
    return tr(
        "manage.closed_provisional",
        cycle=report.cycle.id,
        date=f"{report.closed_at:%Y-%m-%d}",
        final=f"{report.final_on:%Y-%m-%d}",
    )


def forecast_caption(k: engine.KRResult) -> str | None:
    """One line under a KR card: the forecast median with its 80% range, where the pace expects the KR today,
    and the pace's method (None for KRs without a pace: manual ones, and before the cycle)."""
    if k.pace_method is None:
        return None
    parts = []
    if k.projected_low is not None and k.projected_high is not None:
        fmt = {"compact": True, "symbol": True}
        parts.append(
            tr(
                "ui.forecast_range",
                mid=number(k.projected_value, k.unit, **fmt),
                low=number(k.projected_low, k.unit, **fmt),
                high=number(k.projected_high, k.unit, **fmt),
            )
        )
    if k.expected_to_date is not None:
        parts.append(tr("ui.expected_to_date", value=number(k.expected_to_date, k.unit, compact=True, symbol=True)))
    parts.append(tr(f"ui.pace_method.{k.pace_method}"))
    return " · ".join(parts)


def calendar_error() -> str | None:
    """Markdown saying what is wrong with the user's promotion calendar (the file SHOPKR_PROMO_CALENDAR names),
    or None when it loads: the dashboard shows it instead of failing on the first forecast."""
    from shopkr.domain import forecast

    try:
        forecast.load_calendar()
    except forecast.CalendarError as exc:
        import os

        from shopkr.app.escape import md

        path = md(os.environ.get(forecast.CALENDAR_ENV, ""))
        head = tr("ui.calendar_file_error", env=forecast.CALENDAR_ENV, path=path)
        lines = [f"- {md(p.path)}: {md(message(p.message))}" for p in exc.problems]
        return "\n".join([head, *lines])
    return None
