"""ECS clusters (their services go first)."""

from __future__ import annotations

from typing import Iterable

from ..aws import Aws
from ..registry import Kind, Resource, register


@register
class EcsCluster(Kind):
    name = "ecs-cluster"
    label = "ECS cluster"
    depends_on = ("ecs-service",)
    gone_codes = ("ClusterNotFoundException",)
    retry_codes = Kind.retry_codes + ("ClusterContainsServicesException", "ClusterContainsTasksException",
                                      "ClusterContainsContainerInstancesException")

    def list(self, aws: Aws) -> Iterable[Resource]:
        ecs = aws.client("ecs")
        arns = [a for page in ecs.get_paginator("list_clusters").paginate() for a in page["clusterArns"]]
        for i in range(0, len(arns), 100):
            for c in ecs.describe_clusters(clusters=arns[i:i + 100], include=["TAGS"])["clusters"]:
                if c.get("status") == "INACTIVE":
                    continue
                yield Resource(self.name, c["clusterArn"], aws.region, c["clusterName"],
                               {t["key"]: t["value"] for t in c.get("tags", [])}, {})

    def delete(self, aws: Aws, res: Resource) -> None:
        self.unless_gone(aws.client("ecs").delete_cluster, cluster=res.id)

    def exists(self, aws: Aws, res: Resource) -> bool:
        found = aws.client("ecs").describe_clusters(clusters=[res.id])["clusters"]
        return any(c.get("status") != "INACTIVE" for c in found)
