"""IAM instance profiles."""

from __future__ import annotations

from typing import Any, Iterable

from ..aws import Aws, error_code, tag_dict
from ..registry import STACK_TAG, Kind, Resource, register
from ..waiting import until_visible


@register
class InstanceProfile(Kind):
    name = "instance-profile"
    label = "instance profile"
    depends_on = ("ec2-instance", "autoscaling-group", "launch-template")
    gone_codes = ("NoSuchEntity",)
    account_wide = True  # listed once, not per region

    def create(self, aws: Aws, *, profile_name: str, path: str, role_name: str,
               tags: list[dict[str, str]], delay: float = 1.0, cancel: Any = None, progress: Any = None) -> str:
        iam = aws.client("iam")
        try:
            resp = iam.create_instance_profile(InstanceProfileName=profile_name, Path=path, Tags=tags)
            arn = resp["InstanceProfile"]["Arn"]
        except Exception as err:
            if error_code(err) != "EntityAlreadyExists":
                raise
            arn = iam.get_instance_profile(InstanceProfileName=profile_name)["InstanceProfile"]["Arn"]
        def add_role() -> None:
            try:
                iam.add_role_to_instance_profile(InstanceProfileName=profile_name, RoleName=role_name)
            except Exception as err:
                if error_code(err) != "LimitExceeded":  # the role is already in it (resumed run)
                    raise

        # A role made a moment ago is not yet known to IAM everywhere: NoSuchEntity for a while.
        until_visible(add_role, codes=("NoSuchEntity",), what=f"role {role_name} to be visible to IAM",
                      delay=delay, cancel=cancel, progress=progress)
        return arn

    def list(self, aws: Aws, path_prefix: str = "/") -> Iterable[Resource]:
        iam = aws.client("iam")
        for page in iam.get_paginator("list_instance_profiles").paginate(PathPrefix=path_prefix):
            yield from self._resources(iam, page["InstanceProfiles"])

    def _resources(self, iam: Any, profiles: list[dict]) -> Iterable[Resource]:
        for prof in profiles:
            # AWS leaves Tags out of ListInstanceProfiles (moto includes them): ask when missing.
            raw = prof.get("Tags")
            if raw is None:
                raw = iam.list_instance_profile_tags(InstanceProfileName=prof["InstanceProfileName"])["Tags"]
            tags = tag_dict(raw)
            yield Resource(self.name, prof["InstanceProfileName"], "global", prof["InstanceProfileName"], tags,
                           {"arn": prof["Arn"], "roles": [r["RoleName"] for r in prof.get("Roles", [])],
                            "parents": [r["RoleName"] for r in prof.get("Roles", [])],
                            "created": str(prof.get("CreateDate") or "")})

    def find_stack(self, aws: Aws, stack: str) -> list[Resource]:
        return [r for r in self.list(aws, "/hostwiz/") if r.tags.get("hostwiz:stack") == stack]

    def find_named(self, aws: Aws, stack: str, names: Iterable[str], *, ledger: bool) -> list[Resource]:
        """By name: GetInstanceProfile (its tags asked for only when AWS leaves them out)."""
        iam = aws.client("iam")
        out = []
        for name in dict.fromkeys(names):
            prof = (self.unless_gone(iam.get_instance_profile, InstanceProfileName=name) or {}).get("InstanceProfile")
            if not prof or prof.get("Path") != "/hostwiz/":
                continue
            out += [r for r in self._resources(iam, [prof]) if r.tags.get(STACK_TAG) == stack]
        return out

    def delete(self, aws: Aws, res: Resource) -> None:
        iam = aws.client("iam")
        with self.ignoring_gone():
            prof = iam.get_instance_profile(InstanceProfileName=res.id)["InstanceProfile"]
            for role in prof.get("Roles", []):
                iam.remove_role_from_instance_profile(InstanceProfileName=res.id, RoleName=role["RoleName"])
            iam.delete_instance_profile(InstanceProfileName=res.id)

    def exists(self, aws: Aws, res: Resource) -> bool:
        return self.present(aws.client("iam").get_instance_profile, InstanceProfileName=res.id)
