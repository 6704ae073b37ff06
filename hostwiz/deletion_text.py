"""Deletion plans in words (shared by `down`, `cleanup` and their screens)."""

from __future__ import annotations

from typing import Any


def plan_lines(plan: Any) -> list[str]:
    lines = [f"Teardown plan for stack {plan.stack}: {len(plan.resources)} resource(s) will be deleted"]
    for r in plan.resources:
        extra = ""
        if r.kind == "rds-instance":
            extra = "  (final snapshot first)" if plan.final_snapshot else "  (NO final snapshot)"
        lines.append(f"  {r.kind:<18} {r.id:<40} {r.name if r.name != r.id else ''}{extra}")
    if getattr(plan, "identity_source", "ledger") == "tags" and getattr(plan, "stack_id", None):
        lines.append(f"No ledger on this machine: the stack is the one whose tags carry id {plan.stack_id}.")
    for r, why in getattr(plan, "skipped", []):
        lines.append(f"  left alone: {r.kind} {r.id} ({why})")
    lines.append("Also removed from this machine: the stack's key file, keyring entries and host key pins.")
    return lines


def gone_summary(stack: str, deleted: int, kept: list[Any], hostwiz: str = "hostwiz") -> str:
    """What a finished teardown left: nothing, or the final snapshots it kept, named, with their cost
    (`hostwiz`: the command that reaches the same AWS, `hostwiz --sandbox` in the sandbox)."""
    if not kept:
        return f"{stack} is gone: {deleted} resources deleted; nothing of it is left in AWS or in the ledger."
    snaps = "; ".join(f"{k.id} ({k.size_gb:.0f} GB, {money(k.monthly)}/month until you delete it)" for k in kept)
    first = kept[0]
    # where it is (the profile's region may be another), and what else the prefix takes: names going on
    # from it after a separator, such as a copy someone made of it
    where = f" --region {first.region}" if first.region else ""
    return (f"{stack} is gone: {deleted} resources deleted. Kept on purpose: the final database snapshot "
            f"{snaps}. When you no longer need it: '{hostwiz} cleanup --name-prefix {first.id}{where}' shows what "
            f"that would delete (also any name that goes on from it, such as a copy named {first.id}-copy); "
            "add --yes to delete it.")


def money(value: float | None, known: bool = True) -> str:
    """A monthly cost; "?" while prices are unknown (never a misleading $0)."""
    return f"${value:,.2f}" if known and value is not None else "?"


def short(text: str, width: int = 44) -> str:
    return text if len(text) <= width else "…" + text[-(width - 1):]


def cleanup_lines(plan: Any) -> list[str]:
    """A cleanup plan grouped by region and VPC, then kind; totals first."""
    n = len(plan.resources)
    lines = [f"Cleanup plan ({plan.filters.describe()}): {n} resource(s), "
             f"{money(plan.total_monthly, plan.costs_known)}/month"]
    names = {r.id: r.name for r in plan.resources}
    for where, kinds in plan.groups().items():
        region, vpc = where.split(" ", 1)
        lines.append(f"\n{region}  {vpc}" + (f" ({names[vpc]})" if names.get(vpc, vpc) != vpc else ""))
        for kind_name, items in kinds.items():
            for r in items:
                waits = f"; waits on {', '.join(short(names.get(w) or w, 24) for w in r.waits_on[:3])}" + \
                    (f" +{len(r.waits_on) - 3}" if len(r.waits_on) > 3 else "") if r.waits_on else ""
                cfn = f"  [CloudFormation stack {r.data['cloudformation']}]" if r.data.get("cloudformation") else ""
                lines.append(f"  {kind_name:<18} {short(r.id):<44} {short(r.name if r.name != r.id else '', 28):<28} "
                             f"{money(r.monthly_cost, plan.costs_known):>9}  {r.reason}{waits}{cfn}")
    for stack, keys in plan.cloudformation.items():
        lines.append(f"\nNote: {len(keys)} resource(s) belong to CloudFormation stack {stack}; "
                     "deleting the stack itself is usually better.")
    for e in getattr(plan, "excluded", []):
        lines.append(f"Never taken: {e.key} {e.name if e.name != e.id else ''}: {e.why}")
    for s in plan.skipped:
        lines.append(f"Skipped {s.key}: {s.why}")
    for r in plan.unplanned:
        lines.append(f"Not in the plan, left alone: {r.key} {r.name}")
    for where, err in plan.discovery_errors.items():
        lines.append(f"Could not list {where}: {err}")
    return lines
