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
    from shopkr.data import backup
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
    print(
        f"next: the quarter-end review (复盘): owners grade their KRs and answer three questions on the 复盘 page "
        f"or with `python -m shopkr review show {args.cycle}` / `review grade` / `review answer`."
    )
    return 0


def _note_summary(value: object) -> object:
    """A note's history value (its fields as JSON) as "dates scope: text"; other values as they are."""
    try:
        note = json.loads(value) if isinstance(value, str) and value.startswith("{") else None
    except ValueError:
        note = None
    if not isinstance(note, dict) or "text" not in note:
        return value
    days = note.get("start") or ""
    if note.get("end") and note.get("end") != note.get("start"):
        days += f"~{note['end']}"
    scope = "/".join(str(note[k]) for k in ("kr_id", "shop", "product_id", "creative_id") if note.get(k))
    return f"{days} {scope}: {note['text']}"


def cmd_okrs_history(args: argparse.Namespace) -> int:
    """Print the change history, newest first."""
    from shopkr.data import queries

    with store.connect(args.db) as con:
        hist = queries.okr_history(con, args.cycle, args.limit)
    if hist.empty:
        print("no changes recorded yet.")
        return 0

    def shown(value: object, width: int = 80) -> str:
        """A stored value on one line: line breaks as ⏎, cut at `width` characters."""
        if value is None or (isinstance(value, float) and value != value) or value == "":
            return "-"
        text = " ⏎ ".join(str(value).splitlines())
        return text if len(text) <= width else text[: width - 1] + "…"

    for r in hist.itertuples():
        why = f"  reason: {shown(r.reason)}" if isinstance(r.reason, str) and r.reason else ""
        if r.field in ("(created)", "(deleted)"):  # a note's history keeps what it said (old or new value)
            body = _note_summary(r.new_value if r.field == "(created)" else r.old_value)
            change = r.field if shown(body) == "-" else f"{r.field} {shown(body)}"
        else:
            change = f"{r.field}: {shown(r.old_value)} -> {shown(r.new_value)}"
        print(f"{r.changed_at:%Y-%m-%d %H:%M} {r.user_name:<10} {r.entity:<10} {r.entity_id:<12} {change}{why}")
    if len(hist) == args.limit:
        print(f"(the newest {args.limit} changes; --limit N shows more)")
    return 0


# --- quarter-end reviews (issue 11): review show | grade | answer | missing --------------------------------------


def _review_refused(exc: store.ReviewError) -> int:
    """Print a refused review (its message in English) and return the exit code 1."""
    from shopkr.app.i18n import cli_text

    print(f"✗ {cli_text(exc)} Nothing saved.", file=sys.stderr)
    return 1


def cmd_review_show(args: argparse.Namespace) -> int:
    """Print a cycle's reviews (one owner's with --owner): per objective whether it is complete, each KR's grade
    beside its data score, the answers and the decision. Exit 1 for an unknown cycle or owner."""
    from shopkr.app import review_tables
    from shopkr.app.i18n import cli_text
    from shopkr.domain import engine
    from shopkr.domain.messages import Message

    today = dt.date.today()
    with store.connect(args.db) as con:
        okrs = store.read_okrs(con)
        cycle = _cycle_or_exit(okrs, args.cycle, with_objectives=True)
        if cycle is None:
            return 1
        owners = list(dict.fromkeys(o.owner for o in okrs.objectives if o.cycle == cycle.id))
        if args.owner is not None and args.owner not in owners:
            print(f"✗ {args.owner} owns no objective in {cycle.id}; owners: {', '.join(owners)}", file=sys.stderr)
            return 1
        report = engine.score_cycle(con, okrs, cycle.id, today)
        reviews = store.read_reviews(con, cycle.id, okrs)
    sys.stdout.write(review_tables.review_text(report, reviews, args.owner, "en"))
    if report.closed_at is None and today <= cycle.end:
        print(cli_text(Message.make("review.error.not_ended", cycle=cycle.id, end=cycle.end.isoformat())))
    return 0


