"""成员 People: everyone's OKRs in the selected cycle and their scores in earlier cycles, open to everyone."""

import streamlit as st

from shopkr.app import charts, people_tables, ui
from shopkr.app.escape import md

ui.require_app()

cycle = ui.current_cycle()
st.title(ui.tr("people.title"))
st.caption(ui.tr("people.intro"))
st.info(ui.tr("people.not_bonus"), icon=":material/info:")
if cycle is None:
    ui.no_cycle_hint()
    st.stop()

lang = ui.lang()
persons = ui.people_summaries(cycle)
reviews = ui.people_reviews(cycle)  # issue 11: each person's quarter-end reviews of earlier cycles
closed_at = ui.report(cycle).closed_at
if closed_at:
    st.caption(ui.tr("ui.closed_cycle", date=f"{closed_at:%Y-%m-%d}"))
if not persons:
    st.info(ui.tr("people.no_people"))
    st.stop()

grid = people_tables.score_grid(persons, cycle)
st.subheader(ui.tr("people.grid"))
st.caption(ui.tr("people.grid_caption"))
st.plotly_chart(charts.score_grid(grid, {"score": ui.tr("ui.score"), "objectives": ui.tr("people.objectives")}))

for p in persons:
    with st.container(border=True):
        info, count, score, past = st.columns([2, 1, 1.2, 4])
        info.markdown(f"#### {md(p.name)}")
        info.caption(f"{ui.tr('people.levels')}: " + " · ".join(ui.tr("level." + level) for level in p.levels))
        info.page_link(
            "pages/my_krs.py",
            label=ui.tr("people.open_my", name=md(p.name)),
            icon=":material/task_alt:",
            query_params={**ui.keep_params(), "owner": p.name},
        )
        count.caption(ui.tr("people.objectives"))
        count.markdown(f"### {len(p.objectives)}")
        score.caption(ui.tr("people.score", cycle=md(cycle)))
        score.markdown(f"### {ui.score_badge(p.score, p.status)}")
        past.caption(ui.tr("people.history"))
        if p.history:
            past.dataframe(people_tables.history_frame(p, lang), hide_index=True)
        else:
            past.markdown(ui.tr("people.no_history"))
        for done in reviews.get(p.name, []):  # the past reviews next to the past scores
            if not done.started:
                past.caption(ui.tr("review.people_none", cycle=md(done.cycle)))
                continue
            state = ui.tr("review.state.complete" if done.complete else "review.state.incomplete")
            with past.expander(ui.tr("review.people_title", cycle=md(done.cycle), state=state)):
                for block in people_tables.past_review_markdown(done, lang):
                    st.markdown(block)
        if not p.objectives:
            st.caption(ui.tr("people.no_objectives", cycle=md(cycle)))
            continue
        with st.expander(ui.tr("people.details", cycle=md(cycle), n=len(p.objectives))):
            for o in p.objectives:
                st.markdown(
                    f"**{md(o.id)} {md(o.title)}** {ui.score_badge(o.score, o.status)} · {ui.status_text(o.status)} · "
                    f"{ui.tr('level.' + o.level)} · {ui.tr('type.' + o.type)}"
                )
                for k in o.key_results:
                    title_col, score_col, status_col, open_col = st.columns([6, 1, 2, 2], vertical_alignment="center")
                    title_col.markdown(md(f"{k.id} {k.title}"))
                    score_col.markdown(ui.score_badge(k.score, k.status))
                    status_col.markdown(ui.status_text(k.status))
                    open_col.page_link(
                        "pages/kr_detail.py",
                        label=ui.tr("ui.open_detail"),
                        icon=":material/query_stats:",
                        query_params={**ui.keep_params(), "kr": k.id},
                    )
