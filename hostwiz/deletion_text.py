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
    lines.append("Also removed from this machine: the stack's key file, keyring entries and host key pins.")
    return lines