def cmd_review_grade(args: argparse.Namespace) -> int:
    """Grade one KR of an ended or closed cycle as --user, beside its data score (the frozen closing score of a
    closed cycle, else today's score); the objective's answers stay as they are. Exit 1 when refused."""
    import dataclasses

    from shopkr.app import review_tables
    from shopkr.domain import engine

    with store.connect(args.db, on_wait=lambda m: print(m, file=sys.stderr)) as con:
        okrs = store.read_okrs(con)
        if _cycle_or_exit(okrs, args.cycle, with_objectives=True) is None:
            return 1
        mine = [o for o in okrs.objectives if o.cycle == args.cycle]
        objective = next((o for o in mine if any(k.id == args.kr_id for k in o.key_results)), None)
        if objective is None:
            known = ", ".join(k.id for o in mine for k in o.key_results)
            print(f"✗ {args.cycle} has no KR {args.kr_id!r}; its KRs: {known}. Nothing saved.", file=sys.stderr)
            return 1
        try:
            grade = store.review_grade(args.grade, args.kr_id)
            report = engine.score_cycle(con, okrs, args.cycle, dt.date.today())
            data = review_tables.data_scores(report)[args.kr_id]
            current = store.read_review(con, args.cycle, objective.id)
            new = dataclasses.replace(current, grades=(store.KRGrade(args.kr_id, grade, data),))  # type: ignore[type-var]
            changes = store.save_review(con, new, user=args.user or _default_user())
        except store.ReviewError as exc:
            return _review_refused(exc)
        after = store.read_review(con, args.cycle, objective.id)
    word = "graded" if changes else "already graded"
    print(f"✓ {args.kr_id} {word} {grade:g} (data score {data:.2f}, {grade - data:+.2f}).")
    if after is not None:
        print(f"review of {objective.id}: {review_tables.state_text(after, 'en')}")
    return 0


def cmd_review_answer(args: argparse.Namespace) -> int:
    """Answer an objective's review questions as --user: the options given replace those answers (an empty text
    clears one), the others stay as they are. Exit 1 when refused or when no option is given."""
    import dataclasses

    from shopkr.app import review_tables

    given = {
        "worked": args.worked,
        "did_not_work": args.did_not_work,
        "decision": args.decision,
        "decision_note": args.note,
    }
    given = {k: v for k, v in given.items() if v is not None}
    if not given:
        print("✗ nothing to save: give --worked, --did-not-work, --decision and/or --note.", file=sys.stderr)
        return 1
    with store.connect(args.db, on_wait=lambda m: print(m, file=sys.stderr)) as con:
        current = store.read_review(con, args.cycle, args.objective_id) or store.ObjectiveReview(
            args.cycle, args.objective_id
        )
        try:
            changes = store.save_review(
                con, dataclasses.replace(current, grades=(), **given), user=args.user or _default_user()
            )
        except store.ReviewError as exc:
            return _review_refused(exc)
        after = store.read_review(con, args.cycle, args.objective_id)
    print(f"✓ saved {len(changes)} change(s) to the review of {args.objective_id}." if changes else "no change.")
    if after is not None:
        print(f"review of {args.objective_id}: {review_tables.state_text(after, 'en')}")
    return 0


def cmd_review_missing(args: argparse.Namespace) -> int:
    """List the reviews still missing or incomplete 14 days or more after their cycle ended (as of --as-of, default
    today): one line per owner and cycle, then the objectives. Exit 0 (a list, not a check)."""
    from shopkr.app import review_tables

    today = args.as_of or dt.date.today()
    with store.connect(args.db) as con:
        items = store.missing_reviews(con, today)
    if not items:
        print(f"no review is missing or incomplete {store.REVIEW_OVERDUE_DAYS} days after its cycle's end ({today}).")
        return 0
    for item in items:
        print(review_tables.overdue_line(item, today, "en"))
        lists = (("missing", item.missing), ("incomplete", item.incomplete))
        print("    " + "; ".join(f"{what}: {', '.join(ids)}" for what, ids in lists if ids))
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
    rhythm = _rhythm_words({e: plan.rhythm_count(e) for e in store.RHYTHM_ENTITIES})
    print(
        f"demo loaded into {store.db_path(args.db)}: {', '.join(demo.SHOPS)} ({plan.row_count:,} rows), "
        f"{len(plan.objectives)} objectives, {len(plan.tests)} A/B tests; {', '.join(demo.CLOSED_CYCLES)} closed; "
        f"{rhythm}. Remove it with: python -m shopkr demo clear"
    )
    return 0


