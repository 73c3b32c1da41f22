"""`python -m shopkr COMMAND`: import exports, inspect the database, manage and score OKRs."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from connectors.canonical import PLATFORMS
from shopkr import importer, queries, store


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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except store.DatabaseBusy as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
