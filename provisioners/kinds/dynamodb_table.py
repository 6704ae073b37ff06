"""DynamoDB tables (deletion protection is switched off first)."""

from __future__ import annotations

from typing import Iterable

from ..aws import Aws, tag_dict
from ..registry import Kind, Resource, register
from .common import stamp


@register
class DynamodbTable(Kind):
    name = "dynamodb-table"
    label = "DynamoDB table"
    gone_codes = ("ResourceNotFoundException",)

    def list(self, aws: Aws) -> Iterable[Resource]:
        ddb = aws.client("dynamodb")
        for page in ddb.get_paginator("list_tables").paginate():
            for name in page["TableNames"]:
                t = (self.unless_gone(ddb.describe_table, TableName=name) or {}).get("Table")
                if not t or t.get("TableStatus") == "DELETING":
                    continue
                tags = (self.unless_gone(ddb.list_tags_of_resource, ResourceArn=t["TableArn"]) or {})
                yield Resource(self.name, name, aws.region, name,
                               tag_dict(tags.get("Tags", [])), {
                                   "created": stamp(t.get("CreationDateTime")),
                                   "protected": t.get("DeletionProtectionEnabled", False),
                                   "billing": (t.get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED"),
                                   "size_bytes": t.get("TableSizeBytes", 0),
                                   "rcu": (t.get("ProvisionedThroughput") or {}).get("ReadCapacityUnits", 0),
                                   "wcu": (t.get("ProvisionedThroughput") or {}).get("WriteCapacityUnits", 0)})

    def delete(self, aws: Aws, res: Resource) -> None:
        ddb = aws.client("dynamodb")
        if res.data.get("protected"):
            self.unless_gone(ddb.update_table, TableName=res.id, DeletionProtectionEnabled=False)
        self.unless_gone(ddb.delete_table, TableName=res.id)

    def exists(self, aws: Aws, res: Resource) -> bool:
        t = (self.unless_gone(aws.client("dynamodb").describe_table, TableName=res.id) or {}).get("Table")
        return bool(t) and t.get("TableStatus") != "DELETING"
