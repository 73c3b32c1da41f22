"""The overview's derived views of a scored cycle (shopkr.app.cycle_tables), on the demo data."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from shopkr.app import cycle_tables
from shopkr.data import store
from shopkr.domain import engine


@pytest.fixture(scope="module")
def q4(demo_db: Path) -> engine.CycleReport:
    with store.connect(demo_db) as con:
        return engine.score_cycle(con, store.read_okrs(con), "2026-Q4", dt.date(2026, 11, 27))


def test_counts_and_bottom_up_share(q4: engine.CycleReport) -> None:
    counts = cycle_tables.kr_counts(q4)
    assert sum(counts.values()) == len(q4.key_results) == 15
    assert cycle_tables.bottom_up_share(q4) == pytest.approx(5 / 6)
    assert cycle_tables.mean_score(list(q4.objectives)) == pytest.approx(sum(o.score for o in q4.objectives) / 6)


def test_shop_gmv_krs_are_shop_level_gmv_krs_with_their_share_of_target(q4: engine.CycleReport) -> None:
    gmv = cycle_tables.shop_gmv_krs(q4).set_index("shop")
    # O1.KR1 and O1.KR2 (shop filter only), O6.KR1; not O2.KR3 (a product KR)
    assert sorted(gmv.index) == ["暖居抖音小店", "暖居拼多多店", "暖居旗舰店"]
    row = gmv.loc["暖居旗舰店"]
    assert row["kr"] == "O1.KR1"
    assert row["share"] == pytest.approx(row["value"] / 5_500_000)
    # a KR without a forecast has None, not NaN (pages test `is None`)
    objectives = tuple(
        dataclasses.replace(
            o, key_results=tuple(dataclasses.replace(k, p_hit=None) if k.id == "O1.KR1" else k for k in o.key_results)
        )
        for o in q4.objectives
    )
    gmv = cycle_tables.shop_gmv_krs(dataclasses.replace(q4, objectives=objectives)).set_index("shop")
    assert gmv.loc["暖居旗舰店", "p_hit"] is None and gmv.loc["暖居抖音小店", "p_hit"] is not None


def test_attention_lists_weak_krs_first_and_stale_shops(q4: engine.CycleReport) -> None:
    items = cycle_tables.attention(q4, dt.date(2026, 11, 27), "zh")
    kinds = [i.kind for i in items]
    assert kinds.index("off_track") < kinds.index("at_risk")
    assert "stale" not in kinds  # data through 11-26, one day old
    later = cycle_tables.attention(q4, dt.date(2026, 12, 5), "en")
    stale = [i for i in later if i.kind == "stale"]
    assert len(stale) == 3 and "9 days old" in stale[0].text


def test_alignment_tree_points_children_at_parents(q4: engine.CycleReport) -> None:
    nodes = cycle_tables.alignment_nodes(q4, "zh").set_index("id")
    assert nodes.loc["O1", "parent"] == ""
    assert nodes.loc["O4", "parent"] == "O3"
    assert nodes.loc["O5", "parent"] == "O2"
