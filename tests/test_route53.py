"""Route53 on moto: zone choice, apex and www records, teardown of exactly those records,
refusal when a record was changed (or was someone else's to begin with), and the DNS-ready check."""

from __future__ import annotations

import socket
import time

import pytest

from hostwiz import spec as specmod
from hostwiz.dnscheck import PublicAnswer, resolve
from hostwiz.provisioners import dns, preflight
from hostwiz.services import stacks as operations
from hostwiz.provisioners.aws import Aws
from hostwiz.provisioners.kinds.route53_record import MARKER, choose_zone


def _zone(r53, name: str, private: bool = False) -> str:
    kwargs = {}
    if private:
        vpc = Aws(region="us-east-1").client("ec2").describe_vpcs()["Vpcs"][0]["VpcId"]
        kwargs["VPC"] = {"VPCRegion": "us-east-1", "VPCId": vpc}
    resp = r53.create_hosted_zone(Name=name, CallerReference=f"{name}-{private}-{time.time()}",
                                  HostedZoneConfig={"Comment": "test", "PrivateZone": private}, **kwargs)
    return resp["HostedZone"]["Id"].split("/")[-1]


def _records(r53, zone_id: str) -> dict[tuple[str, str], list[str]]:
    out = {}
    for rec in r53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]:
        out[(rec["Name"].rstrip("."), rec["Type"])] = sorted(v["Value"] for v in rec.get("ResourceRecords", []))
    return out


def _upsert(r53, zone_id: str, name: str, rtype: str, value: str) -> None:
    r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [{"Action": "UPSERT",
        "ResourceRecordSet": {"Name": name, "Type": rtype, "TTL": 300, "ResourceRecords": [{"Value": value}]}}]})


def test_zone_choice_longest_suffix_explicit_and_private_ignored(moto):
    aws = Aws(region="us-east-1")
    r53 = aws.client("route53")
    _zone(r53, "example.com")
    shop = _zone(r53, "shop.example.com")
    _zone(r53, "eu.shop.example.com", private=True)
    _zone(r53, "other.com")

    def chosen(name, given=None):
        z = choose_zone(aws, name, given)
        return z and z["Name"].rstrip(".")

    assert chosen("www.shop.example.com") == "shop.example.com"
    assert choose_zone(aws, "shop.example.com")["Id"].endswith(shop)
    assert chosen("blog.example.com") == "example.com"
    assert chosen("api.eu.shop.example.com") == "shop.example.com"  # the private zone is never chosen
    assert chosen("www.shop.example.com", given="example.com") == "example.com"
    assert chosen("blog.example.com", given="other.com") is None
    assert chosen("blog.example.org") is None
    assert chosen("notexample.com") is None  # a suffix match is by labels, not characters


def test_apex_and_www_then_teardown_of_exactly_those(session, spec_data):
    r53 = session.aws.client("route53")
    zone = choose_zone(session.aws, "example.com")["Id"].split("/")[-1]
    _upsert(r53, zone, "mail.example.com", "A", "192.0.2.25")
    _upsert(r53, zone, "example.com", "MX", "10 mail.example.com")
    _upsert(r53, zone, "blog.example.com", "TXT", '"site-verification=abc"')  # same name, other type
    before = _records(r53, zone)

    spec = specmod.validate({**spec_data, "domain": {"name": "example.com", "www": True}, "database": None,
                             "runtime": {"kind": "static"}})
    result = operations.up(session, spec, "203.0.113.7/32")
    assert result.ok, result.error
    ip = result.outputs["public_ip"]
    after = _records(r53, zone)
    assert after[("example.com", "A")] == [ip] and after[("www.example.com", "A")] == [ip]
    assert f"hostwiz:stack={spec.name}" in after[(MARKER + "example.com", "TXT")][0]
    assert f"value={ip}" in after[(MARKER + "www.example.com", "TXT")][0]
    rec = [r for r in r53.list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
           if r["Name"] == "www.example.com." and r["Type"] == "A"][0]
    assert rec["TTL"] == 60
    assert set(after) - set(before) == {("example.com", "A"), ("www.example.com", "A"),
                                        (MARKER + "example.com", "TXT"), (MARKER + "www.example.com", "TXT")}

    plan = operations.plan_down(session, spec.name)
    assert sorted(r.name for r in plan.resources if r.kind == "route53-record") == ["example.com", "www.example.com"]
    outcome = operations.down(session, plan)
    assert outcome.ok, [(x.resource.key, x.error) for x in outcome.left]
    assert _records(r53, zone) == before  # unrelated records, even at the same names, untouched


def test_teardown_refuses_a_record_changed_by_someone_else(session, spec_data):
    r53 = session.aws.client("route53")
    zone = choose_zone(session.aws, "blog.example.com")["Id"].split("/")[-1]
    spec = specmod.validate({**spec_data, "database": None})
    result = operations.up(session, spec, "203.0.113.7/32")
    assert result.ok, result.error
    _upsert(r53, zone, "www.blog.example.com", "A", "192.0.2.99")

    outcome = operations.down(session, operations.plan_down(session, "blog"))
    assert not outcome.ok
    left = {x.resource.name: x.error for x in outcome.left if x.resource.kind == "route53-record"}
    assert list(left) == ["www.blog.example.com"]
    assert "changed by someone else" in left["www.blog.example.com"] and "192.0.2.99" in left["www.blog.example.com"]
    records = _records(r53, zone)
    assert records[("www.blog.example.com", "A")] == ["192.0.2.99"]  # left alone
    assert ("blog.example.com", "A") not in records  # the unchanged one is gone
    assert ("_hostwiz.blog.example.com", "TXT") not in records


