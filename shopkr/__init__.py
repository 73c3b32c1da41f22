"""ShopKR: OKRs for e-commerce shops, scored automatically from platform exports."""

__version__ = "0.1.0"