def _ids(ids: tuple[str, ...]) -> str:
    return f" ({', '.join(ids)})" if ids else ""


def _rhythm_words(counts: dict[str, int]) -> str:
    """Check-ins, notes and reviews by entity (store.RHYTHM_ENTITIES) in words: "52 check-ins, 3 notes on the
    charts, 2 objective reviews and 2 KR grades" (entities with none left out; "nothing" when all are 0)."""
    names = {
        "checkin": ("check-in", "check-ins"),
        "annotation": ("note on the charts", "notes on the charts"),
        "objective_review": ("objective review", "objective reviews"),
        "kr_review": ("KR grade", "KR grades"),
    }
    parts = [f"{n:,} {names[e][n != 1]}" for e, n in ((e, counts.get(e, 0)) for e in names) if n]
    if not parts:
        return "nothing"
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def _rhythm_lines(plan: store.DemoPlan) -> list[str]:
    """The plan's lines about the demo's check-ins, notes and reviews (issue 11); none for a demo without them."""
    goes = {e: plan.rhythm_count(e) for e in store.RHYTHM_ENTITIES}
    kept = {e: plan.rhythm_count(e, kept=True) for e in store.RHYTHM_ENTITIES}
    lines = []
    if any(goes.values()):
        lines.append(f"  remove: {_rhythm_words(goes)} the demo wrote, unchanged since, with their history rows")
    if any(kept.values()):
        lines.append(f"  keep:   {_rhythm_words(kept)} the demo wrote and someone changed since")
    if any(plan.others_rhythm.values()):
        lines.append(
            f"  keep:   {_rhythm_words(plan.others_rhythm)} others added to the removed demo objectives "
            "(they stay in the database without their objective)"
        )
    return lines


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
    lines += _rhythm_lines(plan)
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
    done = demo.clear(args.db, user=args.user or _default_user())
    if done is None:  # cleared by someone else meanwhile
        print("the demo was cleared meanwhile: nothing removed.")
        return 0
    print(
        f"demo cleared: {done.row_count:,} rows, {len(done.imports)} imports, {len(done.objectives)} objectives, "
        f"{len(done.tests)} A/B tests removed."
    )
    if done.rhythm:
        gone = {e: done.rhythm_count(e) for e in store.RHYTHM_ENTITIES}
        print(f"and the demo's {_rhythm_words(gone)}.")
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
        checkins = store.latest_checkins(con, cycle_id, report.as_of)  # issue 11: confidence, last_checkin
    if args.format == "json":
        from shopkr.app.i18n import cli_text

        doc = engine.to_json(report, cli_text, checkins)
        print(json.dumps(doc, ensure_ascii=False, indent=2, allow_nan=False))
        return 0
    from shopkr.app import score_text  # the text views (babel's number formats): not needed for JSON

    if args.format == "csv":
        sys.stdout.write(score_text.score_csv(report, checkins))
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


def cmd_checkin(args: argparse.Namespace) -> int:
    """Store a check-in on a KR (issue 11): --confidence 0-10 and --note as --user (default: the OS user) for
    --date (default: today); saving again for the same KR, author and date on the day it was made edits it.
    Prints what was stored (new, edited or unchanged) in --lang; a refusal (store.CheckInError: the confidence,
    the KR, the date, the note, an edit on a later day) prints why on stderr and exits 1, nothing written."""
    from shopkr.app import checkins
    from shopkr.app.i18n import render, t

    user = args.user if args.user is not None else _default_user()
    with store.connect(args.db, on_wait=lambda m: print(m, file=sys.stderr)) as con:
        try:
            saved = store.save_checkin(
                con, args.kr_id, confidence=args.confidence, note=args.note, author=user, date=args.date
            )
        except store.CheckInError as exc:
            print(t("checkin.refused", args.lang, reason=render(exc, args.lang)), file=sys.stderr)
            return 1
    print(checkins.saved_text(saved, args.lang))
    if note := checkins.note_text(saved.checkin.note, args.lang):
        print(note)
    return 0


# --- backup and restore (issue 12) ---------------------------------------------------------------------------


def _backup_line(info: backup.BackupInfo) -> str:
    last = info.last_change.strftime("%Y-%m-%d %H:%M:%S") if info.last_change else "never"
    return (
        f"{info.imports:,} imports, {info.objectives} objectives, {info.checkins} check-ins, {info.notes} notes, "
        f"{info.reviews} reviews, {info.users} users; last import or OKR change {last}; schema v{info.schema_version}"
    )


