"""EBS snapshots owned by this account (an AMI's snapshots wait for the AMI to be deregistered)."""

from __future__ import annotations

from typing import Iterable

from ..aws import Aws, tag_dict
from ..registry import Kind, Resource, register
from .common import name_of, stamp


@register
class EbsSnapshot(Kind):
    name = "ebs-snapshot"
    label = "EBS snapshot"
    depends_on = ("ami",)
    gone_codes = ("InvalidSnapshot.NotFound",)

    def list(self, aws: Aws) -> Iterable[Resource]:
        for page in aws.client("ec2").get_paginator("describe_snapshots").paginate(OwnerIds=["self"]):
            for s in page["Snapshots"]:
                tags = tag_dict(s.get("Tags"))
                yield Resource(self.name, s["SnapshotId"], aws.region, name_of(tags, s.get("Description") or ""),
                               tags, {"created": stamp(s.get("StartTime")), "size_gb": s.get("VolumeSize", 0)})

    def delete(self, aws: Aws, res: Resource) -> None:
        self.unless_gone(aws.client("ec2").delete_snapshot, SnapshotId=res.id)

    def exists(self, aws: Aws, res: Resource) -> bool:
        return self.listed("Snapshots", aws.client("ec2").describe_snapshots, SnapshotIds=[res.id])
