"""Lambda functions (their log group `/aws/lambda/<name>` belongs to them)."""

from __future__ import annotations

from typing import Iterable

from ..aws import Aws
from ..registry import Kind, Resource, register
from .common import stamp


@register
class LambdaFunction(Kind):
    name = "lambda-function"
    label = "Lambda function"
    gone_codes = ("ResourceNotFoundException",)

    def list(self, aws: Aws) -> Iterable[Resource]:
        lam = aws.client("lambda")
        for page in lam.get_paginator("list_functions").paginate():
            for f in page["Functions"]:
                tags = (self.unless_gone(lam.list_tags, Resource=f["FunctionArn"]) or {}).get("Tags", {})
                yield Resource(self.name, f["FunctionName"], aws.region, f["FunctionName"], tags, {
                    "arn": f["FunctionArn"], "vpc_id": (f.get("VpcConfig") or {}).get("VpcId") or None,
                    "created": stamp(f.get("LastModified")), "memory_mb": f.get("MemorySize"),
                    "role": f.get("Role", "").rsplit("/", 1)[-1]})

    def delete(self, aws: Aws, res: Resource) -> None:
        self.unless_gone(aws.client("lambda").delete_function, FunctionName=res.id)

    def exists(self, aws: Aws, res: Resource) -> bool:
        return self.unless_gone(aws.client("lambda").get_function_configuration,
                           FunctionName=res.id) is not None
