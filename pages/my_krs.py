"""我的KR My KRs: an operator's daily check of their KRs, and the 日报 text."""

import streamlit as st

from shopkr.app import card, charts, checkins, cycle_tables, notes, score_text, ui
from shopkr.app.escape import md

ui.require_app()

cycle = ui.current_cycle()
st.title(ui.tr("my.title"))
if cycle is None:
    ui.no_cycle_hint()
    st.stop()

report = ui.report(cycle)
people = cycle_tables.owners(report)
if not people:
    st.info(ui.tr("my.no_owner"))
    st.stop()
chosen = ui.param("owner")
pick, who = st.columns(2)
owner = pick.selectbox(ui.tr("my.pick_owner"), people, index=people.index(chosen) if chosen in people else 0)
ui.set_param("owner", owner)
# Who checks in: the signed-in user; in single-user local mode, like the 操作人 of OKR管理, the OS user unless typed.
author = ui.actor("checkin_user", "checkin.author", "checkin.author_help", where=who)
lang = ui.lang()

mine = [o for o in report.objectives if o.owner == owner]
if st.button(ui.tr("my.report"), icon=":material/summarize:"):
    st.caption(ui.tr("my.report_help"))
    st.code(score_text.daily_report(report, owner, lang), language=None, wrap_lines=True)

# Check-ins (issue 11): the KRs without one for 7 days, then under each card the last one and a quick form.
if stale := ui.stale_krs(owner, cycle):
    lines = "\n".join(f"- {line}" for line in checkins.stale_markdown(stale, lang))
    st.warning(f"**{ui.tr('checkin.stale_title', n=len(stale))}**\n\n{lines}", icon=":material/schedule:")
    st.caption(ui.tr("checkin.stale_help"))
latest = ui.latest_checkins(cycle)


def checkin_box(kr_id: str, objective_id: str) -> None:
    """The KR's last check-in, and a quick check-in (confidence slider, note, button) as `author` for today when
    their role allows it on this objective; a refusal is said at the form and writes nothing."""
    last = latest.get(kr_id)
    st.markdown(checkins.last_markdown(last, lang))
    if not ui.may("checkin", objective_id):
        return
    if (flash := st.session_state.get("checkin_flash")) and flash[0] == kr_id:
        st.session_state.pop("checkin_flash")
        st.success(md(flash[1]), icon=":material/check_circle:")
    with st.form(f"checkin-{kr_id}", border=False):
        left, right = st.columns([2, 5])
        confidence = left.slider(
            ui.tr("checkin.confidence"), 0, 10, last.confidence if last else 5, help=ui.tr("checkin.confidence_help")
        )
        note = right.text_area(ui.tr("checkin.note"), key=f"checkin-note-{kr_id}", height=68, max_chars=2000)
        sent = st.form_submit_button(ui.tr("checkin.submit"), icon=":material/how_to_reg:")
    if not sent:
        return
    try:
        saved = ui.save_checkin(kr_id, confidence=confidence, note=note, who=author)
    except (ui.CheckInError, ui.Refused) as exc:
        st.error(md(ui.message(exc)), icon=":material/error:")
        return
    st.session_state["checkin_flash"] = (kr_id, checkins.saved_text(saved, lang))
    st.session_state.pop(f"checkin-note-{kr_id}", None)  # the note is on the card now
    st.rerun()


for o in mine:
    st.subheader(md(f"{o.id} {o.title}"))
    st.markdown(
        f"{ui.score_badge(o.score, o.status)} · {ui.tr('ui.projected')} {ui.number(o.projected_score, 'score')} · "
        f"{ui.status_text(o.status)} · {ui.tr('level.' + o.level)} · {ui.tr('type.' + o.type)}"
    )
    for k in o.key_results:
        with st.container(border=True):
            head, link = st.columns([5, 1])
            badge = ui.provisional_badge(k)
            head.markdown(f"**{md(k.id)} {md(k.title)}** {badge or ''}", help=ui.provisional_help(k))
            link.page_link(
                "pages/kr_detail.py", label=ui.tr("ui.open_detail"), query_params={**ui.keep_params(), "kr": k.id}
            )
            cols = st.columns(6)
            if k.kind == "manual":
                cols[0].metric(ui.tr("ui.score"), ui.number(k.score, "score"))
                cols[1].metric(ui.tr("ui.status"), ui.status_text(k.status))
                st.caption(ui.tr("my.manual_note"))
                checkin_box(k.id, o.id)
                continue
            change = None if k.previous_score is None else k.score - k.previous_score
            delta = (
                None
                if change is None or abs(change) < 0.005
                else f"{ui.number(change, 'score', signed=True)} {ui.tr('ui.change_yesterday')}"
            )
            cols[0].metric(ui.tr("ui.value"), ui.number(k.value, k.unit, compact=True, symbol=True))
            cols[1].metric(ui.tr("ui.target"), ui.number(k.target, k.unit, compact=True, symbol=True))
            cols[2].metric(ui.tr("ui.score"), ui.number(k.score, "score"), delta)
            cols[3].metric(ui.tr("ui.projected"), ui.number(k.projected_score, "score"))
            cols[4].metric(ui.tr("ui.p_hit"), ui.p_hit(k.p_hit), help=ui.p_hit_help(k))
            cols[5].markdown(f"{ui.tr('ui.status')}  \n{ui.status_badge(k.status)}")
            if k.message:
                st.warning(md(ui.message(k.message)))
            if k.advice:
                st.caption(ui.tr("advice." + k.advice))
            if caption := ui.forecast_caption(k):
                st.caption(caption)
            if k.data_through:
                st.caption(ui.tr("ui.data_through", date=f"{k.data_through:%m-%d}"))
            series = ui.series(k.id, report.as_of)
            fig = charts.progress(
                series,
                k.unit,
                ui.chart_labels(k),
                data_through=k.data_through,
                as_of=report.as_of,
                lang=lang,
                notes=notes.marks(ui.kr_notes(k, series), lang),  # notes and A/B marks on the KR's scope (issue 11)
            )
            st.plotly_chart(fig, key=f"chart-{k.id}")
            if k.kind in ("sum", "ratio"):
                with st.expander(ui.tr("my.per_day")):
                    columns = (
                        ["date", "numerator", "denominator", "value"]
                        if k.kind == "ratio"
                        else ["date", "numerator", "value"]
                    )
                    st.dataframe(
                        series.dropna(subset=["numerator"])[columns],
                        hide_index=True,
                        column_config=ui.series_columns(k.unit, k.metric),
                    )
            checkin_box(k.id, o.id)

# 下载图片: the phone-sized PNG card of the owner's KRs (the one `notify --image` sends), rendered on click.
card_series = {k.id: ui.series(k.id, report.as_of) for o in mine for k in o.key_results if k.kind != "manual"}
if card.chromium() is None:
    st.caption(ui.tr("my.download_card_unavailable"))
else:
    st.download_button(
        ui.tr("my.download_card"),
        data=lambda: card.owner_png(report, owner, card_series, lang),
        file_name=card.file_name(owner, report.as_of),
        mime="image/png",
        help=ui.tr("my.download_card_help"),
        icon=":material/image:",
        on_click="ignore",
    )
