"""`python -m shopkr notify`: the 日报 pushed to a WeCom, DingTalk or Feishu group through its custom-robot webhook.

What each channel receives (formats from each platform's published webhook documentation):

- **WeCom 企业微信 群机器人** (https://developer.work.weixin.qq.com/document/path/91770, 群机器人配置说明):
  `{"msgtype": "markdown", "markdown": {"content": TEXT}}`; content at most 4096 bytes of UTF-8; members are
  @-mentioned with `<@userid>` inside the content (markdown has no mobile-number mention: `mentioned_mobile_list`
  exists for text messages only); an image is `{"msgtype": "image", "image": {"base64": B64, "md5": MD5}}` with
  the md5 of the raw file, at most 2 MB before encoding, JPG or PNG; at most 20 messages per minute per robot.
  The reply is `{"errcode": 0, "errmsg": "ok"}` on success.
- **DingTalk 钉钉 自定义机器人** (https://open.dingtalk.com/document/robots/custom-robot-access and
  https://open.dingtalk.com/document/development/robot-message-type):
  `{"msgtype": "markdown", "markdown": {"title": T, "text": TEXT}, "at": {"atMobiles": [...], "atUserIds": [...]}}`
  with "@mobile" (or "@userid") written in the text for the mention to show; with a secret (加签) the URL gets
  `timestamp` (ms) and `sign` = urlEncode(base64(HmacSHA256(key=secret, msg=f"{timestamp}\\n{secret}")));
  at most 20 messages per minute per robot (then throttled for 10 minutes). DingTalk publishes no length limit
  for markdown text that we found; ShopKR keeps it to 4096 bytes as for WeCom (a 日报 is far shorter). Markdown
  needs a blank line between lines, so lines are joined with "\\n\\n". A custom robot cannot upload an image:
  markdown shows only images at a public URL. The reply is `{"errcode": 0, "errmsg": "ok"}`; 310000 is a failed
  security check (keyword, IP whitelist or signature), 300001 an unknown token.
- **Feishu 飞书 自定义机器人** (https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot):
  `{"msg_type": "post", "content": {"post": {"zh_cn": {"title": T, "content": [[{"tag": "text", ...}], ...]}}}}`
  (en_us for --lang en), members @-mentioned with `{"tag": "at", "user_id": OPEN_ID_OR_USER_ID}` elements; with a
  secret (签名校验) the body carries `timestamp` (s) and `sign` = base64(HmacSHA256(key=f"{timestamp}\\n{secret}",
  msg=b"")); request body at most 20 KB, 100 requests per minute and 5 per second per robot. A custom robot
  cannot upload an image (that needs an app's tenant_access_token to get an image_key). The reply is
  `{"code": 0, "msg": "success"}`; 19021 is a bad signature or timestamp, 19022 an IP not allowed, 19024 a
  missing keyword, 11232 the rate limit.

  With `--feishu-card` the 日报 goes as an interactive card instead (Feishu 自定义机器人 "发送消息卡片"):
  `{"msg_type": "interactive", "card": {"config": {"wide_screen_mode": true}, "header": {"title": {"tag":
  "plain_text", "content": T}, "template": "blue"}, "elements": [{"tag": "div", "text": {"tag": "lark_md",
  "content": TEXT}}]}}`, members @-mentioned with `<at id=OPEN_ID></at>` inside the lark_md text; the same signature.

A 日报 longer than one message allows (`MESSAGE_LIMIT`) is split into several messages at line boundaries, numbered
"(1/3)", "(2/3)", ...: an owner's 日报 (or the shop's title) stays in one message when it fits in one, the
@-mention line of an owner goes into the message that holds the start of their 日报, and the missing-data lines go
into the last message. Only a single line longer than a whole message is cut (at a character, ending with "…").

Messages of one run are paced to each robot's rate limit (`RATE_WINDOWS`: WeCom and DingTalk 20 a minute, Feishu 5
a second and 100 a minute), waiting as needed and saying so. A reply with the platform's rate-limit code
(`RATE_LIMITED`: WeCom 45009 "api freq out of limit", DingTalk 130101 "send too fast, exceed 20 times per minute",
Feishu 11232 "frequency limited") is retried once after `RATE_BACKOFF` seconds. Network errors and HTTP 5xx are
retried with backoff (1 s, 2 s); a reply that the platform accepted is never sent again.

User text (KR and objective titles, owner and shop names) in WeCom/DingTalk markdown and in Feishu lark_md goes
through `shopkr.app.escape.chat_md`, so a title such as "**爆款** <@all>" neither formats nor mentions; Feishu
`post` text elements are plain text already. The `report` command's text is unchanged.
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from shopkr.app.i18n import Lang, render, t
from shopkr.domain.engine import CycleReport, KRResult
from shopkr.domain.okr import Problem

Channel = Literal["wecom", "dingtalk", "feishu"]
CHANNELS: tuple[Channel, ...] = ("wecom", "dingtalk", "feishu")

# Bytes of UTF-8 one message may have (see the module docstring for the sources): WeCom and DingTalk count the
# markdown text, Feishu the whole request body as sent (JSON, CJK unescaped) less room for timestamp and sign.
MESSAGE_LIMIT: dict[Channel, int] = {
    "wecom": 4096,  # WeCom: markdown.content "最长不超过4096个字节，必须是utf8编码"
    "dingtalk": 4096,  # no published limit found; kept as WeCom's
    "feishu": 20_000 - 100,  # Feishu: "请求体大小不能超过20k"; 100 bytes left for "timestamp" and "sign"
}
IMAGE_LIMIT = 2 * 1024 * 1024  # WeCom image message: at most 2 MB before base64 encoding
RATE_LIMIT = {"wecom": "20/min", "dingtalk": "20/min", "feishu": "100/min, 5/s"}  # per robot, for the README
# The same limits as (messages, seconds) windows: at most that many messages in any window that long.
RATE_WINDOWS: dict[Channel, tuple[tuple[int, float], ...]] = {
    "wecom": ((20, 60.0),),
    "dingtalk": ((20, 60.0),),
    "feishu": ((5, 1.0), (100, 60.0)),
}
# The reply codes that say "too many messages", and how long to wait before the one retry: a minute (the window),
# ten minutes for DingTalk (which throttles a robot for 10 minutes once it is over its limit).
RATE_LIMITED: dict[Channel, tuple[int, ...]] = {"wecom": (45009,), "dingtalk": (130101,), "feishu": (11232,)}
RATE_BACKOFF: dict[Channel, float] = {"wecom": 60.0, "dingtalk": 600.0, "feishu": 60.0}
ATTEMPTS = 3  # one send and two retries, after BACKOFF[i] seconds
BACKOFF = (1.0, 2.0)
TIMEOUT = 10.0  # seconds per request
STALE_DAYS = 2  # a source whose last day is more than this many days before as_of is reported missing
GAP_WINDOW = 7  # days before as_of in which missing days between data days are reported


class NotifyError(Exception):
    """The platform refused the message or could not be reached: `code` (the platform's errcode/code, or the HTTP
    status, or None for a network error) and `detail` (the platform's message), as `describe` words them."""

    def __init__(self, channel: Channel, code: object, detail: str) -> None:
        super().__init__(f"{channel}: {code}: {detail}")
        self.channel, self.code, self.detail = channel, code, detail

    @property
    def rate_limited(self) -> bool:
        """Is this the platform's "too many messages" reply (RATE_LIMITED)?"""
        return _code_int(self.code) in RATE_LIMITED[self.channel]

    def describe(self, lang: Lang = "en") -> str:
        """The failure and what to check, in `lang`."""
        head = t("notify.failed", lang, channel=self.channel, code=self.code, detail=self.detail[:300])
        if self.rate_limited:
            return f"{head}\n{t('notify.hint.rate_limited', lang, rate=RATE_LIMIT[self.channel])}"
        return f"{head}\n{t('notify.hint.' + self.channel, lang)}"


def _code_int(code: object) -> int | None:
    """A reply code as a number (platforms send 45009 or "45009"); None when it is not one."""
    try:
        return int(str(code))
    except ValueError:
        return None


# --- the people file -----------------------------------------------------------------------------------------


def _person_model():
    from pydantic import BaseModel, ConfigDict, Field

    class Person(BaseModel):
        """How to @-mention one owner: a mobile number (DingTalk) and the ids each platform uses."""

        model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True, frozen=True)
        mobile: str | None = Field(None, pattern=r"^\+?[0-9][0-9-]{4,19}$")
        wecom_userid: str | None = Field(None, min_length=1, max_length=64)
        dingtalk_userid: str | None = Field(None, min_length=1, max_length=64)
        feishu_open_id: str | None = Field(None, min_length=1, max_length=64)
        feishu_user_id: str | None = Field(None, min_length=1, max_length=64)

    return Person


