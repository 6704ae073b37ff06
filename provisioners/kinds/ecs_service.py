"""ECS services: scaled to zero and force-deleted."""

from __future__ import annotations

from typing import Iterable

from ..aws import Aws
from ..registry import Kind, Resource, register
from .common import stamp


@register
class EcsService(Kind):
    name = "ecs-service"
    label = "ECS service"
    gone_codes = ("ServiceNotFoundException", "ClusterNotFoundException", "ServiceNotActiveException")

    def list(self, aws: Aws) -> Iterable[Resource]:
        ecs = aws.client("ecs")
        for page in ecs.get_paginator("list_clusters").paginate():
            for cluster in page["clusterArns"]:
                arns = [a for p in ecs.get_paginator("list_services").paginate(cluster=cluster)
                        for a in p["serviceArns"]]
                for i in range(0, len(arns), 10):
                    for s in ecs.describe_services(cluster=cluster, services=arns[i:i + 10],
                                                   include=["TAGS"])["services"]:
                        if s.get("status") != "ACTIVE":
                            continue
                        vpc = (s.get("networkConfiguration") or {}).get("awsvpcConfiguration") or {}
                        yield Resource(self.name, s["serviceArn"], aws.region, s["serviceName"],
                                       {t["key"]: t["value"] for t in s.get("tags", [])}, {
                                           "cluster": cluster, "parents": [cluster], "subnets": vpc.get("subnets", []),
                                           "created": stamp(s.get("createdAt")), "launch_type": s.get("launchType"),
                                           "desired": s.get("desiredCount", 0)})

    def delete(self, aws: Aws, res: Resource) -> None:
        self.unless_gone(aws.client("ecs").delete_service, cluster=res.data["cluster"],
                    service=res.id, force=True)

    def exists(self, aws: Aws, res: Resource) -> bool:
        found = self.unless_gone(aws.client("ecs").describe_services, cluster=res.data["cluster"],
                            services=[res.id]) or {}
        return any(s.get("status") == "ACTIVE" for s in found.get("services", []))
