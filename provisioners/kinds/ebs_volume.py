"""EBS volumes that outlive their instance (volumes deleted on termination are not listed)."""

from __future__ import annotations

from typing import Iterable

from ..aws import Aws, tag_dict
from ..registry import Kind, Resource, register
from .common import name_of, stamp


@register
class EbsVolume(Kind):
    name = "ebs-volume"
    label = "EBS volume"
    depends_on = ("ec2-instance",)
    gone_codes = ("InvalidVolume.NotFound",)

    def list(self, aws: Aws) -> Iterable[Resource]:
        for page in aws.client("ec2").get_paginator("describe_volumes").paginate():
            for v in page["Volumes"]:
                atts = v.get("Attachments", [])
                if any(a.get("DeleteOnTermination") for a in atts) or v.get("State") == "deleting":
                    continue
                tags = tag_dict(v.get("Tags"))
                yield Resource(self.name, v["VolumeId"], aws.region, name_of(tags, v["VolumeId"]), tags, {
                    "created": stamp(v.get("CreateTime")), "size_gb": v.get("Size", 0), "type": v.get("VolumeType"),
                    "parents": [a["InstanceId"] for a in atts if a.get("InstanceId")]})

    def delete(self, aws: Aws, res: Resource) -> None:
        self.unless_gone(aws.client("ec2").delete_volume, VolumeId=res.id)

    def exists(self, aws: Aws, res: Resource) -> bool:
        resp = self.unless_gone(aws.client("ec2").describe_volumes, VolumeIds=[res.id])
        return any(v.get("State") != "deleted" for v in (resp or {}).get("Volumes", []))
