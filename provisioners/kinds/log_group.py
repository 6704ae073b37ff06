"""CloudWatch log groups (a Lambda's `/aws/lambda/<name>` group belongs to the function)."""

from __future__ import annotations

from typing import Iterable

from ..aws import Aws
from ..registry import Kind, Resource, register
from .common import stamp

LAMBDA_PREFIX = "/aws/lambda/"


@register
class LogGroup(Kind):
    name = "log-group"
    label = "log group"
    depends_on = ("lambda-function",)  # a live function would recreate its group
    gone_codes = ("ResourceNotFoundException",)

    def list(self, aws: Aws) -> Iterable[Resource]:
        logs = aws.client("logs")
        for page in logs.get_paginator("describe_log_groups").paginate():
            for g in page["logGroups"]:
                name = g["logGroupName"]
                tags = (self.unless_gone(logs.list_tags_log_group, logGroupName=name) or {}).get("tags", {})
                parents = [name[len(LAMBDA_PREFIX):]] if name.startswith(LAMBDA_PREFIX) else []
                yield Resource(self.name, name, aws.region, name, tags, {
                    "created": stamp(g.get("creationTime")), "stored_bytes": g.get("storedBytes", 0),
                    "parents": parents})

    def delete(self, aws: Aws, res: Resource) -> None:
        self.unless_gone(aws.client("logs").delete_log_group, logGroupName=res.id)

    def exists(self, aws: Aws, res: Resource) -> bool:
        groups = aws.client("logs").describe_log_groups(logGroupNamePrefix=res.id)["logGroups"]
        return any(g["logGroupName"] == res.id for g in groups)
