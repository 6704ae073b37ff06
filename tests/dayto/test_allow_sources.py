"""`hostwiz allow NAME` lists each SSH source once, in a stable order (found by an attack: the
sandbox listed 127.0.0.1/32 twice). AWS lists a range once per rule naming it: a second rule for
the same address (22-2222 beside hostwiz's 22-22, added by hand or by another tool) is the way the
same source comes back twice from DescribeSecurityGroups, in moto as in AWS."""

from __future__ import annotations

import json

import pytest

from hwtest import cli_up, client, run_cli

SPEC = {"name": "shop", "region": "us-east-1",
        "instance": {"type": "t3.micro", "volume_gb": 20, "ssh_cidr": "203.0.113.7/32"}}


@pytest.fixture
def state(moto, tmp_path):
    return cli_up(tmp_path, SPEC)[0]


def group_id() -> str:
    return client("ec2").describe_security_groups(Filters=[{"Name": "tag:hostwiz:stack", "Values": ["shop"]},
                                                           {"Name": "group-name", "Values": ["hostwiz-shop-app"]}]
                                                  )["SecurityGroups"][0]["GroupId"]


def test_allow_lists_each_source_once_in_a_stable_order(state):
    gid = group_id()
    client("ec2").authorize_security_group_ingress(GroupId=gid, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 2222,
         "IpRanges": [{"CidrIp": "203.0.113.7/32", "Description": "by hand"}, {"CidrIp": "10.1.0.0/16"}],
         "Ipv6Ranges": [{"CidrIpv6": "2001:db8::/64"}]}])
    listed = [r["cidr"] for r in json.loads(run_cli(["allow", "shop", "198.51.100.4", "--json", "--state-dir",
                                                     str(state)])[1])["ssh"]]
    assert listed == ["10.1.0.0/16", "198.51.100.4/32", "203.0.113.7/32", "2001:db8::/64"]
    code, out, err = run_cli(["allow", "shop", "203.0.113.7/32", "--state-dir", str(state)])
    assert code == 0 and "already allowed" in out
    lines = [line.split() for line in out.splitlines() if line.startswith("  ")]
    assert [line[0] for line in lines] == listed  # once each, the same order again
    mine = next(line for line in lines if line[0] == "203.0.113.7/32")
    assert " ".join(mine[1:]) == "SSH; by hand"  # both rules' descriptions, on one line
    code, out, err = run_cli(["revoke", "shop", "198.51.100.4/32", "--json", "--state-dir", str(state)])
    assert [r["cidr"] for r in json.loads(out)["ssh"]] == ["10.1.0.0/16", "203.0.113.7/32", "2001:db8::/64"]


def test_revoke_says_when_another_rule_still_allows_the_source(state):
    """A source also named by a wider rule (22-2222, by hand): revoke takes hostwiz's 22-22 rule and
    says SSH from there is still allowed (before: "Revoked SSH from ..." above a list that still had it)."""
    gid = group_id()
    run_cli(["allow", "shop", "198.51.100.4", "--state-dir", str(state)])
    client("ec2").authorize_security_group_ingress(GroupId=gid, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 2222, "IpRanges": [{"CidrIp": "198.51.100.4/32"}]}])
    code, out, err = run_cli(["revoke", "shop", "198.51.100.4", "--state-dir", str(state)])
    assert code == 0 and "still allowed by a rule hostwiz did not make" in out.splitlines()[0], out
    assert not out.startswith("Revoked SSH from"), out
    code, out, err = run_cli(["revoke", "shop", "198.51.100.4", "--state-dir", str(state)])
    assert out.startswith("SSH from 198.51.100.4 is still allowed"), out


def test_sources_let_in_by_all_traffic_or_a_wide_port_range_are_listed(state):
    """Attack review: a rule for all traffic (-1) or for TCP 0-65535 lets SSH in as surely as 22-22,
    and `allow` did not list its sources (it looked at rules starting at port 22 only)."""
    gid = group_id()
    client("ec2").authorize_security_group_ingress(GroupId=gid, IpPermissions=[
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "192.0.2.0/24", "Description": "everything"}]},
        {"IpProtocol": "tcp", "FromPort": 0, "ToPort": 65535, "Ipv6Ranges": [{"CidrIpv6": "2001:db8:1::/48"}]},
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 443, "IpRanges": [{"CidrIp": "198.51.100.0/24"}]}])
    code, out, err = run_cli(["allow", "shop", "203.0.113.7/32", "--json", "--state-dir", str(state)])
    assert code == 0, err
    listed = [r["cidr"] for r in json.loads(out)["ssh"]]
    assert listed == ["192.0.2.0/24", "203.0.113.7/32", "2001:db8:1::/48"]  # not the web-only range
    code, out, err = run_cli(["revoke", "shop", "192.0.2.0/24", "--state-dir", str(state)])
    assert out.startswith("SSH from 192.0.2.0/24 is still allowed by a rule hostwiz did not make"), out


@pytest.mark.parametrize("wide", ["0.0.0.0/0", "10.0.0.0/8", "::/0"])
def test_revoke_takes_a_world_open_or_whole_private_source_away(state, wide):
    """Attack review: revoke checked its CIDR as `allow` does, so the range an operator most needs
    to take away (0.0.0.0/0, or a whole private /8, added in the console) was refused with
    'set allow_world_ssh = true'."""
    gid = group_id()
    perm = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22}
    perm["Ipv6Ranges" if ":" in wide else "IpRanges"] = [{"CidrIpv6" if ":" in wide else "CidrIp": wide}]
    client("ec2").authorize_security_group_ingress(GroupId=gid, IpPermissions=[perm])
    code, out, err = run_cli(["revoke", "shop", wide, "--json", "--state-dir", str(state)])
    assert code == 0, err
    assert wide not in [r["cidr"] for r in json.loads(out)["ssh"]]


def test_security_group_and_prefix_list_sources_are_listed_as_not_hostwiz_s(state):
    """Attack review: a rule letting 22 in from another security group or a managed prefix list
    was not listed at all, so `allow` showed 'nobody' (or only the ranges) while others could
    connect. They are listed apart, as not hostwiz's; revoke of one says what it takes."""
    gid = group_id()
    ec2 = client("ec2")
    vpc = ec2.describe_security_groups(GroupIds=[gid])["SecurityGroups"][0]["VpcId"]
    other = ec2.create_security_group(GroupName="bastion", Description="neighbour", VpcId=vpc)["GroupId"]
    pl = ec2.create_managed_prefix_list(PrefixListName="office", MaxEntries=2, AddressFamily="IPv4",
                                        Entries=[{"Cidr": "192.0.2.0/24"}])["PrefixList"]["PrefixListId"]
    ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "UserIdGroupPairs": [{"GroupId": other}]},
        {"IpProtocol": "-1", "PrefixListIds": [{"PrefixListId": pl}]},
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": other}]}])
    code, out, err = run_cli(["allow", "shop", "203.0.113.7/32", "--json", "--state-dir", str(state)])
    assert code == 0, err
    also = json.loads(out)["also"]
    assert len(also) == 2 and any(other in a for a in also) and f"prefix list {pl}" in also
    code, out, err = run_cli(["allow", "shop", "203.0.113.7/32", "--state-dir", str(state)])
    assert f"prefix list {pl}" in out and "not hostwiz's" in out
    code, out, err = run_cli(["revoke", "shop", other, "--state-dir", str(state)])
    assert code != 0 and "Traceback" not in err and "not an IP network" in err, (out, err)