def test_someone_elses_record_is_a_field_error_before_anything_is_created(session, spec_data):
    from hostwiz.provisioners.registry import kind
    from hostwiz.provisioners.kinds.route53_record import RecordTaken

    r53 = session.aws.client("route53")
    zone = choose_zone(session.aws, "blog.example.com")["Id"].split("/")[-1]
    _upsert(r53, zone, "www.blog.example.com", "CNAME", "elsewhere.example.net")
    spec = specmod.validate(spec_data)
    problems = preflight.check(session.aws, spec)
    assert [f for f, _ in problems] == ["domain.name"]
    assert "www.blog.example.com already has a CNAME record (elsewhere.example.net)" in problems[0][1]
    records = kind("route53-record")
    with pytest.raises(RecordTaken):
        records.upsert(session.aws, zone_id=zone, names=spec.domain.record_names, value="198.51.100.7",
                       stack="blog", run_id="r1")
    assert _records(r53, zone)[("www.blog.example.com", "CNAME")] == ["elsewhere.example.net"]
    assert ("blog.example.com", "A") not in _records(r53, zone)  # the batch was refused whole
    # a stack's own records (marked) do not block its next run, even with a new address
    records.upsert(session.aws, zone_id=zone, names=["blog.example.com"], value="198.51.100.7", stack="blog", run_id="r1")
    records.upsert(session.aws, zone_id=zone, names=["blog.example.com"], value="198.51.100.8", stack="blog", run_id="r2")
    assert _records(r53, zone)[("blog.example.com", "A")] == ["198.51.100.8"]
    with pytest.raises(RecordTaken):
        records.upsert(session.aws, zone_id=zone, names=["blog.example.com"], value="198.51.100.9",
                       stack="other", run_id="r3")


# --- the DNS-ready check --------------------------------------------------------------------

def _fake_resolver(table):
    def resolver(name):
        value = table[name]
        if isinstance(value, BaseException):
            raise value
        if value == "hang":
            time.sleep(2)
            return []
        return value
    return resolver


def test_dns_check_of_records_hostwiz_made(session):
    from hostwiz.provisioners.registry import kind

    ip, names = "198.51.100.7", ["blog.example.com", "www.blog.example.com"]
    zone = choose_zone(session.aws, names[0])["Id"]
    kind("route53-record").upsert(session.aws, zone_id=zone, names=names, value=ip, stack="blog", run_id="r1")
    statuses = dns.check(session.aws, names, ip, hosted_zone="example.com",
                         resolver=_fake_resolver({names[0]: [ip], names[1]: ["192.0.2.1"]}))
    assert [s.source for s in statuses] == ["record-set", "record-set"]  # moto has no TestDNSAnswer
    assert all(s.in_route53 for s in statuses)
    assert statuses[0].ready and statuses[0].summary == f"blog.example.com: ready -> {ip}"
    assert not statuses[1].ready and "still answer 192.0.2.1" in statuses[1].summary

    offline = dns.check(session.aws, names, ip, resolver=_fake_resolver(
        {names[0]: socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution"), names[1]: "hang"}),
        timeout=0.2)
    assert [s.in_route53 for s in offline] == [True, True] and not any(s.ready for s in offline)
    assert all("public check unavailable" in s.summary for s in offline)

    from hostwiz.ledger import Ledger

    ledger = Ledger(session.state_dir, "blog")
    for n in names:
        ledger.created(f"dns:{n}", "route53-record", f"{zone}/{n}", zone_id=zone.split("/")[-1], record=n, value=ip)
    from_ledger = dns.stack_check(session.aws, ledger, public=False)
    assert [(s.name, s.in_route53, s.public) for s in from_ledger] == [(n, True, None) for n in names]

    wrong = dns.check(session.aws, names, "198.51.100.1", public=False)
    assert not any(s.in_route53 for s in wrong)
    assert wrong[0].summary == f"blog.example.com: Route53 has {ip}, not 198.51.100.1"


def test_dns_check_uses_test_dns_answer_where_available(moto):
    """Real Route53 answers TestDNSAnswer from its name servers; prefer it over the record set."""
    aws = Aws(region="us-east-1")
    zone = _zone(aws.client("route53"), "example.com")
    calls = []

    def answer(params, **kwargs):
        calls.append(params["RecordName"])
        return {"Nameserver": "ns-1.awsdns.com", "RecordName": params["RecordName"], "RecordType": "A",
                "RecordData": ["198.51.100.7"], "ResponseCode": "NOERROR", "Protocol": "UDP"}

    from botocore.stub import Stubber

    r53 = aws.client("route53")
    with Stubber(r53) as stub:
        stub.add_response("test_dns_answer", answer({"RecordName": "blog.example.com"}),
                          {"HostedZoneId": zone, "RecordName": "blog.example.com", "RecordType": "A"})
        [status] = dns.check(aws, ["blog.example.com"], "198.51.100.7", zone_id=zone, public=False)
    assert status.source == "test-dns-answer" and status.in_route53


def test_dns_check_without_a_zone(moto):
    [status] = dns.check(Aws(region="us-east-1"), ["blog.example.org"], "198.51.100.7", public=False)
    assert not status.in_route53 and "no A record" in status.summary


def test_public_resolve_never_raises():
    answers = resolve(["a.test", "b.test", "c.test"], _fake_resolver({
        "a.test": ["198.51.100.7"], "b.test": socket.gaierror(socket.EAI_NONAME, "Name or service not known"),
        "c.test": OSError("network unreachable")}))
    assert answers[0] == PublicAnswer("a.test", ("198.51.100.7",)) and answers[0].points_at("198.51.100.7")
    assert answers[1].addresses == () and "does not resolve" in answers[1].error
    assert answers[2].addresses is None and "network unreachable" in answers[2].error
