"""`python -m shopkr COMMAND`: import exports, inspect the database, manage and score OKRs."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from connectors.canonical import PLATFORMS
from shopkr import abtesting, engine, importer, queries, store, views
from shopkr.okr import (
    Cycle,
    OKRFile,
    Problem,
    dump_yaml,
    implied_cycle,
    merge_file,
    parse_yaml,
    resolve_cycles,
    validate,
)


def _db_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", metavar="FILE", help="database file (default: $SHOPKR_DB or data/shopkr.duckdb)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="python -m shopkr", description="ShopKR: shop OKRs scored from exports.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("import", help="load 生意参谋/罗盘/千川/万相台 exports (files or folders)")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--shop", required=True, help="the shop the files belong to (the exports do not say)")
    p.add_argument("--platform", choices=PLATFORMS, help="platform for generic files without a platform column")
    p.add_argument("--user", help="who imports (default: the OS user)")
    _db_arg(p)
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("status", help="what the database holds: tables, shops, date coverage, recent imports")
    _db_arg(p)
    p.set_defaults(func=cmd_status)

    okrs = sub.add_parser("okrs", help="OKR definitions: check, load, export, lock, close, history")
    osub = okrs.add_subparsers(dest="okrs_command", required=True)
    p = osub.add_parser("check", help="validate an OKR YAML file without storing anything")
    p.add_argument("file")
    p.set_defaults(func=cmd_okrs_check)
    p = osub.add_parser("load", help="validate and store an OKR YAML file (its cycles' objectives are replaced)")
    p.add_argument("file")
    p.add_argument("--user", help="who makes the change (default: the OS user)")
    p.add_argument("--reason", help="why; required to change a start or target in a locked cycle")
    _db_arg(p)
    p.set_defaults(func=cmd_okrs_load)
    p = osub.add_parser("export", help="write the stored OKRs as YAML (stdout or -o FILE)")
    p.add_argument("--cycle", help="only this cycle's objectives")
    p.add_argument("-o", "--output", help="file to write (default: stdout)")
    _db_arg(p)
    p.set_defaults(func=cmd_okrs_export)
    for name, locked in (("lock", True), ("unlock", False)):
        p = osub.add_parser(name, help=f"{name} a cycle (a locked cycle needs a reason to change a start or target)")
        p.add_argument("cycle")
        p.add_argument("--user")
        _db_arg(p)
        p.set_defaults(func=cmd_okrs_lock, locked=locked)
    p = osub.add_parser("close", help="freeze a cycle's final grades (value, numerator, denominator, query, row hash)")
    p.add_argument("cycle")
    p.add_argument("--as-of", type=_date, help="grade as of this date (default: after the cycle end)")
    p.add_argument("--user")
    _db_arg(p)
    p.set_defaults(func=cmd_okrs_close)
    p = osub.add_parser("history", help="every change to objectives and KRs: when, who, field, old and new")
    p.add_argument("--cycle")
    p.add_argument("--limit", type=int, default=50)
    _db_arg(p)
    p.set_defaults(func=cmd_okrs_history)

    p = sub.add_parser("report", help="the 日报: one owner's KRs as plain text for a WeChat/DingTalk group")
    p.add_argument("--owner", required=True, help="whose OKRs")
    p.add_argument("--cycle", help="cycle id (default: the one containing the date)")
    p.add_argument("--as-of", type=_date, help="report as of this date (default: today)")
    p.add_argument("--lang", choices=["zh", "en"], default="zh")
    _db_arg(p)
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("score", help="score a cycle's OKRs from the imported data")
    p.add_argument("--cycle", help="cycle id (default: the one containing today)")
    p.add_argument("--as-of", type=_date, help="score as of this date (default: today)")
    p.add_argument("--format", choices=["table", "json", "csv"], default="table")
    _db_arg(p)
    p.set_defaults(func=cmd_score)

    p = sub.add_parser("abtest", help="main-image A/B tests: the verdict of one test, or the list of tests")
    p.add_argument("test_id", nargs="?", metavar="TEST_ID", help="the test's id (see --list)")
    p.add_argument("--list", action="store_true", help="list the stored tests with their verdicts")
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of the verdict message")
    _db_arg(p)
    p.set_defaults(func=cmd_abtest)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except store.DatabaseBusy as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("interrupted; files already reported as imported are in the database.", file=sys.stderr)
        return 130


def _progress_bar(total_files: int, total_bytes: int):
    """A tqdm bar on stderr when there are many or large files, else None."""
    if (total_files < 10 and total_bytes < 20_000_000) or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total_files, unit="file", desc="reading", file=sys.stderr, leave=False)


def _fmt_range(r: importer.FileResult) -> str:
    if r.first is None:
        return ""
    return f"{r.first:%Y-%m-%d}" + (f"..{r.last:%Y-%m-%d}" if r.last != r.first else "")


def cmd_import(args: argparse.Namespace) -> int:
    """Import files and folders; one line per file and a summary. Exit 1 if any file failed."""
    files = importer.expand(args.paths)
    missing = [f for f in files if not f.exists()]
    for f in missing:
        print(f"✗ {f}: no such file or folder", file=sys.stderr)
    files = [f for f in files if f.exists()]
    if not files:
        print("nothing to import: no .csv/.xls/.xlsx files in the given paths.", file=sys.stderr)
        return 1
    bar = _progress_bar(len(files), sum(f.stat().st_size for f in files))

    def progress(done: int, total: int, name: str) -> None:
        if bar is not None:
            bar.n = done
            bar.set_postfix_str(name[-40:])
            bar.refresh()

    results = importer.import_files(
        files,
        args.shop,
        platform=args.platform,
        db=args.db,
        user=args.user,
        progress=progress,
        on_wait=lambda msg: print(msg, file=sys.stderr),
    )
    if bar is not None:
        bar.close()
    width = max(len(r.path.name) for r in results)
    for r in sorted(results, key=lambda r: (r.status != "failed", str(r.path))):
        if r.status == "failed":
            print(f"✗ failed     {r.error}")
            continue
        mark = "✓ imported  " if r.status == "ok" else "= unchanged "
        if r.source is None:
            print(f"{mark} {r.path.name:<{width}}  {r.note}")
            continue
        counts = f"{r.rows} rows: {r.new} new, {r.replaced} replaced, {r.unchanged} unchanged"
        extra = f"  ({r.note})" if r.note else ""
        print(f"{mark} {r.path.name:<{width}}  {r.source} -> {r.table}  {counts}  {_fmt_range(r)}{extra}")
    ok = sum(r.status == "ok" for r in results)
    same = sum(r.status == "unchanged" for r in results)
    failed = sum(r.status == "failed" for r in results) + len(missing)
    new = sum(r.new for r in results)
    replaced = sum(r.replaced for r in results)
    print(
        f"\n{len(results) + len(missing)} files for shop {args.shop.strip()}: {ok} imported, {same} unchanged, "
        f"{failed} failed; {new} rows new, {replaced} rows replaced. Database: {store.db_path(args.db)}"
    )
    if failed:
        print("Files that failed wrote nothing; fix them and import them again.", file=sys.stderr)
    return 1 if failed else 0


def cmd_status(args: argparse.Namespace) -> int:
    """Print the coverage of each table per shop and the last imports."""
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


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {text!r} (use YYYY-MM-DD)") from None


def _read_okr_file(path: str) -> tuple[OKRFile | None, list[Problem]]:
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        return None, [Problem(path, f"cannot be read ({exc.strerror})")]
    except UnicodeDecodeError:
        return None, [Problem(path, "is not UTF-8 text; save the YAML as UTF-8")]
    doc, problems = parse_yaml(text)
    if doc is None:
        return None, problems
    return validate(doc)


def _print_problems(problems: list[Problem]) -> None:
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity == "warning"]
    for p in errors:
        print(f"✗ error    {p}", file=sys.stderr)
    for p in warnings:
        print(f"! warning  {p}", file=sys.stderr)


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
    """Validate, then store: the file's cycles' objectives and its tests replace the stored ones."""
    new, problems = _read_okr_file(args.file)
    _print_problems(problems)
    if new is None:
        print(f"{args.file}: errors found; nothing stored. Fix them and load again.", file=sys.stderr)
        return 1
    user = args.user or importer.default_user()
    with store.connect(args.db, on_wait=lambda m: print(m, file=sys.stderr)) as con:
        merged = merge_file(store.read_okrs(con), new)
        checked, merged_problems = validate(merged.model_dump(mode="json", exclude_none=True))
        if checked is None:
            _print_problems([p for p in merged_problems if p.severity == "error"])
            print("✗ the file conflicts with OKRs already stored (see above); nothing stored.", file=sys.stderr)
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
    return 0


def cmd_okrs_export(args: argparse.Namespace) -> int:
    """Write the stored definitions back as YAML."""
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
        store.set_lock(con, cycle, user=args.user or importer.default_user(), locked=args.locked)
    print(f"cycle {cycle.id} {'locked' if args.locked else 'unlocked'}.")
    return 0


def cmd_okrs_close(args: argparse.Namespace) -> int:
    """Freeze final grades of a cycle and print them."""
    with store.connect(args.db) as con:
        okrs = store.read_okrs(con)
        if _cycle_or_exit(okrs, args.cycle, with_objectives=True) is None:
            return 1
        report = engine.close_cycle(con, okrs, args.cycle, user=args.user or importer.default_user(), as_of=args.as_of)
    print(f"cycle {args.cycle} closed: final grades frozen (later re-imports do not change them).")
    print(views.score_table(report))
    return 0


def cmd_okrs_history(args: argparse.Namespace) -> int:
    """Print the change history, newest first."""
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


def cmd_report(args: argparse.Namespace) -> int:
    """Print the owner's daily report (the same text as the 日报 button on My KRs)."""
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
    sys.stdout.write(views.daily_report(report, args.owner, args.lang))
    return 0


