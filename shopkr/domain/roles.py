"""Who may do what (issue 12): three roles, one rule table, one check every write function calls.

The OKR method keeps OKRs public, so every role sees everything; the roles only decide writes:

- **viewer**: no writes.
- **editor**: edits the objectives they own and those aligned below them (the objectives whose `parent` chain
  reaches one of theirs), checks in on the KRs of those objectives, imports data, creates A/B tests, writes
  notes on the charts and their own quarter-end reviews.
- **admin**: everything, including users, locking, closing and clearing the demo.

`Identity.local()` is the single-user local mode (no users stored and no sign-in provider): the person at the
keyboard holds the file and may do everything, as before sign-in existed. The CLI is not role-checked either
(it is a local tool for whoever holds the file). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, get_args

from shopkr.domain.messages import Message
from shopkr.domain.okr import Objective, OKRFile

Role = Literal["viewer", "editor", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)

Action = Literal[
    "edit_okrs",  # edit or delete an objective and its KRs (scoped for editors)
    "create_objective",  # create objectives (an editor's are theirs or aligned below theirs: check_okr_changes)
    "checkin",  # check in on a KR (scoped for editors)
    "review",  # grade and answer the quarter-end review (scoped for editors)
    "annotate",  # write a note on the charts
    "import",  # import exports
    "ab_test",  # create an A/B test
    "lock",  # lock or unlock a cycle
    "close",  # close a cycle (freeze grades)
    "demo",  # load or clear the demo
    "users",  # add, change or remove users
]
ACTIONS: tuple[Action, ...] = get_args(Action)

EDITOR_ACTIONS: frozenset[Action] = frozenset(
    {"edit_okrs", "create_objective", "checkin", "review", "annotate", "import", "ab_test"}
)
SCOPED: frozenset[Action] = frozenset({"edit_okrs", "checkin", "review"})  # editors: only their own objectives


@dataclass(frozen=True)
class Identity:
    """Who is acting: a user name and role; `local` for single-user local mode (no sign-in: may do everything)."""

    name: str
    role: Role
    local: bool = False

    @classmethod
    def local_user(cls, name: str) -> Identity:
        """The person at the keyboard in single-user local mode (an admin)."""
        return cls(name, "admin", local=True)


class Refused(PermissionError):
    """The identity's role does not allow the action; `message` (also `code` and `params`, so i18n.render takes
    the error itself) says which and what to do."""

    def __init__(self, message: Message) -> None:
        super().__init__(str(message))
        self.message = message
        self.code, self.params = message.code, message.params


def own_objectives(name: str, objectives: Iterable[Objective]) -> set[str]:
    """Ids of the objectives `name` owns and every objective aligned below them (parent chains, any depth, in any
    cycle). An objective whose parent chain loops is taken as far as the loop."""
    objectives = list(objectives)
    children: dict[str, list[str]] = {}
    for o in objectives:
        if o.parent:
            children.setdefault(o.parent, []).append(o.id)
    found: set[str] = set()
    todo = [o.id for o in objectives if o.owner == name]
    while todo:
        oid = todo.pop()
        if oid not in found:
            found.add(oid)
            todo.extend(children.get(oid, ()))
    return found


def allowed(who: Identity, action: Action, objective: str | None = None, scope: set[str] | None = None) -> bool:
    """May `who` do `action`? For the scoped actions (SCOPED) an editor needs `objective` (an id) in `scope`
    (own_objectives of the editor); admins and local mode may always."""
    if who.local or who.role == "admin":
        return True
    if who.role != "editor" or action not in EDITOR_ACTIONS:
        return False
    if action in SCOPED:
        return objective is not None and scope is not None and objective in scope
    return True


def check(who: Identity, action: Action, objective: str | None = None, scope: set[str] | None = None) -> None:
    """Raise Refused (code `auth.refused`, or `auth.not_yours` for another owner's objective) unless allowed."""
    if allowed(who, action, objective, scope):
        return
    if who.role == "editor" and action in SCOPED:
        raise Refused(Message.make("auth.not_yours", user=who.name, objective=objective or ""))
    raise Refused(Message.make("auth.refused", user=who.name, role=who.role, action=action))


def check_okr_changes(who: Identity, old: OKRFile, new: OKRFile) -> None:
    """Check a whole new set of OKR definitions against the stored one for `who`: every objective created,
    changed or deleted must be one `who` may edit before the change (when it existed) and after it (when it
    still exists; an editor may create objectives they own or align below theirs, and may not hand one over
    out of their reach); A/B tests changed need `ab_test`; cycle definitions changed need `lock` (admins).
    Raises Refused for the first objective, test or cycle not allowed."""
    if who.local or who.role == "admin":
        return
    before = {o.id: o for o in old.objectives}
    after = {o.id: o for o in new.objectives}
    scope_before = own_objectives(who.name, old.objectives)
    scope_after = own_objectives(who.name, new.objectives)
    for oid in sorted(before.keys() | after.keys()):
        if before.get(oid) == after.get(oid):
            continue
        if oid in before:
            check(who, "edit_okrs", oid, scope_before)
        if oid in after:
            check(who, "edit_okrs", oid, scope_after)
    if {t.id: t for t in old.ab_tests} != {t.id: t for t in new.ab_tests}:
        check(who, "ab_test")
    if {c.id: c for c in old.cycles} != {c.id: c for c in new.cycles}:
        check(who, "lock")
