"""抖店罗盘 成交分析 成交概览 (.xlsx, sheet 成交概览, one data row) -> shop_daily (douyin).

visitors = 商品点击人数 (people who opened a product page), so conversion_rate = buyers / visitors is
comparable with 生意参谋's 商品访客数-based rate.
"""

from connectors.base import Col, Source
from connectors.canonical import SHOP_DAILY

SOURCE = Source(
    name="compass_overview",
    label="抖店罗盘 成交概览",
    table=SHOP_DAILY,
    platform="douyin",
    required=(("日期",), ("用户支付金额",), ("成交人数",), ("商品点击人数",)),
    forbidden=("商品编码", "商品ID"),
    sheets=("成交概览",),
    columns={
        "date": Col(("日期",)),
        "gmv": Col(("用户支付金额",)),
        "orders": Col(("成交订单数",)),
        "buyers": Col(("成交人数",)),
        "impressions": Col(("商品曝光人数",)),
        "clicks": Col(("商品点击人数",)),
        "visitors": Col(("商品点击人数",)),
        "refund_amount": Col(("退款金额(支付时间)",)),
        "ad_spend": Col(("投放消耗(店铺被投)",)),
    },
)
detect = SOURCE.detect
to_canonical = SOURCE.to_canonical
KEY = SHOP_DAILY.key
