"""生意参谋 shop daily (店铺整体 / 取数): CSV (GBK), .xls or .xlsx, one row per day -> shop_daily (taobao).

取数 exports split ad spend over the promotion tools (全站推广花费, 关键词推广花费, 精准人群推广花费): their
sum is ad_spend. A one-day download without 统计日期 takes its day from the platform's file name
(…_2026-11-14_2026-11-14.xls).
"""

from connectors.base import Col, Source
from connectors.canonical import SHOP_DAILY

SOURCE = Source(
    name="sycm_shop",
    label="生意参谋 店铺整体",
    table=SHOP_DAILY,
    platform="taobao",
    required=(("统计日期",), ("访客数",), ("支付金额",)),
    forbidden=("商品ID",),
    columns={
        "date": Col(("统计日期",)),
        "visitors": Col(("访客数",)),
        "pageviews": Col(("浏览量",)),
        "gmv": Col(("支付金额",)),
        "buyers": Col(("支付买家数",)),
        "orders": Col(("支付子订单数",)),
        "units": Col(("支付件数",)),
        "cart_buyers": Col(("加购人数",)),
        "refund_amount": Col(("成功退款金额",)),
        "ad_spend": Col(("全站推广花费", "关键词推广花费", "精准人群推广花费"), combine="sum"),
    },
    date_from_name=True,
    per_day_code="file.per_day.sycm_shop",
    per_day_hint="export 店铺整体 by day (按日), or one day per file",
)
detect = SOURCE.detect
to_canonical = SOURCE.to_canonical
KEY = SHOP_DAILY.key
