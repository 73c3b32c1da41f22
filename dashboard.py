"""ShopKR dashboard: page config, sign-in, navigation over pages/, the shared sidebar (language, cycle, account)."""

import streamlit as st

from shopkr.app import ui

ui.require_app()
st.set_page_config(page_title="ShopKR 店铺OKR", page_icon=":material/target:", layout="wide")

pages = {
    ui.tr("nav.boss"): [
        # st.navigation serves the default page only at "/" (its url_path is never matched), so /overview would
        # be "Page not found": the root is a separate default entry, the same page, hidden from the menu.
        st.Page("pages/overview.py", title=ui.tr("page.overview"), icon=":material/monitoring:", url_path="overview"),
        st.Page(
            "pages/overview.py",
            title=ui.tr("page.overview"),
            icon=":material/monitoring:",
            url_path="root",  # internal only: the default page's public URL is "/"
            default=True,
            visibility="hidden",
        ),
    ],
    ui.tr("nav.operators"): [
        st.Page("pages/my_krs.py", title=ui.tr("page.my_krs"), icon=":material/task_alt:", url_path="my_krs"),
        st.Page(
            "pages/kr_detail.py", title=ui.tr("page.kr_detail"), icon=":material/query_stats:", url_path="kr_detail"
        ),
        st.Page("pages/abtest.py", title=ui.tr("page.abtest"), icon=":material/photo_library:", url_path="abtest"),
        st.Page("pages/review.py", title=ui.tr("review.page"), icon=":material/rate_review:", url_path="review"),
    ],
    ui.tr("nav.admin"): [
        st.Page("pages/manage.py", title=ui.tr("page.manage"), icon=":material/edit_note:", url_path="manage"),
        st.Page(
            "pages/data_import.py", title=ui.tr("page.import"), icon=":material/upload_file:", url_path="data_import"
        ),
        st.Page("pages/people.py", title=ui.tr("page.people"), icon=":material/groups:", url_path="people"),
    ],
}
# With users (or an OIDC provider) and nobody signed in, the menu is hidden and every URL shows the sign-in.
locked = ui.needs_sign_in()
page = st.navigation(pages, position="hidden" if locked else "sidebar")

# First start on an empty database: the demo shops and OKRs load in the background (once per server, about
# 10 s); until they are in, every page shows its title and the progress instead of running.
loading = False if locked else ui.first_start(page.title)

with st.sidebar:
    languages = {"zh": "简体中文", "en": "English"}
    ui.bound_widget(
        st.segmented_control, "lang", ui.tr("ui.language"), list(languages), format_func=languages.get, default="zh"
    )
    options = [] if loading or locked else ui.cycles()
    if options:
        ui.bound_widget(st.selectbox, "cycle", ui.tr("ui.cycle"), options, default=ui.current_cycle())
    if not loading and not locked:
        ui.demo_sidebar()  # the 示例数据 banner; 清除示例数据 asks for confirmation, saying what goes and what stays
        ui.account_sidebar()  # who is signed in (退出登录), or that ShopKR runs in single-user local mode

if locked:
    ui.sign_in_gate()  # the sign-in form (or the OIDC button); the page runs once signed in
elif not loading and (problem := ui.calendar_error()):
    st.error(problem)  # a user's promotion calendar that does not load: say what to fix instead of failing
elif not loading:
    page.run()
