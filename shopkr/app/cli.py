"""`python -m shopkr COMMAND`: import exports, inspect the database, manage and score OKRs."""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from connectors.canonical import PLATFORMS
from shopkr.data import store

if TYPE_CHECKING:
    from shopkr.data import importer


def _later(name: str) -> Callable[[argparse.Namespace], int]:
    """A command from shopkr.app.commands, imported when it runs: `import` stays free of pandas and pydantic, and
    the other commands do not load the importer."""

    def run(args: argparse.Namespace) -> int:
        return getattr(importlib.import_module("shopkr.app.commands"), name)(args)

    run.__name__ = name
    return run


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
    p.set_defaults(func=_later("cmd_status"))

    okrs = sub.add_parser("okrs", help="OKR definitions: check, load, export, lock, close, history")
    osub = okrs.add_subparsers(dest="okrs_command", required=True)
    p = osub.add_parser("check", help="validate an OKR YAML file without storing anything")
    p.add_argument("file")
    p.set_defaults(func=_later("cmd_okrs_check"))
    p = osub.add_parser(
        "load", help="validate and store an OKR YAML file (replaces the objectives of the cycles it has objectives in)"
    )
    p.add_argument("file")
    p.add_argument("--user", help="who makes the change (default: the OS user)")
    p.add_argument("--reason", help="why; required to change a start or target in a locked cycle")
    p.add_argument(
        "--replace",
        action="store_true",
        help="delete the stored objectives of those cycles that the file does not contain (listed without it)",
    )
    _db_arg(p)
    p.set_defaults(func=_later("cmd_okrs_load"))
    p = osub.add_parser("export", help="write the stored OKRs as YAML (stdout or -o FILE)")
    p.add_argument("--cycle", help="only this cycle's objectives")
    p.add_argument("-o", "--output", help="file to write (default: stdout)")
    _db_arg(p)
    p.set_defaults(func=_later("cmd_okrs_export"))
    for name, locked in (("lock", True), ("unlock", False)):
        p = osub.add_parser(name, help=f"{name} a cycle (a locked cycle needs a reason to change a start or target)")
        p.add_argument("cycle")
        p.add_argument("--user")
        _db_arg(p)
        p.set_defaults(func=_later("cmd_okrs_lock"), locked=locked)
    p = osub.add_parser("close", help="freeze a cycle's final grades (value, numerator, denominator, query, row hash)")
    p.add_argument("cycle")
    p.add_argument("--as-of", type=_date, help="grade as of this date (default: after the cycle end)")
    p.add_argument(
        "--final",
        action="store_true",
        help="freeze the grades as final even while refunds / attributed sales are still settling",
    )
    p.add_argument("--user")
    _db_arg(p)
    p.set_defaults(func=_later("cmd_okrs_close"))
    p = osub.add_parser("history", help="every change to objectives and KRs: when, who, field, old and new")
    p.add_argument("--cycle")
    p.add_argument("--limit", type=int, default=50)
    _db_arg(p)
    p.set_defaults(func=_later("cmd_okrs_history"))

    demo = sub.add_parser("demo", help="the demo shops and OKRs: load them, or clear exactly what the demo wrote")
    dsub = demo.add_subparsers(dest="demo_command", required=True)
    p = dsub.add_parser("load", help="load the demo shops and OKRs (refused if that would overwrite stored data)")
    _db_arg(p)
    p.set_defaults(func=_later("cmd_demo_load"))
    p = dsub.add_parser("clear", help="remove what the demo wrote; what others imported, edited or locked stays")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation (needed without a terminal)")
    _db_arg(p)
    p.set_defaults(func=_later("cmd_demo_clear"))

    p = sub.add_parser("report", help="the 日报: one owner's KRs as plain text for a WeChat/DingTalk group")
    p.add_argument("--owner", required=True, help="whose OKRs")
    p.add_argument("--cycle", help="cycle id (default: the one containing the date)")
    p.add_argument("--as-of", type=_date, help="report as of this date (default: today)")
    p.add_argument("--lang", choices=["zh", "en"], default="zh")
    _db_arg(p)
    p.set_defaults(func=_later("cmd_report"))

    p = sub.add_parser("score", help="score a cycle's OKRs from the imported data")
    p.add_argument("--cycle", help="cycle id (default: the one containing today)")
    p.add_argument("--as-of", type=_date, help="score as of this date (default: today)")
    p.add_argument("--format", choices=["table", "json", "csv"], default="table")
    _db_arg(p)
    p.set_defaults(func=_later("cmd_score"))

    p = sub.add_parser("abtest", help="main-image A/B tests: the verdict of one test, or the list of tests")
    p.add_argument("test_id", nargs="?", metavar="TEST_ID", help="the test's id (see --list)")
    p.add_argument("--list", action="store_true", help="list the stored tests with their verdicts")
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of the verdict message")
    _db_arg(p)
    p.set_defaults(func=_later("cmd_abtest"))

    p = sub.add_parser("notify", help="push the 日报 to a WeCom, DingTalk or Feishu group robot (webhook)")
    p.add_argument("--channel", required=True, choices=["wecom", "dingtalk", "feishu"])
    p.add_argument("--webhook", required=True, metavar="URL", help="the group robot's webhook URL")
    p.add_argument("--secret", help="DingTalk 加签 / Feishu 签名校验 secret: the request is signed")
    whose = p.add_mutually_exclusive_group(required=True)
    whose.add_argument("--owner", help="one owner's KRs")
    whose.add_argument("--shop", help="the KRs on one shop")
    whose.add_argument("--all", action="store_true", help="every KR of the cycle")
    p.add_argument("--cycle", help="cycle id (default: the one containing the date)")
    p.add_argument("--as-of", type=_date, help="report as of this date (default: today)")
    p.add_argument("--image", action="store_true", help="also send the PNG card (WeCom only; others say why not)")
    p.add_argument("--dry-run", action="store_true", help="print the request(s) with secrets redacted; send nothing")
    p.add_argument("--people", metavar="FILE", help="owners' chat ids to @-mention (default: people.yaml beside --db)")
    p.add_argument("--lang", choices=["zh", "en"], default="zh")
    _db_arg(p)
    p.set_defaults(func=_notify)
    return parser


