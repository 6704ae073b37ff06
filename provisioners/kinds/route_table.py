"""VPC route tables (never a main route table: AWS deletes it with its VPC)."""

from __future__ import annotations

from typing import Iterable

from ..aws import Aws, tag_dict
from ..registry import Kind, Resource, register
from .common import name_of


@register
class RouteTable(Kind):
    name = "route-table"
    label = "route table"
    depends_on = ("vpc-endpoint",)  # gateway endpoints keep routes in their tables
    gone_codes = ("InvalidRouteTableID.NotFound", "InvalidAssociationID.NotFound")

    def list(self, aws: Aws) -> Iterable[Resource]:
        for page in aws.client("ec2").get_paginator("describe_route_tables").paginate():
            for t in page["RouteTables"]:
                assoc = t.get("Associations", [])
                if any(a.get("Main") for a in assoc):
                    continue
                tags = tag_dict(t.get("Tags"))
                yield Resource(self.name, t["RouteTableId"], aws.region, name_of(tags, t["RouteTableId"]), tags, {
                    "vpc_id": t["VpcId"],
                    "associations": [a["RouteTableAssociationId"] for a in assoc if a.get("SubnetId")],
                    "nat_gateways": sorted({r["NatGatewayId"] for r in t.get("Routes", []) if r.get("NatGatewayId")}),
                })

    def delete(self, aws: Aws, res: Resource) -> None:
        ec2 = aws.client("ec2")
        for assoc in res.data.get("associations", []):  # a table in use cannot be deleted
            self.unless_gone(ec2.disassociate_route_table, AssociationId=assoc)
        self.unless_gone(ec2.delete_route_table, RouteTableId=res.id)

    def exists(self, aws: Aws, res: Resource) -> bool:
        return self.listed("RouteTables", aws.client("ec2").describe_route_tables, RouteTableIds=[res.id])
