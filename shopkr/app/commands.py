"""The commands behind `python -m shopkr` other than `import` (OKRs, scores, reports, A/B tests, status).

Each command imports what it uses inside its function, so a command pays only for its own modules:
`score` never loads scipy/statsmodels (the A/B statistics); `score` and `report` load no pandas, pyarrow or
numpy (`status` still does, through the DataFrames of shopkr.data.queries); `status` not pydantic (the OKR
models); only the commands that write load the importer (for the user name). tests/test_cli_imports.py checks
this in a fresh process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from shopkr.data import store

if TYPE_CHECKING:
    from shopkr.app import ab_report
    from shopkr.domain.okr import Cycle, OKRFile, Problem


def _default_user() -> str:
    from shopkr.data import importer

    return importer.default_user()


def cmd_status(args: argparse.Namespace) -> int:
    """Print the coverage of each table per shop and the last imports."""
    from shopkr.data import queries

    with store.connect(args.db) as con:
        cov = queries.coverage(con)
        hist = queries.import_history(con, limit=10)
    print(f"Database: {store.db_path(args.db)}")
    if cov.empty:
        print("No data yet. Import exports with: python -m shopkr import PATH --shop NAME")
        return 0
    for row in cov.itertuples():
        print(
            f"  {row.shop:<14} {row.platform:<7} {row.table_name:<15} {row.rows:>8} rows  "
            f"{row.first_date:%Y-%m-%d}..{row.last_date:%Y-%m-%d} ({row.days} days)"
        )
    print("Last imports:")
    for row in hist.itertuples():
        print(f"  #{row.id:<5} {row.imported_at:%Y-%m-%d %H:%M} {row.status:<9} {row.shop:<12} {row.file_name}")
    return 0


def _read_okr_file(path: str) -> tuple[OKRFile | None, list[Problem]]:
    from shopkr.domain.okr import Problem, parse_yaml, validate

    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        return None, [Problem(path, "okr.unreadable", params={"detail": exc.strerror})]
    except UnicodeDecodeError:
        return None, [Problem(path, "okr.not_utf8")]
    doc, problems = parse_yaml(text)
    if doc is None:
        return None, problems
    return validate(doc)


def _print_problems(problems: list[Problem]) -> None:
    from shopkr.app.i18n import problem_line  # English, from the one translation table

    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity == "warning"]
    for p in errors:
        print(f"✗ error    {problem_line(p)}", file=sys.stderr)
    for p in warnings:
        print(f"! warning  {problem_line(p)}", file=sys.stderr)


def cmd_okrs_check(args: argparse.Namespace) -> int:
    """Validate a file: every error and warning at once; exit 1 on errors."""
    okrs, problems = _read_okr_file(args.file)
    _print_problems(problems)
    if okrs is None:
        print(f"{args.file}: {sum(p.severity == 'error' for p in problems)} errors; nothing stored.", file=sys.stderr)
        return 1
    krs = sum(len(o.key_results) for o in okrs.objectives)
    print(f"{args.file}: OK: {len(okrs.objectives)} objectives, {krs} KRs, {len(okrs.ab_tests)} A/B tests.")
    return 0


def cmd_okrs_load(args: argparse.Namespace) -> int:
    """Validate, then store: the objectives of the cycles that have objectives in the file, and its tests, replace
    the stored ones. A load that would delete stored objectives lists them and needs --replace (else exit 1)."""
    from shopkr.domain.okr import merge_file, validate

    new, problems = _read_okr_file(args.file)
    _print_problems(problems)
    if new is None:
        print(f"{args.file}: errors found; nothing stored. Fix them and load again.", file=sys.stderr)
        return 1
    user = args.user or _default_user()
    with store.connect(args.db, on_wait=lambda m: print(m, file=sys.stderr)) as con:
        stored = store.read_okrs(con)
        merged = merge_file(stored, new)
        checked, merged_problems = validate(merged.model_dump(mode="json", exclude_none=True))
        if checked is None:
            _print_problems([p for p in merged_problems if p.severity == "error"])
            print("✗ the file conflicts with OKRs already stored (see above); nothing stored.", file=sys.stderr)
            return 1
        gone = store.removed_objectives(stored, merged)
        if gone and not args.replace:
            cycles = ", ".join(sorted({o.cycle for o in gone}))
            print(
                f"✗ loading {args.file} would delete {len(gone)} stored objectives of {cycles} that the file does "
                "not contain:",
                file=sys.stderr,
            )
            _print_objectives(gone, sys.stderr)
            print(
                "Nothing stored. Add them to the file to keep them, or load again with --replace to delete them.",
                file=sys.stderr,
            )
            return 1
        try:
            changes = store.save_okrs(con, merged, user=user, reason=args.reason)
        except store.LockedCycleError as exc:
            print(f"✗ {exc} Nothing stored.", file=sys.stderr)
            return 1
    created = sum(c.field == "(created)" for c in changes)
    deleted = sum(c.field == "(deleted)" for c in changes)
    edited = len(changes) - created - deleted
    print(
        f"{args.file}: stored {len(new.objectives)} objectives, "
        f"{sum(len(o.key_results) for o in new.objectives)} KRs, {len(new.ab_tests)} A/B tests "
        f"({created} created, {edited} field changes, {deleted} deleted)."
    )
    if gone:
        print(f"deleted {len(gone)} objectives (--replace):")
        _print_objectives(gone, sys.stdout)
    return 0


def _print_objectives(objectives: list, stream) -> None:
    """One line per objective: id, owner, title, cycle."""
    for o in objectives:
        print(f"    {o.id}  {o.owner}  {o.title}  ({o.cycle})", file=stream)


def cmd_okrs_export(args: argparse.Namespace) -> int:
    """Write the stored definitions back as YAML."""
    from shopkr.domain.okr import OKRFile, dump_yaml

    with store.connect(args.db) as con:
        okrs = store.read_okrs(con)
    if args.cycle:
        okrs = OKRFile(
            cycles=[c for c in okrs.cycles if c.id == args.cycle],
            objectives=[o for o in okrs.objectives if o.cycle == args.cycle],
            ab_tests=okrs.ab_tests,
        )
    text = dump_yaml(okrs)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {len(okrs.objectives)} objectives to {args.output}")
    else:
        sys.stdout.write(text)
    return 0


def _cycle_or_exit(okrs: OKRFile, cycle_id: str, *, with_objectives: bool = False) -> Cycle | None:
    from shopkr.domain.okr import implied_cycle, resolve_cycles

    cycles = resolve_cycles(okrs)
    cycle = cycles.get(cycle_id) or (None if with_objectives else implied_cycle(cycle_id))
    used = sorted({o.cycle for o in okrs.objectives})
    if cycle is None or (with_objectives and cycle_id not in used):
        what = "unknown cycle" if cycle is None and implied_cycle(cycle_id) is None else "no objectives in cycle"
        print(f"✗ {what} {cycle_id!r}; cycles with objectives: {', '.join(used) or 'none'}", file=sys.stderr)
        return None
    return cycle


def cmd_okrs_lock(args: argparse.Namespace) -> int:
    """Lock or unlock a cycle."""
    with store.connect(args.db) as con:
        cycle = _cycle_or_exit(store.read_okrs(con), args.cycle)
        if cycle is None:
            return 1
        store.set_lock(con, cycle, user=args.user or _default_user(), locked=args.locked)
    print(f"cycle {cycle.id} {'locked' if args.locked else 'unlocked'}.")
    return 0


def cmd_okrs_close(args: argparse.Namespace) -> int:
    """Freeze final grades of a cycle and print them."""
    from shopkr.app import score_text
    from shopkr.data import closing

    with store.connect(args.db) as con:
        okrs = store.read_okrs(con)
        if _cycle_or_exit(okrs, args.cycle, with_objectives=True) is None:
            return 1
        user = args.user or _default_user()
        report = closing.close_cycle(con, okrs, args.cycle, user=user, as_of=args.as_of, final=args.final)
        state = closing.closing_state(con, args.cycle)
    if state is not None and state.final_on is not None:
        provisional = [k.id for k in report.key_results if k.provisional]
        print(
            f"cycle {args.cycle} closed provisionally: {', '.join(provisional)} still include refunds or attributed "
            f"sales that are settling; the grades become final on {state.final_on}. Then run "
            f"`okrs close {args.cycle}` again (or `okrs close {args.cycle} --final` to freeze them now)."
        )
    else:
        print(f"cycle {args.cycle} closed: final grades frozen (later re-imports do not change them).")
    print(score_text.score_table(report))
    return 0


def cmd_okrs_history(args: argparse.Namespace) -> int:
    """Print the change history, newest first."""
    from shopkr.data import queries

    with store.connect(args.db) as con:
        hist = queries.okr_history(con, args.cycle, args.limit)
    if hist.empty:
        print("no changes recorded yet.")
        return 0

    def shown(value: object) -> str:
        return "-" if value is None or (isinstance(value, float) and value != value) else str(value)

    for r in hist.itertuples():
        why = f"  reason: {r.reason}" if isinstance(r.reason, str) and r.reason else ""
        change = (
            r.field
            if r.field in ("(created)", "(deleted)")
            else f"{r.field}: {shown(r.old_value)} -> {shown(r.new_value)}"
        )
        print(f"{r.changed_at:%Y-%m-%d %H:%M} {r.user_name:<10} {r.entity:<10} {r.entity_id:<12} {change}{why}")
    return 0


_CONFLICTS = {
    "loaded": "the demo is loaded already (clear it first: python -m shopkr demo clear)",
    "shop_rows": "shop {subject} already has {count} rows: the demo's exports would replace those of the same days",
    "cycle_objectives": "cycle {subject} already has {count} objectives: the demo replaces its cycles' objectives",
    "id_taken": "id {subject} is taken by a stored objective, KR or A/B test",
    "cycle_set": "cycle {subject} is locked, closed or has other dates: the demo would close or redefine it",
}


def cmd_demo_load(args: argparse.Namespace) -> int:
    """Load the demo shops and OKRs; refused (exit 1, nothing written) when that would overwrite stored data."""
    from shopkr.data import demo

    def progress(_: float, step: str) -> None:
        if step:
            print(f"loading {step} ...", file=sys.stderr)

    try:
        demo.load(args.db, progress=progress)
    except demo.DemoConflict as exc:
        for c in exc.conflicts:
            print(f"✗ {_CONFLICTS[c.code].format(subject=c.subject, count=c.count)}", file=sys.stderr)
        print(
            f"The demo was not loaded: it would overwrite or change data in {store.db_path(args.db)}. Nothing "
            "written. Load it into a new database instead (--db demo.duckdb).",
            file=sys.stderr,
        )
        return 1
    plan = demo.plan(args.db)
    print(
        f"demo loaded into {store.db_path(args.db)}: {', '.join(demo.SHOPS)} ({plan.row_count:,} rows), "
        f"{len(plan.objectives)} objectives, {len(plan.tests)} A/B tests; {', '.join(demo.CLOSED_CYCLES)} closed. "
        "Remove it with: python -m shopkr demo clear"
    )
    return 0


def _ids(ids: tuple[str, ...]) -> str:
    return f" ({', '.join(ids)})" if ids else ""


def _plan_lines(plan: store.DemoPlan) -> list[str]:
    """What `demo clear` removes and what stays, in words."""
    tables = ", ".join(f"{table} {n:,}" for table, n in plan.rows.items())
    lines = [
        f"  remove: {plan.row_count:,} rows the demo imported and nobody re-imported since ({tables}), "
        f"and its {len(plan.imports)} import log entries",
        f"  remove: {len(plan.objectives)} demo objectives with their KRs{_ids(plan.objectives)}, "
        f"{len(plan.tests)} A/B tests{_ids(plan.tests)}, {plan.closings} frozen grades of those objectives",
    ]
    if plan.recorded:
        lines.append(f"  remove: the {len(plan.changes)} change-history rows the demo wrote about what is removed")
    if plan.cycles:
        lines.append(f"  remove: cycles {', '.join(plan.cycles)} as the demo defined (and closed) them")
    if plan.locks:
        lines.append(f"  remove: the demo's closing lock on {', '.join(plan.locks)}")
    lines.append(f"  keep:   {plan.kept_rows:,} rows of the demo's shops written by other imports")
    if plan.kept_objectives or plan.kept_tests:
        kept = _ids(plan.kept_objectives + plan.kept_tests)
        lines.append(f"  keep:   demo objectives and tests changed or replaced since{kept}")
    if plan.kept_cycles:
        lines.append(f"  keep:   cycles {', '.join(plan.kept_cycles)} (other objectives, grades or a lock in them)")
    if not plan.recorded:
        lines.append(
            "  keep:   every change-history row (this demo was loaded by an older ShopKR that did not record "
            "which rows it wrote)"
        )
    lines.append("  keep:   other shops and objectives, everyone else's history, locks and cycles someone set")
    return lines


def cmd_demo_clear(args: argparse.Namespace) -> int:
    """Say what clearing the demo removes and keeps, ask (unless --yes), then remove exactly that."""
    from shopkr.data import demo

    where = store.db_path(args.db)
    plan = demo.plan(args.db)
    if plan is None:
        print(f"no demo data in {where}: nothing to clear.")
        return 0
    print(f"Clearing the demo data in {where}:")
    print("\n".join(_plan_lines(plan)))
    if not args.yes:
        if not sys.stdin.isatty():
            print("✗ not cleared: confirm with --yes (there is no terminal to ask). Nothing removed.", file=sys.stderr)
            return 1
        if input("Remove it? [y/N] ").strip().lower() not in ("y", "yes"):
            print("Nothing removed.")
            return 1
    done = demo.clear(args.db)
    if done is None:  # cleared by someone else meanwhile
        print("the demo was cleared meanwhile: nothing removed.")
        return 0
    print(
        f"demo cleared: {done.row_count:,} rows, {len(done.imports)} imports, {len(done.objectives)} objectives, "
        f"{len(done.tests)} A/B tests removed."
    )
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Print the owner's daily report (the same text as the 日报 button on My KRs)."""
    from shopkr.app import score_text
    from shopkr.domain import engine

    with store.connect(args.db) as con:
        okrs = store.read_okrs(con)
        day = args.as_of or dt.date.today()
        cycle_id = args.cycle or engine.current_cycle(okrs, day)
        if cycle_id is None or _cycle_or_exit(okrs, cycle_id, with_objectives=True) is None:
            return 1
        owners = sorted({o.owner for o in okrs.objectives if o.cycle == cycle_id})
        if args.owner not in owners:
            print(f"✗ {args.owner} owns no objective in {cycle_id}; owners: {', '.join(owners)}", file=sys.stderr)
            return 1
        report = engine.score_cycle(con, okrs, cycle_id, day)
    sys.stdout.write(score_text.daily_report(report, args.owner, args.lang))
    return 0


