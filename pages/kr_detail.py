"""KR详情 KR detail: the definition, filters, daily series, numerator and denominator, change history."""

import streamlit as st

from shopkr.app import charts, checkins, notes, numbers, okr_form, ui
from shopkr.app.escape import code, md
from shopkr.domain import annotations, metrics

ui.require_app()

cycle = ui.current_cycle()
st.title(ui.tr("page.kr_detail"))
if cycle is None:
    ui.no_cycle_hint()
    st.stop()

report = ui.report(cycle)
krs = {k.id: k for k in report.key_results}
if not krs:
    ui.no_cycle_hint()
    st.stop()
ids = list(krs)
chosen = ui.param("kr")
kr_id = st.selectbox(
    ui.tr("ui.kr"), ids, index=ids.index(chosen) if chosen in ids else 0, format_func=lambda i: f"{i} {krs[i].title}"
)
ui.set_param("kr", kr_id)
k = krs[kr_id]
objective = next(o for o in report.objectives if o.id == k.objective_id)

st.markdown(
    f"**{md(objective.id)} {md(objective.title)}** · {md(objective.owner)} · {ui.tr('level.' + objective.level)} · "
    f"{ui.tr('type.' + objective.type)}"
)
cols = st.columns(6)
cols[0].metric(ui.tr("ui.value"), ui.number(k.value if k.kind != "manual" else None, k.unit, compact=True, symbol=True))
cols[1].metric(ui.tr("ui.start"), ui.number(k.start, k.unit, compact=True, symbol=True))
cols[2].metric(ui.tr("ui.target"), ui.number(k.target, k.unit, compact=True, symbol=True))
cols[3].metric(ui.tr("ui.score"), ui.number(k.score, "score"))
cols[4].metric(ui.tr("ui.projected"), ui.number(k.projected_score, "score"))
cols[5].metric(ui.tr("ui.p_hit"), ui.p_hit(k.p_hit), help=ui.p_hit_help(k))
badge = ui.provisional_badge(k)
st.markdown(f"{ui.tr('ui.status')}: {ui.status_badge(k.status)} {badge or ''}", help=ui.provisional_help(k))
if caption := ui.forecast_caption(k):
    st.caption(caption)
if k.message:
    st.warning(md(ui.message(k.message)))
if k.advice:
    st.info(ui.tr("advice." + k.advice))

st.subheader(ui.tr("detail.definition"))
if k.kind == "manual":
    st.markdown(ui.tr("detail.manual"))
elif k.kind == "sql":
    st.code(k.definition, language="sql")
    st.caption(ui.tr("detail.sql_note"))
else:
    metric = metrics.CATALOGUE[k.metric]
    table = metrics.LEVEL_TABLE[metrics.level_for(k.filters, k.level)]
    st.markdown(f"`{k.metric}` = `{metric.formula}` · {ui.tr('metric.' + k.metric)} · `{table}`")
    st.caption(ui.tr("detail.ratio_note") if metric.kind == "ratio" else ui.tr("detail.sum_note"))
filters = md(", ".join(f"{name} = {value}" for name, value in k.filters.items())) or ui.tr("detail.no_filters")
st.markdown(
    f"{ui.tr('detail.filters')}: {filters} · {ui.tr('detail.deadline')}: {k.deadline} · "
    f"{ui.tr('detail.weight')}: {k.weight:g}"
)

series = ui.series(k.id, report.as_of)
shown = ui.kr_notes(k, series)  # notes and A/B test marks on this KR's scope, within the chart's days
st.plotly_chart(
    charts.progress(
        series,
        k.unit,
        ui.chart_labels(k),
        height=360,
        data_through=k.data_through,
        as_of=report.as_of,
        lang=ui.lang(),
        notes=notes.marks(shown, ui.lang()),
    )
)
if note := ui.series_note(series):
    st.warning(note)

# Notes on the chart (issue 11): what the chart shows, a remove button on the 操作人's own notes, a form to add one.
st.subheader(ui.tr("note.section"), help=ui.tr("note.section_help"))
if flash := st.session_state.pop("note_flash", None):
    st.success(flash)
writer = ui.actor("note_user", "note.user", "note.user_help") if ui.may("annotate") else None
if not shown:
    st.caption(ui.tr("note.none"))
else:
    for column, name in zip(st.columns([2, 3, 6, 2, 1]), ("date", "scope", "text", "author"), strict=False):
        column.caption(ui.tr(f"note.col.{name}"))
for a in shown:
    when, about, what, who, act = st.columns([2, 3, 6, 2, 1], vertical_alignment="center")
    when.markdown(notes.dates_text(a))
    about.markdown(md(notes.scope_text(a, ui.lang())))
    what.markdown(md(notes.text_of(a, ui.lang())))
    who.markdown(md(a.author or "–"))
    mine = writer is not None and a.kind == "note" and a.author == writer.name
    if mine and act.button(ui.tr("note.remove"), key=f"note_rm_{a.id}"):
        try:
            ui.remove_note(a.id, who=writer)
        except (ui.AnnotationError, ui.Refused) as exc:
            st.error(md(ui.message(exc)))
        else:
            st.session_state["note_flash"] = ui.tr("note.removed", id=a.id)
            st.rerun()


