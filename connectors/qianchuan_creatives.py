"""巨量千川 素材 / creative reports per day (.xlsx or .csv; 日期=全部 total rows) -> creative_daily (douyin)."""

from connectors.base import Col, Source
from connectors.canonical import CREATIVE_DAILY

SOURCE = Source(
    name="qianchuan_creatives",
    label="千川 素材",
    table=CREATIVE_DAILY,
    platform="douyin",
    required=(("日期",), ("素材ID",), ("整体展示次数", "整体展现次数"), ("整体消耗",)),
    columns={
        "date": Col(("日期",)),
        "creative_id": Col(("素材ID",)),
        "creative_name": Col(("素材名称",)),
        "product_id": Col(("商品ID",)),
        # 推广直播间画面 says 展示, 素材 files say 展现: the same count.
        "impressions": Col(("整体展示次数", "整体展现次数")),
        "clicks": Col(("整体点击次数",)),
        "spend": Col(("整体消耗",)),
        "gmv": Col(("整体成交金额",)),
        "orders": Col(("整体成交订单数",)),
    },
    # The default 素材 download is one row per creative for the whole period.
    per_day_code="file.per_day.qianchuan_creatives",
    per_day_hint="download the per-day (分日) report: in 千川 choose 分日 as the time granularity, then export",
)
detect = SOURCE.detect
to_canonical = SOURCE.to_canonical
KEY = CREATIVE_DAILY.key