def _notify(args: argparse.Namespace) -> int:
    """`notify`, imported when it runs (httpx, kaleido and plotly only load for it)."""
    return importlib.import_module("shopkr.app.notify").cmd_notify(args)


def calendar_problems(exc: BaseException) -> list[str] | None:
    """The lines to print for an invalid promotion calendar (forecast.CalendarError: the user's file named by
    SHOPKR_PROMO_CALENDAR), in English from the translation table; None for any other error. The forecast module
    is only looked up when a command has loaded it, so commands that do not forecast do not import it."""
    forecast = sys.modules.get("shopkr.domain.forecast")
    if forecast is None or not isinstance(exc, forecast.CalendarError):
        return None
    from shopkr.app.i18n import render, t

    head = t("ui.calendar_file_error", "en", env=forecast.CALENDAR_ENV, path=os.environ.get(forecast.CALENDAR_ENV, ""))
    return [f"error: {head}", *(f"  {p.path}: {render(p.message, 'en')}" for p in exc.problems)]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code.

    Without `argv` (the process's own command line, as `python -m shopkr` runs it), the objects of the run are
    frozen out of the garbage collector (`gc.freeze`) once the command is done, since the process ends next: the
    collection the interpreter runs at exit would otherwise walk every object of the run (the modules, 1,000
    scored KRs) only to free them moments before the process is gone anyway, ~20 ms of `score`. Nothing is
    skipped that matters: each command has closed its database connection and its files before it returns,
    stdout and stderr are flushed and atexit handlers run at exit as usual, and objects are still freed by
    reference counting; only cyclic garbage left at that moment is not collected (the process's memory goes
    back to the system). Called with `argv` (tests, other programs), nothing is frozen."""
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
    except ValueError as exc:
        problems = calendar_problems(exc)
        if problems is None:
            raise
        print("\n".join(problems), file=sys.stderr)
        return 2
    finally:
        if argv is None:
            gc.freeze()


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
    from shopkr.data import importer

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


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {text!r} (use YYYY-MM-DD)") from None


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
