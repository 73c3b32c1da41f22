"""`python -m shopkr notify` against a local webhook server on 127.0.0.1 that answers like WeCom, DingTalk and
Feishu: the body per channel, the signatures (checked against the platforms' documented algorithms, computed here
independently), the WeCom 4096-byte limit with CJK text, @-mentions from a people file, a bad people file, the
missing-data lines, --dry-run, a retry after a dropped connection, and the PNG card."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import struct
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd
import pytest
from chromium import need_chromium

from shopkr.app import card, escape, notify
from shopkr.app.cli import main

AS_OF = "2026-11-28"
OK = {
    "wecom": {"errcode": 0, "errmsg": "ok"},
    "dingtalk": {"errcode": 0, "errmsg": "ok"},
    "feishu": {"code": 0, "msg": "success", "data": {}},
}
ERROR = {
    "wecom": {"errcode": 93000, "errmsg": "invalid webhook url, hint: [1]"},
    "dingtalk": {"errcode": 310000, "errmsg": "keywords not in content"},
    "feishu": {"code": 19021, "msg": "sign match fail or timestamp is not within one hour from current time"},
}


class Hook:
    """A webhook server on 127.0.0.1: records every request it answered (path, query, JSON body) and answers each
    with the next planned reply: a dict (sent as JSON with HTTP 200), or "drop" (the connection is closed before
    any answer, and the request is not recorded as delivered)."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.dropped = 0
        self.plan: list[object] = []
        self.default: object = {"errcode": 0, "errmsg": "ok"}
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                data = self.rfile.read(int(self.headers["Content-Length"]))
                reply = hook.plan.pop(0) if hook.plan else hook.default
                if reply == "drop":
                    hook.dropped += 1
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                url = urllib.parse.urlsplit(self.path)
                hook.received.append(
                    {"path": url.path, "query": dict(urllib.parse.parse_qsl(url.query)), "body": json.loads(data)}
                )
                out = json.dumps(reply).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook() -> Iterator[Hook]:
    h = Hook()
    yield h
    h.close()


WEBHOOK = {
    "wecom": "/cgi-bin/webhook/send?key=wecom-key-123",
    "dingtalk": "/robot/send?access_token=ding-token-456",
    "feishu": "/open-apis/bot/v2/hook/feishu-token-789",
}


def run(db: Path, hook: Hook, channel: str, *extra: str) -> int:
    hook.default = OK[channel]
    args = ["notify", "--db", str(db), "--as-of", AS_OF, "--channel", channel, "--webhook", hook.url + WEBHOOK[channel]]
    return main([*args, *extra])


@pytest.fixture
def people(tmp_path: Path) -> Path:
    path = tmp_path / "people.yaml"
    path.write_text(
        "王总: {mobile: '13800000001', wecom_userid: wangzong, feishu_open_id: ou_wang}\n"
        "李娜: {mobile: 13800000002, wecom_userid: lina, dingtalk_userid: lina_ding}\n",
        encoding="utf-8",
    )
    return path


# --- the body per channel, signatures ----------------------------------------------------------------------


def test_wecom_markdown_body(db, hook, capsys):
    assert run(db, hook, "wecom", "--owner", "王总") == 0
    (req,) = hook.received
    assert req["path"] == "/cgi-bin/webhook/send" and req["query"] == {"key": "wecom-key-123"}
    assert set(req["body"]) == {"msgtype", "markdown"} and req["body"]["msgtype"] == "markdown"
    content = req["body"]["markdown"]["content"]
    assert content.startswith("【王总 的 OKR 日报】2026-Q4，截至 2026-11-28")
    assert "天猫旗舰店Q4支付金额达到550万" in content
    assert "✓" in capsys.readouterr().out


def test_dingtalk_signature_matches_the_documented_algorithm(db, hook):
    secret = "SECtest+/=secret"
    assert run(db, hook, "dingtalk", "--owner", "李娜", "--secret", secret) == 0
    (req,) = hook.received
    ts = req["query"]["timestamp"]
    # DingTalk: sign = urlEncode(base64(HmacSHA256(key=secret, msg=timestamp + "\n" + secret))); parse_qsl decoded
    # the URL encoding, so the base64 itself is compared.
    expected = base64.b64encode(hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest())
    assert req["query"]["sign"] == expected.decode()
    assert req["query"]["access_token"] == "ding-token-456"
    assert abs(int(ts) / 1000 - dt.datetime.now().timestamp()) < 3600  # ms, within DingTalk's one hour
    body = req["body"]
    assert body["msgtype"] == "markdown" and set(body["markdown"]) == {"title", "text"}
    assert body["markdown"]["title"].startswith("【李娜 的 OKR 日报】")


