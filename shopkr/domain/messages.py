"""Messages as codes with parameters: what the domain, data and app layers report, without the words.

A `Message` is a code and its parameters (`Message("kr.no_rows", {"table": "shop_daily", ...})`); the texts, in
简体中文 and English, are looked up by code in one place, `shopkr/app/i18n.py` (`i18n.render`). Nothing here or in
the layers below writes a sentence a person reads, and nothing anywhere turns a sentence back into a code.

`CODES` lists every code this package produces with example parameters; the connectors' own codes are in
`connectors.errors.CODES`. tests/test_messages.py renders each one in both languages and checks that every code
used in the source is listed.

The pydantic error types of the OKR file are translated by `pydantic_message` from the error's `type` and `ctx`
(pydantic documents both as stable: https://docs.pydantic.dev/latest/errors/validation_errors/), never from its
English `msg`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# One message type for every layer: the connectors' (they import nothing from shopkr; the domain may use them).
from connectors.errors import Message

__all__ = ["CODES", "PYDANTIC_CODES", "Message", "pydantic_message"]


# pydantic error type -> our code. Types not listed become "pydantic.other" with the type as a parameter.
PYDANTIC_CODES: dict[str, str] = {
    "missing": "pydantic.missing",
    "extra_forbidden": "pydantic.extra_forbidden",
    "literal_error": "pydantic.literal_error",
    "enum": "pydantic.literal_error",
    "float_parsing": "pydantic.number",
    "float_type": "pydantic.number",
    "int_parsing": "pydantic.number",
    "int_type": "pydantic.number",
    "int_from_float": "pydantic.number",
    "finite_number": "pydantic.finite_number",
    "date_parsing": "pydantic.date",
    "date_type": "pydantic.date",
    "date_from_datetime_parsing": "pydantic.date",
    "date_from_datetime_inexact": "pydantic.date",
    "string_type": "pydantic.string",
    "list_type": "pydantic.list",
    "dict_type": "pydantic.mapping",
    "model_type": "pydantic.mapping",
    "model_attributes_type": "pydantic.mapping",
    "bool_type": "pydantic.bool",
    "bool_parsing": "pydantic.bool",
    "greater_than": "pydantic.greater_than",
    "greater_than_equal": "pydantic.greater_than_equal",
    "less_than": "pydantic.less_than",
    "less_than_equal": "pydantic.less_than_equal",
    "too_short": "pydantic.too_short",
    "too_long": "pydantic.too_long",
}

# The ctx keys each code's text uses (pydantic's names: gt, ge, lt, le, min_length, max_length, expected).
_PYDANTIC_PARAMS: dict[str, tuple[str, ...]] = {
    "pydantic.literal_error": ("expected",),
    "pydantic.greater_than": ("gt",),
    "pydantic.greater_than_equal": ("ge",),
    "pydantic.less_than": ("lt",),
    "pydantic.less_than_equal": ("le",),
    "pydantic.too_short": ("min_length", "actual_length"),
    "pydantic.too_long": ("max_length", "actual_length"),
}


def pydantic_message(error: Mapping[str, Any]) -> Message:
    """One entry of `ValidationError.errors()` as a Message: the code from its `type` (PYDANTIC_CODES; other types
    give "pydantic.other" with `type`), the parameters from its `ctx`. Its English `msg` is not read."""
    code = PYDANTIC_CODES.get(error["type"])
    if code is None:
        return Message.make("pydantic.other", type=error["type"])
    ctx = error.get("ctx") or {}
    return Message(code, {name: ctx.get(name, "") for name in _PYDANTIC_PARAMS.get(code, ())})


# Every code of shopkr with example parameters (the names each text may use).
CODES: dict[str, dict[str, object]] = {
    # OKR file validation (shopkr/domain/okr.py): Problem codes
    "okr.bad_yaml": {"detail": "expected ',' or ']'"},
    "okr.not_mapping": {},
    "okr.unknown_section": {},
    "okr.not_list": {},
    "okr.not_utf8": {},
    "okr.unreadable": {"detail": "No such file or directory"},
    "okr.ends_before": {},
    "okr.duplicate_id": {"other": "objectives[0].id"},
    "okr.unknown_cycle": {},
    "okr.no_objective": {},
    "okr.parent_level": {"plevel": Message("level.team"), "level": Message("level.department")},
    "okr.variant_twice": {},
    "okr.control_not_variant": {},
    "okr.weights": {},
    "okr.one_measure": {"found": "metric, sql"},
    "okr.found_none": {},
    "okr.unknown_filter": {},
    "okr.manual_range": {},
    "okr.pace_needs_metric": {},
    "okr.needs_target": {},
    "okr.unknown_metric": {},
    "okr.filter_not_in_table": {"table": "shop_daily", "name": "product_id"},
    "okr.metric_level": {"metric": "spend", "table": "shop_daily"},
    "okr.rate_needs_start": {"metric": "ctr"},
    "okr.rate_fraction": {"metric": "ctr"},
    "okr.rate_percent": {"metric": "ctr", "suggestion": 0.035},
    "okr.sql_start_default": {"kr": "O1.KR2"},
    "okr.target_eq_start": {},
    "okr.deadline_outside": {},
    "okr.w_owner": {"owner": "李娜", "n": 6, "cycle": "2026-Q4", "max": 5},
    "okr.w_bottom_up": {"k": 1, "n": 4, "cycle": "2026-Q4"},
    "okr.w_short": {"days": 14, "cycle": "2026-11"},
    "okr.w_long": {"days": 365, "cycle": "2026"},
    "okr.w_krs": {"n": 5, "max": 4},
    "okr.w_repeat": {"kr": "O1.KR1"},
    "okr.w_same_kr": {"kr": "O1.KR1"},
    # users (store.UserError, issue 12)
    "user.exists": {"name": "李娜"},
    "user.unknown": {"name": "李娜"},
    "user.bad_name": {"name": ""},
    "user.last_admin": {"name": "李娜"},
    "user.bad_email": {"email": "lina"},
    "user.email_taken": {"email": "lina@example.com", "name": "李娜"},
    "user.no_way_in": {"name": "李娜"},
    # roles (shopkr/domain/roles.py, issue 12)
    "auth.refused": {"user": "王芳", "role": "viewer", "action": "edit_okrs"},
    "auth.not_yours": {"user": "王芳", "objective": "O3"},
    # what is allowed (Problem.allowed, when it is words rather than a list of values)
    "okr.allowed_cycle": {},
    "okr.allowed_level_order": {},
    "okr.allowed_filter_level": {},
    "okr.allowed_metric_levels": {"levels": "shop, product"},
    "okr.allowed_dates": {"start": "2026-10-01", "end": "2026-12-31"},
    # pydantic errors of the OKR file (pydantic_message)
    "pydantic.missing": {},
    "pydantic.extra_forbidden": {},
    "pydantic.literal_error": {"expected": "'company', 'department', 'team' or 'individual'"},
    "pydantic.number": {},
    "pydantic.finite_number": {},
    "pydantic.date": {},
    "pydantic.string": {},
    "pydantic.list": {},
    "pydantic.mapping": {},
    "pydantic.bool": {},
    "pydantic.greater_than": {"gt": 0},
    "pydantic.greater_than_equal": {"ge": 0},
    "pydantic.less_than": {"lt": 1},
    "pydantic.less_than_equal": {"le": 1},
    "pydantic.too_short": {"min_length": 2, "actual_length": 1},
    "pydantic.too_long": {"max_length": 8, "actual_length": 9},
    "pydantic.other": {"type": "uuid_parsing"},
    # edits from the dashboard (shopkr/app/okr_form.py)
    "edit.id_taken": {"what": Message("edit.what_objective")},
    "edit.what_objective": {},
    "edit.what_kr": {},
    "edit.objective_gone": {},
    "edit.kr_gone": {},
    "edit.no_kr": {},
    "edit.is_parent": {"children": "O2, O3"},
    # custom KR SQL (shopkr/domain/metrics.py): SQLError and check_sql
    "sql.empty": {},
    "sql.too_long": {"n": 20001, "max": 20000},
    "sql.parse": {"detail": 'syntax error at or near "SELEC"'},
    "sql.one_statement": {"n": 2},
    "sql.select_only": {"kind": "INSERT"},
    "sql.unknown_param": {"name": "shop_id", "allowed": "$start, $end"},
    "sql.joins": {"n": 51, "max": 50},
    "sql.timeout": {"seconds": 5.0},
    "sql.failed": {"detail": "Table with name nope does not exist!"},
    "sql.shape": {"rows": "2+", "columns": 1},
    "sql.not_number": {"value": "'abc'"},
    "sql.not_finite": {"value": "inf"},
    # why a KR has no value (shopkr/domain/engine.py): KRResult.message
    "kr.no_rows": {"table": "shop_daily", "scope": "shop=暖居旗舰店", "start": "2026-10-01", "end": "2026-11-20"},
    "kr.no_values": {"table": "shop_daily", "scope": Message("kr.all_shops"), "columns": "clicks/impressions"},
    "kr.all_shops": {},
    "kr.sql_null": {},
    "kr.not_finite": {"fields": "value, progress"},
    "kr.frozen": {},
    # the outcome of an imported file beyond the connectors' own messages (shopkr/data/importer.py: FileResult)
    "import.note.identical": {"name": "a.csv", "at": "2026-11-20 09:30"},
    "import.note.already": {},
    "import.error.unexpected": {"file": "a.csv", "detail": "KeyError: 'x'"},
    "import.error.write_failed": {"file": "a.csv", "detail": "IO Error: disk full"},
    # a refused check-in (shopkr/data/store.py: CheckInError)
    "checkin.error.no_author": {},
    "checkin.error.unknown_kr": {"kr": "O9.KR1", "known": "O1.KR1, O1.KR2"},
    "checkin.error.confidence": {"value": "7.5"},
    "checkin.error.future_date": {"date": "2026-12-02", "today": "2026-12-01"},
    "checkin.error.before_cycle": {"date": "2026-09-30", "cycle": "2026-Q4", "start": "2026-10-01"},
    "checkin.error.after_cycle": {"date": "2027-01-02", "cycle": "2026-Q4", "end": "2026-12-31"},
    "checkin.error.closed_cycle": {"cycle": "2026-Q3", "date": "2026-10-01"},
    "checkin.error.note_too_long": {"n": 2001, "max": 2000},
    "checkin.error.edit_later_day": {"date": "2026-11-30", "made": "2026-11-30", "today": "2026-12-01"},
    # a refused quarter-end review (shopkr/data/store.py: ReviewError)
    "review.error.no_user": {},
    "review.error.unknown_cycle": {"cycle": "2026-Q2", "known": "2026-Q3, 2026-Q4"},
    "review.error.unknown_objective": {"objective": "O9", "cycle": "2026-Q3", "known": "Q3-O1, Q3-O2"},
    "review.error.not_ended": {"cycle": "2026-Q4", "end": "2026-12-31"},
    "review.error.kr_not_in_objective": {"kr": "O2.KR1", "objective": "O1", "krs": "O1.KR1, O1.KR2"},
    "review.error.kr_twice": {"kr": "O1.KR1"},
    "review.error.grade_not_number": {"kr": "O1.KR1", "value": "'abc'"},
    "review.error.grade_range": {"kr": "O1.KR1", "value": 70},
    "review.error.data_score": {"kr": "O1.KR1", "value": "1.5"},
    "review.error.decision": {"value": "pause", "allowed": "continue, change, stop"},
    "review.error.too_long": {"field": "worked", "n": 4001, "max": 4000},
    # a refused note on the charts (shopkr/domain/annotations.py check, shopkr/data/store.py AnnotationError)
    "note.error.empty_text": {},
    "note.error.text_too_long": {"n": 612, "max": 500},
    "note.error.no_author": {},
    "note.error.end_before_start": {"start": "2026-11-03", "end": "2026-11-01"},
    "note.error.no_scope": {},
    "note.error.kr_and_shop": {"kr": "O1.KR1"},
    "note.error.product_and_creative": {},
    "note.error.product_needs_shop": {},
    "note.error.creative_needs_shop": {},
    "note.error.unknown_kr": {"kr": "O9.KR9", "known": "O1.KR1, O1.KR2"},
    "note.error.unknown_shop": {"shop": "暖居旗舰", "known": "暖居旗舰店, 暖居抖音小店"},
    "note.error.not_found": {"id": 7},
    "note.error.not_author": {"id": 7, "author": "李娜", "user": "张伟"},
}
