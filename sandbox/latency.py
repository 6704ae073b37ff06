"""The old name of the time-only part of the realism model (`sandbox.realism`), kept for the
benchmarks: per-call delay, instances `pending` for `instance_boot` s, databases `creating` for
`db_create` s, and nothing else of AWS's manners."""

from __future__ import annotations

from typing import Any

from .realism import BEHAVIOURS, Realism

TIME_ONLY = {"latency", "boot", "creating"}


def LatencyModel(per_call: float = 0.0, instance_boot: float = 0.0, db_create: float = 0.0, **kw: Any) -> Realism:
    return Realism(per_call=per_call, instance_boot=instance_boot, db_create=db_create,
                   off=set(BEHAVIOURS) - TIME_ONLY, **kw)
