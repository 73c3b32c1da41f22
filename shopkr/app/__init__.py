"""The app: what people see and type, in the dashboard and on the command line.

ui             Streamlit helpers shared by dashboard.py and pages/ (the only module importing Streamlit)
i18n           every user-visible string, 简体中文 first, English second
escape         user text made safe for Streamlit Markdown and plotly labels
charts         plotly figures for the pages
numbers        one number formatter keyed on the unit (yuan, count, rate, ...): text, charts, tables
okr_form       editing OKR definitions from the dashboard (OKR管理 forms, preview, history tables)
score_text     scores as text: the terminal table, CSV, the 日报
import_tables  import results, history and coverage as tables in words (数据导入)
cycle_tables   a scored cycle as the pages show it: attainment, objective frames, alignment, attention (总览, 我的KR)
people_tables  everyone's objectives and scores across cycles, and their past reviews (成员)
review_tables  the quarter-end review (复盘): grades beside data scores, states, text, overdue reviews
ab_report      an A/B test run on the imported data: verdict, tables, JSON, thumbnails
cli, commands  `python -m shopkr`: the parser, then one function per command
notify         the 日报 pushed to WeCom/DingTalk/Feishu group robots (`python -m shopkr notify`)
card           the 日报 as a phone-sized PNG card (notify --image, 我的KR 下载图片)
notes          notes on the charts as people see them: chart marks, lists, the `note list` table, form choices
checkins       check-ins in words and as a timeline: confidence against P(hit), the KRs without one for 7 days
auth           sign-in: Argon2id password hashes, the sign-in check and its rate limit, OIDC users by e-mail

Imports the domain and the data layers; nothing below imports this package.
"""
