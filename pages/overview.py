"""总览 Overview: the cycle's attainment for bosses."""

import datetime as dt

import streamlit as st

from shopkr.app import charts, cycle_tables, review_tables, ui
from shopkr.app.escape import md

ui.require_app()

cycle = ui.current_cycle()
if cycle is None:
    st.title(ui.tr("page.overview"))
    ui.no_cycle_hint()
    st.stop()

report = ui.report(cycle)
lang = ui.lang()
st.title(ui.tr("overview.title", cycle=md(cycle)))
st.caption(f"{report.cycle.start} ~ {report.cycle.end} · " + ui.tr("ui.as_of", date=f"{report.as_of:%Y-%m-%d}"))
if report.closed_at:
    st.info(ui.tr("ui.closed_cycle", date=f"{report.closed_at:%Y-%m-%d}"))

counts = cycle_tables.kr_counts(report)
company = [o for o in report.objectives if o.level == "company"]
overall = cycle_tables.mean_score(list(report.objectives))
share = cycle_tables.bottom_up_share(report)
c1, c2, c3, c4 = st.columns(4)
c1.metric(ui.tr("overview.attainment"), ui.number(overall, "score"), help=ui.tr("overview.attainment_help"))
company_score = cycle_tables.mean_score(company)
c2.metric(ui.tr("overview.company"), ui.number(company_score, "score"))
c3.metric(
    ui.tr("overview.kr_on_track"),
    f"{counts['on_track'] + counts['done']} / {sum(counts.values())}",
    help=ui.tr(
        "overview.kr_counts_value",
        on=counts["on_track"] + counts["done"],
        risk=counts["at_risk"],
        off=counts["off_track"],
        none=counts["no_data"] + counts["error"],
    ),
)
c4.metric(ui.tr("overview.bottom_up"), ui.number(share, "rate", digits=0))
for o in company:
    chance = cycle_tables.objective_p_hit(o)
    if chance is not None:
        st.caption(ui.tr("overview.company_p_hit", id=md(o.id), title=md(o.title), p=ui.p_hit(chance)))

left, right = st.columns([3, 2])
with left:
    st.subheader(ui.tr("overview.objectives"))
    frame = cycle_tables.objective_frame(report, ("company", "department"), lang)
    if frame.empty:
        st.info(ui.tr("ui.no_okrs"))
    else:
        st.plotly_chart(charts.objective_bars(frame, ui.tr("ui.score")))
        if frame["children"].notna().any():
            st.caption(ui.tr("review.children_help"))
with right:
    st.subheader(ui.tr("overview.tree"))
    st.plotly_chart(charts.alignment_sunburst(cycle_tables.alignment_nodes(report, lang), cycle))

st.subheader(ui.tr("overview.shops"))
end = min(report.as_of, report.cycle.end)
rates = cycle_tables.shop_rates(ui.query("shop_sums", report.cycle.start, end))
gmv = cycle_tables.shop_gmv_krs(report)
shop_cols = st.columns(max(1, len(rates)))
for col, row in zip(shop_cols, rates.itertuples(), strict=False):
    with col, st.container(border=True):
        st.markdown(f"**{md(row.shop)}** · {md(row.platform)}")
        target = gmv[gmv["shop"] == row.shop]
        if target.empty:
            st.metric(ui.tr("overview.gmv"), ui.number(row.gmv, "yuan", compact=True, symbol=True))
            st.caption(ui.tr("overview.no_shop_kr"))
        else:
            kr = target.iloc[0]
            st.metric(ui.tr("overview.gmv"), ui.number(kr.value, "yuan", compact=True, symbol=True))
            st.progress(
                min(1.0, kr.share),
                text=ui.tr(
                    "numbers.of_target",
                    share=ui.number(kr.share, "rate", digits=0),
                    target=ui.number(kr.target, "yuan", compact=True, symbol=True),
                ),
            )
            if kr.p_hit is not None:
                st.caption(ui.tr("overview.shop_p_hit", p=ui.p_hit(kr.p_hit)))
        a, b = st.columns(2)
        a.metric(ui.tr("overview.conversion"), ui.number(row.conversion_rate, "rate"))
        b.metric(ui.tr("overview.refund_rate"), ui.number(row.refund_rate, "rate"))
        st.caption(ui.tr("ui.data_through", date=f"{row.last_date:%m-%d}"))
if not gmv.empty:
    st.plotly_chart(
        charts.shop_attainment(
            gmv,
            {"value": ui.tr("ui.to_date"), "projected": ui.tr("ui.projected"), "target": ui.tr("ui.target")},
            lang=lang,
        ),
    )

st.subheader(ui.tr("overview.attention"))
items = cycle_tables.attention(report, dt.date.today(), lang)
if not items:
    st.success(ui.tr("overview.nothing"))
icons = {
    "error": ":red[▲]",
    "off_track": ":red[●]",
    "no_data": ":gray[○]",
    "at_risk": ":orange[●]",
    "stale": ":blue[◷]",
}
for item in items:
    line = f"{icons[item.kind]} {md(item.text)}"
    if item.kr_id:
        st.page_link("pages/kr_detail.py", label=line, query_params={**ui.keep_params(), "kr": item.kr_id})
    else:
        st.markdown(line)

# issue 11: quarter-end reviews still missing or incomplete 14 days after their cycle's end, whichever cycle is shown
today = dt.date.today()
if overdue := ui.missing_reviews(today):
    st.subheader(ui.tr("review.overdue_title"))
    st.caption(ui.tr("review.overdue_caption"))
    for miss in overdue:
        st.page_link(
            "pages/review.py",
            label=md(review_tables.overdue_line(miss, today, lang)),
            icon=":material/rate_review:",
            query_params={**ui.keep_params(), "cycle": miss.cycle, "owner": miss.owner},
        )
