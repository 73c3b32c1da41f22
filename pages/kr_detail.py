"""KR详情 KR detail: the definition, filters, daily series, numerator and denominator, change history."""

import streamlit as st

from shopkr.app import charts, numbers, okr_form, ui
from shopkr.app.escape import md
from shopkr.domain import metrics

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
st.plotly_chart(
    charts.progress(
        series, k.unit, ui.chart_labels(k), height=360, data_through=k.data_through, as_of=report.as_of, lang=ui.lang()
    )
)
if note := ui.series_note(series):
    st.warning(note)
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
