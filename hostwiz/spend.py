"""What a stack has cost so far, and what it costs per day now.

From the stack's running and stopped periods (the ledger's times) and the dated price table in
`hostwiz.costs`. A running stack pays for everything; a stopped one still pays for its disks
(EBS volume, RDS storage) and its public IPv4 address, not for instance hours (AWS bills
neither a stopped EC2 instance nor a stopped RDS instance by the hour).

Figures are list prices, like `costs.estimate`: no free tier, no data transfer, no tax, and
whole periods are billed by the second (AWS bills Linux EC2 and RDS per second).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable

from hostwiz import costs
from hostwiz.spec import StackSpec

RUNNING, STOPPED = "running", "stopped"
# AWS state words -> the two billing states; anything else (terminated, deleted) ends the stack.
_STATE_WORDS = {"running": RUNNING, "pending": RUNNING, "available": RUNNING, "starting": RUNNING,
                "rebooting": RUNNING, "modifying": RUNNING, "backing-up": RUNNING, "ready": RUNNING,
                "stopped": STOPPED, "stopping": STOPPED}


@dataclass(frozen=True)
class Rates:
    """Hourly USD per item while running and while stopped."""

    running: dict[str, float]
    stopped: dict[str, float]
    as_of: str = ""
    missing: tuple[str, ...] = ()  # items the table has no price for (counted as 0)

    def hourly(self, state: str) -> float:
        return sum((self.running if state == RUNNING else self.stopped).values())


@dataclass(frozen=True)
class Period:
    state: str  # running | stopped
    start: datetime
    end: datetime | None = None  # None: still going on
    rates: Rates | None = None  # when it differs from the stack's (a resize in between)


@dataclass
class Spend:
    since: datetime
    now: datetime
    state_now: str | None  # None: the stack is gone
    running_hours: float
    stopped_hours: float
    running_cost: float
    stopped_cost: float
    month_to_date: float
    per_day_now: float
    per_month_now: float
    as_of: str = ""
    missing: list[str] = field(default_factory=list)

    @property
    def total(self) -> float:
        return self.running_cost + self.stopped_cost

    def as_dict(self) -> dict[str, Any]:
        r = lambda v: round(v, 2)  # noqa: E731
        return {"since": self.since.isoformat(), "now": self.now.isoformat(), "state_now": self.state_now,
                "total": r(self.total), "running": {"hours": round(self.running_hours, 2), "cost": r(self.running_cost)},
                "stopped": {"hours": round(self.stopped_hours, 2), "cost": r(self.stopped_cost)},
                "month_to_date": r(self.month_to_date), "per_day_now": r(self.per_day_now),
                "per_month_now": r(self.per_month_now), "prices_as_of": self.as_of, "missing": self.missing}


def rates(region: str, instance_type: str, volume_gb: float, *, volume_type: str = "gp3",
          public_ip: bool = True, db_class: str | None = None, db_engine: str = "postgres",
          db_storage_gb: float = 0, db_storage_type: str = "gp3") -> Rates:
    """Hourly rates of one stack's parts from the price table in force."""
    hours = costs.hours()
    missing: list[str] = []

    def price(what: str, value: float | None, per_month: bool = False) -> float:
        if value is None:
            missing.append(what)
            return 0.0
        return value / hours if per_month else value

    ec2 = costs.instance_monthly(region, instance_type)
    disk = price(f"EBS {volume_type} in {region}", costs.volume_monthly(region, volume_gb, volume_type), True)
    running = {f"EC2 {instance_type}": price(f"EC2 {instance_type} in {region}", ec2, True),
               f"EBS {volume_type} {volume_gb:g} GB": disk}
    stopped = {f"EBS {volume_type} {volume_gb:g} GB": disk}
    if public_ip:
        ip = costs.resource_monthly("elastic-ip", region, {}) / hours
        running["public IPv4 address"] = stopped["public IPv4 address"] = ip
    if db_class:
        inst = price(f"RDS {db_engine} {db_class} in {region}", costs.db_instance_monthly(region, db_class, db_engine), True)
        store = price(f"RDS storage in {region}", costs.db_storage_monthly(region, db_storage_gb, db_storage_type), True)
        running[f"RDS {db_class}"] = inst
        running[f"RDS storage {db_storage_gb:g} GB"] = stopped[f"RDS storage {db_storage_gb:g} GB"] = store
    return Rates(running, stopped, str(costs.table().get("as_of", "")), tuple(missing))


def rates_for(spec: StackSpec) -> Rates:
    db = spec.database
    return rates(spec.region, spec.instance.type, spec.instance.volume_gb,
                 db_class=db.instance_class if db else None, db_engine=db.engine.value if db else "postgres",
                 db_storage_gb=db.storage_gb if db else 0)


def periods_from_transitions(transitions: Iterable[tuple[datetime, str]]) -> list[Period]:
    """[(when, state word)] in time order -> periods. "running"/"pending"/"available" count as
    running, "stopped"/"stopping" as stopped, anything else (terminated, deleted) ends the last."""
    periods: list[Period] = []
    current: tuple[datetime, str] | None = None
    for when, word in sorted(transitions, key=lambda t: t[0]):
        state = _STATE_WORDS.get(word.lower())
        if current and current[1] == state:
            continue  # the same billing state again (pending -> running)
        if current:
            periods.append(Period(current[1], current[0], when))
        current = (when, state) if state else None
    if current:
        periods.append(Period(current[1], current[0], None))
    return periods


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


def cost_between(periods: Iterable[Period], default: Rates, start: datetime, end: datetime) -> dict[str, float]:
    """Hours and cost per state of the parts of `periods` inside [start, end)."""
    out = {"running_hours": 0.0, "stopped_hours": 0.0, "running_cost": 0.0, "stopped_cost": 0.0}
    start, end = _aware(start), _aware(end)
    for p in periods:
        a, b = max(_aware(p.start), start), min(_aware(p.end) if p.end else end, end)
        if b <= a:
            continue
        h = (b - a).total_seconds() / 3600
        state = RUNNING if p.state == RUNNING else STOPPED
        out[f"{state}_hours"] += h
        out[f"{state}_cost"] += h * (p.rates or default).hourly(state)
    return out


def spend(periods: list[Period], default: Rates, now: datetime | None = None) -> Spend:
    """Cost since creation (running and stopped apart), month to date (UTC month), and per day now."""
    now = _aware(now or datetime.now(timezone.utc))
    if not periods:
        raise ValueError("no periods: the stack has no recorded start")
    since = min(_aware(p.start) for p in periods)
    total = cost_between(periods, default, since, now)
    month_start = now.astimezone(timezone.utc).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    mtd = cost_between(periods, default, month_start, now)
    # the latest period; of periods starting in the same second (up, then stop at once), the later one
    last = max(enumerate(periods), key=lambda ip: (_aware(ip[1].start), ip[0]))[1]
    ongoing = last.end is None or _aware(last.end) > now
    state_now = last.state if ongoing else None
    hourly = (last.rates or default).hourly(last.state) if ongoing else 0.0
    return Spend(since, now, state_now, total["running_hours"], total["stopped_hours"], total["running_cost"],
                 total["stopped_cost"], mtd["running_cost"] + mtd["stopped_cost"], hourly * 24,
                 hourly * costs.hours(), default.as_of, list(default.missing))
