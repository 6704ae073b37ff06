"""Route53 A records that hostwiz made.

Records cannot carry tags, so each record hostwiz writes gets a TXT marker beside it,
`_hostwiz.<name>`, holding the stack, run and the value it set (the external-dns "TXT
registry" idea). Teardown deletes exactly the records whose marker names the stack, and
refuses to delete one whose value someone else has changed since.

Records carry no tags, so the stack's Elastic IP (found by its tags) names them: `hostwiz:dns` holds
"ZONE/NAME ..." for every record the stack points at it ("" for none; `dns_tags`), written before the
records are. Without a ledger (adopt), the records are read by those names, each by its marker
(`find_named`), not by listing every record of every zone; an Elastic IP made before that tag existed
leaves the zones listed as before.
"""

from __future__ import annotations

from typing import Iterable

from ..aws import Aws, error_code
from ..registry import Kind, Resource, register

MARKER = "_hostwiz."
DNS_TAG = "hostwiz:dns"  # on the stack's Elastic IP: its records, "ZONE/NAME" space-separated
DNS_TAG_KEYS = 8  # values of 256 characters at most: "hostwiz:dns", "hostwiz:dns-2", ...
LIST_ZONES = "*"  # a name too long for a tag value: read the records by listing the zones


def dns_tags(record_ids: Iterable[str]) -> list[dict[str, str]]:
    """The Elastic IP's tags naming the stack's records ("ZONE/NAME" each; split over several keys when
    they do not fit one 256-character value). No records: one empty `hostwiz:dns`."""
    values: list[str] = []
    for rid in dict.fromkeys(record_ids):
        if len(rid) > 256:
            return [{"Key": DNS_TAG, "Value": LIST_ZONES}]
        if values and len(values[-1]) + 1 + len(rid) <= 256:
            values[-1] += " " + rid
        else:
            values.append(rid)
    if len(values) > DNS_TAG_KEYS:
        return [{"Key": DNS_TAG, "Value": LIST_ZONES}]
    values = values or [""]
    return [{"Key": DNS_TAG if i == 0 else f"{DNS_TAG}-{i + 1}", "Value": v} for i, v in enumerate(values)]


def records_in_tags(tags: dict[str, str]) -> list[str] | None:
    """The "ZONE/NAME"s an Elastic IP's `dns_tags` name; None when it has none (made before hostwiz
    wrote them) or says to list the zones."""
    if DNS_TAG not in tags or tags[DNS_TAG] == LIST_ZONES:
        return None
    keys = [DNS_TAG] + [f"{DNS_TAG}-{i}" for i in range(2, DNS_TAG_KEYS + 1)]
    return [rid for k in keys for rid in tags.get(k, "").split()]


def tag_records(aws: Aws, allocation_id: str, record_ids: Iterable[str]) -> None:
    """Name `record_ids` on the stack's Elastic IP (before the records are written: a crash between the
    two leaves a name to look up, never a record nobody can find by name). A shorter list leaves any
    later `hostwiz:dns-N` of a longer one in place: a name no longer the stack's is looked up for
    nothing, and what is found there is still checked by its marker's identity."""
    aws.client("ec2").create_tags(Resources=[allocation_id], Tags=dns_tags(record_ids))


class RecordChanged(Exception):
    def __init__(self, name: str, expected: str, found: str):
        super().__init__(f"{name} now points at {found}, not {expected} as hostwiz set it; "
                         "it was changed by someone else, so hostwiz leaves it alone")
        self.response = {"Error": {"Code": "RecordChanged", "Message": str(self)}}


