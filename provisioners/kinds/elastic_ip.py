"""Elastic IP addresses."""

from __future__ import annotations

from typing import Iterable

from ..aws import Aws, tag_dict
from ..registry import Kind, Resource, register


@register
class ElasticIp(Kind):
    name = "elastic-ip"
    label = "Elastic IP"
    depends_on = ("nat-gateway",)
    gone_codes = ("InvalidAllocationID.NotFound", "InvalidAssociationID.NotFound")

    def allocate(self, aws: Aws, *, tags: list[dict[str, str]]) -> dict:
        return aws.client("ec2").allocate_address(
            Domain="vpc", TagSpecifications=[{"ResourceType": "elastic-ip", "Tags": tags}])

    def associate(self, aws: Aws, allocation_id: str, instance_id: str, *, reassociate: bool = False) -> str:
        resp = aws.client("ec2").associate_address(AllocationId=allocation_id, InstanceId=instance_id,
                                                   AllowReassociation=reassociate)
        return resp["AssociationId"]

    def list(self, aws: Aws, filters: list[dict] | None = None) -> Iterable[Resource]:
        for a in aws.client("ec2").describe_addresses(Filters=filters or [])["Addresses"]:
            tags = tag_dict(a.get("Tags"))
            yield Resource(self.name, a["AllocationId"], aws.region, tags.get("Name", a.get("PublicIp", "")), tags,
                           {"public_ip": a.get("PublicIp"), "association_id": a.get("AssociationId"),
                            "instance_id": a.get("InstanceId"), "eni": a.get("NetworkInterfaceId"),
                            "parents": [a["InstanceId"]] if a.get("InstanceId") else []})

    def find_stack(self, aws: Aws, stack: str) -> list[Resource]:
        return list(self.list(aws, [{"Name": "tag:hostwiz:stack", "Values": [stack]}]))

    def delete(self, aws: Aws, res: Resource) -> None:
        ec2 = aws.client("ec2")
        current = self.unless_gone(ec2.describe_addresses, AllocationIds=[res.id])
        if current is None:
            return
        for addr in current["Addresses"]:
            if addr.get("AssociationId"):
                self.unless_gone(ec2.disassociate_address, AssociationId=addr["AssociationId"])
        ec2.release_address(AllocationId=res.id)

    def exists(self, aws: Aws, res: Resource) -> bool:
        return self.listed("Addresses", aws.client("ec2").describe_addresses, AllocationIds=[res.id])
