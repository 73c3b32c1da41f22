"""Every user-visible string, in one table: 简体中文 first, English second.

`t(key, lang, **values)` formats the string for the language; unknown keys fall back to the key itself so a
missing translation shows up in review instead of crashing a page.
"""

from __future__ import annotations

from typing import Literal

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")

STRINGS: dict[str, tuple[str, str]] = {
    # statuses and advice
    "status.on_track": ("正常推进", "on track"),
    "status.at_risk": ("有风险", "at risk"),
    "status.off_track": ("落后", "off track"),
    "status.done": ("已结束", "done"),
    "status.no_data": ("无数据", "no data"),
    "status.not_started": ("未开始", "not started"),
    "status.error": ("出错", "error"),
    "advice.too_easy": ("满分：目标可能定低了", "1.0: the target may have been too low"),
    "advice.sweet_spot": ("0.6-0.7 最佳区间", "0.6-0.7: the sweet spot"),
    "advice.rethink": ("低于 0.4：想一想是否继续、如何调整", "under 0.4: rethink whether to continue"),
    # levels, origins, types
    "level.company": ("公司", "company"),
    "level.department": ("部门", "department"),
    "level.team": ("团队", "team"),
    "level.individual": ("个人", "individual"),
    "origin.top-down": ("自上而下", "top-down"),
    "origin.bottom-up": ("自下而上", "bottom-up"),
    "type.aspirational": ("挑战型", "aspirational"),
    "type.committed": ("承诺型", "committed"),
    # metrics
    "metric.gmv": ("支付金额", "GMV"),
    "metric.orders": ("订单数", "orders"),
    "metric.units": ("件数", "units"),
    "metric.buyers": ("支付买家数", "buyers"),
    "metric.visitors": ("访客数", "visitors"),
    "metric.pageviews": ("浏览量", "pageviews"),
    "metric.impressions": ("曝光/展现", "impressions"),
    "metric.clicks": ("点击", "clicks"),
    "metric.refund_amount": ("退款金额", "refund amount"),
    "metric.cart_buyers": ("加购人数", "add-to-cart buyers"),
    "metric.ad_spend": ("投放消耗", "ad spend"),
    "metric.spend": ("花费", "spend"),
    "metric.conversion_rate": ("支付转化率", "conversion rate"),
    "metric.aov": ("客单价", "average order value"),
    "metric.ctr": ("点击率", "CTR"),
    "metric.refund_rate": ("退款率", "refund rate"),
    "metric.cart_rate": ("加购率", "add-to-cart rate"),
    "metric.roi": ("ROI", "ROI"),
    # daily report (日报)
    "report.title": ("【{owner} 的 OKR 日报】{cycle}，截至 {as_of}", "[{owner}'s OKR daily] {cycle}, as of {as_of}"),
    "report.kr": (
        "{mark} {title}：当前 {value}，目标 {target}，得分 {score}（{change}），预计 {projected}，{status}",
        "{mark} {title}: now {value}, target {target}, score {score} ({change}), projected {projected}, {status}",
    ),
    "report.manual": ("{mark} {title}：手动评分 {score}，{status}", "{mark} {title}: manual score {score}, {status}"),
    "report.change": ("较昨日 {delta}", "{delta} since yesterday"),
    "report.no_change": ("较昨日持平", "unchanged since yesterday"),
    "report.no_previous": ("昨日无数据", "no score yesterday"),
    "report.attention": ("⚠ 需要关注：{title}（{reason}）", "⚠ Needs attention: {title} ({reason})"),
    "report.all_good": ("✓ 所有 KR 正常推进", "✓ All KRs on track"),
    "report.freshness": ("数据截至：{shops}", "Data through: {shops}"),
    "report.no_krs": ("{owner} 在 {cycle} 没有 KR。", "{owner} has no KRs in {cycle}."),
    "report.objective": ("目标 {id} {title}：{score}，{status}", "Objective {id} {title}: {score}, {status}"),
}


def t(key: str, lang: Lang = "zh", **values: object) -> str:
    """The string for `key` in `lang`, formatted with `values`."""
    pair = STRINGS.get(key)
    if pair is None:
        return key
    text = pair[0] if lang == "zh" else pair[1]
    return text.format(**values) if values else text


def status_label(status: str, lang: Lang = "zh") -> str:
    """A KR/objective status in words."""
    return t(f"status.{status}", lang)