class RecordTaken(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.response = {"Error": {"Code": "RecordTaken", "Message": message}}


def zones(aws: Aws) -> list[dict]:
    r53 = aws.client("route53")
    out = []
    for page in r53.get_paginator("list_hosted_zones").paginate():
        out += page["HostedZones"]
    return out


def choose_zone(aws: Aws, name: str, given: str | None = None) -> dict | None:
    """The hosted zone for `name`: the one given, else the longest matching public suffix."""
    best = None
    for z in zones(aws):
        zname = z["Name"].rstrip(".")
        if given and zname != given:
            continue
        if (name == zname or name.endswith("." + zname)) and not z.get("Config", {}).get("PrivateZone"):
            if best is None or len(zname) > len(best["Name"].rstrip(".")):
                best = z
    return best


def bare_zone_id(zone: dict | str) -> str:
    zid = zone["Id"] if isinstance(zone, dict) else zone
    return zid.split("/")[-1]


def foreign_records(aws: Aws, zone_id: str, names: list[str], stack: str, stack_id: str | None = None) -> list[str]:
    """Names that already carry an address record hostwiz did not make for `stack`.

    UPSERT would silently take such a record over (or fail on a CNAME), so provisioning
    refuses instead and says which record is in the way.
    """
    r53 = aws.client("route53")
    problems = []
    for name in names:
        resp = r53.list_resource_record_sets(HostedZoneId=bare_zone_id(zone_id), StartRecordName=name, MaxItems="20")
        here = [r for r in resp["ResourceRecordSets"] if r["Name"].rstrip(".") == name]
        marker = current_record(aws, bare_zone_id(zone_id), MARKER + name, "TXT")
        mark = _parse_marker(marker["ResourceRecords"][0]["Value"]) if marker else {}
        if mark.get("hostwiz:stack") == stack and (stack_id is None or mark.get("hostwiz:id") == stack_id):
            continue
        for rec in here:
            if rec["Type"] in ("A", "AAAA", "CNAME"):
                values = ", ".join(v["Value"] for v in rec.get("ResourceRecords", [])) or "an alias"
                problems.append(f"{name} already has {'an' if rec['Type'][0] in 'AEIOU' else 'a'} {rec['Type']} record ({values}) that hostwiz did not make "
                                f"for stack {stack}; delete it in Route53 or choose another name")
    return problems


def current_record(aws: Aws, zone_id: str, name: str, rtype: str) -> dict | None:
    """The record set `name`/`rtype` as Route53 holds it now, or None."""
    resp = aws.client("route53").list_resource_record_sets(
        HostedZoneId=zone_id, StartRecordName=name, StartRecordType=rtype, MaxItems="1")
    for rec in resp["ResourceRecordSets"]:
        if rec["Name"].rstrip(".") == name and rec["Type"] == rtype:
            return rec
    return None


def _marker_value(stack: str, run_id: str, value: str, stack_id: str = "") -> str:
    ident = f" hostwiz:id={stack_id}" if stack_id else ""
    return f'"hostwiz:stack={stack} hostwiz:run={run_id}{ident} value={value}"'


def _parse_marker(txt: str) -> dict[str, str]:
    return dict(p.split("=", 1) for p in txt.strip('"').split() if "=" in p)


@register
class Route53Record(Kind):
    name = "route53-record"
    label = "DNS record"
    gone_codes = ("NoSuchHostedZone",)
    account_wide = True  # listed once, not per region
    retry_codes = ("PriorRequestNotComplete", "Throttling")

    def upsert(self, aws: Aws, *, zone_id: str, names: list[str], value: str, stack: str, run_id: str,
               ttl: int = 60, stack_id: str = "") -> str:
        taken = foreign_records(aws, zone_id, names, stack, stack_id or None)
        if taken:
            raise RecordTaken("; ".join(taken))
        changes = []
        for name in names:
            changes.append({"Action": "UPSERT", "ResourceRecordSet": {
                "Name": name, "Type": "A", "TTL": ttl, "ResourceRecords": [{"Value": value}]}})
            changes.append({"Action": "UPSERT", "ResourceRecordSet": {
                "Name": MARKER + name, "Type": "TXT", "TTL": ttl,
                "ResourceRecords": [{"Value": _marker_value(stack, run_id, value, stack_id)}]}})
        resp = aws.client("route53").change_resource_record_sets(
            HostedZoneId=bare_zone_id(zone_id), ChangeBatch={"Comment": f"hostwiz stack {stack}", "Changes": changes})
        return resp["ChangeInfo"]["Id"]

    def _records(self, aws: Aws, zone_id: str) -> list[dict]:
        out = []
        pages = aws.client("route53").get_paginator("list_resource_record_sets").paginate(HostedZoneId=zone_id)
        for page in pages:
            out += page["ResourceRecordSets"]
        return out

    def list(self, aws: Aws) -> Iterable[Resource]:
        for zone in zones(aws):
            zid = bare_zone_id(zone)
            records = self._records(aws, zid)
            for rec in records:
                if rec["Type"] == "TXT" and rec["Name"].rstrip(".").startswith(MARKER.rstrip(".")):
                    marker = _parse_marker(rec["ResourceRecords"][0]["Value"])
                    name = rec["Name"].rstrip(".")[len(MARKER):]
                    tags = {"hostwiz:stack": marker.get("hostwiz:stack", ""), "hostwiz:run": marker.get("hostwiz:run", "")}
                    if marker.get("hostwiz:id"):
                        tags["hostwiz:id"] = marker["hostwiz:id"]
                    yield Resource(self.name, f"{zid}/{name}", "global", name, tags,
                                   {"zone_id": zid, "record": name, "value": marker.get("value")})
            yield from self._others(zid, records)

    def find_named(self, aws: Aws, stack: str, names: Iterable[str], *, ledger: bool) -> list[Resource] | None:
        """The records `names` names ("ZONE/NAME": the ledger's, or the Elastic IP's `hostwiz:dns`), each
        by its marker: one call per record, not a listing of every zone's records. `ledger=False`: the
        names are not known (records carry no tags), None (then `find_stack` lists the zones)."""
        if not ledger:
            return None
        out = []
        for rid in dict.fromkeys(names):
            zid, _, name = rid.partition("/")
            if not zid or not name:
                continue
            rec = self.unless_gone(current_record, aws, zid, MARKER + name, "TXT")
            if rec is None:
                continue
            marker = _parse_marker(rec["ResourceRecords"][0]["Value"])
            if marker.get("hostwiz:stack") != stack:
                continue
            tags = {"hostwiz:stack": stack, "hostwiz:run": marker.get("hostwiz:run", "")}
            if marker.get("hostwiz:id"):
                tags["hostwiz:id"] = marker["hostwiz:id"]
            out.append(Resource(self.name, f"{zid}/{name}", "global", name, tags,
                                {"zone_id": zid, "record": name, "value": marker.get("value")}))
        return out

    def _others(self, zid: str, records: list[dict]) -> Iterable[Resource]:
        """Records hostwiz did not write (for cleanup): every one but the zone's own NS and SOA."""
        marked = {rec["Name"].rstrip(".")[len(MARKER):] for rec in records if rec["Name"].startswith(MARKER)}
        for rec in records:
            name = rec["Name"].rstrip(".")
            if rec["Type"] in ("NS", "SOA") or name.startswith(MARKER) or name in marked:
                continue
            yield Resource(self.name, f"{zid}/{name}/{rec['Type']}", "global", name, {},
                           {"zone_id": zid, "record": name, "type": rec["Type"], "rrset": rec})

    def delete(self, aws: Aws, res: Resource) -> None:
        if res.data.get("rrset"):
            return self._delete_other(aws, res)
        zid, name, expected = res.data["zone_id"], res.data["record"], res.data.get("value")
        changes = []
        a = current_record(aws, zid, name, "A")
        if a is not None:
            found = ",".join(r["Value"] for r in a.get("ResourceRecords", []))
            if expected and found != expected:
                raise RecordChanged(name, expected, found)
            changes.append({"Action": "DELETE", "ResourceRecordSet": a})
        txt = current_record(aws, zid, MARKER + name, "TXT")
        if txt is not None:
            changes.append({"Action": "DELETE", "ResourceRecordSet": txt})
        if changes:
            try:
                aws.client("route53").change_resource_record_sets(HostedZoneId=zid, ChangeBatch={"Changes": changes})
            except Exception as err:
                if not self.gone(err) and error_code(err) != "InvalidChangeBatch":
                    raise

    def _delete_other(self, aws: Aws, res: Resource) -> None:
        current = current_record(aws, res.data["zone_id"], res.data["record"], res.data["type"])
        if current is None:
            return
        if current != res.data["rrset"]:
            raise RecordChanged(res.data["record"], str(res.data["rrset"].get("ResourceRecords")),
                                str(current.get("ResourceRecords")))
        aws.client("route53").change_resource_record_sets(
            HostedZoneId=res.data["zone_id"], ChangeBatch={"Changes": [{"Action": "DELETE", "ResourceRecordSet": current}]})

    def exists(self, aws: Aws, res: Resource) -> bool:
        name, rtype = (res.data["record"], res.data["type"]) if res.data.get("rrset") else \
            (MARKER + res.data["record"], "TXT")
        return self.unless_gone(current_record, aws, res.data["zone_id"], name, rtype) is not None
