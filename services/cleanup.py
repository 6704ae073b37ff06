"""Cleanup use cases: discover, plan (or reconcile a frozen plan), execute. Both front ends call
these; the work itself is in `hostwiz.provisioners.cleanup`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hostwiz import events as ev
from hostwiz.errors import BAD_INPUT, UserError
from hostwiz.ledger import all_stacks
from hostwiz.provisioners.cleanup import CleanupPlan, Filters, build_plan, discover_all, load_frozen, reconcile
from hostwiz.provisioners.cleanup import execute as _execute
from hostwiz.provisioners.deletion import Outcome

from .session import Session

__all__ = ["CleanupPlan", "Filters", "parse_filters", "read_frozen", "plan", "plan_frozen", "execute"]


def parse_filters(name_prefix: str | None, tags: list[str] | None, vpc: str | None, older_than: str | None,
                  regions: list[str], include_stacks: list[str] | None = None, include_global: bool = False,
                  include_cloudformation: bool = False) -> Filters:
    """The operator's filters, or a UserError naming the bad one (before any AWS call).
    `include_stacks`: live hostwiz stacks the operator explicitly allows; `include_global`: IAM and
    Route53; `include_cloudformation`: CloudFormation stacks (deleted as stacks, never piecemeal)."""
    try:
        return Filters.parse(name_prefix, tags or [], vpc, older_than, regions, include_stacks, include_global,
                             include_cloudformation)
    except ValueError as err:
        raise UserError(f"--{err}", BAD_INPUT) from None


def local_stacks(session: Session) -> dict[str, str]:
    """The stacks this machine's ledger knows: never selectable by a cleanup unless named."""
    return {ledger.name: "ledger" for ledger in all_stacks(session.state_dir)}


def read_frozen(path: Path) -> dict[str, Any]:
    try:
        return load_frozen(path)
    except ValueError as err:
        raise UserError(str(err), BAD_INPUT) from None


def plan(session: Session, filters: Filters, account: str, on_event: ev.Callback = ev.ignore) -> CleanupPlan:
    """Discover every kind in the filters' regions and plan what they select (a dry run)."""
    found = discover_all(session.aws, filters.regions or [session.aws.region], None, on_event,
                         include_global=filters.include_global)
    try:
        return build_plan(found, filters, account, local_stacks(session))
    except ValueError as err:
        raise UserError(f"--{err}", BAD_INPUT) from None


def plan_frozen(session: Session, frozen: dict[str, Any], account: str,
                on_event: ev.Callback = ev.ignore) -> CleanupPlan:
    """A reviewed plan checked against what exists now: it can only shrink. Everything is
    discovered again (not only the plan's kinds), so the protections see live stacks and
    CloudFormation as they are now."""
    found = discover_all(session.aws, frozen["regions"], None, on_event,
                         include_global=bool(frozen["filters"].get("include_global")))
    try:
        return reconcile(frozen, found, account, local_stacks(session))
    except ValueError as err:
        raise UserError(str(err), BAD_INPUT) from None


def execute(session: Session, p: CleanupPlan, on_event: ev.Callback = ev.ignore) -> Outcome:
    return _execute(session.aws, p, on_event, settings=session.deletion)
