"""Prices from `hostwiz.costs` once it exists in this build; until then "—", never a made-up number."""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

from hostwiz.spec import StackSpec

NO_PRICE = "—"


def _costs() -> Any | None:
    if importlib.util.find_spec("hostwiz.costs") is None:
        return None
    return importlib.import_module("hostwiz.costs")


def money(value: float | None) -> str:
    return NO_PRICE if value is None else f"${value:,.2f}/mo"


def instance_monthly(region: str, instance_type: str) -> float | None:
    costs = _costs()
    return costs.instance_monthly(region, instance_type) if costs else None


def db_monthly(region: str, instance_class: str, engine: str, storage_gb: int) -> float | None:
    costs = _costs()
    return costs.db_monthly(region, instance_class, engine, storage_gb) if costs else None


def breakdown(spec: StackSpec) -> tuple[list[tuple[str, str]], str, str]:
    """(label, price) lines, the total and a note (the price table's date, or why there are none)."""
    costs = _costs()
    if costs is None:
        return [], NO_PRICE, "prices are not available in this build"
    est = costs.estimate(spec)
    return [(label, money(v)) for label, v in est.lines], money(est.total), est.note
