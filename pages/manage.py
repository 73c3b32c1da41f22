"""OKR管理 Manage OKRs: edit objectives and KRs with the YAML file's validation, import/export YAML, lock a cycle,
and read the change history. The logic lives in shopkr/app/okr_form.py; writes go through shopkr/app/ui.py to
shopkr/data/store.py."""

import datetime as dt

import streamlit as st

from shopkr.app import okr_form, ui
from shopkr.app.escape import code, md
from shopkr.domain.okr import Problem, dump_yaml, implied_cycle, resolve_cycles

ui.require_app()

NEW = "_new"
tr, lang = ui.tr, ui.lang()
okrs = ui.okrs()
cycle = ui.current_cycle() or okr_form.default_cycle(dt.date.today())
locks = ui.query("cycle_locks")
state = okr_form.cycle_state(locks, cycle)


def said(p: Problem, with_path: bool = False) -> str:
    """A problem in words for a Markdown element: the values in it escaped, its path as code."""
    text = md(okr_form.describe(p, lang))
    return f"{code(p.path)} {text}" if with_path and p.path else text


st.title(tr("manage.title", cycle=md(cycle)))
top_left, top_right = st.columns([1, 3], vertical_alignment="bottom")
who = ui.actor("manage_user", where=top_left)  # the signed-in user, or the 操作人 typed in local mode
if state.closed_at and (note := ui.closing_note(ui.report(cycle))):
    top_right.info(note, icon=":material/hourglass_top:")
elif state.closed_at:
    top_right.info(tr("manage.closed", cycle=md(cycle), date=f"{state.closed_at:%Y-%m-%d}"), icon=":material/flag:")
elif state.locked:
    locked = tr("manage.locked", cycle=md(cycle), who=md(state.locked_by), date=f"{state.locked_at:%Y-%m-%d}")
    top_right.warning(locked, icon=":material/lock:")
else:
    top_right.success(tr("manage.open", cycle=md(cycle)), icon=":material/edit:")
if flash := st.session_state.pop("manage_flash", None):
    st.success(flash[0], icon=":material/check_circle:")
    for p in flash[1]:
        st.warning(said(p, with_path=True), icon=":material/lightbulb:")


def save(edit: okr_form.Edit, reason: str | None, select: dict, done: str | None = None, after: dict | None = None):
    """Validate the whole new definition set and store it; on success rerun, else return the problems."""
    checked = okr_form.check(edit)
    if checked.okrs is None:
        return checked.problems
    try:
        changes = ui.save_okrs(okrs, checked.okrs, who=who, reason=reason)
    except ui.LockedCycleError:
        return [Problem(f"{edit.path}.reason" if edit.path else "reason", "manage.locked_error")]
    except ui.Refused as exc:
        return [Problem("", exc.message.code, params=exc.message.params)]
    if changes is None:  # changed by someone else since this page was drawn
        return [Problem("", "manage.changed_elsewhere")]
    text = done or (tr("manage.saved", n=len(changes)) if changes else tr("manage.no_change"))
    st.session_state["manage_flash"] = (text, checked.warnings)
    st.session_state.update(after or {})
    for name, value in select.items():
        ui.set_param(name, value)
    st.rerun()


def form(specs: list, key: str, ask_reason: bool = state.locked) -> tuple[dict, dict]:
    """Draw fields described by editing.*_fields, each with an empty slot under it for its problems."""
    if ask_reason:
        specs = [
            *specs,
            okr_form.FieldSpec("reason", "text_input", None, {"placeholder": tr("manage.reason_placeholder")}),
        ]
    values, slots, row = {}, {}, None
    for spec in specs:
        if spec.column == 0 or (spec.column == 1 and row is None):
            row = st.columns(2)
        box = st if spec.column is None else row[spec.column]
        kwargs = dict(spec.kwargs)
        if spec.labels is not None:
            kwargs["format_func"] = lambda v, labels=spec.labels: labels.get(v, v)
        help_key = f"manage.help.{spec.label_key}"
        values[spec.name] = getattr(box, spec.widget)(
            tr(f"manage.field.{spec.label_key}"),
            key=f"{key}-{spec.name}",
            help=tr(help_key) if ui.has(help_key) else None,
            **kwargs,
        )
        slots[spec.name] = box.empty()
    slots[""] = st.empty()
    return values, slots


def show(problems: list | None, prefix: str, slots: dict) -> None:
    """Each problem next to the field it concerns; the rest (with their path) in the form's general slot."""
    for name, found in okr_form.form_errors(problems or [], prefix, fields=slots).items():
        with slots.get(name, slots[""]).container():
            for p in found:
                text = said(p, with_path=not name and p.path not in ("", prefix))
                (st.error if p.severity == "error" else st.warning)(text)


