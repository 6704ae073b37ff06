"""RDS (Aurora) clusters: deletion protection off, no final snapshot (cleanup removes leftovers)."""

from __future__ import annotations

from typing import Iterable

from ..aws import Aws, tag_dict
from ..registry import Kind, Resource, register
from .common import stamp


@register
class RdsCluster(Kind):
    name = "rds-cluster"
    label = "RDS cluster"
    depends_on = ("rds-instance",)
    gone_codes = ("DBClusterNotFoundFault", "DBClusterNotFound")
    retry_codes = Kind.retry_codes + ("InvalidDBClusterStateFault",)

    def list(self, aws: Aws) -> Iterable[Resource]:
        for page in aws.client("rds").get_paginator("describe_db_clusters").paginate():
            for c in page["DBClusters"]:
                if c.get("Status") == "deleting":
                    continue
                tags = tag_dict(c.get("TagList"))
                yield Resource(self.name, c["DBClusterIdentifier"], aws.region, c["DBClusterIdentifier"], tags, {
                    "engine": c.get("Engine"), "created": stamp(c.get("ClusterCreateTime")),
                    "subnet_group": c.get("DBSubnetGroup"), "protected": c.get("DeletionProtection", False),
                    "storage_gb": c.get("AllocatedStorage")})

    def delete(self, aws: Aws, res: Resource) -> None:
        rds = aws.client("rds")
        if res.data.get("protected"):
            self.unless_gone(rds.modify_db_cluster, DBClusterIdentifier=res.id,
                        DeletionProtection=False, ApplyImmediately=True)
        self.unless_gone(rds.delete_db_cluster, DBClusterIdentifier=res.id, SkipFinalSnapshot=True)

    def exists(self, aws: Aws, res: Resource) -> bool:
        resp = self.unless_gone(aws.client("rds").describe_db_clusters, DBClusterIdentifier=res.id)
        return bool((resp or {}).get("DBClusters"))
