"""VPC endpoints."""

from __future__ import annotations

from typing import Iterable

from ..aws import Aws, tag_dict
from ..registry import Kind, Resource, register
from .common import name_of, stamp

GONE_STATES = ("deleted", "deleting", "Deleted", "Deleting")


@register
class VpcEndpoint(Kind):
    name = "vpc-endpoint"
    label = "VPC endpoint"
    gone_codes = ("InvalidVpcEndpointId.NotFound",)

    def list(self, aws: Aws) -> Iterable[Resource]:
        for page in aws.client("ec2").get_paginator("describe_vpc_endpoints").paginate():
            for e in page["VpcEndpoints"]:
                if e.get("State") in GONE_STATES:
                    continue
                tags = tag_dict(e.get("Tags"))
                yield Resource(self.name, e["VpcEndpointId"], aws.region, name_of(tags, e.get("ServiceName", "")),
                               tags, {"vpc_id": e.get("VpcId"), "type": e.get("VpcEndpointType"),
                                      "created": stamp(e.get("CreationTimestamp"))})

    def delete(self, aws: Aws, res: Resource) -> None:
        self.unless_gone(aws.client("ec2").delete_vpc_endpoints, VpcEndpointIds=[res.id])

    def exists(self, aws: Aws, res: Resource) -> bool:
        resp = self.unless_gone(aws.client("ec2").describe_vpc_endpoints, VpcEndpointIds=[res.id])
        return any(e.get("State") not in GONE_STATES for e in (resp or {}).get("VpcEndpoints", []))