def test_feishu_signature_and_post_body(db, hook):
    secret = "feishu-secret"
    assert run(db, hook, "feishu", "--shop", "暖居抖音小店", "--secret", secret) == 0
    (req,) = hook.received
    body = req["body"]
    ts = body["timestamp"]
    # Feishu: sign = base64(HmacSHA256(key=timestamp + "\n" + secret, msg="")), timestamp in seconds
    expected = base64.b64encode(hmac.new(f"{ts}\n{secret}".encode(), b"", hashlib.sha256).digest()).decode()
    assert body["sign"] == expected
    assert abs(int(ts) - dt.datetime.now().timestamp()) < 3600
    assert body["msg_type"] == "post"
    post = body["content"]["post"]["zh_cn"]
    assert post["title"] == "【暖居抖音小店】"
    texts = [e["text"] for line in post["content"] for e in line if e["tag"] == "text"]
    assert any("抖音小店Q4支付金额达到200万" in x for x in texts)
    assert not any("天猫店支付转化率" in x for x in texts)  # only the KRs on that shop


def test_no_secret_no_signature(db, hook):
    assert run(db, hook, "feishu", "--owner", "王总") == 0
    assert "sign" not in hook.received[0]["body"] and "timestamp" not in hook.received[0]["body"]


@pytest.mark.parametrize("channel", ["wecom", "dingtalk", "feishu"])
def test_error_reply_is_a_failure_with_the_platform_message(db, hook, capsys, channel):
    hook.plan = [ERROR[channel]]
    assert run(db, hook, channel, "--owner", "王总", "--lang", "en") == 1
    err = capsys.readouterr().err
    code = ERROR[channel].get("errcode", ERROR[channel].get("code"))
    assert str(code) in err and (ERROR[channel].get("errmsg") or ERROR[channel]["msg"])[:20] in err
    assert "Check:" in err
    assert len(hook.received) == 1  # a refusal is not retried


# --- splitting a long 日报 into several messages ---------------------------------------------------------------

MISSING = ["📥 待下载的数据：", "暖居旗舰店 缺 11-24 生意参谋 店铺数据", "暖居抖音小店 缺 11-15~11-27 千川 素材数据"]
OFF_TRACK = {"店长0": "u0", "店长7": "u7"}  # owners with an off-track KR and their WeCom userid


def _groups(owners: int = 10, krs: int = 25) -> list[list[notify.Line]]:
    """A long --all 日报: `owners` owners' 日报 of `krs` KR lines each (about 2.4 KB per owner)."""
    groups = []
    for i in range(owners):
        name = f"店长{i}"
        lines = [notify.Line(f"【{name} 的 OKR 日报】2026-Q4，截至 2026-11-28", name), notify.Line(f"目标 O{i}：0.42")]
        lines += [
            notify.Line(f"  🟢 {name}的第{k}个关键结果：当前 268.7万，目标 550万，得分 0.49（较昨日 +0.01）")
            for k in range(krs)
        ]
        groups.append([notify.Line("")] * bool(i) + lines)
    return groups


STYLES = {
    "wecom": notify.Style("wecom", "【店长0 的 OKR 日报】2026-Q4，截至 2026-11-28", "zh"),
    "dingtalk": notify.Style("dingtalk", "【店长0 的 OKR 日报】2026-Q4，截至 2026-11-28", "zh"),
    "feishu_post": notify.Style("feishu", "【店长0 的 OKR 日报】2026-Q4，截至 2026-11-28", "zh"),
    "feishu_card": notify.Style("feishu", "【店长0 的 OKR 日报】2026-Q4，截至 2026-11-28", "zh", card=True),
}


def _mention_for(named):
    ids = [OFF_TRACK[o] for o in named if o in OFF_TRACK]
    return notify.Mentions(wecom=tuple(ids), mobiles=tuple(ids), feishu=tuple((i, i) for i in ids))


