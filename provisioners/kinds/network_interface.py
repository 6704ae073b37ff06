"""Network interfaces left behind. Interfaces that AWS manages for another resource (an
instance's own, a NAT gateway's, a load balancer's, a Lambda's) go with their owner and are
not listed."""

from __future__ import annotations

from typing import Iterable

from ..aws import Aws, tag_dict
from ..registry import Kind, Resource, register
from .common import name_of


@register
class NetworkInterface(Kind):
    name = "network-interface"
    label = "network interface"
    depends_on = ("ec2-instance", "nat-gateway", "load-balancer", "lambda-function", "vpc-endpoint", "rds-instance")
    gone_codes = ("InvalidNetworkInterfaceID.NotFound", "InvalidAttachmentID.NotFound")

    def list(self, aws: Aws) -> Iterable[Resource]:
        for page in aws.client("ec2").get_paginator("describe_network_interfaces").paginate():
            for n in page["NetworkInterfaces"]:
                att = n.get("Attachment") or {}
                if n.get("RequesterManaged") or att.get("DeleteOnTermination") or att.get("DeviceIndex") == 0:
                    continue
                tags = tag_dict(n.get("TagSet"))
                yield Resource(self.name, n["NetworkInterfaceId"], aws.region,
                               name_of(tags, n.get("Description") or n["NetworkInterfaceId"]), tags,
                               {"vpc_id": n.get("VpcId"), "subnet_id": n.get("SubnetId"),
                                "attachment": att.get("AttachmentId"), "parents": [att["InstanceId"]]
                                if att.get("InstanceId") else []})

    def delete(self, aws: Aws, res: Resource) -> None:
        ec2 = aws.client("ec2")
        if res.data.get("attachment"):
            self.unless_gone(ec2.detach_network_interface, AttachmentId=res.data["attachment"], Force=True)
        self.unless_gone(ec2.delete_network_interface, NetworkInterfaceId=res.id)

    def exists(self, aws: Aws, res: Resource) -> bool:
        return self.listed("NetworkInterfaces", aws.client("ec2").describe_network_interfaces, NetworkInterfaceIds=[res.id])