@dataclass(frozen=True)
class Person:
    """One owner's chat ids (all optional): `mobile` (DingTalk atMobiles), `wecom_userid` (WeCom `<@userid>`),
    `dingtalk_userid` (DingTalk atUserIds), `feishu_open_id` or `feishu_user_id` (Feishu `at` elements)."""

    mobile: str | None = None
    wecom_userid: str | None = None
    dingtalk_userid: str | None = None
    feishu_open_id: str | None = None
    feishu_user_id: str | None = None


PEOPLE_FILE = "people.yaml"


def people_path(given: str | None, db: Path) -> Path | None:
    """The people file: `--people FILE` when given, else `people.yaml` in the database file's folder when it
    exists, else None (nobody is @-mentioned)."""
    if given:
        return Path(given)
    beside = db.parent / PEOPLE_FILE
    return beside if beside.is_file() else None


def load_people(path: Path) -> tuple[dict[str, Person] | None, list[Problem]]:
    """Read and validate a people file: a YAML mapping of owner name (as in the OKRs) to {mobile, wecom_userid,
    dingtalk_userid, feishu_open_id, feishu_user_id}. Returns the people, or None and every problem at once
    (pydantic's errors as codes from their `type` and `ctx`, with the path `王总.mobile`; a file that cannot be
    read or is not YAML as notify.people_* codes)."""
    import yaml
    from pydantic import TypeAdapter, ValidationError

    from shopkr.domain.messages import pydantic_message

    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        return None, [Problem(str(path), "notify.people_unreadable", params={"detail": exc.strerror or str(exc)})]
    except UnicodeDecodeError:
        return None, [Problem(str(path), "notify.people_not_utf8")]
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        return None, [Problem(where, "notify.people_bad_yaml", params={"detail": str(getattr(exc, "problem", exc))})]
    if doc is None:
        return {}, []
    model = _person_model()
    try:
        parsed = TypeAdapter(dict[str, model]).validate_python(doc)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            where = ".".join(str(part) for part in err["loc"]) or "(file)"
            message = pydantic_message(err)
            problems.append(Problem(where, message.code, err.get("input"), params=message.params))
        return None, problems
    return {name.strip(): Person(**p.model_dump()) for name, p in parsed.items()}, []


