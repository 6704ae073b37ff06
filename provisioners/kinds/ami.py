"""AMIs owned by this account: deregistered; their snapshots are `ebs-snapshot`s that wait on them."""

from __future__ import annotations

from typing import Iterable

from ..aws import Aws, tag_dict
from ..registry import Kind, Resource, register
from .common import stamp


@register
class Ami(Kind):
    name = "ami"
    label = "AMI"
    gone_codes = ("InvalidAMIID.NotFound", "InvalidAMIID.Unavailable")

    def list(self, aws: Aws) -> Iterable[Resource]:
        for img in aws.client("ec2").describe_images(Owners=["self"])["Images"]:
            if img.get("State") == "deregistered":
                continue
            tags = tag_dict(img.get("Tags"))
            snaps = [m["Ebs"]["SnapshotId"] for m in img.get("BlockDeviceMappings", [])
                     if m.get("Ebs", {}).get("SnapshotId")]
            yield Resource(self.name, img["ImageId"], aws.region, tags.get("Name") or img.get("Name", ""), tags,
                           {"created": stamp(img.get("CreationDate")), "owns": snaps,
                            "size_gb": sum(m.get("Ebs", {}).get("VolumeSize", 0) or 0
                                           for m in img.get("BlockDeviceMappings", []))})

    def delete(self, aws: Aws, res: Resource) -> None:
        self.unless_gone(aws.client("ec2").deregister_image, ImageId=res.id)

    def exists(self, aws: Aws, res: Resource) -> bool:
        resp = self.unless_gone(aws.client("ec2").describe_images, ImageIds=[res.id])
        return any(i.get("State") != "deregistered" for i in (resp or {}).get("Images", []))
