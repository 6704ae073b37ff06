"""Cleanup use cases: discover, plan (or reconcile a frozen plan), execute. Both front ends call
these; the work itself is in `hostwiz.provisioners.cleanup`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hostwiz import events as ev
from hostwiz.errors import BAD_INPUT, UserError
from hostwiz.provisioners.cleanup import CleanupPlan, Filters, build_plan, discover_all, load_frozen, reconcile
from hostwiz.provisioners.cleanup import execute as _execute
from hostwiz.provisioners.deletion import Outcome

from .session import Session

__all__ = ["CleanupPlan", "Filters", "parse_filters", "read_frozen", "plan", "plan_frozen", "execute"]


def parse_filters(name_prefix: str | None, tags: list[str] | None, vpc: str | None, older_than: str | None,
                  regions: list[str]) -> Filters:
    """The operator's filters, or a UserError naming the bad one (before any AWS call)."""
    try:
        return Filters.parse(name_prefix, tags, vpc, older_than, regions)
    except ValueError as err:
        raise UserError(f"--{err}", BAD_INPUT) from None


def read_frozen(path: Path) -> dict[str, Any]:
    try:
        return load_frozen(path)
    except ValueError as err:
        raise UserError(str(err), BAD_INPUT) from None


def plan(session: Session, filters: Filters, account: str, on_event: ev.Callback = ev.ignore) -> CleanupPlan:
    """Discover every kind in the filters' regions and plan what they select (a dry run)."""
    found = discover_all(session.aws, filters.regions or [session.aws.region], None, on_event)
    return build_plan(found, filters, account)


def plan_frozen(session: Session, frozen: dict[str, Any], account: str,
                on_event: ev.Callback = ev.ignore) -> CleanupPlan:
    """A reviewed plan checked against what exists now: it can only shrink."""
    kinds = sorted({item["kind"] for item in frozen["resources"]})
    found = discover_all(session.aws, frozen["regions"], kinds, on_event)
    try:
        return reconcile(frozen, found, account)
    except ValueError as err:
        raise UserError(str(err), BAD_INPUT) from None


def execute(session: Session, p: CleanupPlan, on_event: ev.Callback = ev.ignore) -> Outcome:
    return _execute(session.aws, p, on_event, settings=session.deletion)