def _message_lines(style: notify.Style, body: dict) -> tuple[str, list[str]]:
    """(the label or title that numbers the message, its text lines without the mention line)."""
    if style.channel == "wecom":
        head, lines = body["markdown"]["content"], None
        lines = head.split("\n")
        return lines[0].split(" ", 1)[0], lines
    if style.channel == "dingtalk":
        return body["markdown"]["title"], body["markdown"]["text"].split("\n\n")
    if style.card:
        return body["card"]["header"]["title"]["content"], body["card"]["elements"][0]["text"]["content"].split("\n")
    post = body["content"]["post"]["zh_cn"]
    return post["title"], [e["text"] for line in post["content"] for e in line if e["tag"] == "text"]


@pytest.mark.parametrize("name", list(STYLES))
def test_a_long_report_is_split_into_numbered_messages_within_the_limit(name):
    style = STYLES[name]
    groups = _groups()
    bodies = notify.messages(style, groups, MISSING, _mention_for)
    n = len(bodies)
    assert n >= 2
    sent_lines: list[tuple[int, str]] = []
    for i, body in enumerate(bodies, start=1):
        assert notify.message_size(style.channel, body) <= notify.MESSAGE_LIMIT[style.channel]
        signed = notify.prepare(style.channel, "http://x/hook/t", body, "secret")
        if style.channel == "feishu":
            assert len(signed.content()) <= 20_000  # Feishu: the whole request body within 20 KB
        label, lines = _message_lines(style, body)
        assert label.endswith(f"({i}/{n})"), label
        if style.channel in ("wecom", "dingtalk"):
            lines[0] = lines[0].removeprefix(f"({i}/{n}) ")
        mentions = [x for x in lines if x.startswith("请关注落后的 KR")]
        sent_lines += [(i, x.strip()) for x in lines if x.strip() and x not in mentions]
        # the @-mention of an owner sits in the message that holds the start of their 日报, and only there (on
        # Feishu the report's first line is the title of the first message)
        heads = [label] if style.channel == "feishu" and i == 1 else lines
        named = [o for o in OFF_TRACK if any(x.startswith(f"【{o} 的") for x in heads)]
        text = json.dumps(body, ensure_ascii=False)
        for owner, uid in OFF_TRACK.items():
            assert (uid in text) == (owner in named), (i, owner)
    expected = [x.text.strip() for g in groups for x in g if x.text.strip()] + MISSING
    if style.channel == "feishu":  # the report's first line is the title of each message, not a text line
        expected.remove(style.title)
    assert sorted(x for _, x in sent_lines) == sorted(expected)  # every line once, nothing lost or doubled
    assert [x for _, x in sent_lines] == expected  # in order
    # every owner's 日报 (2.4 KB) fits in one message, so none is split; the missing-data lines are in the last
    for owner in (f"店长{i}" for i in range(10)):
        assert len({i for i, x in sent_lines if owner in x}) == 1, owner
    assert {i for i, x in sent_lines if x in MISSING} == {n}


def test_a_single_message_is_not_numbered():
    (body,) = notify.messages(STYLES["wecom"], _groups(owners=1, krs=3), MISSING, _mention_for)
    content = body["markdown"]["content"]
    assert content.startswith("【店长0 的 OKR 日报】") and "(1/1)" not in content
    assert content.endswith("暖居抖音小店 缺 11-15~11-27 千川 素材数据\n请关注落后的 KR：<@u0>")


def test_only_a_line_longer_than_a_message_is_cut():
    groups = [[notify.Line("【店长0 的 OKR 日报】", "店长0")], [notify.Line("暖" * 3000)], [notify.Line("下一行")]]
    bodies = notify.messages(STYLES["wecom"], groups, [], _mention_for)
    contents = [b["markdown"]["content"] for b in bodies]
    assert all(len(c.encode("utf-8")) <= 4096 for c in contents)
    cut = [c for c in contents if "暖暖" in c]
    assert len(cut) == 1 and cut[0].endswith("暖…") and cut[0].count("暖") > 1300  # as much as fits
    assert "【店长0 的 OKR 日报】" in contents[0] and "下一行" in contents[-1]  # the other lines whole
    assert notify.utf8_cut("暖居", 4) == "暖"  # 3 bytes per character: never half of one