def cmd_score(args: argparse.Namespace) -> int:
    """Score a cycle and print a table, JSON or CSV."""
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
        print(json.dumps(engine.to_json(report), ensure_ascii=False, indent=2))
    elif args.format == "csv":
        sys.stdout.write(views.score_csv(report))
    else:
        print(views.score_table(report))
    return 0


def cmd_abtest(args: argparse.Namespace) -> int:
    """Print one A/B test's numbers and verdict (table or JSON), or the list of tests. Exit 1 for an unknown id."""
    with store.connect(args.db) as con:
        tests = store.read_okrs(con).ab_tests
        if args.list or not args.test_id:
            reports = [abtesting.run_test(con, test) for test in tests]
            return _print_test_list(reports, args.format, args.lang)
        test = next((x for x in tests if x.id == args.test_id), None)
        if test is None:
            known = ", ".join(x.id for x in tests) or "none (define them under ab_tests: in the OKR file)"
            print(f"✗ unknown A/B test {args.test_id!r}; known: {known}", file=sys.stderr)
            return 1
        report = abtesting.run_test(con, test)
    if args.format == "json":
        print(json.dumps(abtesting.to_json(report, args.lang), ensure_ascii=False, indent=2))
    else:
        print(abtesting.table_text(report, args.lang))
    return 0


def _print_test_list(reports: list[abtesting.TestReport], fmt: str, lang: str) -> int:
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
                "message": abtesting.message(r, lang),
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
        print(f"       {r.verdict}: {abtesting.message(r, lang)}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
