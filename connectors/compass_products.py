"""抖店罗盘 商品 商品列表 下载明细 (.xlsx, sheet 全部), one row per product -> product_daily (douyin).

Only the 全部 sheet is read: per-carrier sheets (直播/短视频/商品卡) would count the same sales twice.
"""

from connectors.base import Col, Source
from connectors.canonical import PRODUCT_DAILY

SOURCE = Source(
    name="compass_products",
    label="抖店罗盘 商品列表",
    table=PRODUCT_DAILY,
    platform="douyin",
    required=(("统计周期",), ("商品编码", "商品ID"), ("商品点击人数",)),
    sheets=("全部",),
    columns={
        "date": Col(("统计周期",)),
        "product_id": Col(("商品编码", "商品ID")),
        "product_name": Col(("商品名称",)),
        # 成交金额 only when 用户支付金额 is absent: 用户支付金额 is what buyers paid, like 生意参谋's 支付金额.
        "gmv": Col(("用户支付金额", "成交金额")),
        "orders": Col(("成交订单数",)),
        "buyers": Col(("成交人数",)),
        "units": Col(("成交件数",)),
        "impressions": Col(("商品曝光人数",)),
        "clicks": Col(("商品点击人数",)),
        "visitors": Col(("商品点击人数",)),
        "refund_amount": Col(("成交退款金额",)),
        "cart_buyers": Col(("加购人数",)),
    },
)
detect = SOURCE.detect
to_canonical = SOURCE.to_canonical
KEY = PRODUCT_DAILY.key