def test_the_cli_splits_all_owners_and_puts_mentions_and_missing_data_where_they_belong(
    db, hook, people, monkeypatch, capsys
):
    monkeypatch.setitem(notify.MESSAGE_LIMIT, "wecom", 1200)
    monkeypatch.setattr(notify, "TIMING", notify.Timing(lambda: 0.0, lambda s: None))
    assert run(db, hook, "wecom", "--all", "--people", str(people)) == 0
    contents = [r["body"]["markdown"]["content"] for r in hook.received]
    n = len(contents)
    assert n >= 3
    for i, c in enumerate(contents, start=1):
        assert len(c.encode("utf-8")) <= 1200 and c.startswith(f"({i}/{n}) ")
    wang = next(i for i, c in enumerate(contents) if "【王总 的 OKR 日报】" in c)
    lina = next(i for i, c in enumerate(contents) if "【李娜 的 OKR 日报】" in c)
    assert [i for i, c in enumerate(contents) if "<@wangzong>" in c] == [wang]
    assert [i for i, c in enumerate(contents) if "<@lina>" in c] == [lina]
    assert [i for i, c in enumerate(contents) if "千川 素材数据" in c] == [n - 1]
    assert f"✓ 已发送到 wecom：日报 ({n}/{n})" in capsys.readouterr().out


def test_all_owners_fit_in_one_message_on_the_demo(db, hook):
    assert run(db, hook, "wecom", "--all") == 0
    (req,) = hook.received
    content = req["body"]["markdown"]["content"]
    assert len(content.encode("utf-8")) <= 4096 and not content.startswith("(1/")


def test_all_owners_on_feishu_get_a_title_of_their_own(db, hook):
    assert run(db, hook, "feishu", "--all") == 0
    post = hook.received[0]["body"]["content"]["post"]["zh_cn"]
    assert post["title"] == "【OKR 日报】2026-Q4，截至 2026-11-28"
    texts = [e["text"] for line in post["content"] for e in line if e["tag"] == "text"]
    assert texts[0] == "【王总 的 OKR 日报】2026-Q4，截至 2026-11-28"  # each owner's title stays in the text
    assert "【李娜 的 OKR 日报】2026-Q4，截至 2026-11-28" in texts


# --- rate limits ---------------------------------------------------------------------------------------------


class FakeTime:
    """A clock that moves only when slept on."""

    def __init__(self) -> None:
        self.now, self.slept = 1000.0, []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def timing(self) -> notify.Timing:
        return notify.Timing(self.clock, self.sleep)


