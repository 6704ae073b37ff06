"""RDS database instances."""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, Iterable

from ..aws import Aws, tag_dict
from ..registry import STACK_TAG, Kind, Resource, register
from ..waiting import poll


@register
class RdsInstance(Kind):
    name = "rds-instance"
    label = "RDS database"
    gone_codes = ("DBInstanceNotFound", "DBInstanceNotFoundFault")

    def create(self, aws: Aws, *, params: dict[str, Any]) -> dict[str, Any]:
        return aws.client("rds").create_db_instance(**params)["DBInstance"]

    def list(self, aws: Aws) -> Iterable[Resource]:
        for page in aws.client("rds").get_paginator("describe_db_instances").paginate():
            for db in page["DBInstances"]:
                yield self._resource(aws, db)

    def _resource(self, aws: Aws, db: dict) -> Resource:
        tags = tag_dict(db.get("TagList"))
        endpoint = db.get("Endpoint") or {}
        return Resource(self.name, db["DBInstanceIdentifier"], aws.region, db["DBInstanceIdentifier"], tags, {
            "status": db.get("DBInstanceStatus"), "engine": db.get("Engine"), "class": db.get("DBInstanceClass"),
            "endpoint": endpoint.get("Address"), "port": endpoint.get("Port"),
            "subnet_group": (db.get("DBSubnetGroup") or {}).get("DBSubnetGroupName"),
            "arn": db.get("DBInstanceArn"), "storage_gb": db.get("AllocatedStorage"),
            "vpc_id": (db.get("DBSubnetGroup") or {}).get("VpcId"),
            "cluster": db.get("DBClusterIdentifier"), "created": str(db.get("InstanceCreateTime") or ""),
            "uid": db.get("DbiResourceId") or "",
            **({"protection": "deletion protection"} if db.get("DeletionProtection") else {}),
        })

    def find_named(self, aws: Aws, stack: str, names: Iterable[str], *, ledger: bool) -> list[Resource]:
        """By identifier (the tags come with the describe): not every database in the region."""
        out = []
        for name in dict.fromkeys(names):
            db = self.describe(aws, name)
            if db is not None and tag_dict(db.get("TagList")).get(STACK_TAG) == stack:
                out.append(self._resource(aws, db))
        return out

    def describe(self, aws: Aws, ident: str) -> dict | None:
        resp = self.unless_gone(aws.client("rds").describe_db_instances, DBInstanceIdentifier=ident)
        return resp["DBInstances"][0] if resp else None

    def wait_available(self, aws: Aws, ident: str, *, timeout: float, delay: float,
                       cancel: threading.Event | None = None,
                       progress: Callable[[str], None] | None = None, max_delay: float | None = None,
                       first: float = 0.0, at_once: bool = True) -> dict:
        """Poll until `ident` is available (backing off to 30 s unless `max_delay` says otherwise;
        `first` delays the first check: `waiting.fixed`)."""
        def check() -> dict | None:
            db = self.describe(aws, ident)
            if db is None:
                raise RuntimeError(f"database {ident} disappeared while it was being created")
            status = db["DBInstanceStatus"]
            if status == "available":
                return db
            if status in ("failed", "incompatible-parameters", "incompatible-network", "storage-full"):
                raise RuntimeError(f"database {ident} is {status}")
            return None

        return poll(check, what=f"database {ident}", timeout=timeout, delay=delay, cancel=cancel,
                    progress=progress, max_delay=max(delay, 30.0) if max_delay is None else max_delay, first=first, at_once=at_once)

    def delete(self, aws: Aws, res: Resource) -> None:
        params: dict[str, Any] = {"DBInstanceIdentifier": res.id, "DeleteAutomatedBackups": True}
        if res.data.get("final_snapshot"):
            params["FinalDBSnapshotIdentifier"] = f"{res.id}-final-{time.strftime('%Y%m%d%H%M%S')}"
        else:
            params["SkipFinalSnapshot"] = True
        rds = aws.client("rds")
        status = (self.describe(aws, res.id) or {}).get("DBInstanceStatus")
        if status == "deleting":
            return
        if status and status != "available" and status != "stopped":
            # creating, modifying, backing-up: AWS refuses to delete until it settles
            raise _NotYet(status)
        if res.data.get("protection") or (self.describe(aws, res.id) or {}).get("DeletionProtection"):
            # the plan said so: deletion protection is lifted first
            rds.modify_db_instance(DBInstanceIdentifier=res.id, DeletionProtection=False, ApplyImmediately=True)
        self.unless_gone(rds.delete_db_instance, **params)
        if "FinalDBSnapshotIdentifier" in params:  # which final snapshot is this teardown's (kept_snapshots)
            res.data["final_snapshot_id"] = params["FinalDBSnapshotIdentifier"]

    def exists(self, aws: Aws, res: Resource) -> bool:
        return self.describe(aws, res.id) is not None


class _NotYet(Exception):
    def __init__(self, status: str):
        super().__init__(f"database is {status}; AWS deletes it once it is available")
        self.response = {"Error": {"Code": "InvalidDBInstanceState", "Message": str(self)}}
