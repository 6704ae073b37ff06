"""Customer-managed IAM policies: detached from every role, user and group, every
non-default version deleted, then the policy."""

from __future__ import annotations

from typing import Iterable

from ..aws import Aws, tag_dict
from ..registry import Kind, Resource, register
from .common import stamp


@register
class IamPolicy(Kind):
    name = "iam-policy"
    label = "IAM policy"
    depends_on = ("iam-role",)
    gone_codes = ("NoSuchEntity",)
    account_wide = True  # listed once, not per region

    def list(self, aws: Aws) -> Iterable[Resource]:
        iam = aws.client("iam")
        for page in iam.get_paginator("list_policies").paginate(Scope="Local"):
            for p in page["Policies"]:
                tags = (self.unless_gone(iam.list_policy_tags, PolicyArn=p["Arn"]) or {}).get("Tags", [])
                yield Resource(self.name, p["Arn"], "global", p["PolicyName"], tag_dict(tags),
                               {"created": stamp(p.get("CreateDate")), "attachments": p.get("AttachmentCount", 0)})

    def delete(self, aws: Aws, res: Resource) -> None:
        iam = aws.client("iam")
        with self.ignoring_gone():
            ents = iam.list_entities_for_policy(PolicyArn=res.id)
            for r in ents.get("PolicyRoles", []):
                iam.detach_role_policy(RoleName=r["RoleName"], PolicyArn=res.id)
            for u in ents.get("PolicyUsers", []):
                iam.detach_user_policy(UserName=u["UserName"], PolicyArn=res.id)
            for g in ents.get("PolicyGroups", []):
                iam.detach_group_policy(GroupName=g["GroupName"], PolicyArn=res.id)
            for v in iam.list_policy_versions(PolicyArn=res.id)["Versions"]:
                if not v["IsDefaultVersion"]:
                    iam.delete_policy_version(PolicyArn=res.id, VersionId=v["VersionId"])
            iam.delete_policy(PolicyArn=res.id)

    def exists(self, aws: Aws, res: Resource) -> bool:
        return self.present(aws.client("iam").get_policy, PolicyArn=res.id)
