"""数据导入 Import: upload exports for a shop, see what each file did, the date coverage and the import history."""

import streamlit as st

from connectors.canonical import PLATFORMS
from shopkr.app import charts, import_tables, ui
from shopkr.app.escape import md
from shopkr.data import coverage

ui.require_app()

lang = ui.lang()
st.title(ui.tr("import.title"))
st.caption(ui.tr("import.intro"))

shops = ui.query("shops")


def upload_form() -> None:
    """Upload exports for a shop and import them as the acting user (ui.import_files checks the role again)."""
    round_no = st.session_state.get("import_round", 0)  # a new key after each import empties the uploader
    files = st.file_uploader(
        ui.tr("import.files"), type=["csv", "xls", "xlsx"], accept_multiple_files=True, key=f"upload-{round_no}"
    )
    c1, c2, c3 = st.columns(3)
    new_shop = ui.tr("import.new_shop")
    known = list(dict.fromkeys(shops["shop"]))
    last = st.session_state.get("import_results", ("", []))[0]  # after an import, stay with that shop
    # Never offer a demo shop first: a user's own export would land in it (and share its fate when the demo is cleared).
    real = [s for s in known if s not in ui.demo_shops()]
    first = known.index(real[0]) if real else (len(known) if known else 0)  # only demo shops: a new shop
    picked = c1.selectbox(
        ui.tr("import.shop"),
        [*known, new_shop],
        index=known.index(last) if last in known else first,
        help=ui.tr("import.shop_help"),
    )
    shop = c1.text_input(ui.tr("import.new_shop_name")).strip() if picked == new_shop else picked
    choices = [None, *PLATFORMS]
    platform = c2.selectbox(
        ui.tr("import.platform"),
        choices,
        index=choices.index(import_tables.shop_platform(shops, shop)),
        format_func=lambda p: ui.tr("import.platform_auto") if p is None else p,
        help=ui.tr("import.platform_help"),
    )
    who = ui.actor("import_user", "import.user", "import.user_help", where=c3)

    if not files:
        st.caption(ui.tr("import.need_files"))
    elif not shop:
        st.warning(ui.tr("import.need_shop"))
    if st.button(
        ui.tr("import.button", n=len(files or [])),
        type="primary",
        icon=":material/upload:",
        disabled=not (files and shop),
    ):
        bar = st.progress(0.0, text=ui.tr("import.starting"))

        def step(done: int, total: int, name: str) -> None:
            text = (
                ui.tr("import.writing") if done == total else ui.tr("import.reading", name=name, done=done, total=total)
            )
            bar.progress(done / total, text=text)

        try:
            results = ui.import_files(
                [(f.name, f.getvalue()) for f in files],
                shop,
                who=who,
                platform=platform,
                progress=step,
                on_wait=lambda _: bar.progress(0.0, text=ui.tr("import.waiting")),
            )
        except ui.DatabaseBusy:
            bar.empty()
            st.warning(ui.tr("import.busy"))
        else:
            bar.empty()
            ui.refresh()
            st.session_state["import_results"] = (shop, results)
            st.session_state["import_round"] = round_no + 1
            st.rerun()


if ui.may("import"):
    upload_form()
else:
    st.info(ui.tr("auth.read_only", role=ui.tr(f"auth.role.{ui.identity().role}")))

if "import_results" in st.session_state:
    done_shop, results = st.session_state["import_results"]
    n = import_tables.counts(results)
    st.subheader(ui.tr("import.results", shop=md(done_shop)))
    message = ui.tr("import.done", ok=n["ok"], same=n["unchanged"], failed=n["failed"])
    (st.warning if n["failed"] else st.success)(message)
    st.dataframe(
        import_tables.styled(import_tables.results_frame(results, lang), ui.tr("import.col.result")), hide_index=True
    )
    for r in (r for r in results if r.status == "failed"):
        hint = ui.tr(import_tables.failure_hint(r.detail))
        st.error(f"{md(import_tables.result_message(r, lang) or r.path.name)}\n\n{hint}", icon=":material/error:")

st.subheader(ui.tr("import.coverage"))
days = ui.query("coverage_days")
if days.empty:
    st.info(ui.tr("import.no_data"))
else:
    st.caption(ui.tr("import.coverage_caption"))
    state, counts = coverage.calendar(days, import_tables.table_labels(lang))
    cal_labels = {k: ui.tr("import.cal." + k) for k in ("data", "gap", "none", "rows")}
    st.plotly_chart(charts.coverage(state, counts, cal_labels))
    table = coverage.summary(ui.query("coverage"), days)
    gaps = coverage.tables_with_gaps(table)
    (st.warning if gaps else st.success)(ui.tr("import.gaps", n=gaps) if gaps else ui.tr("import.no_gaps"))
    st.dataframe(import_tables.coverage_frame(table, lang), hide_index=True)

st.subheader(ui.tr("import.history"))
history = ui.query("import_history")
if history.empty:
    st.info(ui.tr("import.no_history"))
else:
    st.caption(ui.tr("import.history_caption"))
    st.dataframe(
        import_tables.styled(import_tables.history_frame(history, lang), ui.tr("import.col.result")), hide_index=True
    )
