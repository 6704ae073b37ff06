"""Issue 18: adopt reads the stack's DNS records by name (the names its Elastic IP's `hostwiz:dns`
tag gives, each by its marker), not every record of every zone; ownership is still decided by the
stack's identity."""

from __future__ import annotations

import pytest

from hostwiz.services import stacks

from .account import add_records


def adopt_plan(calls, other_dir, stack_id=None):
    """plan_adopt of `blog` from a state dir without its ledger, its calls counted."""
    from hostwiz.services.session import quick_session

    s = quick_session(other_dir, zone=None, hooks=[("provide-client-params", calls.hook)])
    calls.reset()
    plan = stacks.plan_adopt(s, "blog", stack_id)
    return plan, calls.total, dict(calls.ops), list(calls.record_reads)


def zone_id(session) -> str:
    r53 = session.aws.client("route53")
    return next(z["Id"].split("/")[-1] for z in r53.list_hosted_zones()["HostedZones"]
                if z["Name"].rstrip(".") == "example.com")


def records(plan) -> tuple[set[str], set[str]]:
    return ({r.name for r in plan.resources if r.kind == "route53-record"},
            {r.name for r, _ in plan.skipped if r.kind == "route53-record"})


def test_adopt_reads_the_stacks_records_by_name_however_many_records_the_zone_holds(stack_up, session, calls,
                                                                                 tmp_path):
    small = adopt_plan(calls, tmp_path / "a")
    add_records(session.aws, 700)  # three pages of ListResourceRecordSets when the zone is listed
    big = adopt_plan(calls, tmp_path / "b")

    assert small[1] == big[1], (small[2], big[2])
    for plan, _, ops, reads in (small, big):
        assert plan.ok
        assert records(plan) == ({"blog.example.com", "www.blog.example.com"}, set())
        # one lookup per name, at its marker: never a listing of the zone
        assert sorted((r["StartRecordName"], r["StartRecordType"], r["MaxItems"]) for r in reads) == [
            ("_hostwiz.blog.example.com", "TXT", "1"), ("_hostwiz.www.blog.example.com", "TXT", "1")]


def test_look_alike_records_in_the_same_zone_are_neither_adopted_nor_read(stack_up, session, calls, tmp_path):
    """Beside blog's records: a record under another name whose marker copies blog's name and
    identity (a copy), one under a name like blog's with another identity, and blog's own www whose
    marker now names another stack called blog. Only blog.example.com is adopted; www is read by its
    name and skipped for its identity; the others are not blog's names and are not read."""
    from hostwiz.ledger import Ledger

    sid = Ledger(session.state_dir, "blog").get("stack_id")
    zid = zone_id(session)

    def marked(name: str, ident: str) -> list[dict]:
        return [{"Action": "UPSERT", "ResourceRecordSet": {"Name": name, "Type": "A", "TTL": 60,
                                                           "ResourceRecords": [{"Value": "192.0.2.7"}]}},
                {"Action": "UPSERT", "ResourceRecordSet": {"Name": f"_hostwiz.{name}", "Type": "TXT", "TTL": 60,
                 "ResourceRecords": [{"Value": f'"hostwiz:stack=blog hostwiz:run=r-x hostwiz:id={ident} '
                                               f'value=192.0.2.7"'}]}}]

    session.aws.client("route53").change_resource_record_sets(HostedZoneId=zid, ChangeBatch={"Changes": [
        *marked("shop.example.com", sid), *marked("blog2.example.com", "st-someone-else"),
        *marked("www.blog.example.com", "st-someone-else")]})
    plan, _, _, reads = adopt_plan(calls, tmp_path / "other")
    assert "several stacks named blog" in plan.problem  # www's marker names another blog: say which
    plan, _, _, reads = adopt_plan(calls, tmp_path / "other", sid)

    assert plan.ok and plan.stack_id == sid
    assert records(plan) == ({"blog.example.com"}, {"www.blog.example.com"})
    (why,) = [why for r, why in plan.skipped if r.name == "www.blog.example.com"]
    assert "st-someone-else" in why
    assert {r["StartRecordName"] for r in reads} == {"_hostwiz.blog.example.com", "_hostwiz.www.blog.example.com"}