@pytest.mark.parametrize(("channel", "sends"), [("wecom", 45), ("dingtalk", 41), ("feishu", 130)])
def test_the_pacer_keeps_a_run_within_the_robots_rate_limits(channel, sends):
    fake = FakeTime()
    pacer = notify.Pacer(channel, fake.timing())
    times = []
    for _ in range(sends):
        pacer.wait()
        times.append(fake.now)
    for count, seconds in notify.RATE_WINDOWS[channel]:
        assert max(sum(1 for u in times if t <= u < t + seconds) for t in times) <= count
    if channel != "feishu":
        assert fake.slept == [60.0] * ((sends - 1) // 20)  # a minute after each 20, no more
    else:  # 5 a second, and the 101st waits for the first to leave the minute
        assert fake.slept[:4] == [1.0] * 4 and max(fake.slept) == pytest.approx(41.0)
        assert times[100] - times[0] == pytest.approx(60.0)


def _text(channel: str, i: int) -> dict:
    if channel == "feishu":
        return {"msg_type": "post", "content": {"post": {"zh_cn": {"title": str(i), "content": []}}}}
    return {"msgtype": "markdown", "markdown": {"content": str(i)}}


def test_a_run_of_more_messages_than_a_minute_allows_waits_and_says_so(hook, capsys):
    fake = FakeTime()
    hook.default = OK["wecom"]
    payloads = [_text("wecom", i) for i in range(21)]
    code = notify.send_all(
        "wecom", hook.url + WEBHOOK["wecom"], None, payloads, [str(i) for i in range(21)], "zh", timing=fake.timing()
    )
    assert code == 0 and len(hook.received) == 21
    assert fake.slept == [60.0]
    assert "等待 60.0 秒：wecom 机器人最多 20/min 条" in capsys.readouterr().err
    assert [r["body"]["markdown"]["content"] for r in hook.received] == [str(i) for i in range(21)]


RATE_REPLY = {
    "wecom": {"errcode": 45009, "errmsg": "api freq out of limit"},
    "dingtalk": {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"},
    "feishu": {"code": 11232, "msg": "frequency limited psm[lark.oapi.app_platform_runtime]appID[1]"},
}


@pytest.mark.parametrize("channel", list(RATE_REPLY))
def test_a_rate_limit_reply_is_retried_once_after_the_backoff(hook, capsys, channel):
    fake = FakeTime()
    hook.plan, hook.default = [RATE_REPLY[channel]], OK[channel]
    url = hook.url + WEBHOOK[channel]
    assert notify.send_all(channel, url, "s", [_text(channel, 1)], ["日报"], "zh", timing=fake.timing()) == 0
    assert len(hook.received) == 2 and fake.slept == [notify.RATE_BACKOFF[channel]]
    code = str(RATE_REPLY[channel].get("errcode", RATE_REPLY[channel].get("code")))
    err = capsys.readouterr().err
    assert code in err and f"{notify.RATE_BACKOFF[channel]:.0f} 秒后重试一次" in err
    if channel == "dingtalk":  # re-signed for the retry: the sign matches its own timestamp
        ts = hook.received[1]["query"]["timestamp"]
        expected = base64.b64encode(hmac.new(b"s", f"{ts}\ns".encode(), hashlib.sha256).digest()).decode()
        assert hook.received[1]["query"]["sign"] == expected
    # a second refusal ends the run with the platform's code and what to check
    hook.plan = [RATE_REPLY[channel], RATE_REPLY[channel]]
    hook.received.clear()
    assert notify.send_all(channel, url, None, [_text(channel, 1)], ["日报"], "en", timing=fake.timing()) == 1
    assert len(hook.received) == 2
    err = capsys.readouterr().err
    assert code in err and "too many messages" in err


# --- the Feishu interactive card -----------------------------------------------------------------------------


def test_feishu_card_body_mention_and_signature(db, hook, people):
    secret = "feishu-secret"
    assert run(db, hook, "feishu", "--owner", "王总", "--feishu-card", "--secret", secret, "--people", str(people)) == 0
    (req,) = hook.received
    body = req["body"]
    ts = body["timestamp"]
    expected = base64.b64encode(hmac.new(f"{ts}\n{secret}".encode(), b"", hashlib.sha256).digest()).decode()
    assert body["sign"] == expected
    assert body["msg_type"] == "interactive" and "content" not in body
    card = body["card"]
    assert card["header"]["title"] == {"tag": "plain_text", "content": "【王总 的 OKR 日报】2026-Q4，截至 2026-11-28"}
    (element,) = card["elements"]
    assert element["tag"] == "div" and element["text"]["tag"] == "lark_md"
    content = element["text"]["content"]
    assert "天猫旗舰店Q4支付金额达到550万" in content
    assert "【王总 的 OKR 日报】" not in content  # the title is the card's header
    assert content.endswith("请关注落后的 KR：<at id=ou_wang></at>")


def test_feishu_card_flag_on_another_channel_is_ignored_with_a_note(db, hook, capsys):
    assert run(db, hook, "wecom", "--owner", "王总", "--feishu-card") == 0
    assert hook.received[0]["body"]["msgtype"] == "markdown"
    assert "--feishu-card 只用于飞书" in capsys.readouterr().err


# --- user text in chat markdown ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("**爆款**", "＊＊爆款＊＊"),
        ("[点我](http://evil.example)", "［点我］(http:\u2060//evil.example)"),
        ("<font color=\"red\">红</font>", "＜font color=\"red\">红＜/font>"),
        ("<@wangzong> <at id=all></at>", "＜@\u2060wangzong> ＜at id=all>＜/at>"),
        ("# 标题", "＃ 标题"),
        ("  - 列表", "  － 列表"),
        ("1. 第一", "1． 第一"),
        ("> 引用", "＞ 引用"),
        ("~~删除~~ 11-15~11-27", "～～删除～～ 11-15~11-27"),
        ("`code` a_b | &lt; \\", "｀code｀ a＿b ｜ ＆lt; ＼"),
        ("@13800000001", "@\u206013800000001"),
        ("第一行\n# 第二行", "第一行 ＃ 第二行"),
        ("  🟢 保温杯主图B：当前 268.7万，达成概率 > 99%", "  🟢 保温杯主图B：当前 268.7万，达成概率 > 99%"),
    ],
)
def test_chat_md_makes_markup_inert(text, shown):
    assert escape.chat_md(text) == shown


TRAP = "**爆款** [点我](http://evil.example) <@all> <font color=\"red\">红</font> # @13800000002"