def problem_text(p: Problem, lang: Lang = "en") -> str:
    """One problem of the people file as a line: path, message, the value found."""
    text = f"{p.path}: {render(p, lang)}"
    if p.value is not None and not isinstance(p.value, dict | list):
        text += t("notify.found", lang, value=repr(p.value))
    return text


# --- what to send ------------------------------------------------------------------------------------------


def _keep(report: CycleReport, keep: Callable[[Any, KRResult], bool]) -> CycleReport:
    objectives = []
    for o in report.objectives:
        krs = tuple(k for k in o.key_results if keep(o, k))
        if krs:
            objectives.append(dataclasses.replace(o, key_results=krs))
    return dataclasses.replace(report, objectives=tuple(objectives))


def select(report: CycleReport, *, owner: str | None = None, shop: str | None = None) -> CycleReport:
    """The report restricted to one owner's objectives, or to the KRs on one shop (filters.shop), or all of it
    when neither is given. Objectives left without KRs are dropped; scores stay as scored."""
    if owner is not None:
        return _keep(report, lambda o, k: o.owner == owner)
    if shop is not None:
        return _keep(report, lambda o, k: k.filters.get("shop") == shop)
    return report


@dataclass(frozen=True)
class Line:
    """One line of a 日报 message: its text; on the first line of an owner's 日报 (the line that names them), that
    owner (for the @-mention in the message holding it); `heading` on the report's first line, which Feishu shows
    as the title instead of in the text."""

    text: str
    owner: str | None = None
    heading: bool = False


def report_groups(report: CycleReport, lang: Lang, shop: str | None = None) -> list[list[Line]]:
    """The 日报 of every owner in `report` (already `select`ed) as groups of lines that belong together: for a
    shop a first group with its title line, then one group per owner (as `report` prints it, score_text.daily_report;
    after the first, each starts with a blank line)."""
    from shopkr.app import score_text

    owners = list(dict.fromkeys(o.owner for o in report.objectives))
    groups = [[Line(t("notify.shop_title", lang, shop=shop))]] if shop else []
    for i, owner in enumerate(owners):
        text = score_text.daily_report(report, owner, lang).rstrip("\n").split("\n")
        groups.append([*([Line("")] if i else []), Line(text[0], owner), *(Line(x) for x in text[1:])])
    if not owners:
        groups.append([Line(t("notify.no_krs", lang, cycle=report.cycle.id))])
    return groups


def report_lines(report: CycleReport, lang: Lang, shop: str | None = None) -> list[str]:
    """The 日报 text of `report_groups` as plain lines, one after the other."""
    return [line.text for group in report_groups(report, lang, shop) for line in group]


@dataclass(frozen=True)
class Missing:
    """A source of a shop without data on some days: `table` (shop_daily, product_daily, creative_daily) and
    `platform` name the export family; `dates` are the days missing (after the last day, or between data days
    within GAP_WINDOW days); `last` is the last day with data (None: no data in the cycle at all)."""

    shop: str
    platform: str
    table: str
    dates: tuple[dt.date, ...]
    last: dt.date | None


