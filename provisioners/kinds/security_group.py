"""EC2 security groups."""

from __future__ import annotations

from typing import Any, Iterable

from ..aws import Aws, error_code, tag_dict
from ..registry import Kind, Resource, register
from ..waiting import until_visible
from .common import interfaces_in


@register
class SecurityGroup(Kind):
    name = "security-group"
    label = "security group"
    depends_on = ("ec2-instance", "rds-instance", "network-interface", "load-balancer", "vpc-endpoint",
                  "nat-gateway", "ecs-service", "lambda-function", "rds-cluster")
    gone_codes = ("InvalidGroup.NotFound",)

    def create(self, aws: Aws, *, group_name: str, description: str, vpc_id: str,
               tags: list[dict[str, str]]) -> str:
        resp = aws.client("ec2").create_security_group(
            GroupName=group_name, Description=description, VpcId=vpc_id,
            TagSpecifications=[{"ResourceType": "security-group", "Tags": tags}])
        return resp["GroupId"]

    def allow(self, aws: Aws, group_id: str, permissions: list[dict], *, delay: float = 1.0,
              cancel: Any = None, progress: Any = None) -> None:
        """Add ingress rules. A group made a moment ago may not be visible yet (InvalidGroup.NotFound,
        for it or a peer group it names): retried for a bounded time."""
        def authorize() -> None:
            try:
                aws.client("ec2").authorize_security_group_ingress(GroupId=group_id, IpPermissions=permissions)
            except Exception as err:
                if error_code(err) != "InvalidPermission.Duplicate":  # resumed run: the rule is there
                    raise

        until_visible(authorize, codes=("InvalidGroup.NotFound",), what=f"security group {group_id} to be visible",
                      delay=delay, cancel=cancel, progress=progress)

    def list(self, aws: Aws, filters: list[dict] | None = None) -> Iterable[Resource]:
        pages = aws.client("ec2").get_paginator("describe_security_groups").paginate(Filters=filters or [])
        for page in pages:
            for g in page["SecurityGroups"]:
                if g["GroupName"] == "default":
                    continue  # every VPC's own group: never ours to delete
                yield Resource(self.name, g["GroupId"], aws.region, g["GroupName"], tag_dict(g.get("Tags")),
                               {"vpc_id": g.get("VpcId"), "refs": _referenced_groups(g)})

    def find_stack(self, aws: Aws, stack: str) -> list[Resource]:
        return list(self.list(aws, [{"Name": "tag:hostwiz:stack", "Values": [stack]}]))

    def delete(self, aws: Aws, res: Resource) -> None:
        ec2 = aws.client("ec2")
        revoke_references(aws, res.id)
        ec2.delete_security_group(GroupId=res.id)

    def exists(self, aws: Aws, res: Resource) -> bool:
        return self.listed("SecurityGroups", aws.client("ec2").describe_security_groups, GroupIds=[res.id])

    def blockers(self, aws: Aws, res: Resource) -> list[str]:
        out = interfaces_in(aws, "group-id", res.id)
        refs = aws.client("ec2").describe_security_groups(
            Filters=[{"Name": "ip-permission.group-id", "Values": [res.id]}])["SecurityGroups"]
        out += [f"{g['GroupId']} (its rules reference this group)" for g in refs if g["GroupId"] != res.id]
        return out


def _referenced_groups(group: dict) -> list[str]:
    refs = set()
    for perm in group.get("IpPermissions", []) + group.get("IpPermissionsEgress", []):
        refs.update(p["GroupId"] for p in perm.get("UserIdGroupPairs", []) if p.get("GroupId"))
    return sorted(refs)


def revoke_references(aws: Aws, group_id: str) -> None:
    """Revoke every rule, in any group, that names `group_id`, and this group's own group rules.

    Security groups that reference each other cannot be deleted in either order otherwise.
    """
    ec2 = aws.client("ec2")
    referencing = ec2.describe_security_groups(
        Filters=[{"Name": "ip-permission.group-id", "Values": [group_id]}])["SecurityGroups"]
    try:
        own = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
    except Exception as err:
        if error_code(err) == "InvalidGroup.NotFound":
            return
        raise
    for g in {x["GroupId"]: x for x in referencing + own}.values():
        only = None if g["GroupId"] == group_id else group_id
        for revoke, perms in ((ec2.revoke_security_group_ingress, g.get("IpPermissions", [])),
                              (ec2.revoke_security_group_egress, g.get("IpPermissionsEgress", []))):
            rules = _group_rules(perms, only)
            try:
                if rules:
                    revoke(GroupId=g["GroupId"], IpPermissions=rules)
            except Exception as err:
                # Two groups of one wave revoke the rule between them at once: one of them finds it gone.
                if error_code(err) not in ("InvalidPermission.NotFound", "InvalidGroup.NotFound"):
                    raise


def _group_rules(perms: list[dict], only: str | None) -> list[dict]:
    out = []
    for perm in perms:
        pairs = [{"GroupId": p["GroupId"]} for p in perm.get("UserIdGroupPairs", [])
                 if p.get("GroupId") and (only is None or p["GroupId"] == only)]
        if pairs:
            rule = {k: perm[k] for k in ("IpProtocol", "FromPort", "ToPort") if k in perm}
            rule["UserIdGroupPairs"] = pairs
            out.append(rule)
    return out