def note_form(writer: ui.Identity) -> None:
    """Add a note as `writer`: date or range, scope (this KR, its shop, its product or creative), text."""
    choices = notes.scope_choices(k.id, k.filters)
    with st.expander(ui.tr("note.add")), st.form("note_add"):
        day_col, end_col = st.columns(2)
        day = day_col.date_input(ui.tr("note.day"), report.as_of, key="note_day")
        end = end_col.date_input(ui.tr("note.end"), None, key="note_end")
        about = st.radio(
            ui.tr("note.scope"),
            list(choices),
            format_func=lambda c: notes.choice_label(c, choices[c], ui.lang()),
            horizontal=True,
            key="note_scope",
        )
        text = st.text_area(
            ui.tr("note.text"),
            key="note_text",
            max_chars=annotations.MAX_TEXT,
            help=ui.tr("note.text_help", max=annotations.MAX_TEXT),
        )
        if st.form_submit_button(ui.tr("note.save"), type="primary", key="note_save"):
            scope = choices[about]
            try:
                saved = ui.add_note(
                    start=day,
                    end=end,
                    text=text,
                    shop=scope.shop,
                    product_id=scope.product_id,
                    creative_id=scope.creative_id,
                    kr_id=scope.kr_id,
                    who=writer,
                )
            except (ui.AnnotationError, ui.Refused) as exc:
                st.error(md(ui.message(exc)))
            else:
                st.session_state["note_flash"] = ui.tr("note.saved", id=saved.id)
                for key in ("note_text", "note_end"):
                    st.session_state.pop(key, None)
                st.rerun()


if writer is not None:  # only a role that may write notes gets the form
    note_form(writer)

# Check-ins (issue 11): the owner's confidence / 10 against the data's P(hit) on each check-in's day.
st.subheader(ui.tr("checkin.timeline"))
said = ui.checkins(k.id)
if not said:
    st.caption(ui.tr("checkin.timeline_none", command=code(f"python -m shopkr checkin {k.id} --confidence 7")))
else:
    points = checkins.timeline(said, ui.checkin_p_hits(k.id, [c.date for c in said]))
    labels = {
        "confidence": ui.tr("checkin.chart_confidence"),
        "p_hit": ui.tr("checkin.chart_p_hit"),
        "hover_confidence": ui.tr("checkin.hover_confidence"),
    }
    timeline = charts.checkin_timeline(points, labels, lang=ui.lang())
    marks = notes.marks(shown, ui.lang())  # the chart notes of this KR's scope, within the same days as its chart
    first, last = (series["date"].min(), series["date"].max()) if not series.empty else (None, None)
    st.plotly_chart(charts.add_marks(timeline, marks, first, last), key="checkin-timeline")
    if all(p.p_hit is None for p in points):
        st.caption(ui.tr("checkin.no_p_hit"))
    if gap := checkins.large_gap(points):
        st.warning(checkins.gap_text(gap, ui.lang()), icon=":material/forum:")
    st.dataframe(checkins.table(points, ui.lang()), hide_index=True)
if k.kind in ("sum", "ratio"):
    st.subheader(ui.tr("detail.daily"))
    if k.kind == "ratio":
        num_unit, den_unit = numbers.part_units(k.metric)  # aov: yuan / count
        st.caption(
            ui.tr("detail.num_den", num=ui.number(k.numerator, num_unit), den=ui.number(k.denominator, den_unit))
        )
    columns = ["date", "numerator", "num_to_date", "value"]
    if k.kind == "ratio":
        columns = ["date", "numerator", "denominator", "num_to_date", "den_to_date", "value"]
    st.dataframe(
        series.dropna(subset=["numerator"])[columns],
        hide_index=True,
        column_config=ui.series_columns(k.unit, k.metric),
    )

product = k.filters.get("product_id")
if product:
    tests = [t for t in ui.okrs().ab_tests if t.product_id == product]
    st.subheader(ui.tr("detail.tests"))
    if not tests:
        st.caption(ui.tr("detail.no_tests"))
    for test in tests:
        st.page_link(
            "pages/abtest.py",
            label=f"🖼️ {md(test.id)} {md(test.title)}",
            query_params={**ui.keep_params(), "test": test.id},
        )

st.subheader(ui.tr("detail.history"))
history = ui.query("kr_history", k.id)
if history.empty:
    st.caption(ui.tr("detail.no_history"))
else:
    st.dataframe(okr_form.history_table(history, ui.lang()), hide_index=True)
