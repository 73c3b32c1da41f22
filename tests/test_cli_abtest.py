"""`python -m shopkr abtest` on the demo: the JSON shape of the issue, the terminal table, --list, unknown ids."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shopkr.app.cli import main
from shopkr.domain import ab_stats

ISSUE_KEYS = {
    "test",
    "metric",
    "start",
    "end",
    "control",
    "variants",
    "srm_p_value",
    "winner",
    "verdict",
    "message",
    "required_impressions_per_variant",
}
VARIANT_KEYS = [
    "id",
    "name",
    "impressions",
    "clicks",
    "rate",
    "ci_low",
    "ci_high",
    "lift",
    "lift_ci_low",
    "lift_ci_high",
    "p_value",
    "p_adjusted",
    "prob_beat_control",
    "prob_best",
    "expected_loss",
]


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict | list:
    assert main(["abtest", *argv, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_has_exactly_the_issue_shape(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = run_json(capsys, "T1", "--db", str(demo_db))
    # the issue's keys plus what abtest.to_dict gives (days_needed, notes), nothing else
    sample = ab_stats.to_dict(
        ab_stats.analyze([ab_stats.VariantData("a", "a", 10, 1), ab_stats.VariantData("b", "b", 10, 2)])
    )
    assert set(doc) == ISSUE_KEYS | set(sample)
    assert set(sample) - ISSUE_KEYS == {"days_needed", "notes"}
    assert (doc["test"], doc["metric"], doc["start"], doc["end"]) == ("T1", "ctr", "2026-11-01", "2026-11-14")
    assert doc["verdict"] == "winner" and doc["winner"] == "7571138452007248129"
    assert doc["message"].startswith("保温杯主图5 点击率 2.67%，比对照高 33%")
    assert doc["required_impressions_per_variant"] is None
    assert len(doc["variants"]) == 8
    for v in doc["variants"]:
        assert list(v) == VARIANT_KEYS
        assert isinstance(v["impressions"], int) and isinstance(v["clicks"], int)
    control = next(v for v in doc["variants"] if v["id"] == doc["control"])
    for key in ("lift", "lift_ci_low", "lift_ci_high", "p_value", "p_adjusted", "prob_beat_control"):
        assert control[key] is None
    others = [v for v in doc["variants"] if v["id"] != doc["control"]]
    assert all(v["p_adjusted"] is not None and v["lift"] is not None for v in others)


def test_json_of_an_undecided_test_says_how_much_more(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = run_json(capsys, "T2", "--db", str(demo_db), "--lang", "en")
    assert doc["verdict"] == "no_winner_yet" and doc["winner"] is None
    assert doc["required_impressions_per_variant"] > 0 and doc["days_needed"] > 0
    assert doc["message"].startswith("No conclusion yet: each image needs about")


def test_table_output(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["abtest", "T1", "--db", str(demo_db)]) == 0
    out = capsys.readouterr().out
    assert "T1 保温杯8张主图（千川）" in out and "★  保温杯主图5" in out and "◎  保温杯主图1" in out
    assert "结论: 保温杯主图5 点击率 2.67%" in out
    assert main(["abtest", "T2", "--db", str(demo_db), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "Impressions" in out and "Verdict: No conclusion yet" in out


def test_list(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["abtest", "--list", "--db", str(demo_db)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("T1 ") and "winner: 保温杯主图5" in lines[1]
    assert lines[2].startswith("T2 ") and "no_winner_yet: 还不能下结论" in lines[3]
    rows = run_json(capsys, "--list", "--db", str(demo_db))
    assert [(r["test"], r["verdict"], r["variants"]) for r in rows] == [("T1", "winner", 8), ("T2", "no_winner_yet", 8)]
    # without an id the list is shown too
    assert main(["abtest", "--db", str(demo_db)]) == 0
    assert capsys.readouterr().out.startswith("T1 ")


def test_unknown_id_exits_1_with_a_message(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["abtest", "T9", "--db", str(demo_db)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "unknown A/B test 'T9'; known: T1, T2" in captured.err


def test_empty_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "empty.duckdb")
    assert main(["abtest", "--list", "--db", db]) == 0
    assert "no A/B tests stored yet" in capsys.readouterr().out
    assert main(["abtest", "T1", "--db", db]) == 1
    assert "known: none" in capsys.readouterr().err