def submit(values: dict, slots: dict, make_edit, select, done: str | None = None, after: dict | None = None) -> None:
    """Build the edit from the form values, save it, and show what stops it next to the fields."""
    edit = make_edit(values)
    show(save(edit, (values.get("reason") or "").strip() or None, select(values), done, after), edit.path, slots)


def delete_box(label: str, key: str, make_edit, select: dict, done: str, caption: str | None = None) -> None:
    with st.expander(label, icon=":material/delete:"):
        if caption:
            st.caption(caption)
        values, slots = form([], key)
        if st.button(tr("manage.delete_confirm"), key=f"{key}-delete"):
            submit(values, slots, lambda _: make_edit(), lambda _: select, done)


def pick(label: str, items: dict, param: str, new_label: str) -> str:
    """A bookmarkable choice (URL query parameter) among items, plus "new"."""
    options, chosen = [*items, NEW], ui.param(param)
    choice = st.selectbox(
        label,
        options,
        index=options.index(chosen) if chosen in options else 0,
        format_func=lambda i: new_label if i == NEW else f"{i} · {items[i].title}",
    )
    ui.set_param(param, choice if items else None)  # "new" is bookmarked only when chosen among others
    return choice


def ident(values: dict) -> str:
    return (values.get("id") or "").strip()


tab_edit, tab_yaml, tab_lock = st.tabs([tr("manage.tab_edit"), tr("manage.tab_yaml"), tr("manage.tab_lock")])

with tab_edit:
    by_id = {o.id: o for o in okrs.objectives if o.cycle == cycle}
    if not by_id:
        st.info(tr("manage.no_objectives", cycle=md(cycle)))
    else:
        with st.expander(tr("manage.all_objectives", n=len(by_id)), icon=":material/table_view:"):
            st.dataframe(okr_form.objectives_table(okrs, cycle, lang), hide_index=True)
        if warnings := okr_form.cycle_warnings(okrs, cycle):
            with st.expander(tr("manage.warnings", n=len(warnings)), icon=":material/lightbulb:"):
                for p in warnings:
                    st.warning(said(p))
    oid = pick(tr("manage.pick_objective"), by_id, "objective", tr("manage.new_objective"))
    obj = by_id.get(oid)
    editable = ui.may("edit_okrs", oid) if obj else ui.may("create_objective")
    if not editable:  # a viewer, or an editor on someone else's objective: the forms are not shown
        st.info(ui.read_only_text(md(oid) if obj else None), icon=":material/visibility:")
    else:
        left, right = st.columns(2, gap="large")
        with left:
            st.subheader(tr("manage.objective_form", id=md(oid)) if obj else tr("manage.new_objective"))
            with st.form(f"objective-{oid}"):
                values, slots = form(okr_form.objective_fields(okrs, obj, cycle, lang), f"o-{oid}")
                if st.form_submit_button(
                    tr("manage.save"), type="primary", icon=":material/save:", key=f"o-{oid}-save"
                ):
                    submit(
                        values,
                        slots,
                        lambda v: okr_form.upsert_objective(
                            okrs, okr_form.objective_from_form(v), original_id=obj and obj.id
                        ),
                        lambda v: {"objective": ident(v), "cycle": (v.get("cycle") or cycle).strip()},
                    )
            if obj:
                delete_box(
                    tr("manage.delete_objective", id=md(oid)),
                    f"del-{oid}",
                    lambda: okr_form.delete_objective(okrs, oid),
                    {"objective": None, "kr": None},
                    tr("manage.deleted", id=md(oid)),
                    tr("manage.delete_objective_help", id=md(oid), n=len(obj.key_results)),
                )
        with right:
            st.subheader(tr("manage.krs"))
            if obj is None:
                st.info(tr("manage.save_objective_first"))
            else:
                krs = {kr.id: kr for kr in obj.key_results}
                kid = pick(tr("manage.pick_kr"), krs, "kr", tr("manage.new_kr"))
                kr = krs.get(kid)
                kind = st.radio(
                    tr("manage.measure"),
                    okr_form.KINDS,
                    index=okr_form.KINDS.index(okr_form.kr_kind(kr)),
                    format_func=lambda v: tr(f"manage.kind.{v}"),
                    horizontal=True,
                    key=f"kind-{oid}-{kid}",
                )
                with st.form(f"kr-{oid}-{kid}"):
                    specs = okr_form.kr_fields(okrs, oid, kr, kind, ui.query("shops"), lang)
                    values, slots = form(specs, f"kr-{oid}-{kid}-{kind}")
                    if st.form_submit_button(
                        tr("manage.save"), type="primary", icon=":material/save:", key=f"kr-{oid}-{kid}-save"
                    ):
                        submit(
                            values,
                            slots,
                            lambda v: okr_form.upsert_kr(
                                okrs, oid, okr_form.kr_from_form(kind, v), original_id=kr and kr.id
                            ),
                            lambda v: {"kr": ident(v)},
                        )
                if kr:
                    delete_box(
                        tr("manage.delete_kr", id=md(kid)),
                        f"del-{oid}-{kid}",
                        lambda: okr_form.delete_kr(okrs, oid, kid),
                        {"kr": None},
                        tr("manage.deleted", id=md(kid)),
                    )

