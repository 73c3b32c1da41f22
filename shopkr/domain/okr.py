"""OKR definitions: the YAML file's models, whole-file validation and the OKR-method warnings.

`validate(doc)` checks everything before anything is stored and reports every problem at once, each with
its path (`objectives[1].key_results[0].target`), the value and what is allowed.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from connectors.canonical import TABLES
from shopkr.domain.metrics import CATALOGUE, FILTERS, LEVEL_TABLE, check_sql, level_for

ObjectiveLevel = Literal["company", "department", "team", "individual"]
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
    """One finding: where, what, the value, what is allowed. `severity` is error or warning."""

    path: str
    message: str
    value: Any = None
    allowed: str | None = None
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
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
    problems = []
    for err in exc.errors():
        loc = err["loc"]
        if err["type"] == "extra_forbidden":
            problems.append(Problem(_loc(prefix, loc), "unknown field", None, None))
            continue
        allowed = None
        if err["type"] == "literal_error":
            allowed = err["ctx"].get("expected")
        problems.append(Problem(_loc(prefix, loc), err["msg"], err.get("input"), allowed))
    return problems


def parse_yaml(text: str) -> tuple[dict | None, list[Problem]]:
    """YAML text -> a mapping, or a problem saying where the YAML is broken."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "the file"
        return None, [Problem(where, f"not valid YAML: {getattr(exc, 'problem', exc)}")]
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        return None, [
            Problem("(file)", "the file must be a mapping with cycles/objectives/ab_tests", type(doc).__name__)
        ]
    return doc, []


def validate(doc: dict) -> tuple[OKRFile | None, list[Problem]]:
    """Check a whole OKR document; returns the parsed file (None if any error) and every error and warning."""
    problems: list[Problem] = []
    unknown = sorted(set(doc) - {"cycles", "objectives", "ab_tests"})
    for key in unknown:
        problems.append(Problem(key, "unknown section", None, "cycles, objectives, ab_tests"))
    parsed: dict[str, list] = {"cycles": [], "objectives": [], "ab_tests": []}
    models = {"cycles": Cycle, "objectives": Objective, "ab_tests": ABTestDef}
    for section, model in models.items():
        items = doc.get(section) or []
        if not isinstance(items, list):
            problems.append(Problem(section, "must be a list", type(items).__name__))
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


