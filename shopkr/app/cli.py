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
    p.add_argument("--user", help="who clears it, for the change history (default: the OS user)")
    _db_arg(p)
    p.set_defaults(func=_later("cmd_demo_clear"))

    users = sub.add_parser("users", help="dashboard users and roles (viewer, editor, admin); see README Operations")
    usub = users.add_subparsers(dest="users_command", required=True)
    p = usub.add_parser("add", help="add a user (password read from the terminal, or --password-stdin)")
    p.add_argument("name")
    p.add_argument("--role", required=True, choices=["viewer", "editor", "admin"])
    p.add_argument("--email", help="e-mail address, to match an OIDC sign-in (st.login)")
    p.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    p.add_argument("--no-password", action="store_true", help="OIDC sign-in only: no password")
    p.add_argument("--user", help="who makes the change (default: the OS user)")
    _db_arg(p)
    p.set_defaults(func=_later("cmd_users_add"))
    p = usub.add_parser("list", help="users, roles and e-mail addresses (never passwords)")
    _db_arg(p)
    p.set_defaults(func=_later("cmd_users_list"))
    p = usub.add_parser("set-role", help="change a user's role")
    p.add_argument("name")
    p.add_argument("role", choices=["viewer", "editor", "admin"])
    p.add_argument("--user")
    _db_arg(p)
    p.set_defaults(func=_later("cmd_users_set_role"))
    p = usub.add_parser("passwd", help="set a user's password (from the terminal, or --password-stdin)")
    p.add_argument("name")
    p.add_argument("--password-stdin", action="store_true")
    p.add_argument("--user")
    _db_arg(p)
    p.set_defaults(func=_later("cmd_users_passwd"))
    p = usub.add_parser("remove", help="remove a user (their OKRs, check-ins and history stay)")
    p.add_argument("name")
    p.add_argument("--user")
    _db_arg(p)
    p.set_defaults(func=_later("cmd_users_remove"))

    p = sub.add_parser("backup", help="write one consistent, timestamped backup file of the database")
    p.add_argument("--to", metavar="DIR", help="folder for the backup (default: backups/ next to the database)")
    _db_arg(p)
    p.set_defaults(func=_later("cmd_backup"))
    p = sub.add_parser("restore", help="replace the database with a backup file (the current one is backed up first)")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation (needed without a terminal)")
    _db_arg(p)
    p.set_defaults(func=_later("cmd_restore"))

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

    p = sub.add_parser(
        "checkin",
        help="check in on a KR: your confidence 0-10 that it reaches its target, and a note (progress, obstacles, "
        "next step); saving again the same day edits it",
    )
    p.add_argument("kr_id", metavar="KR_ID", help="the KR's id, e.g. O1.KR1 (see `score`)")
    p.add_argument("--confidence", required=True, metavar="0-10", help="a whole number: 0 no chance .. 10 certain")
    p.add_argument("--note", metavar="TEXT", help="progress, obstacles, next step (<= 2,000 chars; kept if omitted)")
    p.add_argument("--user", help="who checks in (default: the OS user)")
    p.add_argument("--date", type=_date, help="the day the check-in is for (default: today; not in the future)")
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of what is printed")
    _db_arg(p)
    p.set_defaults(func=_later("cmd_checkin"))

    p = sub.add_parser("abtest", help="main-image A/B tests: the verdict of one test, or the list of tests")
    p.add_argument("test_id", nargs="?", metavar="TEST_ID", help="the test's id (see --list)")
    p.add_argument("--list", action="store_true", help="list the stored tests with their verdicts")
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of the verdict message")
    _db_arg(p)
    p.set_defaults(func=_later("cmd_abtest"))

    review = sub.add_parser(
        "review", help="the quarter-end review (复盘): grade each KR 0.0-1.0 and answer three questions per objective"
    )
    rsub = review.add_subparsers(dest="review_command", required=True)
    p = rsub.add_parser("show", help="each objective's review: grades beside the data score, answers, complete or not")
    p.add_argument("cycle", metavar="CYCLE")
    p.add_argument("--owner", help="only this owner's objectives")
    _db_arg(p)
    p.set_defaults(func=_later("cmd_review_show"))
    p = rsub.add_parser("grade", help="grade a KR of an ended (or closed) cycle 0.0-1.0; the data score is kept beside")
    p.add_argument("cycle", metavar="CYCLE")
    p.add_argument("kr_id", metavar="KR_ID")
    p.add_argument("grade", metavar="GRADE", help="0.0-1.0, e.g. 0.7")
    p.add_argument("--user", help="who grades (default: the OS user)")
    _db_arg(p)
    p.set_defaults(func=_later("cmd_review_grade"))
    p = rsub.add_parser("answer", help="answer an objective's review questions (those not given stay as they are)")
    p.add_argument("cycle", metavar="CYCLE")
    p.add_argument("objective_id", metavar="OBJECTIVE_ID")
    p.add_argument("--worked", metavar="TEXT", help="what worked")
    p.add_argument("--did-not-work", metavar="TEXT", help="what did not work")
    p.add_argument("--decision", choices=["continue", "change", "stop"], help="continue, change or stop")
    p.add_argument("--note", metavar="TEXT", help="a note on the decision")
    p.add_argument("--user", help="who answers (default: the OS user)")
    _db_arg(p)
    p.set_defaults(func=_later("cmd_review_answer"))
    p = rsub.add_parser("missing", help="reviews still missing or incomplete 14 days or more after their cycle ended")
    p.add_argument("--as-of", type=_date, help="as of this date (default: today)")
    _db_arg(p)
    p.set_defaults(func=_later("cmd_review_missing"))

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
    p.add_argument(
        "--feishu-card", action="store_true", help="Feishu: send an interactive card (lark_md) instead of a post"
    )
    p.add_argument("--lang", choices=["zh", "en"], default="zh")
    _db_arg(p)
    p.set_defaults(func=_notify)

    # notes on the charts (issue 11)
    note = sub.add_parser("note", help="notes on the charts: add, list or remove notes on a shop, product or KR")
    nsub = note.add_subparsers(dest="note_command", required=True)
    p = nsub.add_parser(
        "add",
        help="add a note for a day or a date range: on a shop (optionally one of its products or creatives), or a KR",
    )
    p.add_argument("text", metavar="TEXT", help="what happened, e.g. 双11预热开始 (at most 500 characters)")
    p.add_argument("--date", required=True, type=_date, help="the day, or the first day of a range (YYYY-MM-DD)")
    p.add_argument("--end", type=_date, help="the last day of a range (default: the one day --date)")
    p.add_argument("--shop", help="a shop with imported data: the note shows on that shop's KR charts")
    item = p.add_mutually_exclusive_group()
    item.add_argument("--product", metavar="ID", help="with --shop: only on the charts of this product")
    item.add_argument("--creative", metavar="ID", help="with --shop: only on the charts of this creative")
    p.add_argument("--kr", metavar="KR_ID", help="instead of --shop: only on this KR's charts")
    p.add_argument("--user", help="who writes it (default: the OS user); only they can remove it")
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of what is printed")
    _db_arg(p)
    p.set_defaults(func=_later("cmd_note_add"))
    p = nsub.add_parser("list", help="list notes: id, dates, scope, text, author")
    p.add_argument("--shop", help="the notes on this shop (and its products and creatives)")
    p.add_argument("--kr", metavar="KR_ID", help="the notes this KR's charts show (its own and its shop's)")
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of what is printed")
    _db_arg(p)
    p.set_defaults(func=_later("cmd_note_list"))
    p = nsub.add_parser("remove", help="remove a note you wrote (see `note list` for its id)")
    p.add_argument("id", type=int, metavar="ID")
    p.add_argument("--user", help="who removes it (default: the OS user): must be the note's author")
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of what is printed")
    _db_arg(p)
    p.set_defaults(func=_later("cmd_note_remove"))
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
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "user", None) is not None and not args.user.strip():
        parser.error("--user is empty: give the name the history should record, or leave it out for the OS user")
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
