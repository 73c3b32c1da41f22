"""User text (titles, owners, shop, product and creative names, messages that quote user values) shown as
plain text by the two renderers the app uses: Streamlit's Markdown and plotly's small HTML subset.

Streamlit renders Markdown in st.markdown, st.caption, st.title/header/subheader, st.info/success/warning/error,
and in labels (st.metric, st.expander, st.page_link, st.tabs, buttons, st.progress text). A title such as
`![x](http://host/track.png)` would make every viewer's browser fetch that URL; links, KaTeX (`$x^2$`),
`:red[...]` directives, emoji shortcodes and HTML would render. `md` makes a value inert there; `plain` does
the same for plotly text (axis labels, legends, hover text, annotations).

Pure and without Streamlit, so the domain-side text builders (abtesting, summary, charts) can use it too.
"""

from __future__ import annotations

import html
import re

# Line breaks (and the separators str.splitlines also breaks on) would start new Markdown blocks: a heading,
# a list, a table, a code block. One line is what a title or name is shown as anyway.
_BREAKS = re.compile(r"[ \t\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]+")
# Characters with a Markdown meaning anywhere in a line: emphasis (* _ ~), code (`), links and images (! [ ]),
# HTML and autolinks (< >), KaTeX ($), tables (|), entities (&), headings (#), directives (:red[...]) and the
# escape itself. Others (- + = 1.) only mean something at the start of a line, i.e. of the value.
_PUNCT = re.compile(r"([\\`*_\[\]<>$~|!#&:])")
_LINE_START = re.compile(r"^([-+=]|\d+(?=[.)]))")
# Emoji shortcodes (:smile:), icons (:material/home:) and GFM's bare links (http://…, www.…, a@b.com) are
# found in text after escapes are resolved, so escaping is not enough there: a WORD JOINER (U+2060, invisible,
# no line break) after ":" and "@" and between "www" and "." breaks those patterns.
_WORD_JOINER = "\u2060"
_WWW = re.compile(r"(www)(?=\.)", re.IGNORECASE)


def md(value: object) -> str:
    """`value` as text for any Streamlit element that renders Markdown: no link, image, formula, colour, icon,
    emoji, HTML, heading, list or table comes out of it, and it reads the same (on one line). None -> ""."""
    if value is None:
        return ""
    text = _BREAKS.sub(" ", str(value)).strip()
    text = _PUNCT.sub(r"\\\1", text)
    text = _LINE_START.sub(lambda m: m.group(0) + "\\" if m.group(0)[0].isdigit() else "\\" + m.group(0), text)
    text = _WWW.sub(r"\1" + _WORD_JOINER, text)
    return text.replace(":", ":" + _WORD_JOINER).replace("@", "@" + _WORD_JOINER)


def code(value: object) -> str:
    """`value` as an inline code span (nothing inside a code span renders), on one line; for paths and ids."""
    text = _BREAKS.sub(" ", "" if value is None else str(value)).strip()
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def plain(value: object) -> str:
    """`value` as text for plotly labels, legends, hover text and annotations (which render <b>, <a>, <br>,
    <span>, ...): HTML special characters become entities. None -> ""."""
    if value is None:
        return ""
    return html.escape(str(value), quote=False)


def plain_lines(lines: list[object]) -> str:
    """Several user values as plotly text, one per line (escaped, joined with <br>)."""
    return "<br>".join(plain(line) for line in lines)


# Chat markdown (WeCom and DingTalk robot markdown, Feishu card lark_md). None of the three publishes an escape for
# its robots' markdown, so a backslash or an HTML entity may show as it is or still format. What cannot format in
# any of them is another character: the markup characters of user text become their full-width forms, which read
# the same in Chinese text. `<` (HTML such as <font>, WeCom's <@userid> and Feishu's <at id=...> mentions), `*`
# `_` (emphasis), `` ` `` (code), `[` `]` (links and images), `#` (headings), `|` (tables), `&` (entities) and
# `\` anywhere; `~` where two stand together (strikethrough; a lone one, as in 11-15~11-27, is left); and at the
# start of a line (after its indent) `>` `-` `+` `=` and a number with `.` or `)` (quotes, lists, headings).
_CHAT_ANYWHERE = str.maketrans({c: chr(ord(c) + 0xFEE0) for c in "<*_`[]#|&\\"})
_CHAT_TILDES = re.compile(r"~(?=~)|(?<=~)~")
_CHAT_LINE_START = re.compile(r"^(\s*)(?:([>\-+=])|(\d+)([.)]))")
_CHAT_AT = re.compile(r"@(?=\w)")
_CHAT_LINK = re.compile(r":(?=//)")
_CHAT_BREAKS = re.compile(r"[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]+")


def chat_md(line: object) -> str:
    """One line of text as chat markdown that shows as it reads (WeCom/DingTalk `markdown`, Feishu `lark_md`): no
    bold, link, heading, colour, code, list or quote, and no @-mention (an "@" is followed by a WORD JOINER,
    U+2060, and "://" gets one too, so no bare link is made). Line breaks inside become spaces; the indent stays.
    Markup characters become full-width (see above), so "**爆款**" shows as "＊＊爆款＊＊". None -> ""."""
    if line is None:
        return ""
    text = _CHAT_BREAKS.sub(" ", str(line)).translate(_CHAT_ANYWHERE)
    text = _CHAT_TILDES.sub("～", text)

    def lead(m: re.Match[str]) -> str:
        if m.group(2):
            return m.group(1) + chr(ord(m.group(2)) + 0xFEE0)
        return m.group(1) + m.group(3) + chr(ord(m.group(4)) + 0xFEE0)

    text = _CHAT_LINE_START.sub(lead, text)
    text = _CHAT_AT.sub("@" + _WORD_JOINER, text)
    return _CHAT_LINK.sub(":" + _WORD_JOINER, text)
