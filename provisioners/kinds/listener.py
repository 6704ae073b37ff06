"""ELBv2 listeners (they belong to their load balancer)."""

from __future__ import annotations

from typing import Iterable

from ..aws import Aws
from ..registry import Kind, Resource, register


@register
class Listener(Kind):
    name = "listener"
    label = "listener"
    gone_codes = ("ListenerNotFound", "LoadBalancerNotFound")

    def list(self, aws: Aws) -> Iterable[Resource]:
        elb = aws.client("elbv2")
        for page in elb.get_paginator("describe_load_balancers").paginate():
            for lb in page["LoadBalancers"]:
                for ls in elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]:
                    yield Resource(self.name, ls["ListenerArn"], aws.region,
                                   f"{lb['LoadBalancerName']}:{ls.get('Port')}", {}, {
                                       "vpc_id": lb.get("VpcId"), "parents": [lb["LoadBalancerArn"]],
                                       "created": ""})

    def delete(self, aws: Aws, res: Resource) -> None:
        self.unless_gone(aws.client("elbv2").delete_listener, ListenerArn=res.id)

    def exists(self, aws: Aws, res: Resource) -> bool:
        return self.listed("Listeners", aws.client("elbv2").describe_listeners, ListenerArns=[res.id])
