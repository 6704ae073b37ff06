"""Monthly cost of a stack before it exists, and of leftovers before they are deleted.

Prices come from a bundled, dated table (`prices.json`: on-demand, Linux, single-AZ RDS;
its `as_of`, `source` and `method` say where each figure comes from). A table refreshed
from the AWS Price List API (`hostwiz prices --refresh`, `hostwiz.provisioners.pricing`) is
saved as `<state dir>/prices.json` and, when present and readable, wins over the bundled one.

Figures are list prices: no free tier, no savings plans, no data transfer, no tax.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from hostwiz.ledger import default_state_dir
from hostwiz.spec import StackSpec

REFRESHED_NAME = "prices.json"


@lru_cache(maxsize=4)
def _load(override: str | None, mtime: float = 0.0) -> dict[str, Any]:
    if override:
        try:
            return json.loads(Path(override).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass  # a broken refresh never hides the bundled table
    return json.loads(resources.files("hostwiz").joinpath("prices.json").read_text(encoding="utf-8"))


def table(state_dir: Path | None = None) -> dict[str, Any]:
    """The price table in force: the refreshed one in the state dir, else the bundled one."""
    refreshed = Path(state_dir or default_state_dir()) / REFRESHED_NAME
    if not refreshed.is_file():
        return _load(None)
    return _load(str(refreshed), refreshed.stat().st_mtime)


def table_file(state_dir: Path | None = None) -> str:
    """Which table is in force: the refreshed file's path, or "bundled"."""
    in_force = table(state_dir)
    return "bundled" if in_force is _load(None) else str(Path(state_dir or default_state_dir()) / REFRESHED_NAME)


def hours() -> float:
    return float(table()["hours_per_month"])


def _region(region: str) -> dict[str, Any] | None:
    return table()["regions"].get(region)


def _price(region: str, *path: str) -> float | None:
    node: Any = _region(region)
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return float(node)


def instance_monthly(region: str, instance_type: str) -> float | None:
    hourly = _price(region, "ec2_hourly", instance_type)
    return None if hourly is None else hourly * hours()


def volume_monthly(region: str, size_gb: float, volume_type: str = "gp3") -> float | None:
    per_gb = _price(region, "ebs_gb_month", volume_type)
    return None if per_gb is None else per_gb * size_gb


def db_instance_monthly(region: str, instance_class: str, engine: str) -> float | None:
    hourly = _price(region, "rds_hourly", _engine(engine), instance_class)
    return None if hourly is None else hourly * hours()


def db_storage_monthly(region: str, storage_gb: float, storage_type: str = "gp3") -> float | None:
    per_gb = _price(region, "rds_storage_gb_month", storage_type)
    return None if per_gb is None else per_gb * storage_gb


def db_monthly(region: str, instance_class: str, engine: str, storage_gb: float,
               storage_type: str = "gp3") -> float | None:
    """The database instance plus its storage (single-AZ), or None when either is not in the table."""
    inst = db_instance_monthly(region, instance_class, engine)
    storage = db_storage_monthly(region, storage_gb, storage_type)
    return None if inst is None or storage is None else inst + storage


def _engine(engine: str) -> str:
    """RDS engine names as AWS reports them (aurora-postgresql, mysql, ...) to the table's three."""
    engine = (engine or "").lower()
    if "postgres" in engine:
        return "postgres"
    if "maria" in engine:
        return "mariadb"
    return "mysql" if "mysql" in engine else engine


def _size(data: dict[str, Any]) -> float:
    return float(next((data[k] for k in ("size", "size_gb", "storage_gb") if data.get(k)), 0))


def _hourly(*path: str):
    def pricer(region: str, data: dict[str, Any]) -> float | None:
        hourly = _price(region, *path)
        return None if hourly is None else hourly * hours()
    return pricer


def ipv4_hourly(region: str) -> float | None:
    """What one public IPv4 address (an Elastic IP, attached or not) costs an hour in `region`."""
    return _price(region, "public_ipv4_hourly")


def _per_gb(*path: str):
    def pricer(region: str, data: dict[str, Any]) -> float | None:
        per_gb = _price(region, *path)
        return None if per_gb is None else per_gb * _size(data)
    return pricer


def _load_balancer(region: str, data: dict[str, Any]) -> float | None:
    return _hourly("load_balancer_hourly", (data.get("type") or "application").lower())(region, data)


def _vpc_endpoint(region: str, data: dict[str, Any]) -> float | None:
    # Gateway endpoints (S3, DynamoDB) are free; an interface endpoint bills per AZ (one assumed).
    if (data.get("type") or "").lower() == "gateway":
        return 0.0
    return _hourly("vpc_endpoint_interface_hourly")(region, data)


