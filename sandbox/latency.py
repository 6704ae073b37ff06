"""A latency model for moto: per-call delay, and instances/databases that take time.

moto answers instantly and makes instances `running` and databases `available` at once.
These botocore hooks make it behave more like AWS in time: every call waits `per_call`
seconds, a new instance reports `pending` for `instance_boot` seconds and a new database
`creating` for `db_create` seconds. The benchmarks use it (scaled down) and the sandbox
uses it so that progress can be watched and rehearsed.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class LatencyModel:
    per_call: float = 0.0
    instance_boot: float = 0.0
    db_create: float = 0.0
    calls: Counter = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._born: dict[str, float] = {}
        self._lock = threading.Lock()

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    def hooks(self) -> list[tuple[str, Any]]:
        return [
            ("before-call", self._before),
            ("after-call.ec2.RunInstances", self._ran),
            ("after-call.ec2.DescribeInstances", self._describe_instances),
            ("after-call.rds.CreateDBInstance", self._db_created),
            ("after-call.rds.DescribeDBInstances", self._describe_dbs),
        ]

    def _before(self, model: Any, **_: Any) -> None:
        with self._lock:
            self.calls[model.name] += 1
        if self.per_call:
            time.sleep(self.per_call)

    def _ran(self, parsed: dict, **_: Any) -> None:
        now = time.monotonic()
        with self._lock:
            for inst in parsed.get("Instances", []):
                self._born.setdefault(inst["InstanceId"], now)
                inst["State"] = {"Code": 0, "Name": "pending"}

    def _describe_instances(self, parsed: dict, **_: Any) -> None:
        now = time.monotonic()
        for res in parsed.get("Reservations", []):
            for inst in res.get("Instances", []):
                born = self._born.get(inst["InstanceId"])
                if born is not None and inst["State"]["Name"] == "running" and now - born < self.instance_boot:
                    inst["State"] = {"Code": 0, "Name": "pending"}
                    inst.pop("PublicIpAddress", None)

    def _db_created(self, parsed: dict, **_: Any) -> None:
        db = parsed.get("DBInstance", {})
        with self._lock:
            self._born.setdefault("db:" + db.get("DBInstanceIdentifier", ""), time.monotonic())
        db["DBInstanceStatus"] = "creating"

    def _describe_dbs(self, parsed: dict, **_: Any) -> None:
        now = time.monotonic()
        for db in parsed.get("DBInstances", []):
            born = self._born.get("db:" + db["DBInstanceIdentifier"])
            if born is not None and db.get("DBInstanceStatus") == "available" and now - born < self.db_create:
                db["DBInstanceStatus"] = "creating"
                db.pop("Endpoint", None)
