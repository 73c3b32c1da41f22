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
        "示例数据：当前显示的是演示店铺和演示 OKR。导入自己的数据前可以一键清除。",
        "Demo data: these are demo shops and OKRs. Clear them before importing your own.",
    ),
    "ui.demo_clear": ("清除示例数据", "Clear demo data"),
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
    "ui.pace": ("线性进度", "Linear pace"),
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
    "overview.kr_counts": ("KR 状态", "KR status"),
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
    "my.chart_title": ("{title}：累计值、目标与线性进度", "{title}: to date, target and linear pace"),
    "my.per_day": ("每日分子与分母", "Numerator and denominator per day"),
    "my.no_krs": ("{owner} 在 {cycle} 没有 KR。", "{owner} has no KRs in {cycle}."),
    "my.manual_note": (
        "手动评分的里程碑：在「OKR管理」更新分数。",
        "Manual milestone: update its score on Manage OKRs.",
    ),
    "my.sql_note": ("自定义 SQL 指标", "Custom SQL measure"),
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
    "detail.when": ("时间", "When"),
    "detail.who": ("操作人", "Who"),
    "detail.field": ("字段", "Field"),
    "detail.old": ("原值", "Old"),
    "detail.new": ("新值", "New"),
    "detail.reason": ("原因", "Reason"),
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
    "import.new_shop": ("➕ 新店铺…", "➕ New shop…"),
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
    "people.col.dates": ("日期", "Dates"),
    "people.col.objectives": ("目标数", "Objectives"),
    "people.col.score": ("平均得分", "Mean score"),
    "people.col.graded": ("成绩", "Grades"),
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
