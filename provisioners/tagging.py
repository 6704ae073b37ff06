"""The Resource Groups Tagging API, confirmed: GetResources keeps returning resources for a while
after they were deleted ("previously tagged resources", aws/aws-sdk#302, boto/boto3#3341), so what it
lists is checked against the resource's own describe before anyone acts on it."""

from __future__ import annotations

from typing import Any, Callable

from .aws import Aws, error_code

# gone_codes of the describes below: "not found" means the tagging API listed a ghost
GONE = ("InvalidGroup.NotFound", "InvalidInstanceID.NotFound", "InvalidKeyPair.NotFound",
        "InvalidAllocationID.NotFound", "InvalidVolume.NotFound", "DBInstanceNotFound", "DBInstanceNotFoundFault",
        "DBSubnetGroupNotFoundFault", "ParameterNotFound", "NoSuchEntity", "InvalidVpcID.NotFound",
        "InvalidSubnetID.NotFound", "LoadBalancerNotFound", "ResourceNotFoundException")


def _ec2(aws: Aws, rtype: str, rid: str) -> bool:
    ec2 = aws.client("ec2")
    if rtype == "instance":
        insts = [i for r in ec2.describe_instances(InstanceIds=[rid])["Reservations"] for i in r["Instances"]]
        return any(i["State"]["Name"] not in ("terminated", "shutting-down") for i in insts)
    calls: dict[str, Callable[[], Any]] = {
        "security-group": lambda: ec2.describe_security_groups(GroupIds=[rid])["SecurityGroups"],
        "key-pair": lambda: ec2.describe_key_pairs(KeyPairIds=[rid])["KeyPairs"],
        "elastic-ip": lambda: ec2.describe_addresses(AllocationIds=[rid])["Addresses"],
        "volume": lambda: ec2.describe_volumes(VolumeIds=[rid])["Volumes"],
        "vpc": lambda: ec2.describe_vpcs(VpcIds=[rid])["Vpcs"],
        "subnet": lambda: ec2.describe_subnets(SubnetIds=[rid])["Subnets"],
    }
    return bool(calls[rtype]()) if rtype in calls else True


def exists(aws: Aws, arn: str) -> bool:
    """Does the resource behind `arn` still exist? Unknown types count as existing."""
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return True
    service, region, resource = parts[2], parts[3], parts[5]
    regional = aws.with_region(region) if region and region != aws.region else aws
    try:
        if service == "ec2" and "/" in resource:
            rtype, rid = resource.split("/", 1)
            return _ec2(regional, rtype, rid)
        if service == "rds" and resource.startswith("db:"):
            return bool(regional.client("rds").describe_db_instances(
                DBInstanceIdentifier=resource[3:])["DBInstances"])
        if service == "rds" and resource.startswith("subgrp:"):
            return bool(regional.client("rds").describe_db_subnet_groups(
                DBSubnetGroupName=resource[7:])["DBSubnetGroups"])
        if service == "ssm" and resource.startswith("parameter/"):
            regional.client("ssm").get_parameter(Name="/" + resource[len("parameter/"):])
            return True
    except Exception as err:
        if error_code(err) in GONE:
            return False
        raise
    return True


def live_security_groups(aws: Aws, arns: list[str]) -> set[str]:
    """Which of these ARNs name a security group that exists: one DescribeSecurityGroups per 200
    groups (a `group-id` filter, which, unlike GroupIds, does not fail on a group that is gone).
    Every live hostwiz stack has one, so this confirms most stacks the tagging API lists at once."""
    ids = {arn.rsplit("/", 1)[-1]: arn for arn in arns if ":security-group/" in arn}
    keys, out = list(ids), set()
    ec2 = aws.client("ec2")
    for i in range(0, len(keys), 200):
        pages = ec2.get_paginator("describe_security_groups").paginate(
            Filters=[{"Name": "group-id", "Values": keys[i:i + 200]}])
        for page in pages:
            out |= {ids[g["GroupId"]] for g in page["SecurityGroups"] if g["GroupId"] in ids}
    return out
