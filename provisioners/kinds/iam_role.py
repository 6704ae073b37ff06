"""IAM roles (with their inline and attached policies)."""

from __future__ import annotations

import json
from typing import Iterable

from ..aws import Aws, error_code, tag_dict
from ..registry import STACK_TAG, Kind, Resource, register

EC2_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


@register
class IamRole(Kind):
    name = "iam-role"
    label = "IAM role"
    depends_on = ("instance-profile", "lambda-function")
    gone_codes = ("NoSuchEntity",)
    account_wide = True  # listed once, not per region

    def create(self, aws: Aws, *, role_name: str, path: str, policy_name: str, policy: dict,
               tags: list[dict[str, str]]) -> str:
        iam = aws.client("iam")
        try:
            iam.create_role(RoleName=role_name, Path=path, AssumeRolePolicyDocument=json.dumps(EC2_TRUST),
                            Description="hostwiz instance role", Tags=tags)
        except Exception as err:
            if error_code(err) != "EntityAlreadyExists":
                raise
        iam.put_role_policy(RoleName=role_name, PolicyName=policy_name, PolicyDocument=json.dumps(policy))
        return role_name

    def list(self, aws: Aws, path_prefix: str = "/") -> Iterable[Resource]:
        iam = aws.client("iam")
        for page in iam.get_paginator("list_roles").paginate(PathPrefix=path_prefix):
            for role in page["Roles"]:
                if role["Path"].startswith("/aws-service-role/") or role["Path"].startswith("/service-role/aws"):
                    continue
                tags = tag_dict(iam.list_role_tags(RoleName=role["RoleName"])["Tags"])
                yield Resource(self.name, role["RoleName"], "global", role["RoleName"], tags,
                               {"arn": role["Arn"], "created": str(role.get("CreateDate", ""))})

    def find_stack(self, aws: Aws, stack: str) -> list[Resource]:
        return [r for r in self.list(aws, "/hostwiz/") if r.tags.get("hostwiz:stack") == stack]

    def find_named(self, aws: Aws, stack: str, names: Iterable[str], *, ledger: bool) -> list[Resource]:
        """By name: GetRole (with its tags; ListRoleTags only when AWS leaves them out), never a
        ListRoleTags for every hostwiz role in the account."""
        iam = aws.client("iam")
        out = []
        for name in dict.fromkeys(names):
            role = (self.unless_gone(iam.get_role, RoleName=name) or {}).get("Role")
            if not role or role.get("Path") != "/hostwiz/":  # find_stack's scope: hostwiz's own path
                continue
            raw = role.get("Tags")
            tags = tag_dict(raw if raw is not None else iam.list_role_tags(RoleName=name)["Tags"])
            if tags.get(STACK_TAG) == stack:
                out.append(Resource(self.name, role["RoleName"], "global", role["RoleName"], tags,
                                    {"arn": role["Arn"], "created": str(role.get("CreateDate", ""))}))
        return out

    def delete(self, aws: Aws, res: Resource) -> None:
        iam = aws.client("iam")
        with self.ignoring_gone():
            for name in iam.list_role_policies(RoleName=res.id)["PolicyNames"]:
                iam.delete_role_policy(RoleName=res.id, PolicyName=name)
            for pol in iam.list_attached_role_policies(RoleName=res.id)["AttachedPolicies"]:
                iam.detach_role_policy(RoleName=res.id, PolicyArn=pol["PolicyArn"])
            for prof in iam.list_instance_profiles_for_role(RoleName=res.id)["InstanceProfiles"]:
                iam.remove_role_from_instance_profile(InstanceProfileName=prof["InstanceProfileName"],
                                                      RoleName=res.id)
            iam.delete_role(RoleName=res.id)

    def exists(self, aws: Aws, res: Resource) -> bool:
        return self.present(aws.client("iam").get_role, RoleName=res.id)
