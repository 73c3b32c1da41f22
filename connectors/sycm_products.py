"""生意参谋 商品 -> 商品排行 全部商品 download (.xls, header on row 5), one row per product -> product_daily."""

from connectors.base import Col, Source
from connectors.canonical import PRODUCT_DAILY

SOURCE = Source(
    name="sycm_products",
    label="生意参谋 商品",
    table=PRODUCT_DAILY,
    platform="taobao",
    required=(("统计日期",), ("商品ID",), ("商品访客数",), ("支付金额",)),
    columns={
        "date": Col(("统计日期",)),
        "product_id": Col(("商品ID",)),
        "product_name": Col(("商品名称",)),
        "visitors": Col(("商品访客数",)),
        "pageviews": Col(("商品浏览量",)),
        "buyers": Col(("支付买家数",)),
        "units": Col(("支付件数",)),
        "gmv": Col(("支付金额",)),
        "refund_amount": Col(("成功退款金额",)),
        "cart_buyers": Col(("商品加购人数",)),
    },
    # 商品排行 downloads of one day often have no 统计日期; the file name says the day.
    date_from_name=True,
    per_day_code="file.per_day.sycm_products",
    per_day_hint="download 商品排行 one day at a time (日), so that the file name names that day",
)
detect = SOURCE.detect
to_canonical = SOURCE.to_canonical
KEY = PRODUCT_DAILY.key