def missing_data(days: Any, shops: Iterable[str] | None, as_of: dt.date, since: dt.date) -> list[Missing]:
    """Which exports to fetch: per shop and export family (table, platform) that has data between `since` (the
    cycle start) and as_of, the days missing when its last day is more than STALE_DAYS before as_of (the days
    after it through as_of - 1, yesterday's export being the newest one expected), plus the days without data
    between data days in the GAP_WINDOW days before as_of. A shop in `shops` without any data since `since` is one
    entry with table "" and no dates. `days` is `queries.coverage_days` (table_name, platform, shop, date, rows);
    `shops` None means every shop in `days`. Sorted by shop, table, platform."""
    from shopkr.data.coverage import as_dates

    seen: dict[tuple[str, str, str], set[dt.date]] = {}
    for r in days.itertuples(index=False):
        (day,) = as_dates([r.date])
        if since <= day <= as_of:
            seen.setdefault((r.shop, r.table_name, r.platform), set()).add(day)
    wanted = None if shops is None else set(shops)
    out: list[Missing] = []
    for (shop, table, platform), dates in sorted(seen.items()):
        if wanted is not None and shop not in wanted:
            continue
        last = max(dates)
        gap_start = max(since, min(dates), as_of - dt.timedelta(days=GAP_WINDOW))  # holes between data days
        holes = [gap_start + dt.timedelta(days=i) for i in range((last - gap_start).days)]
        holes = [d for d in holes if d not in dates]
        if (as_of - last).days > STALE_DAYS:
            holes += [last + dt.timedelta(days=i) for i in range(1, (as_of - last).days)]
        if holes:
            out.append(Missing(shop, platform, table, tuple(sorted(set(holes))), last))
    for shop in sorted((wanted or set()) - {s for s, _, _ in seen}):
        out.append(Missing(shop, "", "", (), None))
    return out


def family(m: Missing, lang: Lang) -> str:
    """The export family in words: 生意参谋 店铺数据, 千川 素材数据, ... (generic platforms by name)."""
    key = f"notify.family.{m.table}.{m.platform}"
    text = t(key, lang)
    return text if text != key else t(f"notify.family.{m.table}", lang, platform=m.platform)


def missing_lines(missing: Sequence[Missing], lang: Lang) -> list[str]:
    """One line per missing source ("暖居旗舰店 缺 11-24 生意参谋 店铺数据"), under a heading; [] when none."""
    from shopkr.data.coverage import format_ranges

    if not missing:
        return []
    lines = [t("notify.missing_head", lang)]
    for m in missing:
        if not m.table:
            lines.append(t("notify.no_data_at_all", lang, shop=m.shop))
        else:
            lines.append(t("notify.missing", lang, shop=m.shop, dates=format_ranges(m.dates, 4), what=family(m, lang)))
    return lines


def report_shops(report: CycleReport) -> list[str] | None:
    """The shops the report's catalogue KRs read (their shop filter); None (every shop) when one of them reads
    all shops."""
    shops: set[str] = set()
    for k in report.key_results:
        if k.kind == "manual" or k.metric is None:
            continue
        if not k.filters.get("shop"):
            return None
        shops.add(k.filters["shop"])
    return sorted(shops)


def off_track_owners(report: CycleReport) -> list[str]:
    """Owners (objective owners) of the report's off-track KRs, in report order."""
    return list(dict.fromkeys(o.owner for o in report.objectives for k in o.key_results if k.status == "off_track"))


# --- message bodies ----------------------------------------------------------------------------------------


