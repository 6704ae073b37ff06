"""Monthly prices as the screens show them (from `hostwiz.costs`); "—" where the table has none."""

from __future__ import annotations

from hostwiz import costs
from hostwiz.spec import StackSpec

NO_PRICE = "—"
instance_monthly = costs.instance_monthly
db_monthly = costs.db_monthly


def money(value: float | None) -> str:
    return NO_PRICE if value is None else f"${value:,.2f}/mo"


def breakdown(spec: StackSpec) -> tuple[list[tuple[str, str]], str, str]:
    """(label, price) lines, the total and a note (the price table's date, and what has no price)."""
    est = costs.estimate(spec)
    note = est.note + (f"; no price for {', '.join(est.missing)}" if est.missing else "")
    return [(label, money(v)) for label, v in est.lines], money(est.total), note
