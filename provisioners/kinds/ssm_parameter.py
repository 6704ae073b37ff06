"""SSM parameters (the stack's database URL, as a SecureString)."""

from __future__ import annotations

from typing import Iterable

from ..aws import Aws, error_code, tag_dict
from ..registry import Kind, Resource, register


@register
class SsmParameter(Kind):
    name = "ssm-parameter"
    label = "SSM parameter"
    gone_codes = ("ParameterNotFound",)

    def put_secure(self, aws: Aws, *, name: str, value: str, tags: list[dict[str, str]]) -> str:
        ssm = aws.client("ssm")
        try:
            ssm.put_parameter(Name=name, Value=value, Type="SecureString", Tags=tags,
                              Description="hostwiz: the app's database connection string")
        except Exception as err:
            if error_code(err) != "ParameterAlreadyExists":
                raise
            ssm.put_parameter(Name=name, Value=value, Type="SecureString", Overwrite=True)
        return name

    def list(self, aws: Aws, prefix: str | None = None) -> Iterable[Resource]:
        ssm = aws.client("ssm")
        filters = [{"Key": "Name", "Option": "BeginsWith", "Values": [prefix]}] if prefix else []
        for page in ssm.get_paginator("describe_parameters").paginate(ParameterFilters=filters):
            for p in page["Parameters"]:
                tags = tag_dict(ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=p["Name"])["TagList"])
                yield Resource(self.name, p["Name"], aws.region, p["Name"], tags, {"type": p.get("Type"),
                                                                                "created": str(p.get("LastModifiedDate") or "")})

    def find_stack(self, aws: Aws, stack: str) -> list[Resource]:
        return [r for r in self.list(aws, f"/hostwiz/{stack}/") if r.tags.get("hostwiz:stack") == stack]

    def delete(self, aws: Aws, res: Resource) -> None:
        self.unless_gone(aws.client("ssm").delete_parameter, Name=res.id)

    def exists(self, aws: Aws, res: Resource) -> bool:
        return self.present(aws.client("ssm").get_parameter, Name=res.id)
