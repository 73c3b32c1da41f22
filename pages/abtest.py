"""主图测试 Main-image A/B tests: the verdict, rates with intervals, daily rates and split, all numbers, thumbnails,
and a form to create a test from imported creatives."""

import streamlit as st

from shopkr.app import ab_report, charts, notes, ui
from shopkr.app.escape import md
from shopkr.domain.okr import ABTestDef

ui.require_app()
st.title(ui.tr("page.abtest"))
lang = ui.lang()
if flash := st.session_state.pop("ab_flash", None):
    st.success(flash)


@st.cache_data(show_spinner=False, max_entries=16)
def run(test_json: str, version: tuple) -> ab_report.TestReport:
    """The analysed test, recomputed when the definition or the database changes."""
    return ab_report.run_test_in_db(ABTestDef.model_validate_json(test_json))


def show(test: ABTestDef) -> None:
    report = run(test.model_dump_json(), ui.version())
    metric = ui.tr(f"ab.metric_{test.metric}")
    whole = (report.first_date, report.last_date) == (test.start, test.end)
    span = (
        ui.tr("ab.days_with_data", days=report.days)
        if whole
        else ui.tr("ab.data_days", first=report.first_date or "–", last=report.last_date or "–", days=report.days)
    )
    st.caption(
        ui.tr(
            "ab.caption",
            shop=md(test.shop),
            start=test.start,
            end=test.end,
            metric=metric,
            control=md(report.names[test.control_id]),
        )
        + " · "
        + span
    )
    text = ab_report.verdict(report, lang, quote=md)  # creative names escaped for Markdown
    getattr(st, text.tone)(f"**{text.headline}**" + "".join(f"\n- {d}" for d in text.details))
    if report.result is None or report.days == 0:
        return
    colours = charts.variant_colours(test.variants, test.control_id, report.result.winner)
    st.subheader(ui.tr("ab.forest", metric=metric))
    rows = ab_report.forest_rows(report)
    st.plotly_chart(charts.forest(rows, colours, {"rate": metric, "control": ui.tr("ab.control")}))
    st.caption(ui.tr("ab.forest_help"))
    left, right = st.columns(2)
    left.subheader(ui.tr("ab.daily_rate", metric=metric))
    marks = notes.marks(ui.ab_test_notes(test.shop, test.product_id), lang)  # notes and A/B marks (issue 11)
    left.plotly_chart(charts.daily_rates(report.daily, colours, test.control_id, notes=marks))
    right.subheader(ui.tr("ab.daily_share"))
    right.plotly_chart(charts.daily_shares(report.daily, colours, ui.tr("ab.intended"), notes=marks))
    right.caption(ui.tr("ab.share_help"))

    st.subheader(ui.tr("ab.numbers"))
    root = ab_report.thumbnails_dir()
    thumbs = ab_report.thumbnail_urls(root, test)
    h = {c: ui.tr(k) for c, k in ab_report.number_headers(test.metric).items()}
    table = ab_report.numbers(report, lang, thumbs if any(thumbs.values()) else None)
    st.dataframe(
        table.style.format({h[c]: f for c, f in ab_report.NUMBER_FORMATS.items()}, na_rep="–"),
        hide_index=True,
        placeholder="–",
        column_config={
            h["thumb"]: st.column_config.ImageColumn(width="small", pinned=True),
            h["role"]: st.column_config.TextColumn(width="small", pinned=True),
            h["name"]: st.column_config.TextColumn(pinned=True),
        },
        row_height=64 if any(thumbs.values()) else None,
        height="content",
    )
    st.caption(ui.tr("ab.numbers_help"))
    with st.expander(ui.tr("ab.thumbs")), st.form("ab_thumb", clear_on_submit=True):
        variant = st.selectbox(ui.tr("ab.thumb_variant"), test.variants, format_func=report.names.get)
        limits = {"mb": ab_report.THUMBNAIL_MAX_BYTES // 2**20, "mp": f"{ab_report.THUMBNAIL_MAX_PIXELS / 1e6:.0f}"}
        upload = st.file_uploader(
            ui.tr("ab.thumb_file"), type=list(ab_report.THUMBNAIL_TYPES), help=ui.tr("ab.thumb_help", **limits)
        )
        if st.form_submit_button(ui.tr("ab.thumb_save")):
            if upload is None:
                st.warning(ui.tr("ab.thumb_missing"))
            else:
                try:
                    ab_report.save_thumbnail(root, test.id, variant, upload.name, upload.getvalue())
                except ab_report.ThumbnailError as exc:
                    st.error(ui.tr(exc.code, **{k: md(v) if isinstance(v, str) else v for k, v in exc.values.items()}))
                else:
                    st.session_state["ab_flash"] = ui.tr("ab.thumb_saved", name=md(report.names[variant]))
                    st.rerun()


def create() -> None:
    """Pick shop, dates and 2-8 creatives, the control and the metric; validate and store the new test."""
    problems = st.session_state.get("ab_new_problems", {})

    def errors(field: str) -> None:
        for problem in problems.get(field, []):  # an i18n key, or a validation Problem (a message code)
            st.error(ui.tr(problem) if isinstance(problem, str) else md(ui.message(problem)))

    every = ui.query("creatives")
    if every.empty:
        st.info(ui.tr("ab.new_no_shops"))
        return
    shop = st.selectbox(ui.tr("ab.new_shop"), sorted(every["shop"].unique()), key="ab_new_shop")
    window = ab_report.default_window(every[every["shop"] == shop])
    dates = st.date_input(ui.tr("ab.new_dates"), value=window, key="ab_new_dates")
    start, end = (dates[0], dates[-1]) if dates else window
    errors("start")
    errors("end")
    in_window = ui.query("creatives", shop, start, end)
    found = ui.query("creatives", shop, start, end, st.text_input(ui.tr("ab.new_search"), key="ab_new_search"))
    st.caption(ui.tr("ab.new_found", n=len(found)) if not found.empty else ui.tr("ab.new_no_creatives"))
    labels = {
        r.creative_id: ui.tr(
            "ab.creative_label", name=r.name, id=r.creative_id, impressions=ui.number(r.impressions, "count")
        )
        for r in in_window.itertuples()
    }
    chosen = st.session_state.get("ab_new_variants", [])
    options = list(dict.fromkeys([*chosen, *found["creative_id"]]))
    variants = st.multiselect(
        ui.tr("ab.new_variants"),
        options,
        format_func=lambda i: labels.get(i, i),
        max_selections=8,
        placeholder=ui.tr("ab.new_pick"),
        key="ab_new_variants",
    )
    errors("variants")
    control = st.selectbox(
        ui.tr("ab.new_control"), variants, format_func=lambda i: labels.get(i, i), placeholder=ui.tr("ab.new_pick")
    )
    errors("control")
    metric = st.radio(
        ui.tr("ab.new_metric"), ["ctr", "cvr"], horizontal=True, format_func=lambda m: ui.tr(f"ab.metric_{m}_long")
    )
    c1, c2, c3 = st.columns([1, 3, 2])
    test_id = c1.text_input(ui.tr("ab.new_id"), value=ab_report.next_test_id(ui.okrs()), key="ab_new_id")
    with c1:
        errors("id")
    title = c2.text_input(ui.tr("ab.new_title"), key="ab_new_title")
    with c2:
        errors("title")
    product = c3.text_input(ui.tr("ab.new_product"), value=ab_report.common_product(in_window, variants) or "")
    who = ui.actor("ab_new_user", "ab.new_user", None)
    errors("")
    if st.button(ui.tr("ab.new_save"), type="primary", key="ab_new_save"):
        draft = {
            "id": test_id.strip(),
            "title": title.strip(),
            "shop": shop,
            "variants": variants,
            "control": control,
            "start": start,
            "end": end,
            "metric": metric,
            "product_id": product.strip(),
        }
        try:
            test, st.session_state["ab_new_problems"] = ab_report.create_test(draft, who=who)
        except ui.Refused as exc:
            st.error(md(ui.message(exc)))
            return
        if test is not None:
            ui.refresh()
            ui.set_param("test", test.id)
            st.session_state["ab_flash"] = ui.tr("ab.new_saved", id=md(test.id))
            for key in ("ab_new_variants", "ab_new_title", "ab_new_id", "ab_new_search"):
                st.session_state.pop(key, None)
        st.rerun()


tests = {x.id: x for x in ui.okrs().ab_tests}
if not tests:
    st.info(ui.tr("ab.no_tests"))
else:
    ids = list(tests)
    chosen = ui.param("test")
    test_id = st.selectbox(
        ui.tr("ab.pick"),
        ids,
        index=ids.index(chosen) if chosen in ids else 0,
        format_func=lambda i: f"{i} {tests[i].title}",
    )
    ui.set_param("test", test_id)
    show(tests[test_id])

st.divider()
if ui.may("ab_test"):  # viewers see the tests, not the form
    with st.expander(ui.tr("ab.new"), expanded=not tests or bool(st.session_state.get("ab_new_problems"))):
        create()