with tab_yaml:
    if ui.may("create_objective"):  # viewers export, they do not upload
        st.subheader(tr("manage.import"))
        n = st.session_state.get("manage_upload", 0)
        upload = st.file_uploader(
            tr("manage.upload"), type=["yaml", "yml"], key=f"upload-{n}", help=tr("manage.upload_help")
        )
        if upload is not None:
            new, problems = okr_form.read_upload(upload.getvalue())
            checked, changes = okr_form.preview(okrs, new) if new else (None, [])
            if new is None or checked.okrs is None:
                found = problems if new is None else checked.problems
                errors = sum(p.severity == "error" for p in found)
                st.error(tr("manage.upload_errors" if new is None else "manage.upload_conflict", n=errors))
                st.dataframe(okr_form.problems_table(found, lang), hide_index=True)
            else:
                if checked.warnings:
                    st.dataframe(okr_form.problems_table(checked.warnings, lang), hide_index=True)
                if not changes:
                    st.info(tr("manage.upload_same"))
                else:
                    st.markdown(tr("manage.upload_preview", n=len(changes)))
                    st.dataframe(okr_form.changes_table(changes, lang), hide_index=True)
                    gone = okr_form.deleted_table(okrs, checked.okrs, lang)
                    sure = gone.empty  # deleting stored objectives needs an explicit confirmation
                    if not sure:
                        st.warning(tr("manage.upload_deletes", n=len(gone)), icon=":material/delete:")
                        st.dataframe(gone, hide_index=True)
                        sure = st.checkbox(tr("manage.upload_confirm_delete", n=len(gone)), key=f"upload-{n}-delete")
                    values, slots = form([], "upload", bool(okr_form.guarded(changes, okr_form.locked_ids(locks))))
                    label, icon = tr("manage.upload_store"), ":material/save:"
                    if st.button(label, type="primary", icon=icon, key="upload-store", disabled=not sure) and sure:
                        edit = okr_form.Edit(okr_form.to_doc(checked.okrs), "")
                        done = tr("manage.upload_saved", n=len(changes))
                        submit(values, slots, lambda _: edit, lambda _: {}, done, {"manage_upload": n + 1})
    st.subheader(tr("manage.export"))
    one = st.checkbox(tr("manage.only_cycle", cycle=md(cycle)), value=True)
    text = dump_yaml(okr_form.only_cycle(okrs, cycle) if one else okrs)
    name = f"okrs-{cycle}.yaml" if one else "okrs.yaml"
    st.download_button(
        tr("manage.download"), text.encode("utf-8"), name, "application/x-yaml", icon=":material/download:"
    )
    with st.expander(tr("manage.show_yaml")):
        st.code(text, language="yaml")

with tab_lock:
    st.caption(tr("manage.lock_help"))
    definition = resolve_cycles(okrs).get(cycle) or implied_cycle(cycle)
    if definition is None:
        st.warning(tr("manage.lock_unknown", cycle=md(cycle)))
    elif ui.may("lock") and st.button(
        tr("manage.unlock" if state.locked else "manage.lock", cycle=md(cycle)),
        icon=":material/lock_open:" if state.locked else ":material/lock:",
        key="lock",
    ):
        ui.set_lock(definition, who=who, locked=not state.locked)
        st.session_state["manage_flash"] = (
            tr("manage.unlocked" if state.locked else "manage.locked_done", cycle=md(cycle)),
            [],
        )
        st.rerun()
    st.subheader(tr("manage.history", cycle=md(cycle)))
    history = ui.query("okr_history", cycle)
    if history.empty:
        st.caption(tr("manage.no_history"))
    else:
        st.dataframe(okr_form.history_table(history, lang), hide_index=True)
