"""OKR definitions: the YAML file's models, whole-file validation and the OKR-method warnings.

`validate(doc)` checks everything before anything is stored and reports every problem at once, each with
its path (`objectives[1].key_results[0].target`), the value and what is allowed.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from connectors.canonical import TABLES
from shopkr.domain.messages import Message, pydantic_message
from shopkr.domain.metrics import CATALOGUE, FILTERS, LEVEL_TABLE, check_sql, level_for

ObjectiveLevel = Literal["company", "department", "team", "individual"]
PaceChoice = Literal["auto", "last_year", "calendar", "linear"]
LEVEL_RANK = {"company": 0, "department": 1, "team": 2, "individual": 3}
MAX_OBJECTIVES_PER_OWNER = 5
MAX_KRS_PER_OBJECTIVE = 4


class _Model(BaseModel):
    # No inf/nan numbers (YAML .inf, .nan): a score computed from them is meaningless and JSON cannot carry it.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def _text(value: Any) -> Any:
    """YAML numbers where text is meant (id: 1, cycle: 2026, product_id: 988298012104) become text."""
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


class Cycle(_Model):
    """A scoring period: quarterly or monthly; annual cycles are guidance."""

    id: str
    start: dt.date
    end: dt.date

    _id_text = field_validator("id", mode="before")(_text)

    @property
    def days(self) -> int:
        """Length in days, both ends included."""
        return (self.end - self.start).days + 1


class KeyResult(_Model):
    """A KR: a catalogue metric with filters, or a read-only SQL query, or a manual 0-1 score."""

    id: str
    title: str
    metric: str | None = None
    sql: str | None = None
    manual: float | None = None
    filters: dict[str, str | int] = Field(default_factory=dict)
    level: Literal["shop", "product", "creative"] | None = None
    start: float | None = None
    target: float | None = None
    weight: float = Field(default=1.0, gt=0)
    deadline: dt.date | None = None
    # The expected path to the target (issue 10; shopkr/domain/forecast.py): auto picks last_year, calendar or
    # linear from the data. Only catalogue metrics have a shape; SQL and manual KRs pace linearly.
    pace: PaceChoice = "auto"

    _id_text = field_validator("id", mode="before")(_text)

    @field_validator("filters", mode="before")
    @classmethod
    def _ids_as_text(cls, value: Any) -> Any:
        # IDs may be written as YAML numbers (product_id: 988298012104); they compare as text.
        if isinstance(value, dict):
            return {k: _text(v) for k, v in value.items()}
        return value

    @property
    def kind(self) -> Literal["sum", "ratio", "sql", "manual"]:
        """How the KR is measured."""
        if self.manual is not None and self.metric is None and self.sql is None:
            return "manual"
        if self.sql is not None:
            return "sql"
        return CATALOGUE[self.metric].kind if self.metric in CATALOGUE else "sum"

    @property
    def start_value(self) -> float:
        """The start value: 0 when omitted (sums; SQL KRs, with a warning); a rate always has one."""
        return self.start if self.start is not None else 0.0

    @property
    def measure(self) -> Measure:
        """How the KR is measured, as one of the three typed measures (the engine matches on it)."""
        if self.kind == "manual":
            return ManualMeasure(self.manual)
        if self.sql is not None:
            return SQLMeasure(self.sql)
        return MetricMeasure(self.metric or "", self.level)


@dataclass(frozen=True)
class MetricMeasure:
    """A catalogue metric (shopkr/domain/metrics.py CATALOGUE) over the KR's filters at `level` (None: the
    level the filters imply)."""

    metric: str
    level: Literal["shop", "product", "creative"] | None = None


@dataclass(frozen=True)
class SQLMeasure:
    """A read-only SQL query giving one number (shopkr/domain/metrics.run_sql)."""

    sql: str


@dataclass(frozen=True)
class ManualMeasure:
    """A score the owner types, 0.0-1.0 (None until typed)."""

    score: float | None


Measure = MetricMeasure | SQLMeasure | ManualMeasure


class Objective(_Model):
    """An objective of one owner in one cycle, with up to 4 KRs."""

    id: str
    cycle: str
    title: str
    owner: str
    level: ObjectiveLevel = "individual"
    parent: str | None = None
    origin: Literal["top-down", "bottom-up"] = "top-down"
    type: Literal["aspirational", "committed"] = "aspirational"
    key_results: list[KeyResult] = Field(default_factory=list)

    _text_fields = field_validator("id", "cycle", "parent", "owner", mode="before")(_text)


class ABTestDef(_Model):
    """A main-image A/B test over imported creatives."""

    id: str
    title: str
    shop: str
    variants: list[str] = Field(min_length=2, max_length=8)
    control: str | None = None
    start: dt.date
    end: dt.date
    metric: Literal["ctr", "cvr"] = "ctr"
    weights: list[float] | None = None
    product_id: str | None = None
    names: dict[str, str] = Field(default_factory=dict)

    @field_validator("variants", mode="before")
    @classmethod
    def _variant_ids_as_text(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [str(v) if isinstance(v, int) else v for v in value]
        return value

    @field_validator("control", "product_id", mode="before")
    @classmethod
    def _id_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value

    @property
    def control_id(self) -> str:
        """The control variant (the first one unless named)."""
        return self.control or self.variants[0]


class OKRFile(_Model):
    """Everything an OKR YAML file holds."""

    cycles: list[Cycle] = Field(default_factory=list)
    objectives: list[Objective] = Field(default_factory=list)
    ab_tests: list[ABTestDef] = Field(default_factory=list)


@dataclass(frozen=True)
class Problem:
    """One finding: where (`path`, as in the YAML file), what (`code` with its `params`, a message code; the words
    are in shopkr/app/i18n.py, see `i18n.problem_text`), the value found, and what is allowed (`allowed`: values
    as text such as "0-1", or a Message when it takes words). `severity` is error or warning."""

    path: str
    code: str
    value: Any = None
    allowed: str | Message | None = None
    severity: Literal["error", "warning"] = "error"
    params: Mapping[str, object] = field(default_factory=dict)

    @property
    def message(self) -> Message:
        """What is wrong as a message: the code and its parameters."""
        return Message(self.code, self.params)

    def __str__(self) -> str:
        """Path, code and parameters (for logs and test output; people read `i18n.problem_text`)."""
        text = f"{self.path}: {self.message}"
        if self.value is not None:
            text += f" (found {self.value!r})"
        if self.allowed:
            text += f"; allowed: {self.allowed}"
        return text


# --- cycles -------------------------------------------------------------------------------------------

_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_YEAR = re.compile(r"^(\d{4})$")


def implied_cycle(cycle_id: str) -> Cycle | None:
    """The cycle an id like 2026-Q4, 2026-11 or 2026 stands for, without a declaration; None otherwise."""
    if m := _QUARTER.match(cycle_id):
        year, q = int(m[1]), int(m[2])
        start = dt.date(year, 3 * q - 2, 1)
        end_month = 3 * q
        return Cycle(id=cycle_id, start=start, end=dt.date(year, end_month, calendar.monthrange(year, end_month)[1]))
    if (m := _MONTH.match(cycle_id)) and 1 <= int(m[2]) <= 12:
        year, month = int(m[1]), int(m[2])
        return Cycle(
            id=cycle_id, start=dt.date(year, month, 1), end=dt.date(year, month, calendar.monthrange(year, month)[1])
        )
    if m := _YEAR.match(cycle_id):
        return Cycle(id=cycle_id, start=dt.date(int(m[1]), 1, 1), end=dt.date(int(m[1]), 12, 31))
    return None


def resolve_cycles(okrs: OKRFile) -> dict[str, Cycle]:
    """Declared cycles plus the implied ones the objectives and their ids use."""
    cycles = {c.id: c for c in okrs.cycles}
    for o in okrs.objectives:
        if o.cycle not in cycles and (c := implied_cycle(o.cycle)):
            cycles[o.cycle] = c
    return cycles


# --- validation ---------------------------------------------------------------------------------------


def _loc(prefix: str, loc: tuple) -> str:
    path = prefix
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _pydantic_problems(prefix: str, exc: ValidationError) -> list[Problem]:
    """pydantic's errors as problems, translated from each error's `type` and `ctx` (never its English `msg`)."""
    problems = []
    for err in exc.errors():
        path, message = _loc(prefix, err["loc"]), pydantic_message(err)
        if err["type"] == "extra_forbidden":
            problems.append(Problem(path, message.code))
            continue
        allowed = (err.get("ctx") or {}).get("expected") if err["type"] == "literal_error" else None
        problems.append(Problem(path, message.code, err.get("input"), allowed, params=message.params))
    return problems


def parse_yaml(text: str) -> tuple[dict | None, list[Problem]]:
    """YAML text -> a mapping, or a problem saying where the YAML is broken."""
    import yaml  # here: scoring stored OKRs reads no YAML

    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "the file"
        return None, [Problem(where, "okr.bad_yaml", params={"detail": str(getattr(exc, "problem", exc))})]
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        return None, [Problem("(file)", "okr.not_mapping", type(doc).__name__)]
    return doc, []


def validate(doc: dict) -> tuple[OKRFile | None, list[Problem]]:
    """Check a whole OKR document; returns the parsed file (None if any error) and every error and warning."""
    problems: list[Problem] = []
    unknown = sorted(set(doc) - {"cycles", "objectives", "ab_tests"})
    for key in unknown:
        problems.append(Problem(key, "okr.unknown_section", None, "cycles, objectives, ab_tests"))
    parsed: dict[str, list] = {"cycles": [], "objectives": [], "ab_tests": []}
    models = {"cycles": Cycle, "objectives": Objective, "ab_tests": ABTestDef}
    for section, model in models.items():
        items = doc.get(section) or []
        if not isinstance(items, list):
            problems.append(Problem(section, "okr.not_list", type(items).__name__))
            continue
        for i, raw in enumerate(items):
            try:
                parsed[section].append((i, model.model_validate(raw)))
            except ValidationError as exc:
                problems += _pydantic_problems(f"{section}[{i}]", exc)
    problems += _semantic(parsed)
    if any(p.severity == "error" for p in problems):
        return None, problems
    okrs = OKRFile(
        cycles=[c for _, c in parsed["cycles"]],
        objectives=[o for _, o in parsed["objectives"]],
        ab_tests=[t for _, t in parsed["ab_tests"]],
    )
    return okrs, problems


def cycle_warnings(okrs: OKRFile, cycle_id: str) -> list[Problem]:
    """The OKR-method warnings (and any semantic problem) of one cycle's objectives in already-validated
    definitions, with paths as in a file holding only that cycle's objectives: the checks `validate` runs
    after parsing, without dumping and parsing the models again (scoring a cycle asks for them every time)."""
    parsed = {
        "cycles": list(enumerate(okrs.cycles)),
        "objectives": list(enumerate(o for o in okrs.objectives if o.cycle == cycle_id)),
        "ab_tests": [],
    }
    return _semantic(parsed)


def _semantic(parsed: dict[str, list]) -> list[Problem]:
    out: list[Problem] = []
    cycles = {c.id: c for _, c in parsed["cycles"]}
    for i, c in parsed["cycles"]:
        if c.end < c.start:
            out.append(Problem(f"cycles[{i}].end", "okr.ends_before", str(c.end)))
    seen: dict[str, str] = {}

    def unique(path: str, ident: str) -> None:
        if ident in seen:
            out.append(Problem(path, "okr.duplicate_id", ident, params={"other": seen[ident]}))
        else:
            seen[ident] = path

    for i, c in parsed["cycles"]:
        unique(f"cycles[{i}].id", c.id)
    objectives = {o.id: (i, o) for i, o in parsed["objectives"]}
    for i, o in parsed["objectives"]:
        unique(f"objectives[{i}].id", o.id)
        cycle = cycles.get(o.cycle) or implied_cycle(o.cycle)
        if cycle is None:
            out.append(Problem(f"objectives[{i}].cycle", "okr.unknown_cycle", o.cycle, Message("okr.allowed_cycle")))
        if o.parent is not None:
            if o.parent not in objectives:
                out.append(Problem(f"objectives[{i}].parent", "okr.no_objective", o.parent))
            else:
                parent = objectives[o.parent][1]
                if LEVEL_RANK[parent.level] >= LEVEL_RANK[o.level]:
                    out.append(
                        Problem(
                            f"objectives[{i}].parent",
                            "okr.parent_level",
                            o.parent,
                            Message("okr.allowed_level_order"),
                            params={"plevel": Message(f"level.{parent.level}"), "level": Message(f"level.{o.level}")},
                        )
                    )
        for j, kr in enumerate(o.key_results):
            path = f"objectives[{i}].key_results[{j}]"
            unique(f"{path}.id", kr.id)
            out += _check_kr(path, kr, cycle)
    for i, t in parsed["ab_tests"]:
        path = f"ab_tests[{i}]"
        unique(f"{path}.id", t.id)
        if t.end < t.start:
            out.append(Problem(f"{path}.end", "okr.ends_before", str(t.end)))
        if len(set(t.variants)) != len(t.variants):
            out.append(Problem(f"{path}.variants", "okr.variant_twice", t.variants))
        if t.control is not None and t.control not in t.variants:
            out.append(Problem(f"{path}.control", "okr.control_not_variant", t.control, ", ".join(t.variants)))
        if t.weights is not None and (len(t.weights) != len(t.variants) or any(w <= 0 for w in t.weights)):
            out.append(Problem(f"{path}.weights", "okr.weights", t.weights))
    out += _method_warnings(parsed["objectives"], cycles)
    return out


def _check_kr(path: str, kr: KeyResult, cycle: Cycle | None) -> list[Problem]:
    out: list[Problem] = []
    ways = [w for w in ("metric", "sql", "manual") if getattr(kr, w) is not None]
    if len(ways) != 1:
        found: str | Message = ", ".join(ways) if ways else Message("okr.found_none")
        return [Problem(path, "okr.one_measure", params={"found": found})]
    for name in kr.filters:
        if name not in FILTERS:
            out.append(Problem(f"{path}.filters.{name}", "okr.unknown_filter", name, ", ".join(FILTERS)))
    if kr.metric is None and kr.pace not in ("auto", "linear"):
        out.append(Problem(f"{path}.pace", "okr.pace_needs_metric", kr.pace, "auto, linear"))
    if kr.manual is not None:
        if not 0.0 <= kr.manual <= 1.0:
            out.append(Problem(f"{path}.manual", "okr.manual_range", kr.manual, "0.0-1.0"))
        return out
    if kr.target is None:
        out.append(Problem(f"{path}.target", "okr.needs_target"))
    if kr.metric is not None:
        metric = CATALOGUE.get(kr.metric)
        if metric is None:
            out.append(Problem(f"{path}.metric", "okr.unknown_metric", kr.metric, ", ".join(CATALOGUE)))
        else:
            level = level_for(kr.filters, kr.level)
            table_columns = TABLES[LEVEL_TABLE[level]].columns
            for name in kr.filters:
                if name in FILTERS and name not in table_columns:
                    out.append(
                        Problem(
                            f"{path}.filters.{name}",
                            "okr.filter_not_in_table",
                            name,
                            Message("okr.allowed_filter_level"),
                            params={"table": LEVEL_TABLE[level], "name": name},
                        )
                    )
            if level not in metric.levels():
                out.append(
                    Problem(
                        f"{path}.metric",
                        "okr.metric_level",
                        kr.metric,
                        Message.make("okr.allowed_metric_levels", levels=", ".join(metric.levels())),
                        params={"metric": kr.metric, "table": LEVEL_TABLE[level]},
                    )
                )
            if metric.kind == "ratio" and kr.start is None:
                out.append(Problem(f"{path}.start", "okr.rate_needs_start", params={"metric": kr.metric}))
            if metric.unit == "rate":
                out += _rate_problems(path, kr)
    if kr.sql is not None:
        for message in check_sql(kr.sql):
            out.append(Problem(f"{path}.sql", message.code, params=message.params))
        if kr.start is None:
            out.append(Problem(f"{path}.start", "okr.sql_start_default", severity="warning", params={"kr": kr.id}))
    if kr.target is not None and kr.target == kr.start_value and (kr.start is not None or kr.kind in ("sum", "sql")):
        out.append(Problem(f"{path}.target", "okr.target_eq_start", kr.target))
    if cycle is not None and kr.deadline is not None and not cycle.start <= kr.deadline <= cycle.end:
        dates = Message.make("okr.allowed_dates", start=str(cycle.start), end=str(cycle.end))
        out.append(Problem(f"{path}.deadline", "okr.deadline_outside", str(kr.deadline), dates))
    return out


def _rate_problems(path: str, kr: KeyResult) -> list[Problem]:
    """A rate metric's start and target are fractions (0.035 for 3.5%): a value outside 0-1 is an error, and one
    up to 100 was most likely typed as a percent, so the message offers the fraction."""
    out = []
    for name in ("start", "target"):
        value = getattr(kr, name)
        if value is None or 0.0 <= value <= 1.0:
            continue
        if 1.0 < value <= 100.0:
            params = {"metric": kr.metric, "suggestion": float(f"{value / 100:.10g}")}
            out.append(Problem(f"{path}.{name}", "okr.rate_percent", value, "0-1", params=params))
        else:
            out.append(Problem(f"{path}.{name}", "okr.rate_fraction", value, "0-1", params={"metric": kr.metric}))
    return out


def _norm(text: str) -> str:
    return re.sub(r"[\s,，。.:：!！、]+", "", text).lower()


def _method_warnings(objectives: list[tuple[int, Objective]], cycles: dict[str, Cycle]) -> list[Problem]:
    out: list[Problem] = []
    per_owner: Counter[tuple[str, str]] = Counter((o.owner, o.cycle) for _, o in objectives)
    for (owner, cycle), n in sorted(per_owner.items()):
        if n > MAX_OBJECTIVES_PER_OWNER:
            out.append(
                Problem(
                    "objectives",
                    "okr.w_owner",
                    n,
                    severity="warning",
                    params={"owner": owner, "n": n, "cycle": cycle, "max": MAX_OBJECTIVES_PER_OWNER},
                )
            )
    by_cycle: dict[str, list[Objective]] = defaultdict(list)
    for _, o in objectives:
        by_cycle[o.cycle].append(o)
    for cycle_id, objs in sorted(by_cycle.items()):
        bottom_up = sum(o.origin == "bottom-up" for o in objs)
        if bottom_up * 2 < len(objs):
            out.append(
                Problem(
                    "objectives",
                    "okr.w_bottom_up",
                    severity="warning",
                    params={"k": bottom_up, "n": len(objs), "cycle": cycle_id},
                )
            )
        cycle = cycles.get(cycle_id) or implied_cycle(cycle_id)
        if cycle is not None:
            if cycle.days < 28:
                params = {"days": cycle.days, "cycle": cycle_id}
                out.append(Problem(f"cycle {cycle_id}", "okr.w_short", severity="warning", params=params))
            elif cycle.days > 92:
                params = {"days": cycle.days, "cycle": cycle_id}
                out.append(Problem(f"cycle {cycle_id}", "okr.w_long", severity="warning", params=params))
    by_id = {o.id: o for _, o in objectives}
    for i, o in objectives:
        if len(o.key_results) > MAX_KRS_PER_OBJECTIVE:
            out.append(
                Problem(
                    f"objectives[{i}].key_results",
                    "okr.w_krs",
                    severity="warning",
                    params={"n": len(o.key_results), "max": MAX_KRS_PER_OBJECTIVE},
                )
            )
        parent = by_id.get(o.parent) if o.parent else None
        if parent is None:
            continue
        parent_krs = {_norm(k.title): k for k in parent.key_results}
        if _norm(o.title) in parent_krs:
            out.append(
                Problem(
                    f"objectives[{i}].title",
                    "okr.w_repeat",
                    o.title,
                    severity="warning",
                    params={"kr": parent_krs[_norm(o.title)].id},
                )
            )
        for j, kr in enumerate(o.key_results):
            for pk in parent.key_results:
                if kr.metric and kr.metric == pk.metric and kr.filters == pk.filters and kr.target == pk.target:
                    out.append(
                        Problem(
                            f"objectives[{i}].key_results[{j}]",
                            "okr.w_same_kr",
                            kr.id,
                            severity="warning",
                            params={"kr": pk.id},
                        )
                    )
    return out


def dump_yaml(okrs: OKRFile) -> str:
    """The OKR file as YAML (the same shape `validate` reads; a load of the output gives the same data)."""
    import yaml

    data = okrs.model_dump(mode="json", exclude_none=True)
    for o in data.get("objectives", []):
        for kr in o.get("key_results", []):
            if not kr.get("filters"):
                kr.pop("filters", None)
            if kr.get("weight") == 1.0:
                kr.pop("weight")
    for t in data.get("ab_tests", []):
        if not t.get("names"):
            t.pop("names", None)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=110)


def merge_file(stored: OKRFile, new: OKRFile) -> OKRFile:
    """The definitions after loading `new`: the objectives of each cycle that has objectives in `new` replace the
    stored ones of that cycle; other cycles are kept, also those only declared in its `cycles:` header (a header
    copied from another file deletes nothing). Cycle definitions and A/B tests are replaced by id, others kept.
    What this deletes is `store.removed_objectives(stored, result)`; `okrs load` asks for --replace first."""
    cycles_in_file = {o.cycle for o in new.objectives}
    new_cycles = {c.id for c in new.cycles}
    new_tests = {t.id for t in new.ab_tests}
    return OKRFile(
        cycles=[c for c in stored.cycles if c.id not in new_cycles] + list(new.cycles),
        objectives=[o for o in stored.objectives if o.cycle not in cycles_in_file] + list(new.objectives),
        ab_tests=[t for t in stored.ab_tests if t.id not in new_tests] + list(new.ab_tests),
    )
