"""ELBv2 (application and network) load balancers."""

from __future__ import annotations

from typing import Iterable

from ..aws import Aws, error_code, tag_dict
from ..registry import Kind, Resource, register
from .common import stamp


def elb_tags(aws: Aws, arns: list[str]) -> dict[str, dict[str, str]]:
    """Tags of up to any number of ELBv2 resources, 20 per call."""
    out: dict[str, dict[str, str]] = {}
    for i in range(0, len(arns), 20):
        for d in aws.client("elbv2").describe_tags(ResourceArns=arns[i:i + 20])["TagDescriptions"]:
            out[d["ResourceArn"]] = tag_dict(d.get("Tags", []))
    return out


def _protected(aws: Aws, arn: str) -> bool:
    try:
        attrs = aws.client("elbv2").describe_load_balancer_attributes(LoadBalancerArn=arn)["Attributes"]
    except Exception:
        return False
    return any(a["Key"] == "deletion_protection.enabled" and a["Value"] == "true" for a in attrs)


@register
class LoadBalancer(Kind):
    name = "load-balancer"
    label = "load balancer"
    depends_on = ("listener",)
    gone_codes = ("LoadBalancerNotFound",)

    def list(self, aws: Aws) -> Iterable[Resource]:
        lbs = [lb for page in aws.client("elbv2").get_paginator("describe_load_balancers").paginate()
               for lb in page["LoadBalancers"]]
        tags = elb_tags(aws, [lb["LoadBalancerArn"] for lb in lbs])
        for lb in lbs:
            arn = lb["LoadBalancerArn"]
            yield Resource(self.name, arn, aws.region, lb["LoadBalancerName"], tags.get(arn, {}), {
                "vpc_id": lb.get("VpcId"), "type": lb.get("Type"), "created": stamp(lb.get("CreatedTime")),
                "dns": lb.get("DNSName"),
                **({"protection": "deletion protection"} if _protected(aws, arn) else {})})

    def delete(self, aws: Aws, res: Resource) -> None:
        elb = aws.client("elbv2")
        try:
            self.unless_gone(elb.delete_load_balancer, LoadBalancerArn=res.id)
        except Exception as err:
            if error_code(err) != "OperationNotPermitted":
                raise
            # deletion protection (the plan says it will be lifted): lift it, then delete
            elb.modify_load_balancer_attributes(LoadBalancerArn=res.id, Attributes=[
                {"Key": "deletion_protection.enabled", "Value": "false"}])
            self.unless_gone(elb.delete_load_balancer, LoadBalancerArn=res.id)

    def exists(self, aws: Aws, res: Resource) -> bool:
        return self.listed("LoadBalancers", aws.client("elbv2").describe_load_balancers, LoadBalancerArns=[res.id])