def cmd_backup(args: argparse.Namespace) -> int:
    """Write one timestamped backup file and say where (shopkr.data.backup.backup)."""
    from shopkr.data import backup

    try:
        path = backup.backup(args.db, args.to)
    except backup.BackupError as exc:
        print(f"✗ {exc}", file=sys.stderr)
        return 1
    print(f"✓ backup written: {path} ({path.stat().st_size / 1e6:.1f} MB; {_backup_line(backup.inspect(path))})")
    print(f"  restore it with: python -m shopkr restore {path}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Say what the backup holds and what it replaces, ask (unless --yes), then restore it; the replaced database
    is kept as a backup file."""
    from shopkr.data import backup

    where = store.db_path(args.db)
    try:
        incoming = backup.inspect(args.file)
    except backup.BackupError as exc:
        print(f"✗ not restored: {exc} Nothing changed.", file=sys.stderr)
        return 1
    print(f"Restoring {incoming.path} ({_backup_line(incoming)})")
    if where.exists():
        print(f"  over {where} ({_backup_line(backup.inspect(where))}),")
        print(f"  which is kept as a backup in {backup.backup_dir(args.db)}.")
    if not args.yes:
        if not sys.stdin.isatty():
            print("✗ not restored: confirm with --yes (there is no terminal to ask). Nothing changed.", file=sys.stderr)
            return 1
        if input("Restore it? [y/N] ").strip().lower() not in ("y", "yes"):
            print("Nothing changed.")
            return 1
    try:
        kept = backup.restore(args.file, args.db)
    except backup.BackupError as exc:
        print(f"✗ not restored: {exc}", file=sys.stderr)
        return 1
    kept_text = f"the replaced database is kept as {kept}" if kept else "there was no database there before"
    print(f"✓ restored {incoming.path} to {where}; {kept_text}.")
    return 0


# --- notes on the charts (issue 11) ------------------------------------------------------------------------------


def cmd_note_add(args: argparse.Namespace) -> int:
    """Add a note (store.add_annotation) for --date (to --end) on --shop [--product | --creative] or --kr, written
    by --user (default: the OS user). Prints the stored note; a refusal (store.AnnotationError: empty or long text,
    dates, scope, unknown KR or shop) prints why on stderr and exits 1, nothing written."""
    from shopkr.app import notes
    from shopkr.app.i18n import render, t

    user = args.user if args.user is not None else _default_user()
    with store.connect(args.db, on_wait=lambda m: print(m, file=sys.stderr)) as con:
        try:
            note = store.add_annotation(
                con,
                start=args.date,
                end=args.end,
                text=args.text,
                author=user,
                shop=args.shop,
                product_id=args.product,
                creative_id=args.creative,
                kr_id=args.kr,
            )
        except store.AnnotationError as exc:
            print(t("note.cli.refused", args.lang, reason=render(exc, args.lang)), file=sys.stderr)
            return 1
    print(
        t(
            "note.cli.added",
            args.lang,
            id=note.id,
            dates=notes.dates_text(note),
            scope=notes.scope_text(note, args.lang),
            text=note.text,
        )
    )
    return 0


def cmd_note_list(args: argparse.Namespace) -> int:
    """Print notes as a table (id, dates, scope, text, author): all of them, or those --kr's charts show (the scope
    rule of shopkr.domain.annotations: its own notes and those of its shop, product or creative), or those on --shop
    (any product or creative in it); both: those on --shop that --kr's charts show. An unknown --kr prints the known
    ones and exits 1."""
    from shopkr.app import notes
    from shopkr.app.i18n import render, t
    from shopkr.domain.annotations import applies, kr_chart_scope

    with store.connect(args.db) as con:
        stored = store.read_annotations(con)
        if args.kr is not None:
            krs = {k.id: k for o in store.read_okrs(con).objectives for k in o.key_results}
            if args.kr not in krs:
                known = ", ".join(sorted(krs)) or "-"
                error = store.AnnotationError("note.error.unknown_kr", kr=args.kr, known=known)
                print(f"✗ {render(error, args.lang)}", file=sys.stderr)
                return 1
            chart = kr_chart_scope(args.kr, krs[args.kr].filters)
            stored = [a for a in stored if applies(a, chart)]
    if args.shop is not None:
        stored = [a for a in stored if a.shop == args.shop.strip()]
    print(notes.table(stored, args.lang) if stored else t("note.cli.none", args.lang))
    return 0


def cmd_note_remove(args: argparse.Namespace) -> int:
    """Remove note ID as --user (default: the OS user), who must be its author. A refusal (no such note, someone
    else's note) prints why on stderr and exits 1, nothing removed."""
    from shopkr.app import notes
    from shopkr.app.i18n import render, t

    user = args.user if args.user is not None else _default_user()
    with store.connect(args.db, on_wait=lambda m: print(m, file=sys.stderr)) as con:
        try:
            note = store.remove_annotation(con, args.id, user=user)
        except store.AnnotationError as exc:
            print(t("note.cli.not_removed", args.lang, reason=render(exc, args.lang)), file=sys.stderr)
            return 1
    print(t("note.cli.removed", args.lang, id=note.id, dates=notes.dates_text(note), text=note.text))
    return 0


# --- users (issue 12) -----------------------------------------------------------------------------------------

def _read_password(from_stdin: bool) -> str | None:
    """The new password: the first line of stdin, or typed twice at the terminal (not echoed). None after a
    message on stderr when it is missing, too short or the two differ."""
    import getpass

    from shopkr.app import auth

    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif not sys.stdin.isatty():
        print("✗ no terminal to ask for the password: pipe it with --password-stdin.", file=sys.stderr)
        return None
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            print("✗ the two passwords differ; nothing changed.", file=sys.stderr)
            return None
    if len(password) < auth.MIN_PASSWORD:
        print(f"✗ the password needs at least {auth.MIN_PASSWORD} characters; nothing changed.", file=sys.stderr)
        return None
    return password


def _user_change(args: argparse.Namespace, change) -> int:
    try:
        with store.connect(args.db) as con:
            change(con, args.user or _default_user())
    except store.UserError as exc:
        from shopkr.app.i18n import cli_text

        print(f"✗ {cli_text(exc)} Nothing changed.", file=sys.stderr)
        return 1
    return 0


def cmd_users_add(args: argparse.Namespace) -> int:
    """Add a user with a role and a password hash (Argon2id, shopkr.app.auth); the password is never stored."""
    from shopkr.app import auth

    hashed = None
    if not args.no_password:
        password = _read_password(args.password_stdin)
        if password is None:
            return 1
        hashed = auth.hash_password(password)
    def add(con, by: str) -> None:
        store.add_user(con, args.name, args.role, hashed, by=by, email=args.email)

    code = _user_change(args, add)
    if code == 0:
        print(f"✓ user {args.name.strip()} added as {args.role}. The dashboard now asks for sign-in.")
    return code


def cmd_users_list(args: argparse.Namespace) -> int:
    """Print the users: name, role, e-mail, when added (never a password or hash)."""
    with store.connect(args.db) as con:
        found = store.users(con)
    if not found:
        print("no users: the dashboard runs in single-user local mode (add one with `users add NAME --role admin`).")
        return 0
    for u in found:
        print(f"{u.name:<20} {u.role:<7} {u.email or '-':<30} added {u.created_at:%Y-%m-%d}")
    return 0


def cmd_users_set_role(args: argparse.Namespace) -> int:
    """Change a user's role."""
    code = _user_change(args, lambda con, by: store.set_role(con, args.name, args.role, by=by))
    if code == 0:
        print(f"✓ {args.name} is now {args.role}.")
    return code


def cmd_users_passwd(args: argparse.Namespace) -> int:
    """Set a user's password (hash only)."""
    from shopkr.app import auth

    password = _read_password(args.password_stdin)
    if password is None:
        return 1
    hashed = auth.hash_password(password)
    code = _user_change(args, lambda con, by: store.set_password(con, args.name, hashed, by=by))
    if code == 0:
        print(f"✓ password of {args.name} changed.")
    return code


def cmd_users_remove(args: argparse.Namespace) -> int:
    """Remove a user; what they wrote stays."""
    code = _user_change(args, lambda con, by: store.remove_user(con, args.name, by=by))
    if code == 0:
        print(f"✓ user {args.name} removed (their OKRs, check-ins and history stay).")
    return code
