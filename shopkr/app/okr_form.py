"""Editing OKR definitions from the dashboard (OKR管理): pure helpers behind pages/manage.py.

Every edit builds the WHOLE new definition set as a YAML-shaped document, so it is checked by exactly the
same `okr.validate` as a loaded file. An `Edit` remembers where the edited item sits in that document
(`objectives[3].key_results[1]`), and `form_errors` maps the problems' paths back to the form's fields.
Problems an edit finds itself (an id already taken, deleting a parent) come back the same way, as `Problem`s.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import pandas as pd

from shopkr.app.i18n import STRINGS, Lang, allowed_text, render, t
from shopkr.data.store import Change, diff_okrs, removed_objectives
from shopkr.domain.messages import Message
from shopkr.domain.metrics import CATALOGUE
from shopkr.domain.okr import (
    LEVEL_RANK,
    KeyResult,
    Objective,
    OKRFile,
    PaceChoice,
    Problem,
    merge_file,
    parse_yaml,
    resolve_cycles,
    validate,
)

Kind = Literal["metric", "sql", "manual"]
KINDS: tuple[Kind, ...] = ("metric", "sql", "manual")
PACES = get_args(PaceChoice)  # auto first: the default
OBJECTIVE_FIELDS = ("id", "cycle", "title", "owner", "level", "parent", "origin", "type")
KR_FIELDS = (
    "id",
    "title",
    "metric",
    "sql",
    "manual",
    "filters.shop",
    "filters.platform",
    "filters.product_id",
    "filters.creative_id",
    "level",
    "pace",
    "start",
    "target",
    "weight",
    "deadline",
)
# Filters that custom SQL can use as parameters ($shop, $platform, $product_id); creative_id is not one.
SQL_FILTERS = ("shop", "platform", "product_id")
SQL_EXAMPLE = "SELECT SUM(gmv) FROM shop_daily\nWHERE shop = $shop AND date BETWEEN $start AND $end"


@dataclass(frozen=True)
class Edit:
    """The whole definition set after one edit, as a document `okr.validate` reads.

    `path` is where the edited item sits in `doc` (`objectives[2]`, `objectives[2].key_results[0]`; the removed
    item's old place after a delete); `problems` are what the edit itself refused (then `doc` is unchanged).
    """

    doc: dict
    path: str
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class Checked:
    """An edit after validation: the new definitions (None if any error) and every error and warning."""

    okrs: OKRFile | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        """The problems that block saving."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """OKR-method advice that does not block saving."""
        return [p for p in self.problems if p.severity == "warning"]


# --- documents ----------------------------------------------------------------------------------------


def to_doc(okrs: OKRFile | Mapping) -> dict:
    """The definitions as a YAML-shaped document (a deep copy; a document passed in is copied too)."""
    if isinstance(okrs, OKRFile):
        return okrs.model_dump(mode="json", exclude_none=True)
    return _copy(okrs)


def _copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _item(value: Objective | KeyResult | Mapping) -> dict:
    if isinstance(value, Objective | KeyResult):
        return value.model_dump(mode="json", exclude_none=True)
    return _copy(value)


def _all_ids(doc: dict) -> set[str]:
    """Every id in the document: cycles, objectives, KRs and tests share one namespace in `validate`."""
    ids = {str(c.get("id")) for c in doc.get("cycles") or []}
    for o in doc.get("objectives") or []:
        ids.add(str(o.get("id")))
        ids.update(str(k.get("id")) for k in o.get("key_results") or [])
    ids.update(str(x.get("id")) for x in doc.get("ab_tests") or [])
    return ids


def _index(doc: dict, objective_id: str) -> int | None:
    for i, o in enumerate(doc.get("objectives") or []):
        if o.get("id") == objective_id:
            return i
    return None


def _taken(doc: dict, path: str, new_id: str, old_id: str | None, what: str) -> Problem | None:
    if new_id != old_id and new_id in _all_ids(doc):
        return Problem(f"{path}.id", "edit.id_taken", new_id, params={"what": Message(what)})
    return None


# --- edits --------------------------------------------------------------------------------------------


def upsert_objective(
    okrs: OKRFile | Mapping, objective: Objective | Mapping, *, original_id: str | None = None
) -> Edit:
    """Create an objective (original_id None: appended) or replace `original_id` in place.

    An edit keeps the stored KRs unless `objective` brings its own; renaming an id also renames the `parent`
    of its child objectives. A new id that another entity already has is refused at `objectives[i].id`.
    """
    doc = to_doc(okrs)
    doc.setdefault("objectives", [])
    new = _item(objective)
    new_id = str(new.get("id", ""))
    if original_id is None:
        i = len(doc["objectives"])
    else:
        found = _index(doc, original_id)
        if found is None:
            return Edit(doc, "", (Problem("objectives", "edit.objective_gone", original_id),))
        i = found
    if problem := _taken(doc, f"objectives[{i}]", new_id, original_id, "edit.what_objective"):
        return Edit(doc, f"objectives[{i}]", (problem,))
    if original_id is None:
        doc["objectives"].append(new)
    else:
        if "key_results" not in new and doc["objectives"][i].get("key_results"):
            new["key_results"] = doc["objectives"][i]["key_results"]
        doc["objectives"][i] = new
        if new_id != original_id:
            for o in doc["objectives"]:
                if o.get("parent") == original_id:
                    o["parent"] = new_id
    return Edit(doc, f"objectives[{i}]")


def delete_objective(okrs: OKRFile | Mapping, objective_id: str) -> Edit:
    """Remove an objective with its KRs; refused while other objectives name it as their parent."""
    doc = to_doc(okrs)
    i = _index(doc, objective_id)
    if i is None:
        return Edit(doc, "", (Problem("objectives", "okr.no_objective", objective_id),))
    children = [o["id"] for o in doc["objectives"] if o.get("parent") == objective_id]
    if children:
        problem = Problem(f"objectives[{i}].id", "edit.is_parent", objective_id, params={"children": children})
        return Edit(doc, f"objectives[{i}]", (problem,))
    del doc["objectives"][i]
    return Edit(doc, f"objectives[{i}]")


def upsert_kr(
    okrs: OKRFile | Mapping, objective_id: str, kr: KeyResult | Mapping, *, original_id: str | None = None
) -> Edit:
    """Add a KR to an objective (original_id None: appended) or replace the KR `original_id` of that objective.

    A KR id that another entity already has is refused at `objectives[i].key_results[j].id`.
    """
    doc = to_doc(okrs)
    i = _index(doc, objective_id)
    if i is None:
        return Edit(doc, "", (Problem("objectives", "okr.no_objective", objective_id),))
    krs = doc["objectives"][i].setdefault("key_results", [])
    new = _item(kr)
    if original_id is None:
        j = len(krs)
    else:
        j = next((n for n, k in enumerate(krs) if k.get("id") == original_id), None)
        if j is None:
            path = f"objectives[{i}].key_results"
            return Edit(doc, path, (Problem(path, "edit.kr_gone", original_id),))
    path = f"objectives[{i}].key_results[{j}]"
    if problem := _taken(doc, path, str(new.get("id", "")), original_id, "edit.what_kr"):
        return Edit(doc, path, (problem,))
    if original_id is None:
        krs.append(new)
    else:
        krs[j] = new
    return Edit(doc, path)


def delete_kr(okrs: OKRFile | Mapping, objective_id: str, kr_id: str) -> Edit:
    """Remove one KR from an objective."""
    doc = to_doc(okrs)
    i = _index(doc, objective_id)
    if i is None:
        return Edit(doc, "", (Problem("objectives", "okr.no_objective", objective_id),))
    krs = doc["objectives"][i].get("key_results") or []
    j = next((n for n, k in enumerate(krs) if k.get("id") == kr_id), None)
    if j is None:
        path = f"objectives[{i}].key_results"
        return Edit(doc, path, (Problem(path, "edit.no_kr", kr_id),))
    del krs[j]
    return Edit(doc, f"objectives[{i}].key_results[{j}]")


def check(edit: Edit) -> Checked:
    """Validate the whole document of an edit (the YAML file's rules); an edit's own refusal comes first."""
    if any(p.severity == "error" for p in edit.problems):
        return Checked(None, list(edit.problems))
    okrs, problems = validate(edit.doc)
    return Checked(okrs, list(edit.problems) + problems)


def form_errors(
    problems: Iterable[Problem], prefix: str, fields: Iterable[str] | None = None
) -> dict[str, list[Problem]]:
    """Problems keyed by the form field they concern: `objectives[3].key_results[1].target` with prefix
    `objectives[3].key_results[1]` -> "target"; `...filters.shop` -> "filters.shop".

    Problems about the item as a whole, elsewhere in the definitions, or (when `fields` is given) on a field
    the form does not show, go under "" so nothing is ever dropped. With no prefix (a form about the whole
    file), only a problem whose path is exactly one of `fields` goes to that field.
    """
    known = set(fields) if fields is not None else None
    out: dict[str, list[Problem]] = {}
    for p in problems:
        name = ""
        if prefix and p.path.startswith(prefix + "."):
            name = p.path[len(prefix) + 1 :]
            if known is not None and name not in known:
                name = ""
        elif not prefix and known is not None and p.path in known:
            name = p.path  # a whole-file form (upload): only a field of its own, such as "reason"
        out.setdefault(name, []).append(p)
    return out


# --- forms -> definitions -----------------------------------------------------------------------------


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def objective_from_form(values: Mapping[str, Any]) -> dict:
    """An objective document from form values; empty texts are left out, so `validate` reports a missing
    id, cycle, title or owner as "Field required" at that field, exactly as for a YAML file."""
    return {name: value for name in OBJECTIVE_FIELDS if (value := _text(values.get(name))) is not None}


def kr_from_form(kind: Kind, values: Mapping[str, Any]) -> dict:
    """A KR document from form values (keyed like `kr_fields`: "target", "filters.shop") for one way of
    measuring; the other ways' fields are ignored, empty filters dropped, and a manual KR keeps only its score,
    weight and deadline."""
    out: dict[str, Any] = {n: v for n in ("id", "title") if (v := _text(values.get(n))) is not None}
    if kind == "manual":
        out["manual"] = values.get("manual") if values.get("manual") is not None else 0.0
    else:
        names = SQL_FILTERS if kind == "sql" else ("shop", "platform", "product_id", "creative_id")
        filters = {n: v for n in names if (v := _text(values.get(f"filters.{n}"))) is not None}
        if kind == "metric":
            if metric := _text(values.get("metric")):
                out["metric"] = metric
            if level := _text(values.get("level")):
                out["level"] = level
            if (pace := _text(values.get("pace"))) and pace != "auto":
                out["pace"] = pace
        else:
            out["sql"] = values.get("sql") or ""
        if filters:
            out["filters"] = filters
        for name in ("start", "target"):
            if values.get(name) is not None:
                out[name] = float(values[name])
    if values.get("weight") is not None:
        out["weight"] = float(values["weight"])
    deadline = values.get("deadline")
    if deadline:
        out["deadline"] = deadline.isoformat() if isinstance(deadline, dt.date) else str(deadline)
    return out


@dataclass(frozen=True)
class FieldSpec:
    """One form field, described without Streamlit so the page can draw it in a loop.

    `name` is the field's path under the edited item (what `form_errors` keys on), `widget` the Streamlit
    widget, `column` 0 or 1 of a two-column row (0 starts a row) or None for the full width, `kwargs` the
    widget's arguments, `labels` the options in words, `label` the i18n key suffix of its label and help.
    """

    name: str
    widget: str
    column: int | None
    kwargs: dict
    labels: dict | None = None
    label: str = ""

    @property
    def label_key(self) -> str:
        """The field's key in the i18n table (manage.field.<label>; its help is manage.help.<label>)."""
        return self.label or self.name


def objective_fields(okrs: OKRFile, objective: Objective | None, cycle: str, lang: Lang) -> list[FieldSpec]:
    """The objective form: the stored values of `objective`, or suggestions for a new one in `cycle`."""
    o = objective
    cycles = sorted({*resolve_cycles(okrs), cycle, *([o.cycle] if o else [])})
    owners = sorted({x.owner for x in okrs.objectives})
    levels = list(LEVEL_RANK)
    same_cycle = {x.id: x for x in okrs.objectives if x.cycle == (o.cycle if o else cycle)}
    parents = ["", *(p.id for p in parent_choices(okrs, o.cycle if o else cycle, o.level if o else None, o and o.id))]
    if o and o.parent and o.parent not in parents:
        parents.append(o.parent)
    parent_labels = {
        p: (
            f"{p} · {t('level.' + same_cycle[p].level, lang)} · {same_cycle[p].title}"
            if p in same_cycle
            else p or t("manage.no_parent", lang)
        )
        for p in parents
    }
    origins, types = ["top-down", "bottom-up"], ["aspirational", "committed"]
    return [
        FieldSpec("id", "text_input", 0, {"value": o.id if o else next_objective_id(okrs)}),
        FieldSpec(
            "cycle",
            "selectbox",
            1,
            {"options": cycles, "index": cycles.index(o.cycle if o else cycle), "accept_new_options": True},
        ),
        FieldSpec("title", "text_input", None, {"value": o.title if o else ""}),
        FieldSpec(
            "owner",
            "selectbox",
            0,
            {
                "options": owners,
                "index": owners.index(o.owner) if o else None,
                "accept_new_options": True,
                "placeholder": t("manage.owner_placeholder", lang),
            },
        ),
        FieldSpec(
            "level",
            "selectbox",
            1,
            {"options": levels, "index": levels.index(o.level if o else "individual")},
            {v: t(f"level.{v}", lang) for v in levels},
        ),
        FieldSpec(
            "parent",
            "selectbox",
            None,
            {"options": parents, "index": parents.index(o.parent or "") if o else 0},
            parent_labels,
        ),
        FieldSpec(
            "origin",
            "radio",
            0,
            {"options": origins, "index": origins.index(o.origin) if o else 0, "horizontal": True},
            {v: t(f"origin.{v}", lang) for v in origins},
        ),
        FieldSpec(
            "type",
            "radio",
            1,
            {"options": types, "index": types.index(o.type) if o else 0, "horizontal": True},
            {v: t(f"type.{v}", lang) for v in types},
        ),
    ]


def kr_fields(
    okrs: OKRFile, objective_id: str, kr: KeyResult | None, kind: Kind, shops: pd.DataFrame, lang: Lang
) -> list[FieldSpec]:
    """The KR form for one way of measuring: the stored values of `kr`, or suggestions for a new KR.

    Shop and platform choices are the shops that have data (`queries.shops`), plus a stored value that has none.
    """
    f = kr.filters if kr else {}
    out = [FieldSpec("id", "text_input", 0, {"value": kr.id if kr else next_kr_id(okrs, objective_id)})]
    if kind == "metric":
        metrics = list(CATALOGUE)
        index = metrics.index(kr.metric) if kr and kr.metric in metrics else 0
        labels = {m: metric_label(m, lang) for m in metrics}
        out.append(FieldSpec("metric", "selectbox", 1, {"options": metrics, "index": index}, labels))
    elif kind == "manual":
        score = float(kr.manual) if kr and kr.manual is not None else 0.0
        out.append(
            FieldSpec("manual", "number_input", 1, {"value": score, "min_value": 0.0, "max_value": 1.0, "step": 0.05})
        )
    out.append(FieldSpec("title", "text_input", None, {"value": kr.title if kr else ""}))
    if kind == "sql":
        out.append(FieldSpec("sql", "text_area", None, {"value": kr.sql if kr and kr.sql else SQL_EXAMPLE}))
    if kind != "manual":
        names = with_current(shops.get("shop", []), f.get("shop"))
        platforms = with_current(shops.get("platform", []), f.get("platform"))
        any_shop = {"": t("manage.any_shop", lang)}
        any_platform = {"": t("manage.any_platform", lang)}
        out += [
            FieldSpec(
                "filters.shop",
                "selectbox",
                0,
                {"options": names, "index": names.index(str(f.get("shop", "")))},
                any_shop | {s: s for s in names[1:]},
            ),
            FieldSpec(
                "filters.platform",
                "selectbox",
                1,
                {"options": platforms, "index": platforms.index(str(f.get("platform", "")))},
                any_platform | {p: p for p in platforms[1:]},
            ),
            FieldSpec("filters.product_id", "text_input", 0, {"value": str(f.get("product_id", ""))}),
        ]
        if kind == "metric":
            levels = ["", "shop", "product", "creative"]
            out += [
                FieldSpec("filters.creative_id", "text_input", 1, {"value": str(f.get("creative_id", ""))}),
                FieldSpec(
                    "level",
                    "selectbox",
                    0,
                    {"options": levels, "index": levels.index(kr.level or "") if kr else 0},
                    {v: t(f"manage.data_level.{v or 'auto'}", lang) for v in levels},
                    label="data_level",
                ),
                FieldSpec(
                    "pace",
                    "selectbox",
                    1,
                    {"options": list(PACES), "index": PACES.index(kr.pace) if kr else 0},
                    {v: t(f"ui.pace_method.{v}", lang) for v in PACES},
                ),
            ]
        step = step_for(kr)
        out += [
            FieldSpec("start", "number_input", 0, {"value": kr.start if kr else None, "format": "%g", "step": step}),
            FieldSpec("target", "number_input", 1, {"value": kr.target if kr else None, "format": "%g", "step": step}),
        ]
    return [
        *out,
        FieldSpec(
            "weight",
            "number_input",
            0,
            {"value": kr.weight if kr else 1.0, "min_value": 0.1, "step": 0.5, "format": "%g"},
        ),
        FieldSpec("deadline", "date_input", 1, {"value": kr.deadline if kr else None}),
    ]


def kr_kind(kr: KeyResult | None) -> Kind:
    """How a stored KR is measured, as the form's choice (a new KR: catalogue metric)."""
    if kr is None or kr.metric is not None:
        return "metric"
    return "sql" if kr.sql is not None else "manual"


def step_for(kr: KeyResult | None) -> float:
    """The +/- step of the start and target inputs: 0.001 for rates, 0.1 for multiples (ROI), else 1."""
    metric = CATALOGUE.get(kr.metric) if kr is not None and kr.metric else None
    if metric is None:
        return 1.0
    return {"rate": 0.001, "multiple": 0.1}.get(metric.unit, 1.0)


def with_current(values: Iterable[object], current: object | None) -> list[str]:
    """Picker options: "" (no filter) first, then the distinct values, plus the stored value if it is missing."""
    out = ["", *dict.fromkeys(str(v) for v in values if v is not None and str(v) != "")]
    if current not in (None, "") and str(current) not in out:
        out.append(str(current))
    return out


def parent_choices(okrs: OKRFile, cycle: str, level: str | None, self_id: str | None = None) -> list[Objective]:
    """Objectives of the same cycle on a higher level than `level` (None: any level that can have children)."""
    rank = LEVEL_RANK[level] if level in LEVEL_RANK else LEVEL_RANK["individual"]
    return [o for o in okrs.objectives if o.cycle == cycle and LEVEL_RANK[o.level] < rank and o.id != self_id]


def _next(prefix: str, taken: set[str], start: int) -> str:
    n = max(start, 1)
    while f"{prefix}{n}" in taken:
        n += 1
    return f"{prefix}{n}"


def next_objective_id(okrs: OKRFile) -> str:
    """A free id for a new objective: O<n> after the highest O<n> in use."""
    numbers = [int(m[1]) for o in okrs.objectives if (m := re.fullmatch(r"O(\d+)", o.id))]
    return _next("O", _all_ids(to_doc(okrs)), max(numbers, default=0) + 1)


def next_kr_id(okrs: OKRFile, objective_id: str) -> str:
    """A free id for a new KR of an objective: <objective>.KR<n>."""
    objective = next((o for o in okrs.objectives if o.id == objective_id), None)
    count = len(objective.key_results) if objective else 0
    return _next(f"{objective_id}.KR", _all_ids(to_doc(okrs)), count + 1)


def default_cycle(today: dt.date) -> str:
    """The quarter containing `today`, as a cycle id (2026-Q4), for a database without OKRs."""
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


def only_cycle(okrs: OKRFile, cycle: str) -> OKRFile:
    """The definitions of one cycle (its declaration and objectives) plus every A/B test, for export."""
    return OKRFile(
        cycles=[c for c in okrs.cycles if c.id == cycle],
        objectives=[o for o in okrs.objectives if o.cycle == cycle],
        ab_tests=okrs.ab_tests,
    )


def cycle_warnings(okrs: OKRFile, cycle: str) -> list[Problem]:
    """The OKR-method warnings that concern one cycle of the stored definitions: those at one of its objectives
    (by path) and those about the cycle as a whole (their `cycle` parameter)."""
    _, problems = validate(to_doc(okrs))
    out = []
    for p in problems:
        if p.severity != "warning":
            continue
        m = re.match(r"objectives\[(\d+)\]", p.path)
        if m and int(m[1]) < len(okrs.objectives):
            if okrs.objectives[int(m[1])].cycle == cycle:
                out.append(p)
        elif p.params.get("cycle") == cycle:
            out.append(p)
    return out


# --- YAML upload --------------------------------------------------------------------------------------


def read_upload(data: bytes) -> tuple[OKRFile | None, list[Problem]]:
    """An uploaded YAML file -> the validated definitions (None on any error) and every problem with its path."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, [Problem("(file)", "okr.not_utf8")]
    doc, problems = parse_yaml(text)
    if doc is None:
        return None, problems
    return validate(doc)


def preview(stored: OKRFile, new: OKRFile) -> tuple[Checked, list[Change]]:
    """What loading `new` would do: the merged definitions validated as a whole, and the field changes."""
    merged = merge_file(stored, new)
    checked = check(Edit(to_doc(merged), ""))
    return checked, diff_okrs(stored, merged) if checked.okrs is not None else []


def deleted_table(stored: OKRFile, merged: OKRFile, lang: Lang) -> pd.DataFrame:
    """The stored objectives that storing `merged` (a `preview` result) deletes: id, owner, title and cycle, one
    row each; empty when it deletes none. The page asks for an explicit confirmation when there are any."""
    rows = [(o.id, o.owner, o.title, o.cycle) for o in removed_objectives(stored, merged)]
    return pd.DataFrame(rows, columns=[field_label(n, lang) for n in ("id", "owner", "title", "cycle")])


def guarded(changes: Iterable[Change], locked: Iterable[str]) -> list[Change]:
    """Changes that need a reason because their cycle is locked (the rule of `store.save_okrs`)."""
    locked = set(locked)
    fields = ("start", "target", "(deleted)", "metric", "sql")
    return [c for c in changes if c.cycle in locked and c.entity == "key_result" and c.field in fields]


# --- locks and tables ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CycleState:
    """Whether a cycle is locked (start/target changes need a reason) or closed (grades frozen)."""

    locked_at: dt.datetime | None = None
    locked_by: str | None = None
    closed_at: dt.datetime | None = None

    @property
    def locked(self) -> bool:
        """Locked, by hand or by closing."""
        return self.locked_at is not None


def _value(v: object) -> Any:
    return None if v is None or (isinstance(v, float) and v != v) or v is pd.NaT else v


def cycle_state(locks: pd.DataFrame, cycle: str) -> CycleState:
    """The lock state of one cycle from `queries.cycle_locks` (columns id, locked_at, locked_by, closed_at)."""
    rows = locks[locks["id"] == cycle] if not locks.empty else locks
    if rows.empty:
        return CycleState()
    row = rows.iloc[0]
    stamp = lambda v: None if _value(v) is None else pd.Timestamp(v).to_pydatetime()  # noqa: E731
    return CycleState(stamp(row["locked_at"]), _value(row["locked_by"]), stamp(row["closed_at"]))


def locked_ids(locks: pd.DataFrame) -> set[str]:
    """The ids of locked cycles in `queries.cycle_locks` (closing a cycle locks it too)."""
    if locks.empty:
        return set()
    return set(locks.loc[locks["locked_at"].notna(), "id"])


def field_label(name: str, lang: Lang) -> str:
    """A definition field (or history field such as `(created)`) in words; unknown names stay as they are."""
    key = f"manage.field.{name}"
    text = t(key, lang)
    return name if text == key else text


def _cell(value: object, lang: Lang) -> str:
    """A stored old/new value as shown: empty for none, 3200000 rather than 3200000.0, yes/no for a lock."""
    if _value(value) is None:
        return ""
    text = str(value)
    if re.fullmatch(r"-?\d+\.0", text):
        return text[:-2]  # numbers are stored as the text of floats
    if text in ("true", "false"):
        return t(f"manage.bool.{text}", lang)
    return text


def history_table(history: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    """`queries.okr_history` with translated column names, entity kinds and field names."""
    out = history.copy()
    if "entity" in out:
        out["entity"] = out["entity"].map(lambda e: field_label(f"entity_{e}", lang) if isinstance(e, str) else e)
    if "field" in out:
        out["field"] = out["field"].map(lambda f: field_label(f, lang) if isinstance(f, str) else f)
    for column in ("old_value", "new_value", "reason"):
        if column in out:
            out[column] = out[column].map(lambda v: _cell(v, lang))
    columns = ("changed_at", "user_name", "cycle", "entity", "entity_id", "field", "old_value", "new_value", "reason")
    return out.rename(columns={c: t(f"manage.col.{c}", lang) for c in columns})


def changes_table(changes: Iterable[Change], lang: Lang) -> pd.DataFrame:
    """The preview of a load: one row per field change, translated like the history."""
    frame = pd.DataFrame(
        [(c.cycle, c.entity, c.entity_id, c.field, c.old, c.new) for c in changes],
        columns=["cycle", "entity", "entity_id", "field", "old_value", "new_value"],
    )
    return history_table(frame, lang)


def problems_table(problems: Iterable[Problem], lang: Lang) -> pd.DataFrame:
    """Problems as a table: severity, path (as in the YAML file) and the message in words."""
    rows = [(t(f"manage.severity.{p.severity}", lang), p.path, describe(p, lang)) for p in problems]
    return pd.DataFrame(rows, columns=[t(f"manage.col.{c}", lang) for c in ("severity", "path", "problem")])


def objectives_table(okrs: OKRFile, cycle: str, lang: Lang) -> pd.DataFrame:
    """The cycle's objectives at a glance: id, title, owner, level, parent, type and number of KRs."""
    rows = [
        (
            o.id,
            o.title,
            o.owner,
            t(f"level.{o.level}", lang),
            o.parent or "",
            t(f"type.{o.type}", lang),
            len(o.key_results),
        )
        for o in okrs.objectives
        if o.cycle == cycle
    ]
    names = ("id", "title", "owner", "level", "parent", "type", "key_results")
    return pd.DataFrame(rows, columns=[field_label(n, lang) for n in names])


def metric_label(metric: str, lang: Lang) -> str:
    """A catalogue metric as shown in the picker: its Chinese (or English) name and the YAML name."""
    return f"{t(f'metric.{metric}', lang)} · {metric}" if metric in CATALOGUE else metric


# --- problems in words --------------------------------------------------------------------------------


def _shown(value: object) -> str:
    """A found value as a person would write it: 5500000 rather than 5500000.0; lists without brackets."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, float):
        return f"{value:.10g}"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def describe(problem: Problem, lang: Lang, *, with_path: bool = False) -> str:
    """A problem in the reader's language: its message (rendered from its code, `i18n.render`; English starts
    with a capital as a sentence on the page does), the value found and what is allowed."""
    text = render(problem, lang)
    template = STRINGS.get(problem.code, ("", ""))[1]
    if lang == "en" and template[:1].islower():
        text = text[:1].upper() + text[1:]
    extras = []
    if problem.value is not None and problem.value != "" and not isinstance(problem.value, Mapping):
        extras.append(t("manage.problem.found", lang, value=_shown(problem.value)))
    if problem.allowed:
        extras.append(t("manage.problem.allowed", lang, allowed=allowed_text(problem.allowed, lang)))
    if extras:
        text += t("manage.problem.extras", lang, extras=t("manage.problem.sep", lang).join(extras))
    if with_path and problem.path:
        text = f"`{problem.path}` {text}"
    return text
