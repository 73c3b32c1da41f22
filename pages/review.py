"""复盘 Quarter-end review: when a cycle has ended (or was closed), each owner grades each KR 0.0-1.0 (pre-filled with
the data score, which stays beside it) and answers three questions per objective. The logic lives in
shopkr/app/review_tables.py; writes go through shopkr/app/ui.py to shopkr/data/store.py."""

import streamlit as st

from shopkr.app import cycle_tables, people_tables, review_tables, ui
from shopkr.app.escape import md

ui.require_app()

lang = ui.lang()
st.title(ui.tr("review.title"))
st.caption(ui.tr("review.intro"))
cycles = ui.review_cycles()
if not cycles:
    st.info(ui.tr("review.no_cycle"))
    st.stop()

top = st.columns(3)
with top[0]:
    cycle = ui.bound_widget(st.selectbox, "cycle", ui.tr("review.pick_cycle"), cycles, cycles[0], key="review_cycle")
report = ui.report(cycle)
owners = cycle_tables.owners(report)
with top[1]:
    owner = ui.bound_widget(st.selectbox, "owner", ui.tr("my.pick_owner"), owners, owners[0], key="review_owner")
user = ui.actor("review_user", where=top[2])  # the signed-in user, or the 操作人 typed in local mode
if report.closed_at:
    st.info(ui.tr("review.data_frozen", cycle=md(cycle), date=f"{report.closed_at:%Y-%m-%d}"), icon=":material/flag:")
else:
    st.info(ui.tr("review.data_live", cycle=md(cycle), end=f"{report.cycle.end:%Y-%m-%d}"), icon=":material/update:")
if flash := st.session_state.pop("review_flash", None):
    st.success(flash, icon=":material/check_circle:")

options = review_tables.decision_options()
for d in review_tables.drafts(report, ui.reviews(cycle), owner):
    o, r = d.objective, d.review
    if not ui.may("review", o.id):  # read-only for a role that may not review this objective
        with st.container(border=True):
            st.subheader(md(f"{o.id} {o.title}"))
            st.caption(ui.tr("review.read_only"))
            for block in people_tables.draft_markdown(d, lang):
                st.markdown(block)
        continue
    with st.form(f"review-{cycle}-{o.id}", border=True):
        st.subheader(md(f"{o.id} {o.title}"))
        state = md(review_tables.state_text(r, lang))
        line = ui.tr("review.labelled", label=ui.tr("review.state"), text=state)
        st.markdown(f"{ui.tr('ui.score')} {ui.score_badge(o.score, o.status)} · {line}")
        if r.author and r.updated_at:
            st.caption(ui.tr("review.saved_by", who=md(r.author), at=f"{r.updated_at:%Y-%m-%d %H:%M}"))
        grades = {}
        for x in d.lines:
            title, data, grade = st.columns([5, 1.4, 1.6], vertical_alignment="center")
            title.markdown(md(f"{x.kr.id} {x.kr.title}"))
            data.markdown(f"{ui.tr('review.data_score')}  \n{ui.score_badge(x.data_score)}")
            grades[x.kr.id] = grade.number_input(
                ui.tr("review.grade_label", kr=x.kr.id),
                min_value=0.0,
                max_value=1.0,
                value=float(x.grade),
                step=0.05,
                format="%.2f",
                key=f"review-grade-{cycle}-{x.kr.id}",
            )
        worked = st.text_area(ui.tr("review.q.worked"), r.worked or "", key=f"review-worked-{cycle}-{o.id}")
        not_worked = st.text_area(
            ui.tr("review.q.did_not_work"), r.did_not_work or "", key=f"review-not-{cycle}-{o.id}"
        )
        decision = st.radio(
            ui.tr("review.q.decision"),
            options,
            index=options.index(r.decision) if r.decision in options else None,
            format_func=lambda v: ui.tr(f"review.decision.{v}"),
            horizontal=True,
            key=f"review-decision-{cycle}-{o.id}",
        )
        note = st.text_input(ui.tr("review.q.note"), r.decision_note or "", key=f"review-note-{cycle}-{o.id}")
        if st.form_submit_button(ui.tr("review.save"), type="primary"):
            new = review_tables.to_review(
                d, grades, worked=worked, did_not_work=not_worked, decision=decision, note=note
            )
            try:
                changes = ui.save_review(new, who=user)
            except (ui.ReviewError, ui.Refused) as exc:
                st.error(md(ui.message(exc)), icon=":material/error:")
            else:
                done = ui.tr("review.saved", id=md(o.id), n=len(changes)) if changes else ui.tr("review.no_change")
                st.session_state["review_flash"] = done
                st.rerun()