def cmd_score(args: argparse.Namespace) -> int:
    """Score a cycle and print a table, JSON or CSV (JSON and CSV at full precision; JSON never holds
    Infinity or NaN: allow_nan=False guards engine.to_json, which turns such numbers into null)."""
    from shopkr.domain import engine

    with store.connect(args.db) as con:
        okrs = store.read_okrs(con)
        if not okrs.objectives:
            print("no OKRs stored yet. Load them with: python -m shopkr okrs load FILE.yaml", file=sys.stderr)
            return 1
        today = dt.date.today()
        cycle_id = args.cycle or engine.current_cycle(okrs, args.as_of or today)
        if _cycle_or_exit(okrs, cycle_id, with_objectives=True) is None:
            return 1
        report = engine.score_cycle(con, okrs, cycle_id, args.as_of or today)
    if args.format == "json":
        from shopkr.app.i18n import cli_text

        print(json.dumps(engine.to_json(report, cli_text), ensure_ascii=False, indent=2, allow_nan=False))
        return 0
    from shopkr.app import score_text  # the text views (babel's number formats): not needed for JSON

    if args.format == "csv":
        sys.stdout.write(score_text.score_csv(report))
    else:
        print(score_text.score_table(report))
    return 0


def cmd_abtest(args: argparse.Namespace) -> int:
    """Print one A/B test's numbers and verdict (table or JSON), or the list of tests. Exit 1 for an unknown id."""
    from shopkr.app import ab_report

    with store.connect(args.db) as con:
        tests = store.read_okrs(con).ab_tests
        if args.list or not args.test_id:
            reports = [ab_report.run_test(con, test) for test in tests]
            return _print_test_list(reports, args.format, args.lang)
        test = next((x for x in tests if x.id == args.test_id), None)
        if test is None:
            known = ", ".join(x.id for x in tests) or "none (define them under ab_tests: in the OKR file)"
            print(f"✗ unknown A/B test {args.test_id!r}; known: {known}", file=sys.stderr)
            return 1
        report = ab_report.run_test(con, test)
    if args.format == "json":
        print(json.dumps(ab_report.to_json(report, args.lang), ensure_ascii=False, indent=2))
    else:
        print(ab_report.table_text(report, args.lang))
    return 0


def _print_test_list(reports: list[ab_report.TestReport], fmt: str, lang: str) -> int:
    from shopkr.app import ab_report

    if fmt == "json":
        rows = [
            {
                "test": r.test.id,
                "title": r.test.title,
                "shop": r.test.shop,
                "metric": r.test.metric,
                "start": r.test.start.isoformat(),
                "end": r.test.end.isoformat(),
                "variants": len(r.test.variants),
                "verdict": r.verdict,
                "message": ab_report.message(r, lang),
            }
            for r in reports
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not reports:
        print("no A/B tests stored yet. Define them under ab_tests: in the OKR file, or on the 主图测试 page.")
        return 0
    for r in reports:
        t = r.test
        print(f"{t.id:<6} {t.start}..{t.end}  {t.metric}  {len(t.variants)} variants  {t.shop}  {t.title}")
        print(f"       {r.verdict}: {ab_report.message(r, lang)}")
    return 0