def _log_group(region: str, data: dict[str, Any]) -> float | None:
    per_gb = _price(region, "log_storage_gb_month")
    return None if per_gb is None else per_gb * float(data.get("stored_bytes") or 0) / 1024 ** 3


# One function per cleanup kind: (region, data) -> monthly USD or None. Snapshots are priced
# at their volume's size (an upper bound: AWS bills the changed blocks). An AMI costs its
# snapshots, which are listed on their own.
_RESOURCE_PRICERS = {
    "ec2-instance": lambda region, d: instance_monthly(region, d.get("type") or ""),
    "ebs-volume": lambda region, d: volume_monthly(region, _size(d), d.get("type") or "gp3"),
    "ebs-snapshot": _per_gb("ebs_gb_month", "snapshot"),
    "elastic-ip": _hourly("public_ipv4_hourly"),
    "nat-gateway": _hourly("nat_gateway_hourly"),
    "load-balancer": _load_balancer,
    "vpc-endpoint": _vpc_endpoint,
    "rds-instance": lambda region, d: db_monthly(region, d.get("class") or "", d.get("engine") or "",
                                                 _size(d), d.get("storage_type") or "gp3"),
    "rds-cluster": _per_gb("aurora_storage_gb_month"),
    "rds-snapshot": _per_gb("rds_backup_gb_month"),
    "db-snapshot": _per_gb("rds_backup_gb_month"),
    "secret": lambda region, d: _price(region, "secret_month"),
    "log-group": _log_group,
    "route53-zone": lambda region, d: float(table()["global"]["route53_hosted_zone_month"]),
}
_RESOURCE_PRICERS["route53-hosted-zone"] = _RESOURCE_PRICERS["route53-zone"]


def resource_monthly(kind: str, region: str, data: dict[str, Any]) -> float:
    """The monthly list price of one existing resource (cleanup's plan); 0.0 when unknown or free."""
    pricer = _RESOURCE_PRICERS.get(kind)
    if pricer is None:
        return 0.0
    try:
        value = pricer(region, data or {})
    except (TypeError, ValueError):
        return 0.0
    return float(value or 0.0)


@dataclass
class Estimate:
    lines: list[tuple[str, float]] = field(default_factory=list)
    note: str = ""
    missing: list[str] = field(default_factory=list)  # items the table has no price for

    @property
    def total(self) -> float:
        return round(sum(v for _, v in self.lines), 2)

    def add(self, label: str, monthly: float | None, what: str) -> None:
        if monthly is None:
            self.missing.append(what)
        else:
            self.lines.append((label, round(monthly, 2)))

    def as_dict(self) -> dict[str, Any]:
        return {"total": self.total, "lines": [{"label": l, "monthly": v} for l, v in self.lines],
                "note": self.note, "missing": self.missing}


def estimate(spec: StackSpec) -> Estimate:
    """The monthly list price of the stack `spec` describes."""
    region = spec.region
    est = Estimate()
    inst = spec.instance
    est.add(f"EC2 {inst.type} (on-demand)", instance_monthly(region, inst.type), f"EC2 {inst.type} in {region}")
    est.add(f"EBS gp3 {inst.volume_gb} GB", volume_monthly(region, inst.volume_gb, "gp3"), f"EBS gp3 in {region}")
    est.add("Public IPv4 address (Elastic IP)", _hourly("public_ipv4_hourly")(region, {}), f"public IPv4 in {region}")
    if spec.database:
        db = spec.database
        est.add(f"RDS {db.engine.value} {db.instance_class} (single-AZ)",
                db_instance_monthly(region, db.instance_class, db.engine.value),
                f"RDS {db.engine.value} {db.instance_class} in {region}")
        est.add(f"RDS storage gp3 {db.storage_gb} GB", db_storage_monthly(region, db.storage_gb),
                f"RDS storage in {region}")
        # Automated backups up to the database's own size are free; 7 days of a small app stay within.
        est.add("RDS automated backups (within the free allowance)", 0.0, "RDS backups")
    if spec.domain:
        zone = spec.domain.hosted_zone or "the matching zone"
        est.add(f"Route53 hosted zone ({zone}, existing)", resource_monthly("route53-zone", region, {}),
                "Route53 hosted zone")
    t = table()
    est.note = f"on-demand prices of {t['as_of']}, {region}; {t['hours_per_month']} h/month"
    if est.missing:
        est.note += "; no price for " + ", ".join(est.missing)
    return est
