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

A 日报 longer than the channel allows is cut at a line boundary (never inside a UTF-8 character) and ends with
"(…共 N 条，见 ShopKR)"; the lines about missing data and the @-mentions are kept. Network errors and HTTP 5xx
are retried with backoff (1 s, 2 s); a reply that the platform accepted is never sent again.
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from shopkr.app.i18n import Lang, render, t
from shopkr.domain.engine import CycleReport, KRResult
from shopkr.domain.okr import Problem

Channel = Literal["wecom", "dingtalk", "feishu"]
CHANNELS: tuple[Channel, ...] = ("wecom", "dingtalk", "feishu")

# Bytes of UTF-8 allowed for the message text (see the module docstring for the sources).
TEXT_LIMIT: dict[Channel, int] = {
    "wecom": 4096,  # WeCom: markdown.content "最长不超过4096个字节，必须是utf8编码"
    "dingtalk": 4096,  # no published limit found; kept as WeCom's
    "feishu": 16_000,  # Feishu: the request body at most 20 KB; the rest is the post's JSON around the lines
}
IMAGE_LIMIT = 2 * 1024 * 1024  # WeCom image message: at most 2 MB before base64 encoding
RATE_LIMIT = {"wecom": "20/min", "dingtalk": "20/min", "feishu": "100/min, 5/s"}  # per robot, for the README
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

    def describe(self, lang: Lang = "en") -> str:
        """The failure and what to check, in `lang`."""
        head = t("notify.failed", lang, channel=self.channel, code=self.code, detail=self.detail[:300])
        return f"{head}\n{t('notify.hint.' + self.channel, lang)}"


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


def report_lines(report: CycleReport, lang: Lang, shop: str | None = None) -> list[str]:
    """The 日报 of every owner in `report` (already `select`ed), one after the other, as `report` prints it
    (score_text.daily_report); for a shop a first line names it."""
    from shopkr.app import score_text

    owners = list(dict.fromkeys(o.owner for o in report.objectives))
    lines = [t("notify.shop_title", lang, shop=shop)] if shop else []
    for i, owner in enumerate(owners):
        if i:
            lines.append("")
        lines += score_text.daily_report(report, owner, lang).rstrip("\n").split("\n")
    if not owners:
        lines.append(t("notify.no_krs", lang, cycle=report.cycle.id))
    return lines


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


def fit(lines: Sequence[str], footer: Sequence[str], limit: int, total: int, lang: Lang, sep: str = "\n") -> str:
    """`lines` then `footer` joined by `sep` in at most `limit` UTF-8 bytes: when too long, the last lines of
    `lines` are left out and "(…共 N 条，见 ShopKR)" (N = `total`, the KRs of the 日报) takes their place; the
    footer (missing data, mentions) is always kept. A single line longer than the room is cut at a character."""

    def size(parts: Sequence[str]) -> int:
        return len(sep.join(parts).encode("utf-8"))

    whole = [*lines, *footer]
    if size(whole) <= limit:
        return sep.join(whole)
    tail = t("notify.truncated", lang, total=total)
    room = limit - size([tail, *footer]) - len(sep.encode("utf-8"))
    kept: list[str] = []
    for line in lines:
        if size([*kept, line]) > room:
            if not kept:
                kept.append(utf8_cut(line, max(room, 0)))
            break
        kept.append(line)
    return utf8_cut(sep.join([*kept, tail, *footer]), limit)


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


def mention_line(m: Mentions, channel: Channel, lang: Lang) -> str | None:
    """The text line that @-mentions (WeCom `<@userid>`, DingTalk "@mobile"/"@userid"); None when nobody."""
    if channel == "wecom" and m.wecom:
        return t("notify.mention", lang, who=" ".join(f"<@{u}>" for u in m.wecom))
    if channel == "dingtalk" and (m.mobiles or m.ding_ids):
        return t("notify.mention", lang, who=" ".join(f"@{x}" for x in (*m.mobiles, *m.ding_ids)))
    if channel == "feishu" and m.feishu:
        return t("notify.mention", lang, who="")
    return None


def body(
    channel: Channel, lines: Sequence[str], footer: Sequence[str], m: Mentions, total: int, lang: Lang
) -> dict[str, Any]:
    """The JSON body of the 日报 message on `channel` (see the module docstring), the text fitted to
    TEXT_LIMIT[channel] with the footer (missing-data lines) and the mention line kept."""
    mention = mention_line(m, channel, lang)
    tail = [*footer, *([mention] if mention and channel != "feishu" else [])]
    title = lines[0] if lines else "ShopKR"
    if channel == "wecom":
        return {"msgtype": "markdown", "markdown": {"content": fit(lines, tail, TEXT_LIMIT[channel], total, lang)}}
    if channel == "dingtalk":
        text = fit(lines, tail, TEXT_LIMIT[channel], total, lang, sep="\n\n")
        return {
            "msgtype": "markdown",
            "markdown": {"title": utf8_cut(title, 120), "text": text},
            "at": {"atMobiles": list(m.mobiles), "atUserIds": list(m.ding_ids), "isAtAll": False},
        }
    text = fit(lines[1:], tail, TEXT_LIMIT[channel], total, lang)
    content: list[list[dict[str, str]]] = [[{"tag": "text", "text": line}] for line in text.split("\n")]
    if mention:
        content.append(
            [{"tag": "text", "text": mention}] + [{"tag": "at", "user_id": i, "user_name": n} for i, n in m.feishu]
        )
    locale = "zh_cn" if lang == "zh" else "en_us"
    return {"msg_type": "post", "content": {"post": {locale: {"title": utf8_cut(title, 200), "content": content}}}}


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
    lines = report_lines(report, lang, shop=args.shop)
    owners = off_track_owners(report)
    m = mentions(owners, people, channel)
    if m.unknown and path is not None:
        _err(t("notify.no_id", lang, who=", ".join(m.unknown), channel=channel, path=path))
    total = len(report.key_results)
    requests = [
        prepare(channel, args.webhook, body(channel, lines, missing_lines(missing, lang), m, total, lang), args.secret)
    ]
    failed = False
    if args.image:
        if channel != "wecom":
            _err(t(f"notify.no_image.{channel}", lang))
        else:
            from shopkr.app import card

            try:
                png = card.render_png(report, series, lang, subject=args.owner or args.shop)
                requests.append(prepare(channel, args.webhook, image_body(png), args.secret))
            except card.CardError as exc:
                _err(t("notify.card_failed", lang, detail=str(exc)))
                failed = True
            except ValueError as exc:
                _err(t("notify.image_too_big", lang, detail=str(exc)))
                failed = True
    if args.dry_run:
        for req in requests:
            print(redacted(channel, req))
        _err(t("notify.dry_run", lang, count=len(requests)))
        return 1 if failed else 0
    for i, req in enumerate(requests):
        try:
            post(channel, req, on_retry=lambda detail: _err(t("notify.retry", lang, detail=detail)))
        except NotifyError as exc:
            _err(exc.describe(lang))
            return 1
        print(t("notify.sent", lang, channel=channel, what=t("notify.what_image" if i else "notify.what_text", lang)))
    return 1 if failed else 0