@pytest.fixture
def trap_db(db, tmp_path):
    """The demo with 王总's off-track KR (O1.KR3) titled with markdown and fake @-mentions."""
    exported = tmp_path / "okrs.yaml"
    assert main(["okrs", "export", "--db", str(db), "-o", str(exported)]) == 0
    text = exported.read_text(encoding="utf-8")
    assert text.count("title: 天猫旗舰店退款率从9%降到6%") == 1
    text = text.replace("title: 天猫旗舰店退款率从9%降到6%", "title: '" + TRAP + "'")
    exported.write_text(text, encoding="utf-8")
    assert main(["okrs", "load", str(exported), "--replace", "--reason", "test", "--db", str(db)]) == 0
    return db


def test_titles_with_markdown_and_fake_mentions_neither_format_nor_mention(trap_db, hook, people, capsys):
    db = trap_db
    shown = escape.chat_md(TRAP)
    assert run(db, hook, "wecom", "--owner", "王总", "--people", str(people)) == 0
    content = hook.received[-1]["body"]["markdown"]["content"]
    assert shown in content and "**" not in content and "](" not in content and "<font" not in content
    assert "<@all>" not in content and content.count("<@") == 1 and content.endswith("<@wangzong>")
    assert run(db, hook, "dingtalk", "--owner", "王总", "--people", str(people)) == 0
    body = hook.received[-1]["body"]
    text = body["markdown"]["text"]
    assert shown in text and "@13800000002" not in text and text.count("@13800000001") == 1
    assert body["at"]["atMobiles"] == ["13800000001"]
    assert run(db, hook, "feishu", "--owner", "王总", "--feishu-card", "--people", str(people)) == 0
    lark_md = hook.received[-1]["body"]["card"]["elements"][0]["text"]["content"]
    assert shown in lark_md and "<@all>" not in lark_md and lark_md.count("<at ") == 1
    # a Feishu post shows text elements as plain text: the title as it is, and the plain report is unchanged
    assert run(db, hook, "feishu", "--owner", "王总") == 0
    post = hook.received[-1]["body"]["content"]["post"]["zh_cn"]["content"]
    assert any(TRAP in e["text"] for line in post for e in line if e["tag"] == "text")
    capsys.readouterr()
    assert main(["report", "--db", str(db), "--as-of", AS_OF, "--owner", "王总"]) == 0
    assert TRAP in capsys.readouterr().out


# --- @-mentions and the people file ------------------------------------------------------------------------


def test_mentions_per_channel(db, hook, people):
    # 王总 (O1.KR3) and 李娜 (O2.KR2) own off-track KRs in the demo on 2026-11-28
    assert run(db, hook, "wecom", "--all", "--people", str(people)) == 0
    assert "<@wangzong> <@lina>" in hook.received[-1]["body"]["markdown"]["content"]
    assert run(db, hook, "dingtalk", "--all", "--people", str(people)) == 0
    body = hook.received[-1]["body"]
    assert body["at"]["atMobiles"] == ["13800000001", "13800000002"]  # a YAML number is read as text
    assert "@13800000001" in body["markdown"]["text"] and "@13800000002" in body["markdown"]["text"]
    assert run(db, hook, "feishu", "--all", "--people", str(people)) == 0
    content = hook.received[-1]["body"]["content"]["post"]["zh_cn"]["content"]
    ats = [e for line in content for e in line if e["tag"] == "at"]
    assert ats == [{"tag": "at", "user_id": "ou_wang", "user_name": "王总"}]


def test_people_yaml_beside_the_database_is_used(db, hook, people):
    (db.parent / "people.yaml").write_text(people.read_text(encoding="utf-8"), encoding="utf-8")
    assert run(db, hook, "wecom", "--owner", "王总") == 0
    assert "<@wangzong>" in hook.received[0]["body"]["markdown"]["content"]


def test_nobody_on_track_is_mentioned(db, hook, people):
    assert run(db, hook, "wecom", "--owner", "赵敏", "--people", str(people)) == 0
    assert "<@" not in hook.received[0]["body"]["markdown"]["content"]


