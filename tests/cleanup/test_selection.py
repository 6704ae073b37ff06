"""Selection rules without AWS: filters, VPC contents, what belongs to what, age, CloudFormation."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from hostwiz.provisioners.cleanup import Filters, parse_age
from hostwiz.provisioners.cleanup.plan import fingerprint, link
from hostwiz.provisioners.cleanup.selection import select
from hostwiz.provisioners.registry import Resource, load_all

NOW = datetime(2026, 11, 22, tzinfo=timezone.utc)


def res(kind, rid, name="", vpc=None, tags=None, **data):
    """As the kinds list them: a named resource carries its Name tag."""
    return Resource(kind, rid, "us-east-1", name or rid, {**({"Name": name} if name else {}), **(tags or {})},
                    {"vpc_id": vpc, **data})


def estate():
    load_all()
    return [
        res("vpc", "vpc-1", "ws-vpc", "vpc-1"),
        res("subnet", "subnet-1", "", "vpc-1"),  # no name: comes with its VPC
        res("nat-gateway", "nat-1", "", "vpc-1", subnet_id="subnet-1", owns=["eipalloc-1"]),
        res("elastic-ip", "eipalloc-1"),  # no VPC, no name: belongs to the NAT gateway
        res("load-balancer", "arn:lb", "ws-alb", "vpc-1"),
        res("listener", "arn:ls", "ws-alb:80", "vpc-1", parents=["arn:lb"]),
        res("lambda-function", "ws-fn", "ws-fn", created=(NOW - timedelta(days=30)).isoformat()),
        res("log-group", "/aws/lambda/ws-fn", "/aws/lambda/ws-fn", parents=["ws-fn"]),
        res("s3-bucket", "ws-new", "ws-new", created=(NOW - timedelta(hours=1)).isoformat()),
        res("sqs-queue", "q", "ws-cfn-queue", tags={"aws:cloudformation:stack-name": "course"}),
        res("vpc", "vpc-2", "other-vpc", "vpc-2"),
        res("subnet", "subnet-2", "ws-looks-like-ours-but-other-vpc", "vpc-2"),
        res("s3-bucket", "wsx", "other", tags={"Name": "other"}),
    ]


def test_prefix_brings_in_vpc_contents_children_and_leaves_cloudformation_out():
    excluded = []
    chosen = {r.id: r for r in select(estate(), Filters(name_prefix="ws-"), NOW, excluded=excluded)}
    assert set(chosen) == {"vpc-1", "subnet-1", "nat-1", "eipalloc-1", "arn:lb", "arn:ls", "ws-fn",
                           "/aws/lambda/ws-fn", "ws-new", "subnet-2"}
    assert chosen["subnet-1"].reason == "inside vpc-1 (ws-vpc)"
    assert chosen["eipalloc-1"].reason == "belongs to nat-gateway nat-1"
    assert chosen["/aws/lambda/ws-fn"].reason == "belongs to lambda-function ws-fn"
    assert [(e.id, e.why.split(" —")[0]) for e in excluded] == [("q", "owned by CloudFormation stack course")]
    assert "vpc-2" not in chosen and "wsx" not in chosen


def test_filters_combine_and_age_excludes_only_known_young_resources():
    chosen = {r.id for r in select(estate(), Filters(name_prefix="ws-", older_than="7d"), NOW)}
    assert "ws-new" not in chosen and "ws-fn" in chosen
    assert "vpc-1" not in chosen and "subnet-1" not in chosen  # age unknown never matches --older-than
    assert {r.id for r in select(estate(), Filters(vpc="vpc-2"), NOW)} == {"vpc-2", "subnet-2"}
    assert {r.id for r in select(estate(), Filters(tags={"aws:cloudformation:stack-name": "course"}), NOW)} == set()
    assert Filters().empty and not Filters(tags={"a": "b"}).empty


def test_waits_on_names_related_resources_and_fingerprint_tracks_changes():
    chosen = select(estate(), Filters(name_prefix="ws-"), NOW)
    link(chosen)
    by_id = {r.id: r for r in chosen}
    assert "nat-1" in by_id["subnet-1"].waits_on
    assert by_id["eipalloc-1"].waits_on == ["nat-1"]
    assert set(by_id["vpc-1"].waits_on) >= {"subnet-1", "nat-1", "arn:lb"}
    assert "subnet-2" not in by_id["vpc-1"].waits_on  # another VPC's subnet
    before = fingerprint(by_id["ws-fn"])
    by_id["ws-fn"].tags["owner"] = "someone"
    assert fingerprint(by_id["ws-fn"]) != before


@pytest.mark.parametrize("text,expected", [("30m", timedelta(minutes=30)), ("12h", timedelta(hours=12)),
                                           ("7d", timedelta(days=7)), ("2w", timedelta(weeks=2))])
def test_parse_age(text, expected):
    assert parse_age(text) == expected


def test_parse_age_rejects_nonsense():
    with pytest.raises(ValueError, match="30m, 12h, 7d or 2w"):
        parse_age("a week")


def test_vpc_and_subnet_name_the_interfaces_that_keep_them(moto):
    from hostwiz.provisioners.aws import Aws
    from hostwiz.provisioners.registry import kind

    aws = Aws(region="us-east-1")
    ec2 = aws.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.5.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.5.1.0/24")["Subnet"]["SubnetId"]
    eni = ec2.create_network_interface(SubnetId=subnet, Description="left by someone")["NetworkInterface"]
    expected = f"{eni['NetworkInterfaceId']} (left by someone)"
    assert kind("vpc").blockers(aws, Resource("vpc", vpc, "us-east-1")) == [expected]
    assert kind("subnet").blockers(aws, Resource("subnet", subnet, "us-east-1")) == [expected]