def _semantic(parsed: dict[str, list]) -> list[Problem]:
    out: list[Problem] = []
    cycles = {c.id: c for _, c in parsed["cycles"]}
    for i, c in parsed["cycles"]:
        if c.end < c.start:
            out.append(Problem(f"cycles[{i}].end", "ends before it starts", str(c.end)))
    seen: dict[str, str] = {}

    def unique(path: str, ident: str) -> None:
        if ident in seen:
            out.append(Problem(path, f"duplicate id (also at {seen[ident]})", ident))
        else:
            seen[ident] = path

    for i, c in parsed["cycles"]:
        unique(f"cycles[{i}].id", c.id)
    objectives = {o.id: (i, o) for i, o in parsed["objectives"]}
    for i, o in parsed["objectives"]:
        unique(f"objectives[{i}].id", o.id)
        cycle = cycles.get(o.cycle) or implied_cycle(o.cycle)
        if cycle is None:
            out.append(
                Problem(
                    f"objectives[{i}].cycle",
                    "unknown cycle",
                    o.cycle,
                    "a cycle declared under cycles:, or an id like 2026-Q4, 2026-11, 2026",
                )
            )
        if o.parent is not None:
            if o.parent not in objectives:
                out.append(Problem(f"objectives[{i}].parent", "no objective has this id", o.parent))
            else:
                parent = objectives[o.parent][1]
                if LEVEL_RANK[parent.level] >= LEVEL_RANK[o.level]:
                    out.append(
                        Problem(
                            f"objectives[{i}].parent",
                            f"the parent is a {parent.level} objective, not on a higher level than this "
                            f"{o.level} objective",
                            o.parent,
                            "company > department > team > individual",
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
            out.append(Problem(f"{path}.end", "ends before it starts", str(t.end)))
        if len(set(t.variants)) != len(t.variants):
            out.append(Problem(f"{path}.variants", "a creative id is listed twice", t.variants))
        if t.control is not None and t.control not in t.variants:
            out.append(Problem(f"{path}.control", "is not one of the variants", t.control, ", ".join(t.variants)))
        if t.weights is not None and (len(t.weights) != len(t.variants) or any(w <= 0 for w in t.weights)):
            out.append(Problem(f"{path}.weights", "needs one positive weight per variant", t.weights))
    out += _method_warnings(parsed["objectives"], cycles)
    return out


def _check_kr(path: str, kr: KeyResult, cycle: Cycle | None) -> list[Problem]:
    out: list[Problem] = []
    ways = [w for w in ("metric", "sql", "manual") if getattr(kr, w) is not None]
    if len(ways) != 1:
        found = ", ".join(ways) if ways else "none"
        return [Problem(path, f"a KR needs exactly one of metric, sql or manual (found: {found})")]
    for name in kr.filters:
        if name not in FILTERS:
            out.append(Problem(f"{path}.filters.{name}", "unknown filter", name, ", ".join(FILTERS)))
    if kr.manual is not None:
        if not 0.0 <= kr.manual <= 1.0:
            out.append(Problem(f"{path}.manual", "a manual score must be between 0.0 and 1.0", kr.manual, "0.0-1.0"))
        return out
    if kr.target is None:
        out.append(Problem(f"{path}.target", "a metric or SQL KR needs a target (amount)"))
    if kr.metric is not None:
        metric = CATALOGUE.get(kr.metric)
        if metric is None:
            out.append(Problem(f"{path}.metric", "unknown metric", kr.metric, ", ".join(CATALOGUE)))
        else:
            level = level_for(kr.filters, kr.level)
            table_columns = TABLES[LEVEL_TABLE[level]].columns
            for name in kr.filters:
                if name in FILTERS and name not in table_columns:
                    out.append(
                        Problem(
                            f"{path}.filters.{name}",
                            f"{LEVEL_TABLE[level]} has no {name}: remove the filter or set level",
                            name,
                            "level: product for product_id, level: creative for creative_id",
                        )
                    )
            if level not in metric.levels():
                out.append(
                    Problem(
                        f"{path}.metric",
                        f"{kr.metric} is not in {LEVEL_TABLE[level]}",
                        kr.metric,
                        "levels " + ", ".join(metric.levels()),
                    )
                )
            if metric.kind == "ratio" and kr.start is None:
                out.append(Problem(f"{path}.start", f"{kr.metric} is a rate: say where it starts (e.g. start: 0.03)"))
            if metric.unit == "rate":
                out += _rate_problems(path, kr)
    if kr.sql is not None:
        for message in check_sql(kr.sql):
            out.append(Problem(f"{path}.sql", message))
        if kr.start is None:
            out.append(
                Problem(
                    f"{path}.start",
                    f"SQL KR {kr.id} has no start, so it is scored from 0; set start when the query returns a rate "
                    "(e.g. start: 0.03)",
                    severity="warning",
                )
            )
    if kr.target is not None and kr.target == kr.start_value and (kr.start is not None or kr.kind in ("sum", "sql")):
        out.append(Problem(f"{path}.target", "the target equals the start, so there is nothing to achieve", kr.target))
    if cycle is not None and kr.deadline is not None and not cycle.start <= kr.deadline <= cycle.end:
        out.append(
            Problem(f"{path}.deadline", "is outside its cycle", str(kr.deadline), f"{cycle.start} to {cycle.end}")
        )
    return out


def _rate_problems(path: str, kr: KeyResult) -> list[Problem]:
    """A rate metric's start and target are fractions (0.035 for 3.5%): a value outside 0-1 is an error, and one
    up to 100 was most likely typed as a percent, so the message offers the fraction."""
    out = []
    for name in ("start", "target"):
        value = getattr(kr, name)
        if value is None or 0.0 <= value <= 1.0:
            continue
        message = f"{kr.metric} is a rate: write it as a fraction between 0 and 1 (0.035 for 3.5%)"
        if 1.0 < value <= 100.0:
            message += f"; did you mean {value / 100:.10g}?"
        out.append(Problem(f"{path}.{name}", message, value, "0-1"))
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
                    f"{owner} has {n} objectives in {cycle}; the method says at most {MAX_OBJECTIVES_PER_OWNER}: focus",
                    n,
                    severity="warning",
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
                    f"only {bottom_up} of {len(objs)} objectives in {cycle_id} come bottom-up; the "
                    "method suggests about half",
                    None,
                    severity="warning",
                )
            )
        cycle = cycles.get(cycle_id) or implied_cycle(cycle_id)
        if cycle is not None:
            if cycle.days < 28:
                out.append(
                    Problem(f"cycle {cycle_id}", f"is {cycle.days} days, shorter than a month", severity="warning")
                )
            elif cycle.days > 92:
                out.append(
                    Problem(
                        f"cycle {cycle_id}",
                        f"is {cycle.days} days, longer than a quarter: annual OKRs are guidance; "
                        "score KRs in quarterly or monthly cycles",
                        severity="warning",
                    )
                )
    by_id = {o.id: o for _, o in objectives}
    for i, o in objectives:
        if len(o.key_results) > MAX_KRS_PER_OBJECTIVE:
            out.append(
                Problem(
                    f"objectives[{i}].key_results",
                    f"{len(o.key_results)} KRs; the method says at most {MAX_KRS_PER_OBJECTIVE}",
                    severity="warning",
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
                    f"repeats KR {parent_krs[_norm(o.title)].id} of the parent objective; "
                    "a KR of the level above is not copied down as an objective: say what this team will change",
                    o.title,
                    severity="warning",
                )
            )
        for j, kr in enumerate(o.key_results):
            for pk in parent.key_results:
                if kr.metric and kr.metric == pk.metric and kr.filters == pk.filters and kr.target == pk.target:
                    out.append(
                        Problem(
                            f"objectives[{i}].key_results[{j}]",
                            f"is the same measure and target as parent KR {pk.id}",
                            kr.id,
                            severity="warning",
                        )
                    )
    return out


def dump_yaml(okrs: OKRFile) -> str:
    """The OKR file as YAML (the same shape `validate` reads; a load of the output gives the same data)."""
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
