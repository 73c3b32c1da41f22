"""Every user-visible string, in one table: 简体中文 first, English second.

`t(key, lang, **values)` formats the string for the language; unknown keys fall back to the key itself so a
missing translation shows up in review instead of crashing a page.

Messages from the lower layers are codes with parameters (`shopkr.domain.messages.Message`, `Problem`,
`connectors.errors.ImportFileError.detail`): their texts are in this table too, keyed by code, and `render`
turns one into words; the command line prints English through the same table (`problem_line`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, Protocol

from shopkr.domain.messages import Message

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
    "report.p_hit": ("，达成概率 {p}", ", P(hit) {p}"),
    "ui.p_hit": ("达成概率", "P(hit)"),
    # provisional values (shopkr/domain/maturation.py)
    "ui.provisional": ("暂估", "provisional"),
    "ui.provisional_help": (
        "{days} 的{what}仍在回补，约 {final} 定稿；当前值约 {share} 来自这些天。",
        "The {what} of {days} are still settling, final around {final}; about {share} of the value comes from "
        "those days.",
    ),
    "ui.provisional_frozen": (
        "结算时部分{what}仍在回补，此成绩为暂估；定稿后需再结算一次。",
        "Graded while some {what} were still settling: a provisional grade until the cycle is closed again.",
    ),
    "ui.settling.refund_amount": ("退款", "refunds"),
    "ui.settling.gmv": ("归因成交金额", "attributed GMV"),
    "ui.settling.orders": ("归因订单", "attributed orders"),
    "ui.settling.values": ("数据", "values"),
    "overview.shop_p_hit": ("GMV 目标达成概率 {p}", "P(hit) of the GMV target {p}"),
    "overview.company_p_hit": (
        "{id} {title}：各 KR 平均达成概率 {p}",
        "{id} {title}: mean P(hit) of its KRs {p}",
    ),
    "ui.p_hit_help": (
        "按节奏和本店每天相对节奏的波动模拟到截止日，最终达到目标的比例。{pace}",
        "The share of simulated paths to the deadline (the pace plus this scope's own day-to-day deviations"
        " from it) that reach the target. {pace}",
    ),
    "ui.forecast_range": ("预测 {mid}（80% 区间 {low} – {high}）", "Forecast {mid} (80% range {low} – {high})"),
    "ui.expected_to_date": ("按节奏此时应到 {value}", "The pace expects {value} by now"),
    "ui.pace_line.last_year": ("节奏（按去年同期节奏）", "Pace (last year's shape)"),
    "ui.pace_line.calendar": ("节奏（按大促日历）", "Pace (promotion calendar)"),
    "ui.pace_line.linear": ("节奏（线性）", "Pace (linear)"),
    "ui.forecast": ("预测", "Forecast"),
    "ui.forecast_fan": ("预测 10%–90%", "Forecast 10%–90%"),
    "report.manual": ("{mark} {title}：手动评分 {score}，{status}", "{mark} {title}: manual score {score}, {status}"),
    "report.change": ("较昨日 {delta}", "{delta} since yesterday"),
    "report.no_change": ("较昨日持平", "unchanged since yesterday"),
    "report.no_previous": ("昨日无数据", "no score yesterday"),
    "report.attention": ("⚠ 需要关注：{title}（{reason}）", "⚠ Needs attention: {title} ({reason})"),
    "report.all_good": ("✓ 所有 KR 正常推进", "✓ All KRs on track"),
    "report.freshness": ("数据截至：{shops}", "Data through: {shops}"),
    "report.no_krs": ("{owner} 在 {cycle} 没有 KR。", "{owner} has no KRs in {cycle}."),
    "report.objective": ("目标 {id} {title}：{score}，{status}", "Objective {id} {title}: {score}, {status}"),
    # navigation and shell
    "nav.boss": ("老板", "Bosses"),
    "nav.operators": ("运营", "Operators"),
    "nav.admin": ("管理", "Admin"),
    "page.overview": ("总览", "Overview"),
    "page.my_krs": ("我的KR", "My KRs"),
    "page.kr_detail": ("KR详情", "KR detail"),
    "page.abtest": ("主图测试", "Main-image tests"),
    "page.manage": ("OKR管理", "Manage OKRs"),
    "page.import": ("数据导入", "Import data"),
    "page.people": ("成员", "People"),
    "ui.language": ("语言 Language", "Language 语言"),
    "ui.cycle": ("周期", "Cycle"),
    "ui.demo_banner": (
        "示例数据：当前显示的是演示店铺和演示 OKR。导入自己的数据前可以清除它们（清除前会列出删除什么、保留什么）。",
        "Demo data: these are demo shops and OKRs. Clear them before importing your own.",
    ),
    "ui.demo_clear": ("清除示例数据", "Clear demo data"),
    "ui.demo_clear_plan": (
        "清除将删除：示例导入的 {rows} 行数据及其 {imports} 条导入记录；{objectives} 个示例目标（含 KR 与结算成绩）"
        "和 {tests} 个主图测试；示例自己写下的 {changes} 条修改记录。",
        "Clearing removes: {rows} rows the demo imported and its {imports} import log entries; {objectives} demo "
        "objectives (with their KRs and frozen grades) and {tests} A/B tests; the {changes} change-history rows the "
        "demo wrote.",
    ),
    "ui.demo_clear_keep": (
        "保留：之后的导入改写过的 {kept_rows} 行；修改过或用同一编号替换的 {kept} 个目标/测试；其他店铺和目标、"
        "其他人的修改记录，以及有人设置的周期锁定。",
        "Stays: {kept_rows} rows rewritten by later imports; {kept} objectives/tests changed or replaced under the "
        "same id; other shops and objectives, everyone else's history, and cycle locks someone set.",
    ),
    "ui.demo_clear_old": (
        "这份示例由旧版本载入，没有记录它写了哪些修改记录：修改记录全部保留。",
        "This demo was loaded by an older version that did not record its history rows: all history stays.",
    ),
    "ui.demo_clear_yes": ("确认清除", "Clear it"),
    "ui.demo_clear_no": ("取消", "Cancel"),
    "ui.demo_cleared": (
        "已清除示例数据：{rows} 行、{objectives} 个目标、{tests} 个主图测试。",
        "Demo data cleared: {rows} rows, {objectives} objectives, {tests} A/B tests.",
    ),
    "ui.demo_loading": ("首次启动，正在载入示例数据… {step}", "First start: loading the demo data… {step}"),
    "ui.no_okrs": (
        "还没有 OKR。到「OKR管理」新建，或上传 YAML 文件（示例：data/samples/okrs.yaml）。",
        "No OKRs yet. Create them on Manage OKRs, or upload a YAML file (example: data/samples/okrs.yaml).",
    ),
    "ui.as_of": ("截至 {date}", "as of {date}"),
    "ui.data_through": ("数据截至 {date}", "data through {date}"),
    "ui.score": ("得分", "Score"),
    "ui.projected": ("预计得分", "Projected"),
    "ui.value": ("当前值", "Value"),
    "ui.target": ("目标", "Target"),
    "ui.start": ("起点", "Start"),
    "ui.status": ("状态", "Status"),
    "ui.owner": ("负责人", "Owner"),
    "ui.objective": ("目标 O", "Objective"),
    "ui.kr": ("关键结果 KR", "Key result"),
    "ui.change_yesterday": ("较昨日", "vs yesterday"),
    "ui.level": ("层级", "Level"),
    "ui.type": ("类型", "Type"),
    "ui.origin": ("来源", "Origin"),
    "ui.to_date": ("累计值", "To date"),
    "ui.date": ("日期", "Date"),
    "ui.numerator": ("分子", "Numerator"),
    "ui.denominator": ("分母", "Denominator"),
    "ui.shop": ("店铺", "Shop"),
    "ui.platform": ("平台", "Platform"),
    "ui.open_detail": ("查看详情", "Open detail"),
    "ui.closed_cycle": ("该周期已结束并锁定成绩（{date}）。", "This cycle is closed; grades frozen on {date}."),
    # overview
    "overview.title": ("总览 · {cycle}", "Overview · {cycle}"),
    "overview.attainment": ("整体达成", "Overall attainment"),
    "overview.attainment_help": (
        "本周期所有目标得分的平均值（0.0-1.0）；0.6-0.7 是健康的挑战区间",
        "Mean of all objective scores this cycle (0.0-1.0); 0.6-0.7 is a healthy stretch",
    ),
    "overview.company": ("公司目标得分", "Company objectives"),
    "overview.kr_on_track": ("正常推进的 KR", "KRs on track"),
    "overview.kr_counts_value": (
        "{on} 个正常推进，{risk} 个有风险，{off} 个落后，{none} 个无数据或出错",
        "{on} on track, {risk} at risk, {off} off track, {none} without data or with errors",
    ),
    "overview.bottom_up": ("自下而上的目标", "Bottom-up objectives"),
    "overview.objectives": ("公司与部门目标", "Company and department objectives"),
    "overview.shops": ("各店铺达成", "Shop attainment"),
    "overview.shop_gmv": ("支付金额 vs 目标", "GMV vs target"),
    "overview.tree": ("目标对齐：公司 → 部门 → 团队 → 个人", "Alignment: company → department → team → individual"),
    "overview.attention": ("需要关注", "Needs attention"),
    "overview.nothing": ("没有需要关注的事项 🎉", "Nothing needs attention 🎉"),
    "overview.stale": (
        "{shop} 的数据只到 {date}（已 {days} 天未更新）：导入最新的导出文件",
        "{shop} has data only up to {date} ({days} days old): import the latest exports",
    ),
    "overview.of_target": ("目标 {target:,.0f} 的 {share:.0%}", "{share:.0%} of the {target:,.0f} target"),
    "overview.no_shop_kr": ("没有按店铺设置的支付金额 KR", "No shop-level GMV KR"),
    "overview.conversion": ("转化率", "Conversion"),
    "overview.refund_rate": ("退款率", "Refund rate"),
    "overview.gmv": ("支付金额", "GMV"),
    # my KRs
    "my.title": ("我的 KR", "My KRs"),
    "my.pick_owner": ("负责人", "Owner"),
    "my.no_owner": ("这个周期还没有人负责 OKR。", "Nobody owns OKRs in this cycle yet."),
    "my.report": ("生成日报", "Daily report"),
    "my.report_help": ("复制下面的文字发到微信群或钉钉群", "Copy this text into a WeChat or DingTalk group"),
    "my.per_day": ("每日分子与分母", "Numerator and denominator per day"),
    "my.no_krs": ("{owner} 在 {cycle} 没有 KR。", "{owner} has no KRs in {cycle}."),
    "my.manual_note": (
        "手动评分的里程碑：在「OKR管理」更新分数。",
        "Manual milestone: update its score on Manage OKRs.",
    ),
    # KR detail
    "detail.definition": ("指标定义", "Definition"),
    "detail.manual": (
        "手动评分的里程碑（0.0-1.0），在「OKR管理」里更新。",
        "A manually scored milestone (0.0-1.0), updated on Manage OKRs.",
    ),
    "detail.sql_note": (
        "自定义 SQL：只读运行，参数 $start $end $shop $platform $product_id，必须返回一个数字。",
        "Custom SQL: runs read-only with $start $end $shop $platform $product_id and must return one number.",
    ),
    "detail.series_incomplete": (
        "每日曲线不完整：自定义 SQL 每天运行一次，{seconds} 秒内只算到 {date} 之前，之后的日期留空。"
        "请简化查询（或缩小数据范围）后再看。",
        "The daily series is incomplete: the custom SQL runs once per day and within {seconds} s only the days "
        "before {date} were computed; later days are left empty. Simplify the query (or narrow its data).",
    ),
    "detail.ratio_note": (
        "比率按窗口内分子之和除以分母之和计算，不是每日比率的平均。",
        "A rate is the sum of the numerator over the sum of the denominator in the window, not a mean of daily rates.",
    ),
    "detail.sum_note": ("窗口内（周期开始至今）逐日相加。", "Summed over the window (cycle start to date)."),
    "detail.filters": ("筛选", "Filters"),
    "detail.no_filters": ("无（全部店铺）", "none (all shops)"),
    "detail.deadline": ("截止", "Deadline"),
    "detail.weight": ("权重", "Weight"),
    "detail.daily": ("每日数据", "Daily data"),
    "detail.num_den": ("当前：分子 {num} / 分母 {den}", "Now: numerator {num} / denominator {den}"),
    "detail.num_to_date": ("分子累计", "Numerator to date"),
    "detail.den_to_date": ("分母累计", "Denominator to date"),
    "detail.tests": ("这个商品的主图测试", "Main-image tests on this product"),
    "detail.no_tests": ("这个商品还没有主图测试。", "No main-image test on this product yet."),
    "detail.history": ("变更记录", "Change history"),
    "detail.no_history": ("没有变更记录。", "No changes recorded."),
    # OKR管理 Manage OKRs (pages/manage.py, shopkr/app/okr_form.py)
    "manage.title": ("OKR 管理 · {cycle}", "Manage OKRs · {cycle}"),
    "manage.user": ("操作人", "Edited by"),
    "manage.user_help": (
        "记入变更记录的名字（默认为本机用户名）",
        "The name written to the change history (default: the OS user)",
    ),
    "manage.open": (
        "{cycle} 未锁定：修改直接生效，每次修改都会记入变更记录。",
        "{cycle} is open: changes apply at once and are all recorded.",
    ),
    "manage.locked": (
        "{cycle} 已锁定（{who}，{date}）：修改 KR 的起点、目标、指标或删除 KR 需要填写原因。",
        "{cycle} is locked ({who}, {date}): changing a KR's start, target or measure, or deleting a KR, "
        "needs a reason.",
    ),
    "manage.closed": (
        "{cycle} 已结束（{date}），成绩已冻结且周期已锁定；修改定义不会改变已冻结的成绩。",
        "{cycle} is closed ({date}): grades are frozen and the cycle is locked; edits do not change frozen grades.",
    ),
    "manage.closed_provisional": (
        "{cycle} 已结束（{date}），成绩按暂估值冻结：部分退款或归因成交仍在回补，约 {final} 定稿。"
        "届时再结算一次（`okrs close {cycle}`），或用 `okrs close {cycle} --final` 立即定稿。",
        "{cycle} is closed ({date}) with provisional grades: some refunds or attributed sales were still settling; "
        "final around {final}. Close it again then (`okrs close {cycle}`), or freeze now with "
        "`okrs close {cycle} --final`.",
    ),
    "manage.tab_edit": ("编辑目标", "Edit objectives"),
    "manage.tab_yaml": ("导入导出 YAML", "YAML import / export"),
    "manage.tab_lock": ("锁定与历史", "Lock and history"),
    "manage.all_objectives": ("本周期的 {n} 个目标", "The {n} objectives of this cycle"),
    "manage.warnings": ("OKR 方法提示（{n} 条，不影响保存）", "OKR method advice ({n}, does not block saving)"),
    "manage.no_objectives": (
        "{cycle} 还没有目标：在下面新建第一个目标。",
        "{cycle} has no objectives yet: create the first one below.",
    ),
    "manage.pick_objective": ("选择目标", "Objective"),
    "manage.new_objective": ("+ 新建目标", "+ New objective"),
    "manage.objective_form": ("目标 {id}", "Objective {id}"),
    "manage.no_parent": ("无（顶层目标）", "none (top-level objective)"),
    "manage.owner_placeholder": ("选择已有负责人，或输入新名字", "Pick an owner or type a new name"),
    "manage.save": ("保存", "Save"),
    "manage.saved": ("已保存，共 {n} 处修改，已记入变更记录。", "Saved: {n} changes, recorded in the history."),
    "manage.no_change": ("没有修改，无需保存。", "Nothing changed; nothing to save."),
    "manage.deleted": ("已删除 {id}。", "Deleted {id}."),
    "manage.changed_elsewhere": (
        "OKR 刚被其他人（或命令行）修改过，未保存。页面已更新，请确认后再保存。",
        "The OKRs were just changed elsewhere (another user or the command line); nothing saved. Check and save again.",
    ),
    "manage.locked_error": (
        "周期已锁定：这次修改涉及 KR 的起点、目标、指标或删除 KR，请填写原因后再保存。未保存。",
        "The cycle is locked: this change touches a KR's start, target or measure, or deletes a KR. "
        "Give a reason and save again. Nothing saved.",
    ),
    "manage.reason_placeholder": (
        "例如：双11 备货不足，与老板确认下调目标",
        "e.g. stock ran short for 11.11; target lowered with the boss",
    ),
    "manage.delete_objective": ("删除目标 {id}", "Delete objective {id}"),
    "manage.delete_objective_help": (
        "将删除目标 {id} 及其 {n} 个 KR，删除会记入变更记录。",
        "Deletes objective {id} and its {n} KRs; the deletion is recorded.",
    ),
    "manage.delete_kr": ("删除 KR {id}", "Delete KR {id}"),
    "manage.delete_confirm": ("确认删除", "Delete"),
    "manage.krs": ("关键结果 KR", "Key results"),
    "manage.save_objective_first": ("先保存目标，再为它添加 KR。", "Save the objective first, then add its KRs."),
    "manage.pick_kr": ("选择 KR", "Key result"),
    "manage.new_kr": ("+ 新建 KR", "+ New KR"),
    "manage.measure": ("衡量方式", "Measured by"),
    "manage.kind.metric": ("指标库指标", "Catalogue metric"),
    "manage.kind.sql": ("自定义 SQL", "Custom SQL"),
    "manage.kind.manual": ("手动评分 0-1", "Manual score 0-1"),
    "manage.any_shop": ("全部店铺", "all shops"),
    "manage.any_platform": ("全部平台", "all platforms"),
    "manage.data_level.auto": ("自动（按筛选）", "automatic (from the filters)"),
    "manage.data_level.shop": ("店铺 shop_daily", "shop: shop_daily"),
    "manage.data_level.product": ("商品 product_daily", "product: product_daily"),
    "manage.data_level.creative": ("素材/创意 creative_daily", "creative: creative_daily"),
    "manage.field.id": ("编号", "ID"),
    "manage.field.cycle": ("周期", "Cycle"),
    "manage.field.title": ("标题", "Title"),
    "manage.field.owner": ("负责人", "Owner"),
    "manage.field.level": ("层级", "Level"),
    "manage.field.parent": ("对齐的上级目标", "Aligns to (parent)"),
    "manage.field.origin": ("来源", "Origin"),
    "manage.field.type": ("类型", "Type"),
    "manage.field.key_results": ("KR 数", "KRs"),
    "manage.field.metric": ("指标", "Metric"),
    "manage.field.sql": ("SQL 查询", "SQL query"),
    "manage.field.manual": ("手动评分", "Manual score"),
    "manage.field.filters": ("筛选", "Filters"),
    "manage.field.filters.shop": ("店铺", "Shop"),
    "manage.field.filters.platform": ("平台", "Platform"),
    "manage.field.filters.product_id": ("商品ID", "Product ID"),
    "manage.field.filters.creative_id": ("素材/创意ID", "Creative ID"),
    "manage.field.data_level": ("数据层级", "Data level"),
    "manage.field.pace": ("节奏", "Pace"),
    "manage.field.start": ("起点", "Start"),
    "manage.field.end": ("结束", "End"),
    "manage.field.target": ("目标值", "Target"),
    "manage.field.weight": ("权重", "Weight"),
    "manage.field.deadline": ("截止日期", "Deadline"),
    "manage.field.objective": ("所属目标", "Objective"),
    "manage.field.reason": ("修改原因", "Reason for the change"),
    "manage.field.locked": ("锁定", "locked"),
    "manage.field.closed": ("结束", "closed"),
    "manage.field.(created)": ("新建", "created"),
    "manage.field.(deleted)": ("删除", "deleted"),
    "manage.field.entity_cycle": ("周期", "cycle"),
    "manage.field.entity_objective": ("目标", "objective"),
    "manage.field.entity_key_result": ("关键结果", "key result"),
    "manage.field.entity_ab_test": ("主图测试", "A/B test"),
    "manage.field.entity_user": ("用户", "user"),
    "manage.field.entity_demo": ("示例数据", "demo data"),
    "manage.field.user_added": ("添加用户（角色）", "user added (role)"),
    "manage.field.user_removed": ("删除用户（原角色）", "user removed (role)"),
    "manage.field.role": ("角色", "role"),
    "manage.field.password": ("密码已更改（不记录内容）", "password changed (not recorded)"),
    "manage.field.cleared": ("清除示例数据（删除行数）", "demo cleared (rows removed)"),
    "manage.help.id": ("全局唯一，例如 O7 或 O7.KR1", "Unique across all OKRs, e.g. O7 or O7.KR1"),
    "manage.help.cycle": ("可输入新周期，例如 2027-Q1、2027-01", "Type a new cycle if needed, e.g. 2027-Q1 or 2027-01"),
    "manage.help.parent": (
        "同一周期、层级更高的目标（公司 > 部门 > 团队 > 个人）",
        "An objective of the same cycle on a higher level (company > department > team > individual)",
    ),
    "manage.help.origin": (
        "OKR 方法建议约一半目标自下而上提出",
        "The OKR method suggests about half the objectives come bottom-up",
    ),
    "manage.help.type": (
        "承诺型必须 100% 达成；挑战型 0.6-0.7 即为好成绩",
        "Committed must reach 1.0; aspirational is good at 0.6-0.7",
    ),
    "manage.help.sql": (
        "只读运行；可用参数 $start $end $shop $platform $product_id；必须返回一个数字",
        "Runs read-only with $start $end $shop $platform $product_id and must return one number",
    ),
    "manage.help.manual": ("里程碑类 KR 的完成度，0.0-1.0", "How far a milestone KR is done, 0.0-1.0"),
    "manage.help.data_level": (
        "自动：有商品ID读商品表，有素材ID读素材表，否则读店铺表",
        "Automatic: a product ID reads product_daily, a creative ID creative_daily, else shop_daily",
    ),
    "manage.help.pace": (
        "预期进度怎么走：自动＝有去年同期数据按去年节奏，否则窗口内有大促按大促日历，否则线性",
        "The expected path to the target: automatic = last year's shape when the data has it, else the promotion"
        " calendar when the window holds a promotion, else a straight line",
    ),
    "pace.requested": ("按 KR 设定的节奏", "as set on the KR"),
    "pace.auto_last_year": (
        "自动：去年同期 {coverage:.0%} 的天有数据（{filled} 天按同星期几补齐），按去年同期节奏",
        "automatic: last year's window has data on {coverage:.0%} of its days ({filled} filled from the same"
        " weekday), so last year's shape",
    ),
    "pace.auto_calendar": (
        "自动：去年同期只有 {coverage:.0%} 的天有数据，窗口内有大促（{events}），按大促日历",
        "automatic: last year's window has data on only {coverage:.0%} of its days and this window holds {events},"
        " so the promotion calendar",
    ),
    "pace.auto_linear": (
        "自动：去年同期只有 {coverage:.0%} 的天有数据，窗口内也没有大促，按线性",
        "automatic: last year's window has data on only {coverage:.0%} of its days and no promotion falls in this"
        " window, so a straight line",
    ),
    "pace.no_last_year": (
        "设定按去年同期节奏，但去年同期没有可用的数据（{coverage:.0%} 的天有数据），已改用其他节奏",
        "set to last year's shape, but last year's window has no usable data (values on {coverage:.0%} of its"
        " days), so another pace is used",
    ),
    "pace.calendar_no_event": (
        "设定按大促日历，但窗口内没有日历里的大促：只按星期规律",
        "set to the promotion calendar, but no promotion of the calendar falls in this window: the weekday"
        " pattern only",
    ),
    "forecast.no_data": ("还没有数据，无法预测", "no data yet: nothing to forecast from"),
    "forecast.shape_zero_to_date": (
        "所选节奏到目前的应完成份额为 0（去年这段时间几乎没有数据），预测改按线性",
        "the chosen pace expects nothing by now (last year had almost no data for these days), so the forecast"
        " is linear",
    ),
    "forecast.zero_run_rate": (
        "到目前为止都是 0，预测按当前值计",
        "every day so far is 0, so the forecast stays at the current value",
    ),
    "ui.calendar_file_error": (
        "大促日历文件 {path}（环境变量 {env}）有误，请改正或取消该变量以使用内置日历：",
        "the promotion calendar {path} (environment variable {env}) is not valid; fix it, or unset {env} to use"
        " the shipped calendar:",
    ),
    "calendar.unreadable": ("读不了大促日历文件：{detail}", "cannot read the promotion calendar file: {detail}"),
    "calendar.bad_yaml": ("大促日历不是有效的 YAML：{detail}", "the promotion calendar is not valid YAML: {detail}"),
    "calendar.not_mapping": (
        "大促日历的最外层必须是 events: 等键值对",
        "the promotion calendar must be a mapping with events: at the top",
    ),
    "calendar.end_before_start": ("结束日 {end} 早于开始日 {start}", "ends {end}, before its start {start}"),
    "calendar.overlap": ("与同一活动的阶段 {other} 日期重叠", "overlaps phase {other} of the same event"),
    "calendar.unknown_phase": (
        "活动没有阶段 {phase}；可用：{allowed}",
        "the event has no phase {phase}; known: {allowed}",
    ),
    "ui.pace_method.auto": ("自动", "Automatic"),
    "ui.pace_method.last_year": ("按去年同期节奏", "Last year's shape"),
    "ui.pace_method.calendar": ("按大促日历", "Promotion calendar"),
    "ui.pace_method.linear": ("线性", "Linear"),
    "manage.help.start": (
        "比率指标（转化率、点击率等）和 SQL 必填；累计指标留空表示从 0 开始",
        "Required for rates (conversion rate, CTR…) and SQL; empty for a sum means 0",
    ),
    "manage.help.target": (
        "比率写小数，例如 4% 写 0.04；下降型 KR 的目标低于起点",
        "Write rates as decimals (4% = 0.04); a decreasing KR has a target below its start",
    ),
    "manage.help.weight": (
        "目标得分是 KR 得分的加权平均，默认 1",
        "The objective score is the weighted mean of its KR scores; default 1",
    ),
    "manage.help.deadline": ("留空表示周期结束日", "Empty means the end of the cycle"),
    "manage.help.reason": (
        "锁定的周期中，修改起点、目标、指标或删除 KR 必须说明原因",
        "In a locked cycle, changing a start, target or measure, or deleting a KR, needs a reason",
    ),
    "manage.import": ("导入 YAML", "Import YAML"),
    "manage.upload": ("上传 OKR 定义文件（YAML）", "Upload an OKR definitions file (YAML)"),
    "manage.upload_help": (
        "格式同 data/samples/okrs.yaml；文件中出现的周期，其目标会整体替换已保存的同周期目标，其他周期保持不变。",
        "Same format as data/samples/okrs.yaml; the objectives of each cycle in the file replace the stored ones "
        "of that cycle; other cycles stay.",
    ),
    "manage.upload_errors": (
        "文件有 {n} 个错误，未保存。请逐条修改后重新上传：",
        "The file has {n} errors; nothing stored. Fix each one and upload again:",
    ),
    "manage.upload_conflict": (
        "文件本身没有错误，但与已保存的 OKR 冲突（{n} 个错误），未保存：",
        "The file is valid but conflicts with the stored OKRs ({n} errors); nothing stored:",
    ),
    "manage.upload_same": (
        "文件与已保存的 OKR 完全相同，无需保存。",
        "The file equals the stored OKRs; nothing to store.",
    ),
    "manage.upload_preview": ("**保存后将发生的 {n} 处修改：**", "**The {n} changes that storing makes:**"),
    "manage.upload_deletes": (
        "保存会删除 {n} 个已保存的目标：文件里有它们所在周期的目标，却没有它们（见下表）。要保留，请把它们加进文件"
        "后重新上传；确实要删除，请勾选下面的确认框。",
        "Storing deletes {n} stored objectives: the file has objectives of their cycles but not these (below). To "
        "keep them, add them to the file and upload it again; to delete them, tick the confirmation below.",
    ),
    "manage.upload_confirm_delete": ("确认删除这 {n} 个目标", "Yes, delete these {n} objectives"),
    "manage.upload_store": ("保存导入的 OKR", "Store these OKRs"),
    "manage.upload_saved": ("已导入并保存，共 {n} 处修改。", "Imported and stored: {n} changes."),
    "manage.export": ("导出 YAML", "Export YAML"),
    "manage.only_cycle": (
        "只导出当前周期 {cycle}（含全部主图测试）",
        "Only the selected cycle {cycle} (with all A/B tests)",
    ),
    "manage.download": ("下载 YAML", "Download YAML"),
    "manage.show_yaml": ("预览 YAML 内容", "Preview the YAML"),
    "manage.lock": ("锁定周期 {cycle}", "Lock cycle {cycle}"),
    "manage.unlock": ("解锁周期 {cycle}", "Unlock cycle {cycle}"),
    "manage.locked_done": ("已锁定 {cycle}。", "Locked {cycle}."),
    "manage.unlocked": ("已解锁 {cycle}。", "Unlocked {cycle}."),
    "manage.lock_help": (
        "周期开始后建议锁定：之后修改 KR 的起点、目标、指标或删除 KR 都必须填写原因，并记入变更记录。",
        "Lock a cycle once it starts: afterwards changing a KR's start, target or measure, or deleting a KR, "
        "needs a reason and is recorded.",
    ),
    "manage.lock_unknown": (
        "无法识别周期 {cycle} 的起止日期，不能锁定。",
        "The dates of cycle {cycle} are unknown; it cannot be locked.",
    ),
    "manage.history": ("{cycle} 的变更记录", "Change history of {cycle}"),
    "manage.no_history": ("这个周期还没有变更记录。", "No changes recorded for this cycle yet."),
    "manage.bool.true": ("是", "yes"),
    "manage.bool.false": ("否", "no"),
    "manage.col.changed_at": ("时间", "When"),
    "manage.col.user_name": ("操作人", "Who"),
    "manage.col.cycle": ("周期", "Cycle"),
    "manage.col.entity": ("对象", "Item"),
    "manage.col.entity_id": ("编号", "ID"),
    "manage.col.field": ("字段", "Field"),
    "manage.col.old_value": ("原值", "Old"),
    "manage.col.new_value": ("新值", "New"),
    "manage.col.reason": ("原因", "Reason"),
    "manage.col.severity": ("级别", "Severity"),
    "manage.col.path": ("位置", "Where"),
    "manage.col.problem": ("问题", "Problem"),
    "manage.severity.error": ("错误", "error"),
    "manage.severity.warning": ("提示", "advice"),
    "manage.problem.found": ("当前值：{value}", "found: {value}"),
    "manage.problem.allowed": ("允许：{allowed}", "allowed: {allowed}"),
    "manage.problem.extras": ("（{extras}）", " ({extras})"),
    "manage.problem.sep": ("；", "; "),
    # --- messages: codes with parameters (shopkr/domain/messages.CODES, connectors/errors.CODES), see render() ---
    # OKR file validation (shopkr/domain/okr.py)
    "okr.bad_yaml": ("不是有效的 YAML：{detail}", "not valid YAML: {detail}"),
    "okr.not_mapping": (
        "文件必须是包含 cycles/objectives/ab_tests 的映射",
        "the file must be a mapping with cycles/objectives/ab_tests",
    ),
    "okr.unknown_section": ("未知的部分", "unknown section"),
    "okr.not_list": ("必须是列表", "must be a list"),
    "okr.not_utf8": ("不是 UTF-8 文本：请把 YAML 另存为 UTF-8", "is not UTF-8 text; save the YAML as UTF-8"),
    "okr.unreadable": ("无法读取（{detail}）", "cannot be read ({detail})"),
    "okr.ends_before": ("结束日期早于开始日期", "ends before it starts"),
    "okr.duplicate_id": ("编号重复（{other} 也用了这个编号）", "duplicate id (also at {other})"),
    "okr.unknown_cycle": ("无法识别的周期", "unknown cycle"),
    "okr.no_objective": ("没有这个编号的目标", "no objective has this id"),
    "okr.parent_level": (
        "上级目标是{plevel}目标，层级不高于这个{level}目标",
        "the parent is a {plevel} objective, not on a higher level than this {level} objective",
    ),
    "okr.variant_twice": ("同一个素材ID列了两次", "a creative id is listed twice"),
    "okr.control_not_variant": ("对照图不在参与测试的图中", "is not one of the variants"),
    "okr.weights": ("每张图需要一个大于 0 的权重", "needs one positive weight per variant"),
    "okr.one_measure": (
        "KR 只能有一种衡量方式：指标、SQL 或手动评分（当前：{found}）",
        "a KR needs exactly one of metric, sql or manual (found: {found})",
    ),
    "okr.found_none": ("无", "none"),
    "okr.unknown_filter": ("未知的筛选条件", "unknown filter"),
    "okr.manual_range": ("手动评分必须在 0.0 到 1.0 之间", "a manual score must be between 0.0 and 1.0"),
    "okr.pace_needs_metric": (
        "只有指标库指标的 KR 能按去年同期或大促日历定节奏；自定义 SQL 和手动评分的 KR 请用 auto 或 linear",
        "only a catalogue-metric KR can pace by last year or the promotion calendar;"
        " use auto or linear for SQL and manual KRs",
    ),
    "okr.needs_target": ("指标或 SQL 类 KR 需要填写目标值", "a metric or SQL KR needs a target (amount)"),
    "okr.unknown_metric": ("指标库中没有这个指标", "unknown metric"),
    "okr.filter_not_in_table": (
        "{table} 表没有 {name}：去掉这个筛选条件，或设置数据层级",
        "{table} has no {name}: remove the filter or set level",
    ),
    "okr.metric_level": ("{metric} 不在 {table} 表中：换一个数据层级或指标", "{metric} is not in {table}"),
    "okr.rate_needs_start": (
        "{metric} 是比率指标：请填写起点（例如 0.03）",
        "{metric} is a rate: say where it starts (e.g. start: 0.03)",
    ),
    "okr.rate_fraction": (
        "{metric} 是比率：请写成 0 到 1 之间的小数（3.5% 写 0.035）",
        "{metric} is a rate: write it as a fraction between 0 and 1 (0.035 for 3.5%)",
    ),
    "okr.rate_percent": (
        "{metric} 是比率：请写成 0 到 1 之间的小数（3.5% 写 0.035）；是不是想写 {suggestion:.10g}？",
        "{metric} is a rate: write it as a fraction between 0 and 1 (0.035 for 3.5%); did you mean {suggestion:.10g}?",
    ),
    "okr.sql_start_default": (
        "SQL 类 KR {kr} 没有填写起点，按 0 计分；如果查询返回的是比率，请填写起点（例如 0.03）",
        "SQL KR {kr} has no start, so it is scored from 0; set start when the query returns a rate (e.g. start: 0.03)",
    ),
    "okr.target_eq_start": (
        "目标值等于起点，没有需要达成的进度",
        "the target equals the start, so there is nothing to achieve",
    ),
    "okr.deadline_outside": ("截止日期不在周期内", "is outside its cycle"),
    "okr.w_owner": (
        "{owner} 在 {cycle} 有 {n} 个目标，OKR 方法建议最多 {max} 个：聚焦",
        "{owner} has {n} objectives in {cycle}; the method says at most {max}: focus",
    ),
    "okr.w_bottom_up": (
        "{cycle} 的 {n} 个目标中只有 {k} 个自下而上，方法建议约一半",
        "only {k} of {n} objectives in {cycle} come bottom-up; the method suggests about half",
    ),
    "okr.w_short": ("周期只有 {days} 天，短于一个月", "is {days} days, shorter than a month"),
    "okr.w_long": (
        "周期有 {days} 天，长于一个季度：年度 OKR 只作方向，KR 请按季度或月度打分",
        "is {days} days, longer than a quarter: annual OKRs are guidance; score KRs in quarterly or monthly cycles",
    ),
    "okr.w_krs": ("有 {n} 个 KR，OKR 方法建议最多 {max} 个", "{n} KRs; the method says at most {max}"),
    "okr.w_repeat": (
        "照搬了上级目标的 KR {kr}：说明本团队要改变什么，而不是把上级 KR 抄下来",
        "repeats KR {kr} of the parent objective; a KR of the level above is not copied down as an objective: say "
        "what this team will change",
    ),
    "okr.w_same_kr": ("与上级 KR {kr} 的指标和目标完全相同", "is the same measure and target as parent KR {kr}"),
    "auth.refused": (
        "{user}（{role}）无权执行此操作（{action}）。请联系管理员调整角色。",
        "{user} ({role}) may not do this ({action}). Ask an admin to change your role.",
    ),
    "auth.not_yours": (
        "{user} 只能修改自己的目标及对齐到其下的目标；{objective} 不在其中。请联系该目标的负责人或管理员。",
        "{user} may change only their own objectives and those aligned below them; {objective} is not one. "
        "Ask its owner or an admin.",
    ),
    "user.exists": (
        "已有名为「{name}」的用户：换一个名字，或用 users set-role / users passwd 修改它。",
        "A user named '{name}' exists already: choose another name, or use `users set-role`/`users passwd`.",
    ),
    "user.unknown": (
        "没有名为「{name}」的用户：python -m shopkr users list 列出所有用户。",
        "no user named '{name}': `python -m shopkr users list` shows who exists.",
    ),
    "user.bad_name": (
        "「{name}」不能用作用户名：1-64 个字符，不含换行和制表符。",
        "'{name}' is not a usable user name: 1-64 characters, no line breaks or tabs.",
    ),
    "user.last_admin": (
        "「{name}」是最后一位管理员：请先把另一位用户设为管理员（users set-role 姓名 admin）。",
        "'{name}' is the last admin: make another user admin first (users set-role NAME admin).",
    ),
    "user.bad_email": (
        "「{email}」不是邮箱地址（需要一个 @，不含空格）。",
        "'{email}' is not an e-mail address (one @, no spaces).",
    ),
    "user.email_taken": (
        "{email} 已是 {name} 的邮箱：按邮箱登录时必须只找到一位用户。",
        "{email} is already the e-mail of {name}: a sign-in by e-mail must find one user.",
    ),
    "user.no_way_in": (
        "「{name}」既没有密码也没有邮箱（OIDC），无法登录：去掉 --no-password，或加上 --email。",
        "'{name}' would have neither a password nor an e-mail (OIDC) to sign in with: drop --no-password or give "
        "--email.",
    ),
    "auth.title": ("登录 ShopKR", "Sign in to ShopKR"),
    "auth.oidc": ("使用公司账号登录", "Sign in with your company account"),
    "auth.oidc_unknown": (
        "邮箱 {email} 还不是 ShopKR 用户。请管理员添加：`python -m shopkr users add 姓名 --role viewer --email 邮箱 "
        "--no-password`。",
        "{email} is not a ShopKR user yet. Ask an admin to add it: `python -m shopkr users add NAME --role viewer "
        "--email ADDRESS --no-password`.",
    ),
    "auth.name": ("用户名", "User name"),
    "auth.password": ("密码", "Password"),
    "auth.sign_in": ("登录", "Sign in"),
    "auth.sign_out": ("退出登录", "Sign out"),
    "auth.bad": ("用户名或密码不正确。", "Wrong user name or password."),
    "auth.wait": (
        "登录失败次数过多，请在 {time} 之后再试（或请管理员重设密码）。",
        "Too many failed sign-ins: try again after {time} (or ask an admin to reset the password).",
    ),
    "auth.signed_in": ("已登录：{name} · {role}", "Signed in: {name} · {role}"),
    "auth.local_mode": (
        "单用户本地模式：尚未设置用户，打开本页的人都可以修改。"
        "添加用户见 README「Operations」：`python -m shopkr users add 姓名 --role admin`。",
        "Single-user local mode: no users yet, whoever opens this page may change everything. To add users see the "
        "README's Operations: `python -m shopkr users add NAME --role admin`.",
    ),
    "auth.role.viewer": ("查看者", "viewer"),
    "auth.role.editor": ("编辑者", "editor"),
    "auth.role.admin": ("管理员", "admin"),
    "auth.read_only": (
        "你的角色（{role}）只能查看：这里的表单不对你开放。需要修改请联系管理员。",
        "Your role ({role}) can only view: the forms here are not open to you. Ask an admin if you need to change "
        "something.",
    ),
    "review.read_only": (
        "只读：你只能复盘自己的目标及对齐到其下的目标。",
        "Read only: you review your own objectives and those aligned below them.",
    ),
    "okr.allowed_cycle": (
        "在 cycles: 下声明的周期，或 2026-Q4、2026-11、2026 这样的编号",
        "a cycle declared under cycles:, or an id like 2026-Q4, 2026-11, 2026",
    ),
    "okr.allowed_level_order": ("公司 > 部门 > 团队 > 个人", "company > department > team > individual"),
    "okr.allowed_filter_level": (
        "按商品ID筛选用 level: product，按素材ID筛选用 level: creative",
        "level: product for product_id, level: creative for creative_id",
    ),
    "okr.allowed_metric_levels": ("数据层级 {levels}", "levels {levels}"),
    "okr.allowed_dates": ("{start} 至 {end}", "{start} to {end}"),
    # pydantic's error types in the OKR file (shopkr/domain/messages.pydantic_message)
    "pydantic.missing": ("必填", "Field required"),
    "pydantic.extra_forbidden": ("未知字段", "unknown field"),
    "pydantic.literal_error": ("不是允许的取值", "Input should be {expected}"),
    "pydantic.number": ("应为数字", "Input should be a valid number"),
    "pydantic.finite_number": ("应为有限的数字（不能是 .inf 或 .nan）", "Input should be a finite number"),
    "pydantic.date": ("应为日期，例如 2026-12-15", "Input should be a valid date such as 2026-12-15"),
    "pydantic.string": ("应为文字", "Input should be a valid string"),
    "pydantic.list": ("应为列表", "Input should be a valid list"),
    "pydantic.mapping": ("应为映射（名称: 值）", "Input should be a valid dictionary"),
    "pydantic.bool": ("应为 true 或 false", "Input should be a valid boolean"),
    "pydantic.greater_than": ("必须大于 {gt}", "Input should be greater than {gt}"),
    "pydantic.greater_than_equal": ("必须大于或等于 {ge}", "Input should be greater than or equal to {ge}"),
    "pydantic.less_than": ("必须小于 {lt}", "Input should be less than {lt}"),
    "pydantic.less_than_equal": ("必须小于或等于 {le}", "Input should be less than or equal to {le}"),
    "pydantic.too_short": (
        "至少需要 {min_length} 项（当前 {actual_length} 项）",
        "List should have at least {min_length} items, not {actual_length}",
    ),
    "pydantic.too_long": (
        "最多 {max_length} 项（当前 {actual_length} 项）",
        "List should have at most {max_length} items, not {actual_length}",
    ),
    "pydantic.other": ("格式不对（{type}）", "Wrong kind of value ({type})"),
    # edits on OKR管理 (shopkr/app/okr_form.py)
    "edit.id_taken": (
        "这个编号已被其他目标、KR 或主图测试使用，请换一个",
        "the id is already used by another {what}, objective, KR or test",
    ),
    "edit.what_objective": ("目标", "objective"),
    "edit.what_kr": ("KR", "KR"),
    "edit.objective_gone": (
        "要修改的目标已不存在（可能刚被其他人删除），请刷新页面",
        "this objective no longer exists (changed elsewhere)",
    ),
    "edit.kr_gone": (
        "要修改的 KR 已不存在（可能刚被其他人删除），请刷新页面",
        "this KR no longer exists (changed elsewhere)",
    ),
    "edit.no_kr": ("没有这个编号的 KR", "no KR has this id"),
    "edit.is_parent": (
        "它是 {children} 的上级目标，不能删除：先为它们换一个上级目标或先删除它们",
        "is the parent of {children}: give them another parent or delete them first",
    ),
    # custom KR SQL (shopkr/domain/metrics.py)
    "sql.empty": ("SQL 查询为空", "the query is empty"),
    "sql.too_long": (
        "SQL 查询有 {n:,} 个字符，超过上限 {max:,}：请写得更短（在 SQL 里求和，而不是逐个列出数值）",
        "the query is {n:,} characters long, over the limit of {max:,}: write it shorter (sum in SQL instead of "
        "listing values)",
    ),
    "sql.parse": ("SQL 无法解析：{detail}", "the query does not parse: {detail}"),
    "sql.one_statement": ("只能写一条 SELECT 语句（当前 {n} 条）", "write exactly one SELECT statement (found {n})"),
    "sql.select_only": (
        "只允许 SELECT（或 WITH … SELECT），不能是 {kind}",
        "only SELECT (or WITH ... SELECT) is allowed, not {kind}",
    ),
    "sql.unknown_param": ("未知参数 ${name}；可用：{allowed}", "unknown parameter ${name}; allowed: {allowed}"),
    "sql.joins": (
        "SQL 查询有 {n} 个连接和子查询，超过上限 {max}：请少连接几张表（KR 需要的数据通常在一张标准表里）",
        "the query has {n} joins and subqueries, over the limit of {max}: join fewer tables (one canonical table "
        "usually holds what a KR needs)",
    ),
    "sql.timeout": (
        "SQL 查询超过 {seconds:g} 秒，已停止：请简化查询或缩小数据范围",
        "the query took longer than {seconds:g} s and was stopped",
    ),
    "sql.failed": ("SQL 查询出错：{detail}", "the query failed: {detail}"),
    "sql.shape": (
        "SQL 查询必须只返回一个数字（一行一列），实际返回 {rows} 行 × {columns} 列",
        "the query must return exactly one number (one row, one column); it returned {rows} rows x {columns} columns",
    ),
    "sql.not_number": ("SQL 查询返回了 {value}，不是数字", "the query returned {value}, not a number"),
    "sql.not_finite": ("SQL 查询返回了 {value}，不是有限的数字", "the query returned {value}, not a finite number"),
    # why a KR has no value (shopkr/domain/engine.py)
    "kr.no_rows": (
        "{start} 至 {end} 没有 {scope} 的数据（{table} 表）：请导入导出文件",
        "no {table} rows for {scope} between {start} and {end}: import the exports",
    ),
    "kr.no_values": (
        "{scope} 的数据（{table} 表）没有 {columns} 的值",
        "{table} rows for {scope} have no {columns} values",
    ),
    "kr.all_shops": ("全部店铺", "all shops"),
    "kr.sql_null": ("SQL 查询在这段时间没有返回值（NULL）", "the query returned no value (NULL) for this window"),
    "kr.not_finite": (
        "{fields} 不是有限的数字（合计溢出）：请检查导入的金额",
        "{fields} is not a finite number (the sums overflow): check the imported amounts",
    ),
    "kr.frozen": ("周期结算时冻结的最终成绩", "final grade frozen when the cycle was closed"),
    # imports beyond the connectors (shopkr/data/importer.py)
    "import.note.identical": ("与 {at} 导入的 {name} 完全相同", "identical to {name} imported {at}"),
    "import.note.already": ("已经导入过", "already imported"),
    "import.error.unexpected": ("{file}：意外错误（{detail}）", "{file}: unexpected error ({detail})"),
    "import.error.write_failed": ("{file}：写入数据库失败（{detail}）", "{file}: writing failed ({detail})"),
    # a file that cannot be imported (connectors/): file (place): reason Found 'value', expected ...
    "file.error": ("{file}{place}：{reason}{found}", "{file}{place}: {reason}{found}"),
    "file.place": ("（{parts}）", " ({parts})"),
    "file.sheet": ("工作表 {sheet}", "sheet {sheet}"),
    "file.row": ("第 {row} 行", "row {row}"),
    "file.column": ("列 {column}", "column {column}"),
    "file.found": ("当前值：{value!r}。", " Found {value!r}."),
    "file.found_expected": ("当前值：{value!r}，应为{expected}。", " Found {value!r}, expected {expected}."),
    "file.expected.date": (
        "日期，例如 2026-11-07、2026/11/7、20261107 或 Excel 日期，每行一天（不是时间段），在 {min} 至 {max} 之间",
        "a date such as 2026-11-07, 2026/11/7, 20261107 or an Excel date, one day per row (not a period), from "
        "{min} to {max}",
    ),
    "file.expected.int": (
        "大于或等于 0 的整数，例如 1,391（没有数据写 -）",
        "a whole number of zero or more such as 1,391 (or - for none)",
    ),
    "file.expected.money": (
        "以元为单位的金额，例如 1,391.50（没有数据写 -）",
        "an amount in yuan such as 1,391.50 (or - for none)",
    ),
    "file.expected.id": (
        "文本形式的 ID；像 7.6E+18 这样的值说明 Excel 已经把它四舍五入了：请重新导出，或把这一列设为文本格式",
        "an ID kept as text; a value like 7.6E+18 means Excel rounded it: re-export or format the column as text",
    ),
    "file.expected.text": ("最多 {max:,} 个字符的文字", "text of at most {max:,} characters"),
    "file.expected.platform": ("平台名称", "a platform name"),
    "file.expected.platforms": ("以下之一：{platforms}", "one of {platforms}"),
    "file.no_platform_column": (
        "文件没有 platform 列。请添加这一列，或指定平台（{platforms}）。",
        "the file has no platform column. Add one, or pass --platform ({platforms}).",
    ),
    "file.no_date_column": ("没有找到日期列。", "no date column found."),
    "file.duplicate_headers": (
        "{first} 列和 {other} 列的表头都是 {header!r}，但数值不同（{left} 和 {right}），无法判断哪一列是对的。"
        "删除或重命名其中一列后再导入。",
        "columns {first} and {other} are both headed {header!r} but hold different values ({left} and {right}), so "
        "ShopKR cannot tell which one is right. Delete or rename one of them and import again.",
    ),
    "file.unknown_platform": ("未知的平台。", "unknown platform."),
    "file.empty_platform": (
        "platform 单元格为空。请填写，或指定平台。",
        "the platform cell is empty. Fill it in, or pass --platform.",
    ),
    "file.no_key_column": ("没有 {column} 列。", "no column for {column}."),
    "file.empty_key": (
        "{column} 单元格为空，但这一行有数字：这一行无法载入，跳过它又会让合计变少。"
        "请填写 {column}；如果这一行是合计行，请在 {column} 单元格中写“合计”，或删除这一行。然后重新导入文件。",
        "the {column} cell is empty but the row has numbers in it, so the row cannot be loaded and leaving it out "
        "would make the totals short. Fill in the {column}; if the row is a total, write 合计 in the {column} cell or "
        "delete the row. Then import the file again.",
    ),
    "file.duplicate_rows": (
        "第 {rows} 行的 {key} 相同（{values}）。每个键只能有一行：请删除重复的行。",
        "rows {rows} have the same {key} ({values}). One row per key is expected; remove the copies.",
    ),
    "file.extra_cells": (
        "这一行的单元格比表头的 {columns} 列多。没加引号的逗号（例如 1,391）会把一个值拆成两格，使后面的数据错位。"
        "请重新导出，或用 Excel 打开后另存为 .xlsx。",
        "the row has more cells than the header has columns ({columns}). A value written with an unquoted comma "
        "(such as 1,391 without quotes) splits into two cells and shifts the rest of the row. Export the file again, "
        "or open it in Excel and save it as .xlsx.",
    ),
    "file.unreadable_cell": ("这个单元格无法读取。", "this cell cannot be read."),
    "file.date_period": (
        "日期是一个时间段，说明文件是多天的汇总。请按天导出，每行一天（日/按天）。",
        "the date is a period, so the file is a multi-day summary. Export one day per row (日/按天).",
    ),
    "file.date_range": (
        "日期不在 {min} 至 {max} 之间，不可能是导出文件里的业务日期。",
        "the date is outside {min}..{max}, so it cannot be a business day of an export.",
    ),
    "file.percent_in_number": (
        "应为数量或金额的地方是一个百分比。",
        "a percentage stands where a count or amount belongs.",
    ),
    "file.negative_count": (
        "数量（访客、买家、订单、曝光、点击……）不能是负数。",
        "a count (visitors, buyers, orders, impressions, clicks, ...) cannot be negative.",
    ),
    "file.cell_too_long": (
        "单元格超过 {max:,} 个字符；导出文件不会有这么长的单元格。",
        "the cell is longer than {max:,} characters; exports never have cells this long.",
    ),
    "file.cell_too_long_kb": (
        "有单元格超过 {kb} KB（{max:,} 个字符）；导出文件不会有这么长的单元格，文件已损坏或不是导出文件。请重新下载。",
        "a cell is longer than {kb} KB ({max:,} characters); exports never have cells this long, so the file is "
        "damaged or not an export. Download it again.",
    ),
    "file.unsplittable": (
        "文字无法拆分成单元格（{detail}）。请重新下载文件。",
        "the text cannot be split into cells ({detail}). Download the file again.",
    ),
    "file.empty": (
        "文件是空的（0 行）。请重新下载导出文件。",
        "the file is empty (0 rows). Download the export again.",
    ),
    "file.html": (
        "文件是一个 HTML 网页，不是导出文件。用 Excel 打开并另存为 .xlsx，再导入。",
        "the file is an HTML page, not an export. Open it in Excel and save it as .xlsx, then import that.",
    ),
    "file.workbook": ("{kind} 文件无法读取：{reason}", "the {kind} file cannot be read: {reason}"),
    "file.encoding": (
        "文字编码既不是 UTF-8 也不是 GBK/GB18030（也不是 UTF-16）。请在 Excel 里另存为「CSV UTF-8」或 .xlsx。",
        "the text is neither UTF-8 nor GBK/GB18030 (nor UTF-16). Save it from Excel as 'CSV UTF-8' or as .xlsx.",
    ),
    "file.binary": (
        "文件是二进制内容，既不是 CSV 文字，也不是 Excel 文件。",
        "the file is binary, not CSV text, and not an Excel file either.",
    ),
    "file.cut_off": (
        "文件在第 {row} 行被截断（最后一行不完整）：下载没有完成。请重新下载。",
        "the file looks cut off at row {row} (the last row is incomplete): the download did not finish. Download it "
        "again.",
    ),
    "file.missing_sheet": (
        "工作簿有工作表 {sheets}，但没有包含全部行的 {wanted} 工作表。请重新下载带 {wanted} 工作表的{label}导出。",
        "the workbook has sheets {sheets} but no {wanted} sheet with all rows. Download the {label} export again "
        "with the {wanted} sheet.",
    ),
    "file.period_by_name": (
        "这个{label}导出没有{date}列，文件名覆盖 {first} 至 {last}：这是多天的汇总，无法拆分到每一天。"
        "请每个文件只下载一天，或{hint}。",
        "this {label} export has no {date} column and its name covers {first} to {last}: a summary over several "
        "days, which cannot be split into days. Download one day per file, or {hint}.",
    ),
    "file.period": (
        "这个{label}导出没有{date}列：这是一段时间的汇总，无法拆分到每一天。请{hint}。",
        "this {label} export has no {date} column: it is a summary over a period, which cannot be split into days. "
        "Instead, {hint}.",
    ),
    "file.per_day.default": (
        "导出按天（按天/分日）的报表，每行一天",
        "export the per-day report (按天/分日), one row per day",
    ),
    "file.per_day.sycm_shop": (
        "按日导出店铺整体（按日），或每个文件一天",
        "export 店铺整体 by day (按日), or one day per file",
    ),
    "file.per_day.sycm_products": (
        "每次只下载一天（日）的商品排行，让文件名写明那一天",
        "download 商品排行 one day at a time (日), so that the file name names that day",
    ),
    "file.per_day.qianchuan_creatives": (
        "下载分日报表：在千川里把时间粒度选为「分日」，再导出",
        "download the per-day (分日) report: in 千川 choose 分日 as the time granularity, then export",
    ),
    "file.unknown_export": (
        "不是能识别的导出文件（列：{columns}{more}）。已尝试：{tried}；通用文件需要 date 列和一个指标列，"
        "例如 gmv、visitors、buyers。",
        "not a known export (columns: {columns}{more}). Tried: {tried}; generic files need a 'date' column and a "
        "metric column named like gmv, visitors, buyers.",
    ),
    "file.lacks": ("{label} 缺少 {columns}", "{label} lacks {columns}"),
    "file.unknown_platform_option": (
        "未知的平台 {platform!r}；请使用以下之一：{platforms}。",
        "unknown platform {platform!r}; use one of {platforms}.",
    ),
    "file.not_a_table": ("无法作为表格读取（{detail}）。", "cannot be read as a table ({detail})."),
    "file.no_rows": (
        "文件只有表头，没有数据行。请导出有数据的日期。",
        "the file has a header but no data rows. Export a day that has data.",
    ),
    "file.not_regular": (
        "不是普通文件（而是管道、设备或套接字）。请导入保存好的导出文件。",
        "is not a regular file (a pipe, device or socket). Import a saved export file instead.",
    ),
    "file.os_error": ("无法读取（{detail}）。", "cannot be read ({detail})."),
    "file.note.date_from_name": (
        "日期 {date} 取自文件名（文件里没有日期列）",
        "date {date} taken from the file name (the file has no date column)",
    ),
    "file.note.repeated_headers": ("跳过了 {n} 行重复的表头", "{n} repeated header rows skipped"),
    "file.note.ignored": ("忽略的列：{columns}", "ignored columns: {columns}"),
    "file.workbook_too_large": (
        "工作表 {sheet!r} 有 {rows:,} 行 × {columns:,} 列，超过任何导出文件的大小（最多 {max_columns:,} 列、"
        "{max_cells:,} 个单元格）。{far}请删除表格以外的内容（在 Excel 里按 Ctrl+End 跳到最后一个单元格），保存后"
        "再导入；或重新下载导出文件。",
        "sheet {sheet!r} spans {rows:,} rows x {columns:,} columns, more than an export ever has (at most "
        "{max_columns:,} columns and {max_cells:,} cells).{far} Delete what lies outside the table (in Excel, Ctrl+End "
        "jumps to the last cell), save, and import again; or download the export again.",
    ),
    "file.workbook_far_cell": (
        "{cell} 有一个值，远在导出表格之外。",
        " It has a value at {cell}, far outside any export's table.",
    ),
    "file.workbook_damaged": (
        "工作簿已损坏或不完整（{detail}）。请重新下载。",
        "the workbook is damaged or incomplete ({detail}). Download it again.",
    ),
    "file.workbook_sheet": (
        "工作表 {sheet!r} 无法读取（{detail}）。请重新下载文件。",
        "sheet {sheet!r} cannot be read ({detail}). Download the file again.",
    ),
    "file.workbook_memory": (
        "读取工作簿需要超过 {gb} GB 内存。",
        "the workbook needs more than {gb} GB of memory to read.",
    ),
    "file.workbook_sheet_memory": (
        "工作表 {sheet!r} 太大，{gb} GB 内存内读不完。请把导出拆成较短的日期范围。",
        "sheet {sheet!r} is too large to read within {gb} GB of memory. Split the export into smaller date ranges.",
    ),
    "file.workbook_timeout": (
        "读取工作簿超过 {seconds:.0f} 秒，已停止。请把导出拆成较短的日期范围，或另存为 CSV。",
        "reading the workbook took longer than {seconds:.0f} s and was stopped. Split the export into smaller date "
        "ranges, or save it as CSV.",
    ),
    "file.workbook_killed": (
        "工作簿在表格以外很远的地方有单元格，读取需要超过 {gb} GB 内存。请删除表格以外的内容（在 Excel 里按 Ctrl+End "
        "跳到最后一个单元格），保存后再导入；或重新下载导出文件。",
        "the workbook has cells far outside the table so reading it would need more than {gb} GB of memory. Delete "
        "what lies outside the table (in Excel, Ctrl+End jumps to the last cell), save, and import again; or "
        "download the export again.",
    ),
    "file.workbook_killed_at": (
        "工作簿在 {cell} 有一个值，远在表格之外，读取需要超过 {gb} GB 内存。请删除表格以外的内容（在 Excel 里按 "
        "Ctrl+End 跳到最后一个单元格），保存后再导入；或重新下载导出文件。",
        "the workbook has a value at {cell}, far outside the table, so reading it would need more than {gb} GB of "
        "memory. Delete what lies outside the table (in Excel, Ctrl+End jumps to the last cell), save, and import "
        "again; or download the export again.",
    ),
    # main-image A/B tests (shopkr/app/ab_report.py, pages/abtest.py, python -m shopkr abtest)
    "ab.metric_ctr": ("点击率", "CTR"),
    "ab.metric_cvr": ("转化率", "conversion rate"),
    "ab.metric_ctr_long": ("点击率（点击 ÷ 展现）", "CTR (clicks ÷ impressions)"),
    "ab.metric_cvr_long": ("转化率（订单 ÷ 点击）", "conversion rate (orders ÷ clicks)"),
    "ab.unit_ctr": ("次展现", "impressions"),
    "ab.unit_cvr": ("次点击", "clicks"),
    "ab.success_ctr": ("次点击", "clicks"),
    "ab.success_cvr": ("笔订单", "orders"),
    "ab.winner": (
        "{name} {metric} {rate}，比对照高 {lift}，调整后 p {p}：可以换成{name}",
        "{name}: {metric} {rate}, {lift} higher than the control, adjusted p {p}: switch to {name}",
    ),
    "ab.winner_detail": (
        "提升的 95% 区间 {low} 至 {high}；胜过对照的概率 {beat}，是所有图里最好的概率 {best}"
        "（对照 {control}：{control_rate}）",
        "95% interval of the lift {low} to {high}; chance to beat the control {beat}, chance to be the best of all "
        "{best} (control {control}: {control_rate})",
    ),
    "ab.suspicious": (
        "提升超过 50%，通常是数据有问题：先核对报表口径和投放设置，再换图。",
        "A lift above 50% is more often a data problem than real: check the report and the campaign settings first.",
    ),
    "ab.srm_failed": (
        "流量分配不均（SRM p {p}）：先检查投放设置，修好后重新开始测试",
        "Traffic split is broken (SRM p {p}): check the campaign settings, fix them, then restart the test",
    ),
    "ab.shares": ("实际展现占比：{items}", "Actual share of impressions: {items}"),
    "ab.share_item": ("{name} {share}（计划 {intended}）", "{name} {share} (intended {intended})"),
    "ab.insufficient": (
        "数据还不够：每张图至少要有 {min} {what}才下结论，{name} 目前只有 {have} {what}",
        "Not enough data yet: every image needs at least {min} {what} before a verdict; {name} has {have}",
    ),
    "ab.wait": (
        "还不能下结论：每张图还需约 {more}{unit}，按当前流量约 {days} 天",
        "No conclusion yet: each image needs about {more} more {unit}, about {days} days at the current traffic",
    ),
    "ab.wait_no_traffic": (
        "还不能下结论：每张图还需约 {more}{unit}（测试期内还没有流量，无法估计天数）",
        "No conclusion yet: each image needs about {more} more {unit} (no traffic in the window yet, so no days "
        "estimate)",
    ),
    "ab.wait_unknown": (
        "还不能下结论：对照图的比率为 0，暂时无法估计还需要多少流量",
        "No conclusion yet: the control's rate is 0, so the traffic still needed cannot be estimated",
    ),
    "ab.control_best": (
        "对照图 {name} 比其他图都好：保留对照，不用换图",
        "The control {name} beats every other image: keep it",
    ),
    "ab.no_difference": (
        "每张图都已达到计划的流量，仍没有哪张明显更好：差别很小，保留对照即可",
        "Every image has reached the planned traffic and none is clearly better: the differences are small, keep "
        "the control",
    ),
    "ab.leader": (
        "目前领先：{name}，{metric} {rate}（比对照 {lift}），调整后 p {p}；是最好一张的概率 {best}",
        "Leading so far: {name}, {metric} {rate} ({lift} vs the control), adjusted p {p}; chance to be the best {best}",
    ),
    "ab.plan": (
        "要看出 10% 的提升（80% 把握，已按 {k} 次比较校正），每张图共需约 {need}{unit}，"
        "目前最少的一张有 {have}{unit}。",
        "To detect a 10% lift (80% power, corrected for {k} comparisons) each image needs about {need} {unit} in "
        "total; the smallest has {have}.",
    ),
    "ab.plan_wait": (
        "每张图还需约 {more}{unit}，按当前流量约 {days} 天。",
        "Each image needs about {more} more {unit}, about {days} days at the current traffic.",
    ),
    "ab.fewer_images": (
        "按当前流量要等很久：可以只留 3-4 张图继续测，或加大投放。",
        "At this traffic that takes long: keep only 3-4 images, or raise the budget.",
    ),
    "ab.missing": (
        "这些素材在 {start} 至 {end} 没有数据：{names}。请检查素材ID，或导入这段时间的千川/万相台素材报表。",
        "These creatives have no data from {start} to {end}: {names}. Check the creative ids, or import the "
        "千川/万相台 creative reports for these dates.",
    ),
    "ab.partial": (
        "这些素材不是每天都有数据（共 {days} 天）：{names}。投放比例变化时合计结果可能误导，请看下面的每日图。",
        "These creatives lack data on some of the {days} days: {names}. When the split changes, the totals can "
        "mislead; see the daily charts below.",
    ),
    "ab.err_no_orders": (
        "这些素材的报表没有成交订单数，无法按转化率分析：{names}",
        "The reports of these creatives have no orders, so the conversion rate cannot be analysed: {names}",
    ),
    "ab.err_orders_over_clicks": (
        "这些素材的订单数大于点击数，转化率无法计算，请检查报表：{names}",
        "These creatives have more orders than clicks, so no conversion rate can be computed; check the reports: "
        "{names}",
    ),
    "ab.err_clicks_over_impressions": (
        "这些素材的点击数大于展现数，请检查报表：{names}",
        "These creatives have more clicks than impressions; check the reports: {names}",
    ),
    "ab.err_unknown": ("这个测试无法分析。", "This test cannot be analysed."),
    "ab.data_days": ("数据：{first} 至 {last}，共 {days} 天", "Data: {first} to {last}, {days} days"),
    "ab.days_with_data": ("有数据 {days} 天", "{days} days with data"),
    "ab.verdict_label": ("结论", "Verdict"),
    "ab.legend": (
        "◎ 对照  ★ 胜出 · SRM p {srm}（低于 0.001 表示流量分配有问题）· 调整后 p：Holm 多重比较校正",
        "◎ control  ★ winner · SRM p {srm} (below 0.001 means the split is broken) · adjusted p: Holm correction",
    ),
    "ab.col_role": ("", ""),
    "ab.col_thumb": ("主图", "Thumbnail"),
    "ab.col_name": ("图", "Image"),
    "ab.col_id": ("素材ID", "Creative id"),
    "ab.col_trials_ctr": ("展现", "Impressions"),
    "ab.col_successes_ctr": ("点击", "Clicks"),
    "ab.col_trials_cvr": ("点击", "Clicks"),
    "ab.col_successes_cvr": ("订单", "Orders"),
    "ab.col_ci": ("95% 区间", "95% CI"),
    "ab.col_ci_low": ("区间下限", "CI low"),
    "ab.col_ci_high": ("区间上限", "CI high"),
    "ab.col_lift": ("比对照", "Lift"),
    "ab.col_lift_ci_low": ("提升下限", "Lift CI low"),
    "ab.col_lift_ci_high": ("提升上限", "Lift CI high"),
    "ab.col_p": ("p 值", "p"),
    "ab.col_p_adjusted": ("调整后 p", "Adjusted p"),
    "ab.col_beat": ("胜过对照", "P(beat control)"),
    "ab.col_best": ("最好概率", "P(best)"),
    "ab.col_loss": ("预期损失（百分点）", "Expected loss (pp)"),
    "ab.role_control": ("对照", "control"),
    "ab.role_winner": ("胜出", "winner"),
    "ab.pick": ("测试", "Test"),
    "ab.no_tests": (
        "还没有主图测试。在下面用已导入的素材新建一个，或在 OKR 文件的 ab_tests 里定义。",
        "No main-image test yet. Create one below from imported creatives, or define it under ab_tests in the OKR "
        "file.",
    ),
    "ab.caption": (
        "{shop} · {start} 至 {end} · 比较{metric} · 对照：{control}",
        "{shop} · {start} to {end} · compares {metric} · control: {control}",
    ),
    "ab.forest": ("各图{metric}和 95% 区间", "{metric} of each image with 95% intervals"),
    "ab.forest_help": (
        "竖虚线是对照图的比率；区间和虚线不重叠，差别才可能是真的。",
        "The dotted line is the control's rate; a difference is likely real only when the interval clears it.",
    ),
    "ab.control": ("对照", "control"),
    "ab.daily_rate": ("每日{metric}", "Daily {metric}"),
    "ab.daily_share": ("每日展现占比", "Daily share of impressions"),
    "ab.intended": ("计划占比", "intended share"),
    "ab.share_help": (
        "每张图的占比应该平稳并接近计划（虚线）。占比中途变化时，合计的结果可能和每天的结果相反（辛普森悖论）："
        "这时从比例稳定的那天起重新开始测试。",
        "Each image's share should stay flat near the intended split (dotted). If it changes mid-test, the totals "
        "can contradict the daily results (Simpson's paradox): restart the test from the day the split is stable.",
    ),
    "ab.numbers": ("全部数字", "All numbers"),
    "ab.numbers_help": (
        "比率、区间和提升都是百分比；提升是相对对照的变化；调整后 p 做了 Holm 多重比较校正（< 0.05 才算显著）；"
        "胜过对照、最好概率来自贝叶斯后验；预期损失：选这张图比真正最好的图预计低多少个百分点。"
        "注意：同一个人多次看到同一张图时，区间会偏窄。",
        "Rates, intervals and lifts are percentages; lift is relative to the control; adjusted p is Holm-corrected "
        "(significant below 0.05); P(beat control) and P(best) come from Bayesian posteriors; expected loss: how "
        "many percentage points this image is expected to trail the truly best one. Repeated views by the same "
        "shopper make the intervals too narrow.",
    ),
    "ab.thumbs": ("上传主图缩略图", "Upload main-image thumbnails"),
    "ab.thumb_variant": ("哪张图", "Image"),
    "ab.thumb_file": ("图片文件（png、jpg、webp、gif）", "Image file (png, jpg, webp, gif)"),
    "ab.thumb_help": (
        "最大 {mb} MB、{mp} 百万像素；保存时缩小到 480 像素。",
        "At most {mb} MB and {mp} million pixels; stored shrunk to 480 pixels.",
    ),
    "ab.thumb_save": ("上传", "Upload"),
    "ab.thumb_saved": ("已保存 {name} 的缩略图。", "Saved the thumbnail of {name}."),
    "ab.thumb_missing": ("先选一个图片文件。", "Choose an image file first."),
    "ab.thumb_err_type": (
        "{name} 不是支持的图片格式（png、jpg、webp、gif）。",
        "{name} is not a supported image (png, jpg, webp, gif).",
    ),
    "ab.thumb_err_read": (
        "{name} 无法作为图片读取，请换一个文件。",
        "{name} cannot be read as an image; try another file.",
    ),
    "ab.thumb_err_bytes": (
        "{name} 太大：缩略图文件最大 {mb} MB，请先缩小图片。",
        "{name} is too large: a thumbnail file may be at most {mb} MB; shrink the image first.",
    ),
    "ab.thumb_err_pixels": (
        "{name} 的像素太多：缩略图最多 {mp} 百万像素（例如 6000×6000），请先缩小图片。",
        "{name} has too many pixels: a thumbnail may have at most {mp} million pixels (e.g. 6000×6000); shrink it "
        "first.",
    ),
    "ab.new": ("用已导入的素材新建测试", "Create a test from imported creatives"),
    "ab.new_shop": ("店铺", "Shop"),
    "ab.new_dates": ("测试日期", "Test dates"),
    "ab.new_search": ("按名称或ID搜索素材", "Search creatives by name or id"),
    "ab.new_variants": ("参与测试的图（2-8 张）", "Images in the test (2-8)"),
    "ab.new_control": ("对照图", "Control image"),
    "ab.new_pick": ("搜索后选择 2-8 张图", "Search, then choose 2-8 images"),
    "ab.new_metric": ("比较指标", "Compare"),
    "ab.new_id": ("测试ID", "Test id"),
    "ab.new_title": ("名称", "Title"),
    "ab.new_product": (
        "商品ID（可选：在这个商品的 KR 详情页列出）",
        "Product id (optional: listed on that product's KR pages)",
    ),
    "ab.new_user": ("操作人", "Changed by"),
    "ab.new_save": ("保存测试", "Save the test"),
    "ab.new_saved": ("已保存测试 {id}。", "Saved test {id}."),
    "ab.new_no_shops": (
        "还没有素材数据。先在「数据导入」导入千川或万相台的素材报表。",
        "No creative data yet. Import 千川 or 万相台 creative reports on the Import page first.",
    ),
    "ab.new_no_creatives": (
        "这个店铺在所选日期没有匹配的素材。换个日期或搜索词，或先导入素材报表。",
        "No matching creatives in this shop for these dates. Change the dates or the search, or import creative "
        "reports first.",
    ),
    "ab.new_found": ("找到 {n} 个素材", "{n} creatives found"),
    "ab.creative_label": ("{name} · {id} · {impressions} 展现", "{name} · {id} · {impressions} impressions"),
    "ab.err_required": ("必填。", "Required."),
    "ab.err_variants": ("至少选 2 张、最多 8 张图。", "Choose 2 to 8 images."),
    "ab.err_id_taken": ("这个ID已被其他测试或 OKR 使用。", "This id is already used by another test or OKR."),
    # import page
    "import.title": ("数据导入", "Import data"),
    "import.intro": (
        "上传生意参谋、抖店罗盘、千川、万相台的原始导出（或表头为 ShopKR 列名的通用 CSV/xlsx），可一次多选。"
        "来源按文件里的列自动识别；同一文件重复导入不会重复计数，较新的导出会覆盖重叠日期。",
        "Upload the exports of 生意参谋, 抖店罗盘, 千川 or 万相台 as downloaded (or a generic CSV/xlsx with ShopKR "
        "column names), several at once. The source is detected from the columns; importing a file twice counts "
        "nothing twice, and a newer export replaces the days it overlaps.",
    ),
    "import.files": ("导出文件（可多选）", "Export files (several at once)"),
    "import.shop": ("店铺", "Shop"),
    "import.shop_help": (
        "导出文件里没有店铺名：请指定这些文件属于哪个店铺。",
        "The exports do not name the shop: say which shop these files belong to.",
    ),
    "import.new_shop": ("+ 新店铺…", "+ New shop…"),
    "import.new_shop_name": ("新店铺名称", "New shop name"),
    "import.platform": ("平台（仅通用文件）", "Platform (generic files only)"),
    "import.platform_auto": ("自动（文件里的 platform 列）", "Automatic (the file's platform column)"),
    "import.platform_help": (
        "只对没有 platform 列的通用 CSV/xlsx 起作用；平台导出（生意参谋、罗盘等）自带平台。",
        "Only used for generic CSV/xlsx files without a platform column; platform exports carry their own.",
    ),
    "import.user": ("导入人（可选）", "Imported by (optional)"),
    "import.user_help": ("记录在导入历史中", "Recorded in the import history"),
    "import.button": ("导入 {n} 个文件", "Import {n} files"),
    "import.need_files": ("先选择要上传的导出文件。", "Choose the export files to upload first."),
    "import.need_shop": ("请填写新店铺的名称。", "Enter the new shop's name."),
    "import.reading": ("正在读取 {name}（{done}/{total}）", "Reading {name} ({done}/{total})"),
    "import.writing": ("正在写入数据库…", "Writing to the database…"),
    "import.starting": ("正在检查文件…", "Checking the files…"),
    "import.waiting": (
        "数据库正被另一个导入或命令行占用，正在等待…",
        "The database is busy with another import or the command line; waiting…",
    ),
    "import.busy": (
        "数据库一直被另一个导入或命令行占用，这次没有导入任何文件。稍等片刻再点一次「导入」。",
        "The database stayed busy with another import or the command line; nothing was imported. Press Import again "
        "in a moment.",
    ),
    "import.done": (
        "完成：{ok} 个导入成功，{same} 个未变化，{failed} 个失败。",
        "Done: {ok} imported, {same} unchanged, {failed} failed.",
    ),
    "import.results": ("本次导入结果（店铺：{shop}）", "This import (shop: {shop})"),
    "import.result.ok": ("导入成功", "imported"),
    "import.result.unchanged": ("未变化", "unchanged"),
    "import.result.failed": ("失败", "failed"),
    "import.hint_fix": (
        "这个文件没有写入任何数据，其他文件不受影响。按上面的提示修正文件（或从平台重新下载）后再上传。",
        "Nothing from this file was written; the other files are not affected. Fix the file as the message says "
        "(or download it again from the platform) and upload it again.",
    ),
    "import.hint_platform": (
        "这个通用文件没有 platform 列：在上方「平台」里选择平台后重新导入。",
        "This generic file has no platform column: choose the platform above and import it again.",
    ),
    "import.table.shop_daily": ("店铺日数据", "Shop daily"),
    "import.table.product_daily": ("商品日数据", "Product daily"),
    "import.table.creative_daily": ("创意日数据", "Creative daily"),
    "import.col.file": ("文件", "File"),
    "import.col.result": ("结果", "Result"),
    "import.col.source": ("识别为", "Detected as"),
    "import.col.table": ("数据表", "Table"),
    "import.col.new": ("新增行", "New rows"),
    "import.col.replaced": ("覆盖行", "Replaced rows"),
    "import.col.dates": ("日期范围", "Dates"),
    "import.col.message": ("说明", "Message"),
    "import.col.when": ("时间", "When"),
    "import.col.shop": ("店铺", "Shop"),
    "import.col.user": ("导入人", "Imported by"),
    "import.col.rows": ("行数", "Rows"),
    "import.col.first": ("首日", "First date"),
    "import.col.last": ("末日", "Last date"),
    "import.col.days": ("有数据天数", "Days with data"),
    "import.col.missing_count": ("缺失天数", "Missing days"),
    "import.col.missing": ("缺失日期", "Missing dates"),
    "import.history": ("导入历史", "Import history"),
    "import.history_caption": ("最近 200 次导入，最新的在前。", "The last 200 imports, newest first."),
    "import.no_history": ("还没有导入记录。", "No imports yet."),
    "import.coverage": ("数据覆盖", "Data coverage"),
    "import.coverage_caption": (
        "每行是一个店铺的一张表，每格一天：绿色有数据；红色是首日与末日之间缺失的日期（缺口）；灰色在首日之前或末日之后。",
        "One row per shop and table, one cell per day: green has data; red is a missing day between the first and "
        "last date (a gap); grey is before the first or after the last date.",
    ),
    "import.cal.data": ("有数据", "data"),
    "import.cal.gap": ("缺失", "gap"),
    "import.cal.none": ("范围外", "outside range"),
    "import.cal.rows": ("行", "rows"),
    "import.no_data": (
        "数据库里还没有数据：在上方上传导出文件开始。",
        "The database holds no data yet: upload export files above to start.",
    ),
    "import.no_gaps": (
        "每个店铺的每张表在首日与末日之间都没有缺失的日期。",
        "No shop and table misses a day between its first and last date.",
    ),
    "import.gaps": (
        "{n} 个店铺/表在首日与末日之间缺少日期（见下表「缺失日期」）：导入这些日期的导出文件补齐。",
        "{n} shop tables miss days between their first and last date (see Missing dates below): import the "
        "exports of those days.",
    ),
    # people page
    "people.title": ("成员", "People"),
    "people.intro": (
        "公开透明：每个人都能看到所有人的 OKR，包括各周期的得分。",
        "Transparent: everyone can see everyone's OKRs and their scores in every cycle.",
    ),
    "people.not_bonus": (
        "提醒：OKR 得分用于对齐与复盘，与奖金、绩效考核分开，不作为发奖金的依据。",
        "Reminder: OKR scores are for alignment and learning; they are kept apart from bonuses and never decide them.",
    ),
    "people.no_people": ("还没有人负责 OKR。", "Nobody owns OKRs yet."),
    "people.grid": ("各周期平均得分", "Mean score per cycle"),
    "people.grid_caption": (
        "每格是一个人在一个周期所有目标的平均得分；空白表示该周期没有 OKR。",
        "Each cell is a person's mean objective score in a cycle; empty where they had no OKRs.",
    ),
    "people.objectives": ("目标数", "Objectives"),
    "people.score": ("{cycle} 平均得分", "Mean score {cycle}"),
    "people.levels": ("层级", "Levels"),
    "people.no_objectives": ("在 {cycle} 没有 OKR。", "No OKRs in {cycle}."),
    "people.history": ("以往周期", "Earlier cycles"),
    "people.no_history": ("没有更早周期的 OKR。", "No OKRs in earlier cycles."),
    "people.details": ("{cycle} 的目标和关键结果（{n} 个目标）", "Objectives and key results in {cycle} ({n})"),
    "people.open_my": ("{name} 的「我的KR」", "{name}'s My KRs"),
    "people.closed": ("已结算（成绩冻结）", "closed (frozen)"),
    "people.live": ("未结算（实时计算）", "not closed (live)"),
    "people.col.cycle": ("周期", "Cycle"),
    "people.col.objectives": ("目标数", "Objectives"),
    "people.col.score": ("平均得分", "Mean score"),
    "people.col.graded": ("成绩", "Grades"),
    # --- numbers (issue 9): values arrive already formatted by shopkr.app.numbers ---
    "numbers.of_target": ("目标 {target} 的 {share}", "{share} of the {target} target"),
    # --- first start (issue 9): the demo loads in the background while the page shows its progress ---
    "ui.demo_loading_files": ("{shop}：已读取 {done}/{total} 个文件", "{shop}: {done}/{total} files read"),
    "ui.demo_loading_note": (
        "示例数据（三家店铺的导出和 OKR）正在后台载入，约需十秒；载入完成后本页自动显示，无需刷新。",
        "The demo data (three shops' exports and their OKRs) is loading in the background (about ten seconds);"
        " this page appears by itself when it is in, no need to reload.",
    ),
    "ui.demo_failed": (
        "示例数据没有载入成功：{reason}。可以直接导入自己的数据；或在终端运行 `python -m shopkr demo clear --yes`"
        "，再运行 `python -m shopkr demo load` 重试并查看详情。",
        "The demo data did not load: {reason}. Import your own data, or retry in a terminal with "
        "`python -m shopkr demo clear --yes` and then `python -m shopkr demo load` to see the details.",
    ),
    # the 日报 pushed to group chats (shopkr/app/notify.py, shopkr/app/card.py, python -m shopkr notify)
    "notify.shop_title": ("【{shop}】", "[{shop}]"),
    "notify.no_krs": ("{cycle} 没有 KR。", "No KRs in {cycle}."),
    "notify.part": ("({number}/{count})", "({number}/{count})"),
    "notify.missing_head": ("📥 待下载的数据：", "📥 Data to download:"),
    "notify.missing": ("{shop} 缺 {dates} {what}", "{shop}: missing {what} for {dates}"),
    "notify.no_data_at_all": ("{shop} 本周期还没有导入任何数据", "{shop}: no data imported in this cycle yet"),
    "notify.family.shop_daily.taobao": ("生意参谋 店铺数据", "生意参谋 shop data"),
    "notify.family.product_daily.taobao": ("生意参谋 商品数据", "生意参谋 product data"),
    "notify.family.creative_daily.taobao": ("万相台 创意数据", "万相台 creative data"),
    "notify.family.shop_daily.douyin": ("抖店罗盘 成交概览", "抖店罗盘 成交概览 (shop data)"),
    "notify.family.product_daily.douyin": ("抖店罗盘 商品列表", "抖店罗盘 商品列表 (product data)"),
    "notify.family.creative_daily.douyin": ("千川 素材数据", "千川 creative data"),
    "notify.family.shop_daily": ("{platform} 店铺数据", "{platform} shop data"),
    "notify.family.product_daily": ("{platform} 商品数据", "{platform} product data"),
    "notify.family.creative_daily": ("{platform} 创意数据", "{platform} creative data"),
    "notify.mention": ("请关注落后的 KR：{who}", "Off-track KRs, please look: {who}"),
    "notify.no_id": (
        "提示：{path} 里没有 {who} 在 {channel} 的 id，没有 @ 到。",
        "note: {path} has no {channel} id for {who}: not @-mentioned.",
    ),
    "notify.found": ("（实际为 {value}）", " (found {value})"),
    "notify.people_invalid": (
        "✗ 成员文件 {path} 有错误，没有发送：",
        "✗ the people file {path} has errors; nothing sent:",
    ),
    "notify.people_unreadable": ("无法读取：{detail}", "cannot be read: {detail}"),
    "notify.people_not_utf8": ("不是 UTF-8 编码，请另存为 UTF-8", "is not UTF-8 text; save it as UTF-8"),
    "notify.people_bad_yaml": ("YAML 格式错误：{detail}", "is not valid YAML: {detail}"),
    "notify.no_cycle": (
        "✗ 没有 OKR 周期。先用 python -m shopkr okrs load FILE.yaml 载入 OKR。",
        "✗ no OKR cycle. Load OKRs first: python -m shopkr okrs load FILE.yaml",
    ),
    "notify.nothing": ("✗ {who} 在 {cycle} 没有 KR；可选：{known}", "✗ {who} has no KRs in {cycle}; known: {known}"),
    "notify.failed": (
        "✗ {channel} 发送失败：错误码 {code}，{detail}",
        "✗ {channel} refused the message: {code}: {detail}",
    ),
    "notify.hint.wecom": (
        "请检查：webhook 地址（key）是否正确、机器人是否还在群里；每个机器人每分钟最多 20 条。",
        "Check: the webhook URL (its key) is right and the robot is still in the group; at most 20 messages a "
        "minute per robot.",
    ),
    "notify.hint.dingtalk": (
        "请检查：webhook 地址（access_token）；安全设置——自定义关键词（消息要包含关键词，例如“日报”）、"
        "IP 白名单（本机出口 IP）、加签（--secret 要填 SEC 开头的密钥，本机时间误差不超过 1 小时）；每分钟最多 20 条。",
        "Check: the webhook URL (access_token); the security settings: custom keyword (the message must contain it, "
        "e.g. 日报), IP whitelist (this machine's public IP), signing (--secret is the SEC… secret, the clock within 1 "
        "hour); at most 20 messages a minute.",
    ),
    "notify.hint.feishu": (
        "请检查：webhook 地址；安全设置——自定义关键词（消息要包含关键词）、IP 白名单、签名校验（--secret，"
        "本机时间误差不超过 1 小时）；每分钟最多 100 条、每秒 5 条。",
        "Check: the webhook URL; the security settings: custom keyword (the message must contain it), IP whitelist, "
        "signature (--secret, the clock within 1 hour); at most 100 messages a minute and 5 a second.",
    ),
    "notify.retry": ("网络错误（{detail}），稍后重试…", "network error ({detail}); retrying…"),
    "notify.sent": ("✓ 已发送到 {channel}：{what}", "✓ sent to {channel}: {what}"),
    "notify.what_text": ("日报", "the daily report"),
    "notify.what_image": ("图片", "the image card"),
    "notify.dry_run": (
        "--dry-run：以上 {count} 个请求没有发送。",
        "--dry-run: the {count} request(s) above were not sent.",
    ),
    "notify.no_image.dingtalk": (
        "钉钉自定义机器人不能通过 webhook 上传图片（markdown 只能显示公网图片地址），只发送文字日报。"
        "图片可在 我的KR 页面用“下载图片”保存后手动发送。",
        "A DingTalk custom robot cannot upload an image through its webhook (markdown shows only images at a public "
        "URL): sending the text only. Save the card with 下载图片 on My KRs to post it by hand.",
    ),
    "notify.no_image.feishu": (
        "飞书自定义机器人不能上传图片（需要应用的 tenant_access_token 上传后取得 image_key），只发送文字日报。"
        "图片可在 我的KR 页面用“下载图片”保存后手动发送。",
        "A Feishu custom robot cannot upload an image (that needs an app's tenant_access_token to get an image_key): "
        "sending the text only. Save the card with 下载图片 on My KRs to post it by hand.",
    ),
    "notify.card_failed": ("✗ 图片没有生成：{detail}", "✗ the image card was not rendered: {detail}"),
    "notify.image_too_big": ("✗ 图片超过企业微信 2 MB 的限制：{detail}", "✗ the image is over WeCom's 2 MB: {detail}"),
    "notify.card_title": ("{who} · OKR 日报", "{who} · OKR daily"),
    "notify.card_date": ("{cycle} · 截至 {as_of}", "{cycle} · as of {as_of}"),
    "notify.card_no_chart": ("（无曲线）", "(no chart)"),
    # notify follow-ups (issue 11): rate limits, the Feishu card
    "notify.rate_wait": (
        "等待 {seconds} 秒：{channel} 机器人最多 {rate} 条…",
        "waiting {seconds} s: the {channel} robot takes at most {rate} messages…",
    ),
    "notify.rate_limited": (
        "{channel} 回复发送太频繁（{code} {detail}），{seconds} 秒后重试一次…",
        "{channel} says too many messages ({code} {detail}); trying once more in {seconds} s…",
    ),
    "notify.hint.rate_limited": (
        "请检查：这个机器人发消息太频繁（上限 {rate}），可能还有别的程序在用它；稍后再发（钉钉超限后会限流 10 分钟）。",
        "Check: this robot was sent too many messages (at most {rate}), perhaps by another program too; send "
        "again later (DingTalk blocks a robot for 10 minutes after its limit).",
    ),
    "notify.all_title": ("【OKR 日报】{cycle}，截至 {as_of}", "OKR daily report — {cycle}, as of {as_of}"),
    "notify.card_only_feishu": (
        "--feishu-card 只用于飞书（--channel feishu），这里不起作用。",
        "--feishu-card applies to Feishu (--channel feishu) only; ignored.",
    ),
    "my.download_card": ("下载图片", "Download image"),
    "my.download_card_unavailable": (
        "下载图片需要本机安装 Chromium（Debian：apt-get install chromium fonts-noto-cjk）。",
        "Downloading the image needs Chromium on this machine (Debian: apt-get install chromium fonts-noto-cjk).",
    ),
    "my.download_card_help": (
        "手机尺寸的 PNG 卡片：每个 KR 的当前值、目标、得分、达成概率和进度小图，可以直接发到群里。",
        "A phone-sized PNG card: each KR's value, target, score, P(hit) and a small progress chart, ready for a group "
        "chat.",
    ),
    # --- check-ins (issue 11): 我的KR quick check-in, KR详情 timeline, `python -m shopkr checkin` ---
    "checkin.author": ("打卡人", "Checked in by"),
    "checkin.author_help": (
        "记入打卡和变更记录的名字（默认为本机用户名）",
        "The name written to the check-in and the change history (default: the OS user)",
    ),
    "checkin.confidence": ("信心（0-10）", "Confidence (0-10)"),
    "checkin.confidence_help": (
        "你觉得这个 KR 能达成目标的把握：0 = 不可能，5 = 一半一半，10 = 一定能达成",
        "How likely you think this KR reaches its target: 0 = no chance, 5 = even, 10 = certain",
    ),
    "checkin.note": ("进展、障碍、下一步", "Progress, obstacles, next step"),
    "checkin.submit": ("打卡", "Check in"),
    "checkin.last": (
        "上次打卡 {date} · {author} · 信心 **{confidence}/10**",
        "Last check-in {date} · {author} · confidence **{confidence}/10**",
    ),
    "checkin.none_yet": ("还没有打卡。", "No check-in yet."),
    "checkin.saved_new": (
        "已打卡：{kr} {date} 信心 {confidence}/10（{author}）",
        "Checked in: {kr} {date}, confidence {confidence}/10 ({author})",
    ),
    "checkin.saved_edit": (
        "已修改当天的打卡：{kr} {date} 信心 {confidence}/10（{author}）",
        "Edited the day's check-in: {kr} {date}, confidence {confidence}/10 ({author})",
    ),
    "checkin.saved_same": (
        "打卡没有变化：{kr} {date} 信心 {confidence}/10（{author}）",
        "Nothing changed: {kr} {date}, confidence {confidence}/10 ({author})",
    ),
    "checkin.saved_note": ("备注：{note}", "Note: {note}"),
    "checkin.refused": ("✗ {reason}没有保存任何内容。", "✗ {reason} Nothing stored."),
    "checkin.stale_title": ("超过 7 天没有打卡的 KR（{n} 个）", "KRs without a check-in for 7 days ({n})"),
    "checkin.stale_line": (
        "{kr} {title} · 上次打卡 {date}，已 {days} 天",
        "{kr} {title} · last check-in {date}, {days} days ago",
    ),
    "checkin.stale_never": ("{kr} {title} · 本周期还没有打卡", "{kr} {title} · no check-in yet this cycle"),
    "checkin.stale_help": (
        "每周打一次卡：说说有多大把握、卡在哪里、下一步做什么。",
        "Check in once a week: how confident you are, what is in the way, what comes next.",
    ),
    "checkin.timeline": ("打卡记录", "Check-ins"),
    "checkin.timeline_none": (
        "这个 KR 还没有打卡。在 我的KR 的卡片下打卡，或运行 {command}",
        "No check-in on this KR yet. Check in under its card on My KRs, or run {command}",
    ),
    "checkin.no_p_hit": (
        "这个 KR 没有数据预测的达成概率（SQL 或手动评分的 KR，或还没有数据），图中只有信心。",
        "This KR has no P(hit) from the data (an SQL or manual KR, or no data yet): the chart shows the confidence "
        "only.",
    ),
    "checkin.gap": (
        "信心与数据预测相差较大，值得在1对1中聊一聊：{date} 信心 {confidence}/10，数据预测的达成概率 {p_hit}。",
        "Confidence and the data's forecast differ widely, worth a one-on-one: on {date} confidence "
        "{confidence}/10, P(hit) from the data {p_hit}.",
    ),
    "checkin.chart_confidence": ("信心 ÷ 10", "Confidence ÷ 10"),
    "checkin.chart_p_hit": ("数据预测的达成概率", "P(hit) from the data"),
    "checkin.hover_confidence": ("信心 {confidence}/10", "confidence {confidence}/10"),
    "checkin.col.date": ("日期", "Date"),
    "checkin.col.author": ("打卡人", "By"),
    "checkin.col.confidence": ("信心（0-10）", "Confidence (0-10)"),
    "checkin.col.p_hit": ("当天的达成概率", "P(hit) that day"),
    "checkin.col.note": ("进展、障碍、下一步", "Progress, obstacles, next step"),
    # a refused check-in (shopkr/data/store.py CheckInError; codes listed in shopkr/domain/messages.py)
    "checkin.error.no_author": ("请填写打卡人：名字为空。", "Say who checks in: the name is empty."),
    "checkin.error.unknown_kr": (
        "没有编号为 {kr} 的 KR。已有的 KR：{known}",
        "There is no KR {kr}. Known KRs: {known}",
    ),
    "checkin.error.confidence": (
        "信心必须是 0 到 10 之间的整数（收到 {value}）。",
        "The confidence must be a whole number from 0 to 10 (got {value}).",
    ),
    "checkin.error.future_date": (
        "打卡日期 {date} 晚于今天（{today}）：不能为将来的日子打卡。",
        "The date {date} is after today ({today}): a check-in cannot be for a future day.",
    ),
    "checkin.error.before_cycle": (
        "打卡日期 {date} 早于周期 {cycle} 的开始（{start}）。",
        "The date {date} is before the start of cycle {cycle} ({start}).",
    ),
    "checkin.error.closed_cycle": (
        "{cycle} 已于 {date} 关闭，成绩已冻结：不能再打卡。回顾请写在 复盘 里（python -m shopkr review ...）。",
        "{cycle} was closed on {date} and its grades are frozen: no more check-ins. Write the look-back in the "
        "review (python -m shopkr review ...).",
    ),
    "checkin.error.after_cycle": (
        "打卡日期 {date} 晚于周期 {cycle} 的结束（{end}）：周期结束后请在复盘中给 KR 打分。",
        "The date {date} is after the end of cycle {cycle} ({end}): after the cycle, grade the KR in the review.",
    ),
    "checkin.error.note_too_long": (
        "备注有 {n} 个字，最多 {max} 个字：请精简，详细内容可以放在文档里。",
        "The note has {n} characters, at most {max} are kept: shorten it, and put the details in a document.",
    ),
    "checkin.error.edit_later_day": (
        "{date} 的打卡是 {made} 做的，只能在当天修改；请为今天（{today}）新增一条打卡。",
        "The check-in for {date} was made on {made} and can only be changed on the day it was made; add a check-in "
        "for today ({today}) instead.",
    ),
    # check-in rows of the change history (okr_changes entity 'checkin': okr_form.history_table)
    "manage.field.entity_checkin": ("打卡", "check-in"),
    "manage.field.confidence": ("信心（0-10）", "confidence (0-10)"),
    "manage.field.note": ("打卡备注", "check-in note"),
    # --- quarter-end review 复盘 (issue 11): pages/review.py, 成员, 总览, `python -m shopkr review` ---
    "review.page": ("复盘", "Review"),
    "review.title": ("季度复盘", "Quarter-end review"),
    "review.intro": (
        "周期结束后，负责人给每个 KR 打 0.0–1.0 分（默认是数据得分，数据得分一直显示在旁边），"
        "并回答每个目标的三个问题：做得好的、没做好的、继续 · 调整 · 停止。可以先打分、以后再回答；"
        "复盘随周期保存，成员页可以回看。",
        "When a cycle has ended, each owner grades each KR 0.0–1.0 (pre-filled with the data score, which stays "
        "beside it) and answers three questions per objective: what worked, what did not, continue · change · stop. "
        "Grades can be saved first and answers later; the review is kept with the cycle and shows on People.",
    ),
    "review.no_cycle": (
        "还没有已结束或已关闭的周期可以复盘：周期结束后（或用 python -m shopkr okrs close 关闭后）再来。",
        "No cycle has ended or been closed yet: come back when a cycle ends (or after python -m shopkr okrs close).",
    ),
    "review.pick_cycle": ("复盘周期", "Cycle to review"),
    "review.data_frozen": (
        "{cycle} 已于 {date} 关闭：数据得分是关闭时冻结的成绩。",
        "{cycle} was closed on {date}: the data scores are the grades frozen then.",
    ),
    "review.data_live": (
        "{cycle} 已于 {end} 结束，尚未关闭：数据得分按现有数据计算，补录数据后可能变化。",
        "{cycle} ended on {end} and is not closed: the data scores come from the data as it is now and may change "
        "with later imports.",
    ),
    "review.state": ("复盘", "Review"),
    "review.state.complete": ("已完成", "complete"),
    "review.state.incomplete": ("未完成", "incomplete"),
    "review.state.not_started": ("未填写", "not started"),
    "review.state_missing": ("{state}（还缺：{what}）", "{state} (missing: {what})"),
    "review.graded_count": ("{n}/{total} 个 KR 已打分", "{n} of {total} KRs graded"),
    "review.saved_by": ("{who} 保存于 {at}", "saved by {who} on {at}"),
    "review.data_score": ("数据得分", "Data score"),
    "review.data": ("数据", "data"),
    "review.grade": ("自评", "grade"),
    "review.grade_label": ("{kr} 自评（0.0–1.0）", "{kr} grade (0.0–1.0)"),
    "review.gap": ("自评 − 数据 = {gap}", "grade − data = {gap}"),
    "review.grade_line": ("{kr} 自评 {grade}（数据 {data}）", "{kr} graded {grade} (data {data})"),
    "review.no_grades": ("还没有打分", "not graded yet"),
    "review.labelled": ("{label}：{text}", "{label}: {text}"),
    "review.q.worked": ("做得好的", "What worked"),
    "review.q.did_not_work": ("没做好的", "What did not work"),
    "review.q.decision": ("继续 · 调整 · 停止", "Continue · change · stop"),
    "review.q.note": ("决定说明（可选）", "Note on the decision (optional)"),
    "review.decision.continue": ("继续", "continue"),
    "review.decision.change": ("调整", "change"),
    "review.decision.stop": ("停止", "stop"),
    "review.save": ("保存复盘", "Save review"),
    "review.saved": (
        "已保存 {id} 的复盘（{n} 项改动，已记入变更记录）。",
        "Saved the review of {id} ({n} changes, recorded in the history).",
    ),
    "review.no_change": ("没有改动，什么也没有保存。", "Nothing changed; nothing saved."),
    "review.closed": ("已关闭", "closed"),
    "review.not_closed": ("未关闭", "not closed"),
    "review.show_head": ("{cycle} 复盘（{start} ~ {end}，{closed}）", "{cycle} review ({start} ~ {end}, {closed})"),
    "review.no_objectives": ("{owner} 在 {cycle} 没有目标。", "{owner} has no objectives in {cycle}."),
    # 总览: reviews overdue 14 days after the cycle end; the roll-up of aligned objectives
    "review.overdue_title": ("逾期未完成的复盘", "Overdue reviews"),
    "review.overdue_caption": (
        "周期结束 14 天后仍未填写或未完成的复盘（每个负责人、每个周期一行）。点击去复盘。",
        "Reviews still missing or incomplete 14 days after their cycle ended (one line per owner and cycle). Click "
        "to open the review.",
    ),
    "review.overdue_line": (
        "{owner} · {cycle}（{end} 结束，已过 {days} 天）：{n} 个目标未完成复盘（其中 {started} 个已开始）",
        "{owner} · {cycle} (ended {end}, {days} days ago): {n} objective(s) not reviewed ({started} started)",
    ),
    "review.children": ("下级 {score}", "children {score}"),
    "review.children_help": (
        "“下级”是直接对齐到该目标的下级目标的平均得分（各自按自己的 KR 计分），显示在目标自身 KR 得分旁边。",
        "“children” is the mean score of the objectives aligned directly to it (each scored by its own KRs), "
        "beside the objective's own KR score.",
    ),
    # 成员: past reviews next to past scores
    "review.people_title": ("{cycle} 复盘 · {state}", "{cycle} review · {state}"),
    "review.people_none": ("{cycle} 复盘：未填写", "{cycle} review: not written"),
    # the change history (okr_changes entity 'review')
    "manage.field.entity_review": ("复盘", "review"),
    "manage.field.grade": ("自评分", "grade"),
    "manage.field.data_score": ("数据得分", "data score"),
    "manage.field.worked": ("做得好的", "what worked"),
    "manage.field.did_not_work": ("没做好的", "what did not work"),
    "manage.field.decision": ("继续 · 调整 · 停止", "continue · change · stop"),
    "manage.field.decision_note": ("决定说明", "note on the decision"),
    # a refused review (shopkr/data/store.py: ReviewError)
    "review.error.no_user": (
        "请填写操作人（记入变更记录的名字）。",
        "Say who you are: fill in the name for the change history.",
    ),
    "review.error.unknown_cycle": (
        "周期 {cycle} 没有目标，无法复盘；有目标的周期：{known}",
        "cycle {cycle} has no objectives to review; cycles with objectives: {known}",
    ),
    "review.error.unknown_objective": (
        "{cycle} 没有目标 {objective}；该周期的目标：{known}",
        "{cycle} has no objective {objective}; its objectives: {known}",
    ),
    "review.error.not_ended": (
        "周期 {cycle} 到 {end} 才结束：结束后（或用 python -m shopkr okrs close {cycle} 关闭后）才能复盘。",
        "cycle {cycle} runs until {end}: review it once it has ended (or after python -m shopkr okrs close {cycle}).",
    ),
    "review.error.kr_not_in_objective": (
        "{kr} 不是目标 {objective} 的 KR；它的 KR：{krs}",
        "{kr} is not a KR of objective {objective}; its KRs: {krs}",
    ),
    "review.error.kr_twice": (
        "{kr} 的自评给了两次：每个 KR 只给一个分数。",
        "{kr} is graded twice: give one grade per KR.",
    ),
    "review.error.grade_not_number": (
        "{kr} 的自评 {value} 不是数字：请写 0.0 到 1.0 之间的数，例如 0.7。",
        "the grade of {kr}, {value}, is not a number: write a number from 0.0 to 1.0, e.g. 0.7.",
    ),
    "review.error.grade_range": (
        "{kr} 的自评 {value} 不在 0.0–1.0 之间：70% 请写 0.7。",
        "the grade of {kr}, {value}, is outside 0.0–1.0: write 0.7 for 70%.",
    ),
    "review.error.data_score": (
        "{kr} 的数据得分 {value} 不在 0.0–1.0 之间：请刷新页面后重新保存。",
        "the data score of {kr}, {value}, is outside 0.0–1.0: reload and save again.",
    ),
    "review.error.decision": (
        "决定 {value} 无效：请选继续、调整或停止（{allowed}）。",
        "the decision {value} is not one of {allowed}: choose continue, change or stop.",
    ),
    "review.error.too_long": (
        "{field} 有 {n} 个字，最多 {max} 个字：请精简，详细内容可以放在文档里。",
        "{field} has {n} characters, at most {max} are kept: shorten it, and put the details in a document.",
    ),
    # --- notes on the charts (issue 11): KR详情 form and list, chart marks, `python -m shopkr note` ---
    "note.section": ("图上备注", "Notes on the chart"),
    "note.section_help": (
        "备注显示在范围内的每一张 KR 图上：店铺备注显示在该店铺的所有 KR 图上（也包括商品、素材级 KR），"
        "商品备注只显示在该商品的图上，KR 备注只显示在这个 KR 的图上。主图测试的开始和结束会自动标在对应商品的图上。",
        "A note shows on every KR chart within its scope: a shop note on all of that shop's KR charts (product and "
        "creative KRs too), a product note only on that product's charts, a KR note only on this KR's charts. A/B "
        "tests mark their start and end on the charts of their product by themselves.",
    ),
    "note.none": ("这张图上还没有备注。", "No notes on this chart yet."),
    "note.add": ("添加备注", "Add a note"),
    "note.day": ("日期", "Date"),
    "note.end": ("结束日期（可选，填了就是一个时间段）", "End date (optional: a date range)"),
    "note.scope": ("备注关于", "The note is about"),
    "note.text": ("内容", "Text"),
    "note.text_help": (
        "最多 {max} 个字，例如“双11预热开始”“主图换成5号”。",
        "At most {max} characters, e.g. 双11预热开始 (pre-sale starts).",
    ),
    "note.user": ("操作人", "Your name"),
    "note.user_help": (
        "记在备注上的作者；只有作者本人可以删除自己的备注。",
        "Recorded as the note's author; only its author can remove a note.",
    ),
    "note.save": ("保存备注", "Save note"),
    "note.saved": ("已添加备注 #{id}。", "Note #{id} added."),
    "note.removed": ("已删除备注 #{id}。", "Note #{id} removed."),
    "note.remove": ("删除", "Remove"),
    "note.col.date": ("日期", "Date"),
    "note.col.scope": ("范围", "Scope"),
    "note.col.text": ("内容", "Text"),
    "note.col.author": ("作者", "Author"),
    "note.legend": ("备注", "notes"),
    "note.legend_ab": ("主图测试", "A/B tests"),
    "note.ab_start": ("主图测试 {test} 开始：{title}", "A/B test {test} starts: {title}"),
    "note.ab_end": ("主图测试 {test} 结束：{title}", "A/B test {test} ends: {title}"),
    "note.ab_start_label": ("{test} 开始", "{test} starts"),
    "note.ab_end_label": ("{test} 结束", "{test} ends"),
    "note.scope.shop": ("店铺 {shop}", "shop {shop}"),
    "note.scope.product": ("商品 {product}（{shop}）", "product {product} ({shop})"),
    "note.scope.creative": ("素材 {creative}（{shop}）", "creative {creative} ({shop})"),
    "note.scope.kr": ("KR {kr}", "KR {kr}"),
    "note.scope.ab": ("主图测试 {test}", "A/B test {test}"),
    "note.choice.kr": ("仅这个 KR（{kr}）", "this KR only ({kr})"),
    "note.choice.shop": ("整个店铺：{shop}", "the whole shop: {shop}"),
    "note.choice.product": ("这个商品：{product}", "this product: {product}"),
    "note.choice.creative": ("这个素材：{creative}", "this creative: {creative}"),
    "note.cli.none": ("没有备注。", "no notes."),
    "note.cli.added": (
        "✓ 已添加备注 #{id}：{dates} · {scope} · {text}",
        "✓ note {id} added: {dates} · {scope} · {text}",
    ),
    "note.cli.removed": ("✓ 已删除备注 #{id}：{dates} · {text}", "✓ note {id} removed: {dates} · {text}"),
    "note.cli.refused": ("✗ 备注没有保存：{reason}", "✗ note not saved: {reason}"),
    "note.cli.not_removed": ("✗ 备注没有删除：{reason}", "✗ note not removed: {reason}"),
    "manage.field.entity_annotation": ("图上备注", "chart note"),
    # a refused note (shopkr/data/store.py AnnotationError; codes listed in shopkr/domain/messages.py)
    "note.error.empty_text": ("备注内容是空的：请写上发生了什么。", "the note has no text: write what happened."),
    "note.error.text_too_long": (
        "备注有 {n} 个字，最多 {max} 个字：请精简，详细内容可以放在文档里。",
        "the note has {n} characters, at most {max}: shorten it, and put the details in a document.",
    ),
    "note.error.no_author": ("请填写操作人（备注的作者）。", "say who writes the note (--user / 操作人)."),
    "note.error.end_before_start": (
        "结束日期 {end} 早于开始日期 {start}：请把结束日期设在开始日期当天或之后。",
        "the end date {end} is before the start date {start}: end on or after the start.",
    ),
    "note.error.no_scope": (
        "备注要说明关于什么：一个店铺（可再加商品或素材），或一个 KR。",
        "say what the note is about: a shop (--shop, optionally with --product or --creative) or a KR (--kr).",
    ),
    "note.error.kr_and_shop": (
        "KR 备注只关于 KR {kr}，不能同时指定店铺、商品或素材：二选一。",
        "a KR note is about KR {kr} only: give either --kr or --shop (with --product / --creative), not both.",
    ),
    "note.error.product_and_creative": (
        "一条备注只能关于一个商品或一个素材，不能两者都有。",
        "a note is about one product or one creative, not both: give --product or --creative.",
    ),
    "note.error.product_needs_shop": (
        "商品备注要指定店铺：同一个商品 ID 可能在不同店铺。",
        "a product note needs its shop (--shop): product ids are per shop.",
    ),
    "note.error.creative_needs_shop": (
        "素材备注要指定店铺：同一个素材 ID 可能在不同店铺。",
        "a creative note needs its shop (--shop): creative ids are per shop.",
    ),
    "note.error.unknown_kr": (
        "没有 ID 为 {kr} 的 KR。已有的 KR：{known}",
        "there is no KR {kr}. Known KRs: {known}",
    ),
    "note.error.unknown_shop": (
        "店铺 {shop} 还没有导入过数据，备注不会显示在任何图上。已有数据的店铺：{known}",
        "shop {shop} has no imported data, so no chart would show the note. Shops with data: {known}",
    ),
    "note.error.not_found": (
        "没有编号为 {id} 的备注（可能已被删除）。",
        "there is no note {id} (it may have been removed).",
    ),
    "note.error.not_author": (
        "备注 #{id} 是 {author} 写的，只有作者本人可以删除；当前操作人是 {user}。",
        "note {id} was written by {author}; only its author can remove it (you are {user}).",
    ),
    # --- the demo's check-ins, notes and reviews (issue 11): what 清除示例数据 does with them ---
    "demo_rhythm.clear": (
        "还会删除示例写下、之后没人改过的 {checkins} 条打卡、{notes} 条图表备注、{reviews} 份目标复盘和 {grades} 个 KR "
        "自评，以及它们的修改记录。",
        "It also removes the {checkins} check-ins, {notes} notes on the charts, {reviews} objective reviews and "
        "{grades} KR grades the demo wrote and nobody changed since, with their history rows.",
    ),
    "demo_rhythm.kept": (
        "保留：示例写下、之后有人改过的 {checkins} 条打卡、{notes} 条图表备注、{reviews} 份目标复盘和 {grades} 个 KR "
        "自评。",
        "Stays: {checkins} check-ins, {notes} notes on the charts, {reviews} objective reviews and {grades} KR grades "
        "the demo wrote and someone changed since.",
    ),
    "demo_rhythm.others": (
        "保留：别人在示例目标上写的 {checkins} 条打卡、{notes} 条图表备注、{reviews} 份目标复盘和 {grades} 个 KR 自评"
        "（目标删除后它们仍留在数据库里，页面上不再显示）。",
        "Stays: {checkins} check-ins, {notes} notes on the charts, {reviews} objective reviews and {grades} KR grades "
        "others wrote on the demo's objectives (they stay in the database without their objective; no page shows "
        "them then).",
    ),
    # --- total rows: a "-" in a key column is a total only when it adds up (issue 11, connectors/base.py) ---
    "file.dash_key_not_total": (
        "{column} 单元格只有“-”。只有当这一行等于同一天其他各行之和（误差在 0.1% 或 0.01 以内）时，才把它当作合计行"
        "跳过；这一行不是：它的 {metric} 是 {got}，而 {day} 其他各行合计 {total}（相差 {difference}）。"
        "如果这一行是一条单独的数据，请填写 {column}；如果是合计行，请删除这一行。然后重新导入文件。",
        "the {column} cell holds only a dash, which marks a total row only when the row equals the sum of the other "
        "rows of its day (to within 0.1 % or 0.01), and this row does not: its {metric} is {got} while the rows of "
        "{day} add up to {total} (a difference of {difference}). Fill in the {column} if the row is an entry of its "
        "own, or delete the row if it is a total. Then import the file again.",
    ),
    "file.dash_key_unverifiable": (
        "{column} 单元格只有“-”。只有当这一行等于同一天其他各行之和时，才把它当作合计行跳过；但这一行没有可以核对的"
        "数字（{columns}）。如果这一行是一条单独的数据，请填写 {column}；如果是合计行，请删除这一行。"
        "然后重新导入文件。",
        "the {column} cell holds only a dash, which marks a total row only when the row equals the sum of the other "
        "rows of its day, and this row has no number that can be checked ({columns}). Fill in the {column} if the "
        "row is an entry of its own, or delete the row if it is a total. Then import the file again.",
    ),
    "file.note.total_rows": ("跳过了 {n} 行合计行", "{n} total rows skipped"),
}


def t(key: str, lang: Lang = "zh", **values: object) -> str:
    """The string for `key` in `lang`, formatted with `values`."""
    pair = STRINGS.get(key)
    if pair is None:
        return key
    text = pair[0] if lang == "zh" else pair[1]
    return text.format(**values) if values else text


class Coded(Protocol):
    """Anything that says what happened as a code and its parameters (Message, Problem, metrics.SQLError)."""

    @property
    def code(self) -> str: ...

    @property
    def params(self) -> Mapping[str, object]: ...


def _is_message(value: object) -> bool:
    return isinstance(value, Message) or (hasattr(value, "code") and hasattr(value, "params"))  # connectors' too


def _param(value: object, lang: Lang) -> object:
    if _is_message(value):
        return render(value, lang)  # type: ignore[arg-type]
    if isinstance(value, list | tuple):
        # values are listed with commas; messages (which may hold commas themselves) with semicolons
        sep = ("；" if lang == "zh" else "; ") if any(map(_is_message, value)) else ", "
        return sep.join(str(_param(v, lang)) for v in value)
    return value


def render(message: Coded, lang: Lang = "zh") -> str:
    """A message in `lang`: the text of its `code` (a key of STRINGS) with its `params` filled in; a parameter
    that is itself a Message is rendered too, a list of values is joined with ", " and a list of messages with
    "; " (zh "；"). An unknown code shows as the code and
    a text whose placeholders the parameters do not fill shows unfilled, followed by the parameters, so a page
    never fails on a message (tests/test_messages.py renders every code in both languages)."""
    params = {k: _param(v, lang) for k, v in message.params.items()}
    pair = STRINGS.get(message.code)
    if pair is None:
        return message.code
    text = pair[0] if lang == "zh" else pair[1]
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        return f"{text} {params}"


def allowed_text(allowed: str | Message | None, lang: Lang = "zh") -> str:
    """A problem's `allowed` in words: a list of values stays as written, a Message is rendered."""
    if allowed is None:
        return ""
    return str(allowed) if isinstance(allowed, str) else render(allowed, lang)


def problem_line(problem: Any, lang: Lang = "en") -> str:
    """A validation problem as the command line prints it: `path: message (found value); allowed: ...`
    (`okrs check`, `okrs load`, the warnings under `score`)."""
    text = f"{problem.path}: {render(problem, lang)}"
    if problem.value is not None:
        text += f" (found {problem.value!r})"
    if problem.allowed:
        text += f"; allowed: {allowed_text(problem.allowed, lang)}"
    return text


def cli_text(item: Any) -> str:
    """A message, or a validation problem with its path (`problem_line`), as the command line prints it: English."""
    return problem_line(item) if hasattr(item, "path") else render(item, "en")


def status_label(status: str, lang: Lang = "zh") -> str:
    """A KR/objective status in words."""
    return t(f"status.{status}", lang)
