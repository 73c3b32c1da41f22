"""万相台 创意 reports (CSV in GB18030 or .xlsx; ratios as fractions) -> creative_daily (taobao).

One creative can run in several plans on the same day; those rows are parts of one daily total and are
summed. Without a 创意ID column the 创意名称 is the creative's id. Old 直通车 files give money in fen (分).
"""

from connectors.base import Col, Source
from connectors.canonical import CREATIVE_DAILY

SOURCE = Source(
    name="wanxiang_creatives",
    label="万相台 创意",
    table=CREATIVE_DAILY,
    platform="taobao",
    required=(("日期",), ("创意ID", "创意名称"), ("展现量",), ("点击量",), ("花费", "花费(分)")),
    columns={
        "date": Col(("日期",)),
        "creative_id": Col(("创意ID",)),
        "creative_name": Col(("创意名称",)),
        "product_id": Col(("主体ID",)),
        "impressions": Col(("展现量",)),
        "clicks": Col(("点击量",)),
        "spend": Col(("花费", "花费(分)")),
        "gmv": Col(("总成交金额", "总成交金额(分)")),
        "orders": Col(("总成交笔数",)),
    },
    fallback={"creative_id": "creative_name"},
    sum_duplicates=True,
)
detect = SOURCE.detect
to_canonical = SOURCE.to_canonical
KEY = CREATIVE_DAILY.key