def utf8_cut(text: str, limit: int) -> str:
    """The longest prefix of `text` whose UTF-8 encoding has at most `limit` bytes (never half a character)."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", errors="ignore")


def split(groups: Sequence[Sequence[Line]], size: Callable[[Sequence[Line]], int], limit: int) -> list[list[Line]]:
    """Pack `groups` in order into messages whose `size(lines)` (the bytes of the message those lines make) is at
    most `limit`: a group goes whole into the current message when it fits there, else whole into a new message
    when it fits in one, else line by line (filling the current message first). A single line that alone makes a
    message over the limit is cut at a character and ends with "…"."""
    parts: list[list[Line]] = [[]]
    for group in groups:
        if size([*parts[-1], *group]) <= limit:
            parts[-1].extend(group)
            continue
        if parts[-1] and size(group) <= limit:
            parts.append(list(group))
            continue
        for line in group:
            if size([*parts[-1], line]) <= limit:
                parts[-1].append(line)
                continue
            if parts[-1]:
                parts.append([])
            parts[-1].append(line if size([line]) <= limit else _cut_line(line, size, limit))
    return [p for p in parts if any(line.text.strip() for line in p)] or [[]]


def _cut_line(line: Line, size: Callable[[Sequence[Line]], int], limit: int) -> Line:
    """The longest start of `line` that, with "…" after it, makes a message within `limit` (whole characters)."""
    lo, hi = 0, len(line.text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if size([dataclasses.replace(line, text=line.text[:mid] + "…")]) <= limit:
            lo = mid
        else:
            hi = mid - 1
    return dataclasses.replace(line, text=line.text[:lo] + "…")


def _trimmed(lines: Sequence[Line]) -> list[Line]:
    """The lines without blank lines at the start and end (an owner's 日报 opening a message needs no gap)."""
    out = list(lines)
    while out and not out[0].text.strip():
        out.pop(0)
    while out and not out[-1].text.strip():
        out.pop()
    return out


@dataclass(frozen=True)
class Mentions:
    """Who to @-mention and how: names (for the text), WeCom userids, DingTalk mobiles and userids, Feishu ids
    (with the owner's name); `unknown` are owners the people file has no id for on this channel."""

    wecom: tuple[str, ...] = ()
    mobiles: tuple[str, ...] = ()
    ding_ids: tuple[str, ...] = ()
    feishu: tuple[tuple[str, str], ...] = ()
    unknown: tuple[str, ...] = ()


def mentions(owners: Sequence[str], people: Mapping[str, Person], channel: Channel) -> Mentions:
    """The ids to @-mention `owners` on `channel` from the people file."""
    wecom, mobiles, ding, feishu, unknown = [], [], [], [], []
    for name in owners:
        p = people.get(name)
        if channel == "wecom" and p and p.wecom_userid:
            wecom.append(p.wecom_userid)
        elif channel == "dingtalk" and p and (p.mobile or p.dingtalk_userid):
            if p.mobile:
                mobiles.append(p.mobile)
            else:
                ding.append(p.dingtalk_userid)  # type: ignore[arg-type]
        elif channel == "feishu" and p and (p.feishu_open_id or p.feishu_user_id):
            feishu.append((p.feishu_open_id or p.feishu_user_id, name))  # type: ignore[arg-type]
        else:
            unknown.append(name)
    return Mentions(tuple(wecom), tuple(mobiles), tuple(ding), tuple(feishu), tuple(unknown))


def mention_line(m: Mentions, channel: Channel, lang: Lang, card: bool = False) -> str | None:
    """The text line that @-mentions (WeCom `<@userid>`, DingTalk "@mobile"/"@userid", a Feishu card's
    `<at id=...></at>`; a Feishu post adds `at` elements after it); None when nobody."""
    if channel == "wecom" and m.wecom:
        return t("notify.mention", lang, who=" ".join(f"<@{u}>" for u in m.wecom))
    if channel == "dingtalk" and (m.mobiles or m.ding_ids):
        return t("notify.mention", lang, who=" ".join(f"@{x}" for x in (*m.mobiles, *m.ding_ids)))
    if channel == "feishu" and m.feishu:
        return t("notify.mention", lang, who=" ".join(f"<at id={i}></at>" for i, _ in m.feishu) if card else "")
    return None


@dataclass(frozen=True)
class Style:
    """How the 日报 goes out on a channel: `title` (DingTalk's markdown title, Feishu's post or card title: the
    report's first line, which Feishu then leaves out of the text, or for several owners a title of its own),
    `lang`, and for Feishu `card` (interactive card instead of post)."""

    channel: Channel
    title: str
    lang: Lang
    card: bool = False

    @property
    def markdown(self) -> bool:
        """Is the text rendered as markdown (so user text is escaped with chat_md)?"""
        return self.channel != "feishu" or self.card


def message_body(style: Style, lines: Sequence[Line], m: Mentions, label: str = "") -> dict[str, Any]:
    """The JSON body of one 日报 message on `style.channel` (see the module docstring): `lines` (already escaped
    for markdown channels), the mention line for `m`, and `label` ("(2/3)", or "" for a single message) in front of
    the first line (WeCom, DingTalk) or after the title (DingTalk's title, Feishu's)."""
    channel, lang = style.channel, style.lang
    mention = mention_line(m, channel, lang, style.card)
    texts = [line.text for line in _trimmed(lines)]

    def titled(limit: int) -> str:  # the title with the label, cut to `limit` bytes (the label always kept)
        return (
            f"{utf8_cut(style.title, limit - len(label.encode()) - 1)} {label}"
            if label
            else utf8_cut(style.title, limit)
        )

    if channel == "feishu":
        texts = [line.text for line in _trimmed([line for line in lines if not line.heading])]
    elif label:
        texts = [f"{label} {texts[0].lstrip()}", *texts[1:]] if texts else [label]
    if channel == "wecom":
        return {"msgtype": "markdown", "markdown": {"content": "\n".join([*texts, *([mention] if mention else [])])}}
    if channel == "dingtalk":
        return {
            "msgtype": "markdown",
            "markdown": {
                "title": titled(120),
                "text": "\n\n".join([*texts, *([mention] if mention else [])]),
            },
            "at": {"atMobiles": list(m.mobiles), "atUserIds": list(m.ding_ids), "isAtAll": False},
        }
    if style.card:
        text = "\n".join([*texts, *([mention] if mention else [])])
        return {
            "msg_type": "interactive",
            "card": {
                "config": {"wide_screen_mode": True},
                "header": {"title": {"tag": "plain_text", "content": titled(200)}, "template": "blue"},
                "elements": [{"tag": "div", "text": {"tag": "lark_md", "content": text}}],
            },
        }
    content: list[list[dict[str, str]]] = [[{"tag": "text", "text": x}] for x in texts]
    if mention:
        content.append(
            [{"tag": "text", "text": mention}] + [{"tag": "at", "user_id": i, "user_name": n} for i, n in m.feishu]
        )
    locale = "zh_cn" if lang == "zh" else "en_us"
    return {"msg_type": "post", "content": {"post": {locale: {"title": titled(200), "content": content}}}}


def message_size(channel: Channel, payload: dict[str, Any]) -> int:
    """The bytes MESSAGE_LIMIT counts: WeCom's and DingTalk's markdown text, Feishu's whole body (as sent)."""
    if channel == "wecom":
        return len(payload["markdown"]["content"].encode("utf-8"))
    if channel == "dingtalk":
        return len(payload["markdown"]["text"].encode("utf-8"))
    return len(Request("", payload).content())


# The widest label a message could get, reserved while splitting (the count is known only afterwards).
_WIDEST_LABEL = "(999/999)"


def messages(
    style: Style,
    groups: Sequence[Sequence[Line]],
    footer: Sequence[str],
    mention_for: Callable[[Sequence[str]], Mentions],
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """The 日报 as message bodies, each within `limit` (default MESSAGE_LIMIT[channel]): `groups` (report_groups)
    then the `footer` (missing-data lines, which so end up in the last message), split with `split`, the text
    escaped with chat_md where the channel renders markdown, each message numbered "(i/n)" when there are several,
    and `mention_for(owners)` @-mentioning the owners whose 日报 starts in that message."""
    from shopkr.app.escape import chat_md

    limit = MESSAGE_LIMIT[style.channel] if limit is None else limit
    esc = chat_md if style.markdown else str
    escaped = [
        [
            Line(esc(line.text), line.owner, heading=not i and not j and line.text == style.title)
            for j, line in enumerate(g)
        ]
        for i, g in enumerate(groups)
    ]
    if footer:
        escaped.append([Line(esc(x)) for x in footer])

    def owners(lines: Sequence[Line]) -> list[str]:
        return [line.owner for line in lines if line.owner]

    def size(lines: Sequence[Line]) -> int:
        return message_size(style.channel, message_body(style, lines, mention_for(owners(lines)), _WIDEST_LABEL))

    parts = split(escaped, size, limit)
    n = len(parts)
    return [
        message_body(style, p, mention_for(owners(p)), t("notify.part", style.lang, number=i, count=n) if n > 1 else "")
        for i, p in enumerate(parts, start=1)
    ]


def image_body(png: bytes) -> dict[str, Any]:
    """WeCom's image message: base64 of the file and the md5 (hex) of the raw bytes. Raises ValueError over
    IMAGE_LIMIT (2 MB before encoding, WeCom's limit)."""
    if len(png) > IMAGE_LIMIT:
        raise ValueError(f"image of {len(png)} bytes is over WeCom's {IMAGE_LIMIT} bytes")
    return {
        "msgtype": "image",
        "image": {"base64": base64.b64encode(png).decode(), "md5": hashlib.md5(png).hexdigest()},
    }


# --- signing, requests, replies ----------------------------------------------------------------------------


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk 加签: base64(HmacSHA256(key=secret, msg=f"{timestamp}\\n{secret}")) of UTF-8 text, not yet
    URL-encoded (`prepare` encodes it into the query)."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu 签名校验: base64(HmacSHA256(key=f"{timestamp}\\n{secret}", msg=b"")) (the key is the string to sign,
    the message empty, as Feishu's own sample code does)."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


@dataclass(frozen=True)
class Request:
    """One POST: the URL (with DingTalk's timestamp and sign) and the JSON body (with Feishu's)."""

    url: str
    body: dict[str, Any]

    def content(self) -> bytes:
        """The body as sent: UTF-8 JSON, CJK unescaped (so the byte limits count what the platform counts)."""
        return json.dumps(self.body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def prepare(
    channel: Channel, webhook: str, payload: dict[str, Any], secret: str | None, now: float | None = None
) -> Request:
    """The request for `payload`, signed when a secret is given: DingTalk `&timestamp=MS&sign=URLENCODED` on the
    URL, Feishu `timestamp` (seconds, as text) and `sign` in the body. `now` is the Unix time (default: now)."""
    now = time.time() if now is None else now
    if secret and channel == "dingtalk":
        ms = round(now * 1000)
        sep = "&" if urllib.parse.urlsplit(webhook).query else "?"
        sign = urllib.parse.quote_plus(dingtalk_sign(secret, ms))
        return Request(f"{webhook}{sep}timestamp={ms}&sign={sign}", payload)
    if secret and channel == "feishu":
        s = int(now)
        return Request(webhook, {"timestamp": str(s), "sign": feishu_sign(secret, s), **payload})
    return Request(webhook, payload)


SECRET_PARAMS = ("key", "access_token", "sign", "token")


def redacted(channel: Channel, req: Request) -> str:
    """The request as --dry-run prints it: the URL with the webhook's token (WeCom `key`, DingTalk
    `access_token`, the last path part of a Feishu hook) and any `sign` replaced by ***, then the JSON body with
    Feishu's sign replaced too and an image's base64 shortened to its size."""
    parts = urllib.parse.urlsplit(req.url)
    query = [
        (k, "***" if k in SECRET_PARAMS else v) for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    ]
    path = parts.path
    if channel == "feishu" and "/hook/" in path:
        path = path[: path.rindex("/hook/") + len("/hook/")] + "***"
    url = urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, urllib.parse.urlencode(query, safe="*"), ""))
    shown = dict(req.body)
    if "sign" in shown:
        shown["sign"] = "***"
    if shown.get("msgtype") == "image":
        b64 = shown["image"]["base64"]
        shown["image"] = {
            "base64": f"<{len(base64.b64decode(b64))} bytes of PNG as base64>",
            "md5": shown["image"]["md5"],
        }
    return f"POST {url}\n{json.dumps(shown, ensure_ascii=False, indent=2)}"


def _check(channel: Channel, status: int, text: str) -> None:
    """Raise NotifyError unless the reply is HTTP 200 with errcode (WeCom, DingTalk) or code (Feishu) 0."""
    try:
        reply = json.loads(text)
    except ValueError:
        reply = None
    if isinstance(reply, dict):
        code = reply.get("errcode", reply.get("code", reply.get("StatusCode")))
        detail = str(reply.get("errmsg", reply.get("msg", reply.get("StatusMessage", ""))))
        if status == 200 and code in (0, "0"):
            return
        if code not in (None, 0, "0"):
            raise NotifyError(channel, code, detail)
    raise NotifyError(channel, f"HTTP {status}", text[:300])


def post(
    channel: Channel,
    req: Request,
    *,
    client: Any = None,
    sleep: Callable[[float], None] = time.sleep,
    on_retry: Callable[[str], None] | None = None,
) -> None:
    """Send one request; returns when the platform accepted it. A network error (no reply: refused, reset,
    dropped, timed out) or an HTTP 5xx is retried after BACKOFF seconds, ATTEMPTS tries in all; any reply the
    platform accepted ends the sending, so a message is never sent twice on success. Raises NotifyError with the
    platform's code and message (errcode/code ≠ 0, HTTP 4xx, or the last network error)."""
    import httpx

    own = client is None
    client = client or httpx.Client(timeout=TIMEOUT)
    try:
        for attempt in range(ATTEMPTS):
            try:
                r = client.post(
                    req.url, content=req.content(), headers={"Content-Type": "application/json; charset=utf-8"}
                )
            except httpx.TransportError as exc:
                error = NotifyError(channel, None, f"{type(exc).__name__}: {exc}")
            else:
                if r.status_code < 500:
                    _check(channel, r.status_code, r.text)
                    return
                error = NotifyError(channel, f"HTTP {r.status_code}", r.text[:300])
            if attempt + 1 < ATTEMPTS:
                if on_retry:
                    on_retry(error.detail)
                sleep(BACKOFF[min(attempt, len(BACKOFF) - 1)])
        raise error
    finally:
        if own:
            client.close()


# --- pacing and sending a run's messages ---------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    """Where a run reads the time and how it waits: `clock` (seconds, monotonic) and `sleep`. Tests put a fake clock
    in `TIMING` so that nothing waits."""

    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep


TIMING = Timing()


@dataclass
class Pacer:
    """Keeps one run's messages within the robot's rate limit (RATE_WINDOWS[channel]): `wait` returns when one more
    message may go, after sleeping as long as needed (and calling `say(seconds, rate)` first), and counts it."""

    channel: Channel
    timing: Timing = TIMING
    say: Callable[[float, str], None] | None = None
    sent: list[float] = field(default_factory=list)

    def wait(self) -> float:
        """Wait until a message may be sent, count it as sent now; returns the seconds waited."""
        waited = 0.0
        while True:
            now = self.timing.clock()
            need, rate = 0.0, ""
            for count, seconds in RATE_WINDOWS[self.channel]:
                recent = [s for s in self.sent if now - s < seconds]
                if len(recent) >= count and recent[-count] + seconds - now > need:
                    need, rate = recent[-count] + seconds - now, f"{count}/{'s' if seconds == 1 else 'min'}"
            if need <= 0:
                self.sent.append(now)
                return waited
            if self.say:
                self.say(need, rate)
            self.timing.sleep(need)
            waited += need


def send_all(
    channel: Channel,
    webhook: str,
    secret: str | None,
    payloads: Sequence[dict[str, Any]],
    what: Sequence[str],
    lang: Lang,
    *,
    timing: Timing | None = None,
    client: Any = None,
) -> int:
    """Send the messages of one run in order, each signed just before it goes (`prepare`): paced to the robot's
    rate limit (Pacer), a network error or HTTP 5xx retried by `post`, and a reply with the platform's rate-limit
    code (RATE_LIMITED) retried once after RATE_BACKOFF seconds. Says on stderr what it waits for and prints a line
    per message sent (`what` names each). Returns 0 when all were accepted, else 1 after printing the platform's
    code, message and what to check (messages already accepted stay sent; the rest are not tried)."""
    timing = timing or TIMING
    pacer = Pacer(
        channel,
        timing,
        lambda s, rate: _err(t("notify.rate_wait", lang, seconds=f"{s:.1f}", channel=channel, rate=rate)),
    )
    for payload, name in zip(payloads, what, strict=True):
        pacer.wait()
        for attempt in range(2):
            try:
                post(
                    channel,
                    prepare(channel, webhook, payload, secret),
                    client=client,
                    sleep=timing.sleep,
                    on_retry=lambda detail: _err(t("notify.retry", lang, detail=detail)),
                )
            except NotifyError as exc:
                if exc.rate_limited and not attempt:
                    wait = RATE_BACKOFF[channel]
                    _err(
                        t(
                            "notify.rate_limited",
                            lang,
                            channel=channel,
                            code=exc.code,
                            detail=exc.detail[:100],
                            seconds=f"{wait:.0f}",
                        )
                    )
                    timing.sleep(wait)
                    continue
                _err(exc.describe(lang))
                return 1
            break
        print(t("notify.sent", lang, channel=channel, what=name))
    return 0


# --- the command -------------------------------------------------------------------------------------------


def _err(text: str) -> None:
    print(text, file=sys.stderr)


def cmd_notify(args: argparse.Namespace) -> int:
    """Score the cycle, build the 日报 for --owner/--shop/--all with the missing-data lines and @-mentions, and
    send it (or print it with --dry-run); with --image also the PNG card where the channel takes one. Exit 0 when
    everything asked for was sent, 1 on a refused or failed send, a bad people file, or an unknown owner/shop."""
    from shopkr.data import queries, store
    from shopkr.domain import engine

    lang: Lang = args.lang
    channel: Channel = args.channel
    people: dict[str, Person] = {}
    path = people_path(args.people, store.db_path(args.db))
    if path is not None:
        loaded, problems = load_people(path)
        if loaded is None:
            _err(t("notify.people_invalid", lang, path=path))
            for p in problems:
                _err("  " + problem_text(p, lang))
            return 1
        people = loaded
    with store.connect(args.db) as con:
        okrs = store.read_okrs(con)
        day = args.as_of or dt.date.today()
        cycle_id = args.cycle or engine.current_cycle(okrs, day)
        if cycle_id is None:
            _err(t("notify.no_cycle", lang))
            return 1
        full = engine.score_cycle(con, okrs, cycle_id, day)
        report = select(full, owner=args.owner, shop=args.shop)
        if not report.objectives:
            known = (
                sorted({o.owner for o in full.objectives})
                if args.owner
                else sorted({k.filters["shop"] for k in full.key_results if k.filters.get("shop")})
            )
            _err(t("notify.nothing", lang, who=args.owner or args.shop, cycle=cycle_id, known=", ".join(known)))
            return 1
        missing = missing_data(queries.coverage_days(con), report_shops(report), report.as_of, report.cycle.start)
        series = {}
        if args.image:
            from shopkr.app import card

            series = card.series_for(con, okrs, report)
    owners = set(off_track_owners(report))
    m = mentions(off_track_owners(report), people, channel)
    if m.unknown and path is not None:
        _err(t("notify.no_id", lang, who=", ".join(m.unknown), channel=channel, path=path))
    as_card = bool(getattr(args, "feishu_card", False))
    if as_card and channel != "feishu":
        _err(t("notify.card_only_feishu", lang))
    groups = report_groups(report, lang, shop=args.shop)
    several = len({o.owner for o in report.objectives}) > 1 and not args.shop
    as_of = f"{report.as_of:%Y-%m-%d}"
    title = t("notify.all_title", lang, cycle=report.cycle.id, as_of=as_of) if several else groups[0][0].text
    style = Style(channel, title, lang, card=as_card and channel == "feishu")
    payloads = messages(
        style,
        groups,
        missing_lines(missing, lang),
        lambda named: mentions([o for o in named if o in owners], people, channel),
    )
    n = len(payloads)
    what = [
        t("notify.what_text", lang) + (" " + t("notify.part", lang, number=i, count=n) if n > 1 else "")
        for i in range(1, n + 1)
    ]
    failed = False
    if args.image:
        if channel != "wecom":
            _err(t(f"notify.no_image.{channel}", lang))
        else:
            from shopkr.app import card

            try:
                png = card.render_png(report, series, lang, subject=args.owner or args.shop)
                payloads.append(image_body(png))
                what.append(t("notify.what_image", lang))
            except card.CardError as exc:
                _err(t("notify.card_failed", lang, detail=str(exc)))
                failed = True
            except ValueError as exc:
                _err(t("notify.image_too_big", lang, detail=str(exc)))
                failed = True
    if args.dry_run:
        for payload in payloads:
            print(redacted(channel, prepare(channel, args.webhook, payload, args.secret)))
        _err(t("notify.dry_run", lang, count=len(payloads)))
        return 1 if failed else 0
    sent = send_all(channel, args.webhook, args.secret, payloads, what, lang)
    return 1 if failed or sent else 0