def test_a_stack_made_before_its_address_named_its_records_is_adopted_by_listing_the_zones(
        stack_up, session, calls, tmp_path):
    """An Elastic IP without `hostwiz:dns` (an older hostwiz made it): the zones are listed, as before."""
    ec2 = session.aws.client("ec2")
    (addr,) = ec2.describe_addresses(Filters=[{"Name": "tag:hostwiz:stack", "Values": ["blog"]}])["Addresses"]
    ec2.delete_tags(Resources=[addr["AllocationId"]], Tags=[{"Key": "hostwiz:dns"}])
    plan, _, _, reads = adopt_plan(calls, tmp_path / "other")
    assert records(plan) == ({"blog.example.com", "www.blog.example.com"}, set())
    assert any("StartRecordName" not in r for r in reads)  # a listing of the zone


@pytest.mark.parametrize("older_adopt", [False, True])
def test_a_name_of_an_adopted_stack_can_be_removed_later(stack_up, session, tmp_path, older_adopt):
    """Adopt writes a record's ledger step as `up` does (`dns:NAME`), so a later domain change finds
    it; a ledger an older adopt wrote (`route53-record:ZONE/NAME`) is found by the record's name.
    Before, the name was skipped without a word and its record stayed."""
    from hostwiz.ledger import Ledger
    from hostwiz.provisioners import operate
    from hostwiz.services.session import quick_session

    other = quick_session(tmp_path / "other", zone=None)
    stacks.adopt(other, "blog")
    ledger = Ledger(other.state_dir, "blog")
    www = "www.blog.example.com"
    assert ledger.entry(f"dns:{www}") is not None
    if older_adopt:
        raw = ledger.doc["resources"].pop(f"dns:{www}")
        ledger.doc["resources"][f"route53-record:{zone_id(session)}/{www}"] = raw
        ledger.save()
        ledger = Ledger(other.state_dir, "blog")

    operate.update_dns(other.aws, ledger, add=[], remove=[www], ip=stack_up.outputs["public_ip"], stack="blog",
                       run_id="r-later", hosted_zone=None, stack_id=ledger.get("stack_id"))

    r53 = session.aws.client("route53")
    left = {r["Name"].rstrip(".") for r in r53.list_resource_record_sets(HostedZoneId=zone_id(session))["ResourceRecordSets"]}
    assert www not in left and f"_hostwiz.{www}" not in left
    assert {"blog.example.com", "_hostwiz.blog.example.com"} <= left
    assert not [e for e in ledger.entries() if (e.data or {}).get("record") == www and e.state != "deleted"]


@pytest.mark.parametrize("neighbour", ["other-identity", "no-identity", "new-address"])
def test_a_removed_name_whose_record_a_neighbour_replaced_is_left_alone(stack_up, session, tmp_path, neighbour):
    """Attack review: the ledger of an adopted stack has `dns:www...`, but a neighbour has since
    put its own record there: a marker copying the stack's name with another identity, one with the
    name and no identity at all, or our marker kept and the address changed. Removing the name
    refuses before any change; every record stays as the neighbour left it."""
    from hostwiz.ledger import Ledger
    from hostwiz.provisioners import operate
    from hostwiz.services.session import quick_session

    other = quick_session(tmp_path / "other", zone=None)
    stacks.adopt(other, "blog")
    ledger = Ledger(other.state_dir, "blog")
    sid, www, zid = ledger.get("stack_id"), "www.blog.example.com", zone_id(session)
    r53 = session.aws.client("route53")
    ident = {"other-identity": " hostwiz:id=st-neighbour", "no-identity": "", "new-address": f" hostwiz:id={sid}"}
    marker_value = stack_up.outputs["public_ip"] if neighbour == "new-address" else "198.51.100.9"
    r53.change_resource_record_sets(HostedZoneId=zid, ChangeBatch={"Changes": [
        {"Action": "UPSERT", "ResourceRecordSet": {"Name": www, "Type": "A", "TTL": 60,
                                                   "ResourceRecords": [{"Value": "198.51.100.9"}]}},
        {"Action": "UPSERT", "ResourceRecordSet": {"Name": f"_hostwiz.{www}", "Type": "TXT", "TTL": 60, "ResourceRecords": [
            {"Value": f'"hostwiz:stack=blog hostwiz:run=r-n{ident[neighbour]} value={marker_value}"'}]}}]})
    before = r53.list_resource_record_sets(HostedZoneId=zid)["ResourceRecordSets"]

    with pytest.raises(Exception) as err:
        operate.update_dns(other.aws, ledger, add=[], remove=[www], ip=stack_up.outputs["public_ip"], stack="blog",
                           run_id="r-later", hosted_zone=None, stack_id=sid)
    assert type(err.value).__name__ in ("RecordTaken", "RecordChanged"), err.value
    assert r53.list_resource_record_sets(HostedZoneId=zid)["ResourceRecordSets"] == before
    assert Ledger(other.state_dir, "blog").entry(f"dns:{www}").state == "created"
