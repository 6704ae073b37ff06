"""RDS DB subnet groups."""

from __future__ import annotations

from typing import Iterable

from ..aws import Aws, error_code, tag_dict
from ..registry import STACK_TAG, Kind, Resource, register


@register
class DbSubnetGroup(Kind):
    name = "db-subnet-group"
    label = "DB subnet group"
    depends_on = ("rds-instance", "rds-cluster")
    gone_codes = ("DBSubnetGroupNotFoundFault",)

    def create(self, aws: Aws, *, group_name: str, subnet_ids: list[str], tags: list[dict[str, str]]) -> str:
        try:
            aws.client("rds").create_db_subnet_group(
                DBSubnetGroupName=group_name, DBSubnetGroupDescription="hostwiz database subnets",
                SubnetIds=subnet_ids, Tags=tags)
        except Exception as err:
            if error_code(err) != "DBSubnetGroupAlreadyExists":
                raise
        return group_name

    def list(self, aws: Aws) -> Iterable[Resource]:
        rds = aws.client("rds")
        for page in rds.get_paginator("describe_db_subnet_groups").paginate():
            yield from self._resources(aws, page["DBSubnetGroups"])

    def _resources(self, aws: Aws, groups: list[dict]) -> Iterable[Resource]:
        rds = aws.client("rds")
        for g in groups:
            if g["DBSubnetGroupName"] == "default":
                continue
            tags = tag_dict(rds.list_tags_for_resource(ResourceName=g["DBSubnetGroupArn"])["TagList"]) \
                if g.get("DBSubnetGroupArn") else {}
            yield Resource(self.name, g["DBSubnetGroupName"], aws.region, g["DBSubnetGroupName"], tags,
                           {"vpc_id": g.get("VpcId")})

    def find_named(self, aws: Aws, stack: str, names: Iterable[str], *, ledger: bool) -> list[Resource]:
        """By name: one describe and one tags call per group, not a tags call for every group in the region."""
        out = []
        for name in dict.fromkeys(names):
            found = self.unless_gone(aws.client("rds").describe_db_subnet_groups, DBSubnetGroupName=name) or {}
            out += [r for r in self._resources(aws, found.get("DBSubnetGroups", [])) if r.tags.get(STACK_TAG) == stack]
        return out

    def delete(self, aws: Aws, res: Resource) -> None:
        self.unless_gone(aws.client("rds").delete_db_subnet_group, DBSubnetGroupName=res.id)

    def exists(self, aws: Aws, res: Resource) -> bool:
        return self.present(aws.client("rds").describe_db_subnet_groups, DBSubnetGroupName=res.id)