def test_a_bad_people_file_is_refused_with_paths_and_sends_nothing(db, hook, tmp_path, capsys):
    bad = tmp_path / "people.yaml"
    bad.write_text("王总: {mobile: 'call me', wechat: x}\n李娜: [1, 2]\n", encoding="utf-8")
    assert run(db, hook, "wecom", "--owner", "王总", "--people", str(bad)) == 1
    err = capsys.readouterr().err
    assert f"成员文件 {bad} 有错误" in err
    assert "王总.mobile" in err and "'call me'" in err
    assert "王总.wechat" in err and "李娜" in err
    assert hook.received == []
    _, problems = notify.load_people(bad)
    assert {p.code for p in problems} >= {"pydantic.extra_forbidden", "pydantic.mapping", "pydantic.other"}
    bad.write_text("王总: {mobile: [\n", encoding="utf-8")
    _, problems = notify.load_people(bad)
    assert [p.code for p in problems] == ["notify.people_bad_yaml"]


# --- missing data ------------------------------------------------------------------------------------------


def _days(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"table_name": t, "platform": p, "shop": s, "date": dt.date.fromisoformat(d), "rows": 1}
            for t, p, s, d in rows
        ]
    )


def test_missing_data_lines():
    days = _days(
        [("shop_daily", "taobao", "暖居旗舰店", f"2026-11-{d:02d}") for d in (20, 21, 22, 23, 25)]  # 11-24 a gap
        + [("creative_daily", "douyin", "暖居抖音小店", f"2026-11-{d:02d}") for d in range(1, 15)]  # stopped 11-14
        + [("shop_daily", "douyin", "暖居抖音小店", f"2026-11-{d:02d}") for d in range(1, 27)]  # fresh
        + [("shop_daily", "pdd", "暖居拼多多店", "2026-11-24")]  # 4 days old at 11-28
    )
    missing = notify.missing_data(days, None, dt.date(2026, 11, 28), dt.date(2026, 10, 1))
    zh = notify.missing_lines(missing, "zh")
    assert zh == [
        "📥 待下载的数据：",
        "暖居抖音小店 缺 11-15~11-27 千川 素材数据",
        "暖居拼多多店 缺 11-25~11-27 pdd 店铺数据",
        "暖居旗舰店 缺 11-24, 11-26~11-27 生意参谋 店铺数据",
    ]
    en = notify.missing_lines(missing, "en")
    assert en[-1] == "暖居旗舰店: missing 生意参谋 shop data for 11-24, 11-26~11-27"
    # two days old is still fresh (yesterday's export may come later in the morning); a shop without data is named
    fresh = notify.missing_data(days, ["暖居抖音小店", "新店"], dt.date(2026, 11, 28), dt.date(2026, 11, 10))
    assert notify.missing_lines(fresh, "zh")[1:] == [
        "暖居抖音小店 缺 11-15~11-27 千川 素材数据",
        "新店 本周期还没有导入任何数据",
    ]


def test_the_report_carries_the_missing_data_line(db, hook):
    assert run(db, hook, "wecom", "--owner", "张伟") == 0  # 千川 素材 in the demo stops at 11-14
    assert "暖居抖音小店 缺 11-15~11-27 千川 素材数据" in hook.received[0]["body"]["markdown"]["content"]


# --- dry run, retries ----------------------------------------------------------------------------------------


def test_dry_run_sends_nothing_and_redacts_the_secrets(db, hook, capsys):
    assert run(db, hook, "dingtalk", "--owner", "王总", "--secret", "SECverysecret", "--dry-run") == 0
    out = capsys.readouterr().out
    assert hook.received == [] and hook.dropped == 0
    assert "ding-token-456" not in out and "SECverysecret" not in out
    assert "access_token=***" in out and "sign=***" in out and "timestamp=" in out
    body = json.loads(out.split("\n", 1)[1])
    assert body["msgtype"] == "markdown"
    assert run(db, hook, "feishu", "--owner", "王总", "--secret", "s", "--dry-run") == 0
    out = capsys.readouterr().out
    assert "feishu-token-789" not in out and "/hook/***" in out and '"sign": "***"' in out
    assert hook.received == []


def test_a_dropped_connection_is_retried_once_and_not_sent_twice(hook):
    hook.plan = ["drop"]
    hook.default = OK["wecom"]
    req = notify.prepare(
        "wecom", hook.url + WEBHOOK["wecom"], {"msgtype": "markdown", "markdown": {"content": "x"}}, None
    )
    waits: list[float] = []
    notify.post("wecom", req, sleep=waits.append)
    assert hook.dropped == 1 and len(hook.received) == 1 and waits == [notify.BACKOFF[0]]
    notify.post("wecom", req, sleep=waits.append)  # a success is final: one more request, one more message
    assert len(hook.received) == 2 and waits == [notify.BACKOFF[0]]


