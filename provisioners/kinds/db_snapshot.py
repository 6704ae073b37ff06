"""Manual RDS snapshots (automated ones go with their database)."""

from __future__ import annotations

from typing import Iterable

from ..aws import Aws, tag_dict
from ..registry import Kind, Resource, register
from .common import stamp


@register
class DbSnapshot(Kind):
    name = "db-snapshot"
    label = "DB snapshot"
    gone_codes = ("DBSnapshotNotFound", "DBSnapshotNotFoundFault")

    def list(self, aws: Aws) -> Iterable[Resource]:
        pages = aws.client("rds").get_paginator("describe_db_snapshots").paginate(SnapshotType="manual")
        for page in pages:
            for s in page["DBSnapshots"]:
                tags = tag_dict(s.get("TagList"))
                yield Resource(self.name, s["DBSnapshotIdentifier"], aws.region, s["DBSnapshotIdentifier"], tags, {
                    "created": stamp(s.get("SnapshotCreateTime")), "size_gb": s.get("AllocatedStorage", 0),
                    "vpc_id": s.get("VpcId"), "parents": [s["DBInstanceIdentifier"]]})

    def delete(self, aws: Aws, res: Resource) -> None:
        self.unless_gone(aws.client("rds").delete_db_snapshot, DBSnapshotIdentifier=res.id)

    def exists(self, aws: Aws, res: Resource) -> bool:
        return self.listed("DBSnapshots", aws.client("rds").describe_db_snapshots, DBSnapshotIdentifier=res.id)
