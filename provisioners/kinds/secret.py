"""Secrets Manager secrets, deleted without the recovery window (cleanup means gone)."""

from __future__ import annotations

from typing import Iterable

from ..aws import Aws, tag_dict
from ..registry import Kind, Resource, register
from .common import stamp


@register
class Secret(Kind):
    name = "secret"
    label = "secret"
    gone_codes = ("ResourceNotFoundException",)

    def list(self, aws: Aws) -> Iterable[Resource]:
        for page in aws.client("secretsmanager").get_paginator("list_secrets").paginate():
            for s in page["SecretList"]:
                if s.get("DeletedDate") or s["Name"].startswith("rds!") or s.get("OwningService"):
                    continue  # gone, or managed by RDS (deleted with its database, never directly)
                tags = tag_dict(s.get("Tags", []))
                yield Resource(self.name, s["ARN"], aws.region, s["Name"], tags,
                               {"created": stamp(s.get("CreatedDate"))})

    def delete(self, aws: Aws, res: Resource) -> None:
        self.unless_gone(aws.client("secretsmanager").delete_secret, SecretId=res.id,
                    ForceDeleteWithoutRecovery=True)

    def exists(self, aws: Aws, res: Resource) -> bool:
        s = self.unless_gone(aws.client("secretsmanager").describe_secret, SecretId=res.id)
        return bool(s) and not s.get("DeletedDate")
