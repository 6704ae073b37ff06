"""Machine and database metrics from CloudWatch: one batched `GetMetricData` call per refresh.

`Watch(aws, instance_id=..., instance_type=..., db_instance_id=...)` knows which metrics the
stack has (CPU credit balance only for burstable t* types, the database's only when it has
one) and `refresh(window)` asks CloudWatch for all of them in ONE call (a second page only if
CloudWatch itself says the answer was cut, which 12 metrics over 7 days never reach: the
limit is 100,800 data points per call). Each metric comes back as a `Series` of timestamps
and values, oldest first, with its latest value and a threshold level for the colour.

Windows: 1 h at 1-minute points (EC2 basic monitoring reports every 5 minutes, so a t3 without
detailed monitoring shows 12 points), 24 h at 5 minutes, 7 d at 1 hour.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from .aws import Aws

WINDOWS: dict[str, tuple[timedelta, int]] = {  # window -> (length, period in seconds)
    "1h": (timedelta(hours=1), 60),
    "24h": (timedelta(hours=24), 300),
    "7d": (timedelta(days=7), 3600),
}
OK, WARNING, CRITICAL, NO_DATA = "ok", "warning", "critical", "no-data"
MiB, GiB = 1024 ** 2, 1024 ** 3


@dataclass(frozen=True)
class Metric:
    key: str  # query id: lowercase letter first, then [A-Za-z0-9_]
    label: str
    namespace: str
    name: str
    dimensions: tuple[tuple[str, str], ...]
    stat: str
    unit: str  # what `Series.values` are in: "%", "credits", "B/s", "count", "s", "bytes"
    per_second: bool = False  # a Sum over the period, shown as a rate
    warn: float | None = None
    critical: float | None = None
    low_is_bad: bool = False  # free storage, credits: the level rises as the value falls

    def level(self, value: float | None) -> str:
        if value is None:
            return NO_DATA
        worse = (lambda v, t: v <= t) if self.low_is_bad else (lambda v, t: v >= t)
        if self.critical is not None and worse(value, self.critical):
            return CRITICAL
        if self.warn is not None and worse(value, self.warn):
            return WARNING
        return OK


@dataclass
class Series:
    metric: Metric
    timestamps: list[datetime] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    complete: bool = True

    @property
    def latest(self) -> float | None:
        return self.values[-1] if self.values else None

    @property
    def level(self) -> str:
        return self.metric.level(self.latest)

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.metric.key, "label": self.metric.label, "unit": self.metric.unit,
                "latest": self.latest, "level": self.level,
                "points": [[t.isoformat(), v] for t, v in zip(self.timestamps, self.values)]}


@dataclass
class Snapshot:
    window: str
    period: int
    start: datetime
    end: datetime
    series: dict[str, Series]
    calls: int = 1  # GetMetricData calls this refresh took

    def __getitem__(self, key: str) -> Series:
        return self.series[key]


def burstable(instance_type: str) -> bool:
    """t2, t3, t3a, t4g... earn and spend CPU credits (trn1 and the like do not)."""
    return bool(re.match(r"t\d+[a-z]*\.", (instance_type or "").lower()))


def instance_metrics(instance_id: str, instance_type: str = "") -> list[Metric]:
    d = (("InstanceId", instance_id),)
    ns = "AWS/EC2"
    out = [Metric("ec2_cpu", "CPU", ns, "CPUUtilization", d, "Average", "%", warn=80, critical=95)]
    if burstable(instance_type):
        # A t3.micro earns 12 credits an hour and holds at most 288; near zero it is throttled
        # (or, in unlimited mode, billed for surplus credits).
        out.append(Metric("ec2_credits", "CPU credits", ns, "CPUCreditBalance", d, "Average", "credits",
                          warn=20, critical=5, low_is_bad=True))
    out += [
        Metric("ec2_net_in", "Network in", ns, "NetworkIn", d, "Sum", "B/s", per_second=True),
        Metric("ec2_net_out", "Network out", ns, "NetworkOut", d, "Sum", "B/s", per_second=True),
        Metric("ec2_status", "Status checks failed", ns, "StatusCheckFailed", d, "Maximum", "count", critical=1),
    ]
    return out


def database_metrics(db_instance_id: str, storage_gb: float | None = None) -> list[Metric]:
    d = (("DBInstanceIdentifier", db_instance_id),)
    ns = "AWS/RDS"
    free_warn = (storage_gb or 20) * GiB * 0.2
    free_critical = (storage_gb or 20) * GiB * 0.1
    return [
        Metric("db_cpu", "DB CPU", ns, "CPUUtilization", d, "Average", "%", warn=80, critical=95),
        Metric("db_free_storage", "DB free storage", ns, "FreeStorageSpace", d, "Minimum", "bytes",
               warn=free_warn, critical=free_critical, low_is_bad=True),
        Metric("db_free_memory", "DB freeable memory", ns, "FreeableMemory", d, "Minimum", "bytes",
               warn=128 * MiB, critical=64 * MiB, low_is_bad=True),
        Metric("db_connections", "DB connections", ns, "DatabaseConnections", d, "Maximum", "count"),
        Metric("db_read_latency", "DB read latency", ns, "ReadLatency", d, "Average", "s", warn=0.02, critical=0.1),
        Metric("db_write_latency", "DB write latency", ns, "WriteLatency", d, "Average", "s", warn=0.02, critical=0.1),
    ]


def _query(m: Metric, period: int) -> dict[str, Any]:
    return {"Id": m.key, "ReturnData": True, "MetricStat": {
        "Metric": {"Namespace": m.namespace, "MetricName": m.name,
                   "Dimensions": [{"Name": k, "Value": v} for k, v in m.dimensions]},
        "Period": period, "Stat": m.stat}}


def fetch(aws: Aws, metrics: list[Metric], window: str = "1h", *, now: datetime | None = None) -> Snapshot:
    """Every metric over `window`, in one GetMetricData call (more only if CloudWatch pages)."""
    if window not in WINDOWS:
        raise ValueError(f"window must be one of {', '.join(WINDOWS)}, not {window!r}")
    length, period = WINDOWS[window]
    end = (now or datetime.now(timezone.utc)).replace(second=0, microsecond=0)
    start = end - length
    series = {m.key: Series(m) for m in metrics}
    by_key = {m.key: m for m in metrics}
    if not metrics:
        return Snapshot(window, period, start, end, series, calls=0)
    cw = aws.client("cloudwatch")
    kw: dict[str, Any] = {"MetricDataQueries": [_query(m, period) for m in metrics], "StartTime": start,
                          "EndTime": end, "ScanBy": "TimestampAscending"}
    calls = 0
    while True:
        resp = cw.get_metric_data(**kw)
        calls += 1
        for r in resp.get("MetricDataResults", []):
            s = series.get(r["Id"])
            if s is None:
                continue
            scale = 1.0 / period if by_key[r["Id"]].per_second else 1.0
            s.timestamps.extend(r.get("Timestamps", []))
            s.values.extend(float(v) * scale for v in r.get("Values", []))
            s.complete = s.complete and r.get("StatusCode", "Complete") == "Complete"
        token = resp.get("NextToken")
        if not token:
            break
        kw["NextToken"] = token
    for s in series.values():  # pages may each hold a slice: keep oldest first
        if s.timestamps and any(a > b for a, b in zip(s.timestamps, s.timestamps[1:])):
            pairs = sorted(zip(s.timestamps, s.values))
            s.timestamps, s.values = [t for t, _ in pairs], [v for _, v in pairs]
    return Snapshot(window, period, start, end, series, calls)


class Watch:
    """The metrics of one stack; `refresh()` is one batched call (run it in a worker thread)."""

    def __init__(self, aws: Aws, *, instance_id: str | None = None, instance_type: str = "",
                 db_instance_id: str | None = None, db_storage_gb: float | None = None):
        self.aws = aws
        self.metrics: list[Metric] = []
        if instance_id:
            self.metrics += instance_metrics(instance_id, instance_type)
        if db_instance_id:
            self.metrics += database_metrics(db_instance_id, db_storage_gb)

    def refresh(self, window: str = "1h", *, now: datetime | None = None) -> Snapshot:
        return fetch(self.aws, self.metrics, window, now=now)