def test_network_errors_give_up_after_the_attempts(hook):
    hook.plan = ["drop"] * notify.ATTEMPTS
    req = notify.prepare(
        "wecom", hook.url + WEBHOOK["wecom"], {"msgtype": "markdown", "markdown": {"content": "x"}}, None
    )
    with pytest.raises(notify.NotifyError) as exc:
        notify.post("wecom", req, sleep=lambda s: None)
    assert hook.dropped == notify.ATTEMPTS and hook.received == []
    assert "webhook" in exc.value.describe("en")


# --- the image card ------------------------------------------------------------------------------------------


def test_image_with_dingtalk_or_feishu_says_why_and_sends_the_text(db, hook, capsys):
    assert run(db, hook, "dingtalk", "--owner", "王总", "--image") == 0
    assert "钉钉自定义机器人不能通过 webhook 上传图片" in capsys.readouterr().err
    assert run(db, hook, "feishu", "--owner", "王总", "--image", "--lang", "en") == 0
    assert "Feishu custom robot cannot upload an image" in capsys.readouterr().err
    assert [r["body"].get("msgtype", r["body"].get("msg_type")) for r in hook.received] == ["markdown", "post"]


def test_wecom_image_body_and_limit():
    data = b"\x89PNG\r\n\x1a\n" + b"\0" * 100
    body = notify.image_body(data)
    assert body["msgtype"] == "image"
    assert base64.b64decode(body["image"]["base64"]) == data
    assert body["image"]["md5"] == hashlib.md5(data).hexdigest()
    with pytest.raises(ValueError):
        notify.image_body(b"\0" * (2 * 1024 * 1024 + 1))


def test_card_figure_without_a_browser(db):
    from shopkr.data import store
    from shopkr.domain import engine

    with store.connect(db) as con:
        okrs = store.read_okrs(con)
        report = notify.select(engine.score_cycle(con, okrs, "2026-Q4", dt.date(2026, 11, 28)), owner="王总")
        series = card.series_for(con, okrs, report)
    fig = card.figure(report, series, "zh", subject="王总")
    texts = [a.text for a in fig.layout.annotations]
    assert "王总 · OKR 日报" in texts[0] and "截至 2026-11-28" in texts[1]
    assert any("达成概率" in x and "得分" in x for x in texts)
    assert fig.layout.width == card.CARD_WIDTH and len(fig.data) >= 3


@pytest.fixture(scope="module")
def wecom_with_image(demo_db, tmp_path_factory) -> tuple[int, list[dict]]:
    """One `notify --image` run on WeCom (Chromium renders the card once for the module)."""
    import shutil

    need_chromium()
    copy = tmp_path_factory.mktemp("card") / "shopkr.duckdb"
    shutil.copy(demo_db, copy)
    h = Hook()
    try:
        code = run(copy, h, "wecom", "--owner", "李娜", "--image")
        return code, h.received
    finally:
        h.close()


@pytest.mark.browser
def test_wecom_gets_the_text_then_a_phone_sized_png(wecom_with_image):
    code, received = wecom_with_image
    assert code == 0
    assert [r["body"]["msgtype"] for r in received] == ["markdown", "image"]
    image = received[1]["body"]["image"]
    png = base64.b64decode(image["base64"])
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and hashlib.md5(png).hexdigest() == image["md5"]
    width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk
    assert width == card.CARD_WIDTH * card.SCALE == 1080 and 1000 < height < 4000
    assert len(png) <= notify.IMAGE_LIMIT
    shots = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    (shots / "notify_card.png").write_bytes(png)


# --- 我的KR: 下载图片 ----------------------------------------------------------------------------------------


def test_my_krs_offers_the_card_download(db, monkeypatch):
    from streamlit.testing.v1 import AppTest

    root = Path(__file__).resolve().parent.parent
    at = AppTest.from_file(str(root / "dashboard.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/my_krs.py").run()
    assert not at.exception, [e.value for e in at.exception]
    if card.chromium() is None:
        assert any("Chromium" in c.value for c in at.caption)
    else:
        assert "download_button" in {getattr(e, "type", None) for e in at.main}  # the card renders only on click
