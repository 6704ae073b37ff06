"""Day two on AWS: read what a stack runs now, and change it in place.

- `live(aws, ledger)`: a `hostwiz.changes.Live` from describes (instance type and state, root
  volume size, SSH rules, DNS names, the database) plus what only the ledger knows;
- power: `stop_instance`, `start_instance`, `stop_db`, `start_db` (each waits, with the
  session's timing);
- changes: `set_instance_type`, `grow_volume`, `modify_db`, `set_ssh`, `update_dns`;
- who may connect: `ssh_rules`, `allow_ssh`, `revoke_ssh`;
- snapshots: `snapshot_volume`, `snapshot_db`, `stack_snapshots`, `restore_db`;
- ownership (issue 12): `targets` (what a change would touch) and `not_owned` (why any of it is
  not verifiably the stack's, by `ownership.why_not_owned`, the test `down` and adopt ask).

Every mutating function here is called under the stack's lock with the change's intent already
in the ledger and the resources it touches verified as the stack's own (`services.operate`); each
call is safe to repeat after a crash (an already stopped instance is not stopped again, a rule
already there is not added twice). What they make (snapshots, volumes, restored databases, DNS
records) carries the stack's identity like everything `up` makes (`identity_tags`).
"""

from __future__ import annotations

import ipaddress
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

from hostwiz.changes import Live, LiveDb
from hostwiz.ledger import CREATED, Ledger

from .aws import Aws, error_code, tag_dict, tags
from .kinds.common import stamp
from .kinds.route53_record import (MARKER, RecordChanged, RecordTaken, _parse_marker, bare_zone_id, choose_zone,
                                   current_record, tag_records)
from .ownership import ID_TAG, ROLE_TAG, Identity, why_not_owned
from .registry import Resource, kind
from .waiting import poll

SNAPSHOT_ROLE = "snapshot"
RESTORED_TAG = "hostwiz:restored-from"  # on a database restored from a snapshot: a re-run knows it is done


# Reading ----------------------------------------------------------------------------------------


def _instance(aws: Aws, iid: str | None) -> dict[str, Any] | None:
    return kind("ec2-instance").describe(aws, iid) if iid else None


def root_volume(inst: dict[str, Any]) -> str | None:
    root = inst.get("RootDeviceName")
    for m in inst.get("BlockDeviceMappings", []):
        if m.get("DeviceName") == root or root is None:
            return m["Ebs"]["VolumeId"]
    maps = inst.get("BlockDeviceMappings", [])
    return maps[0]["Ebs"]["VolumeId"] if maps else None


def ssh_rules(aws: Aws, group_id: str) -> list[dict[str, str]]:
    """The SSH (tcp/22) sources of a security group: [{"cidr", "description"}], each source once
    (two rules may name the same range: 22-22 and 22-2222, or one added by hand beside hostwiz's),
    with the descriptions of its rules joined, in a stable order: IPv4 before IPv6, by address.
    Every rule that lets port 22 in counts: all traffic (-1) and any TCP range covering 22."""
    g = aws.client("ec2").describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
    found: dict[str, list[str]] = {}
    for perm in g.get("IpPermissions", []):
        if not _admits_ssh(perm):
            continue
        for r in perm.get("IpRanges", []) + perm.get("Ipv6Ranges", []):
            descriptions = found.setdefault(_source(r.get("CidrIp") or r.get("CidrIpv6", "")), [])
            if r.get("Description") and r["Description"] not in descriptions:
                descriptions.append(r["Description"])
    return [{"cidr": cidr, "description": "; ".join(found[cidr])} for cidr in sorted(found, key=_source_order)]


def ssh_other_sources(aws: Aws, group_id: str) -> list[str]:
    """What else lets SSH in besides address ranges: security groups (UserIdGroupPairs) and managed
    prefix lists (PrefixListIds) named by a rule admitting port 22, each once, e.g. "security group
    sg-0abc (account 123456789012)", "prefix list pl-0abc". hostwiz neither adds nor removes these."""
    g = aws.client("ec2").describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
    found: list[str] = []
    for perm in g.get("IpPermissions", []):
        if not _admits_ssh(perm):
            continue
        for pair in perm.get("UserIdGroupPairs", []):
            who = f"security group {pair.get('GroupId') or pair.get('GroupName') or '?'}"
            if pair.get("UserId"):
                who += f" (account {pair['UserId']})"
            found.append(who)
        found += [f"prefix list {p.get('PrefixListId', '?')}" for p in perm.get("PrefixListIds", [])]
    return sorted(set(found))


def _admits_ssh(perm: dict[str, Any]) -> bool:
    protocol = str(perm.get("IpProtocol"))
    if protocol == "-1":
        return True
    return protocol in ("tcp", "6") and perm.get("FromPort", 0) <= 22 <= perm.get("ToPort", 65535)


def _source(cidr: str) -> str:
    """One spelling per range (2001:DB8::/32 and 2001:db8::/32 are one source)."""
    try:
        return str(ipaddress.ip_network(cidr, strict=False))
    except ValueError:
        return cidr


def _source_order(cidr: str) -> tuple:
    try:
        net = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return (7, 0, 0, cidr)
    return (net.version, int(net.network_address), net.prefixlen, cidr)


def _ledger_id(ledger: Ledger, step: str) -> str | None:
    e = ledger.entry(step)
    return e.id if e else None


def live(aws: Aws, ledger: Ledger) -> Live:
    spec = ledger.get("spec") or {}
    outputs = ledger.get("outputs") or {}
    iid = outputs.get("instance_id") or _ledger_id(ledger, "instance")
    inst = _instance(aws, iid) or {}
    vol_id = root_volume(inst) if inst else None
    size = 0
    if vol_id:
        size = aws.client("ec2").describe_volumes(VolumeIds=[vol_id])["Volumes"][0]["Size"]
    sg = _ledger_id(ledger, "app-sg")
    db = None
    ident = _ledger_id(ledger, "database")
    if ident:
        d = kind("rds-instance").describe(aws, ident)
        if d:
            db = LiveDb(ident, d.get("Engine", ""), d.get("DBInstanceClass", ""), int(d.get("AllocatedStorage", 0)),
                        d.get("DBInstanceStatus", ""), d.get("DBName", ""), d.get("MasterUsername", ""))
    names = sorted(e.data.get("record") for e in ledger.entries()
                   if e.kind == "route53-record" and e.state == "created" and e.data and e.data.get("record"))
    storage_at = next((c.get("ended") for c in reversed(ledger.changes())
                       if c.get("state") == "done" and "AllocatedStorage" in (c.get("data", {}).get("modify") or {})), None)
    return Live(name=ledger.name, region=aws.region, status=ledger.get("status", "?"), instance_id=iid,
                instance_type=inst.get("InstanceType", spec.get("instance", {}).get("type", "")),
                instance_state=(inst.get("State") or {}).get("Name", "missing"),
                os=spec.get("instance", {}).get("os", "ubuntu-24.04"), volume_id=vol_id, volume_gb=int(size),
                app_sg=sg, ssh_cidrs=[r["cidr"] for r in ssh_rules(aws, sg)] if sg else [],
                dns_names=names, tls=bool(spec.get("runtime", {}).get("tls")), runtime=dict(spec.get("runtime") or {}),
                db=db, storage_changed_at=storage_at, pending=ledger.pending_changes())


# Ownership --------------------------------------------------------------------------------------

PARTS = ("instance", "volume", "app-sg", "eip", "database")


def identity_tags(stack: str, run_id: str, name: str, stack_id: str, role: str, **extra: str) -> list[dict[str, str]]:
    """The tags of something a change makes: the stack's, with its identity and role (as `up` tags)."""
    return tags(stack, run_id, name, **{ROLE_TAG: role, ID_TAG: stack_id}, **extra)


def _created_id(ledger: Ledger, step: str) -> str | None:
    e = ledger.entry(step)
    return e.id if e and e.state == CREATED and e.id else None


def targets(ledger: Ledger, live: Live | None = None, which: tuple[str, ...] = PARTS) -> list[tuple[str, str, str]]:
    """(kind, id, in words) of each part of the stack in `which` that a change would touch: from
    what AWS says the stack runs now (`live`) where given, else from the ledger."""
    outputs = ledger.get("outputs") or {}
    out = []
    iid = live.instance_id if live else (outputs.get("instance_id") or _created_id(ledger, "instance"))
    if "instance" in which and iid:
        out.append(("ec2-instance", iid, "instance"))
    if "volume" in which and live and live.volume_id:
        out.append(("ebs-volume", live.volume_id, "root volume"))
    sg = live.app_sg if live else _created_id(ledger, "app-sg")
    if "app-sg" in which and sg:
        out.append(("security-group", sg, "security group"))
    if "eip" in which and (alloc := _created_id(ledger, "eip")):
        out.append(("elastic-ip", alloc, "Elastic IP"))
    db = (live.db.identifier if live.db else None) if live else _created_id(ledger, "database")
    if "database" in which and db:
        out.append(("rds-instance", db, "database"))
    return out


def holder(aws: Aws, kind_name: str, rid: str) -> Resource | None:
    """What holds `rid` now, with its tags and what ownership compares (creation time, client
    token, AWS's own ID); None when nothing does."""
    k = kind(kind_name)
    if kind_name == "ec2-instance":
        return next(iter(k.list(aws, [{"Name": "instance-id", "Values": [rid]}])), None)  # type: ignore[call-arg]
    if kind_name == "security-group":
        return next(iter(k.list(aws, [{"Name": "group-id", "Values": [rid]}])), None)  # type: ignore[call-arg]
    if kind_name == "elastic-ip":
        return next(iter(k.list(aws, [{"Name": "allocation-id", "Values": [rid]}])), None)  # type: ignore[call-arg]
    if kind_name == "rds-instance":
        d = k.describe(aws, rid)  # type: ignore[attr-defined]
        return k._resource(aws, d) if d else None  # type: ignore[attr-defined]
    if kind_name == "ebs-volume":
        v = _volume(aws, rid)
        if v is None:
            return None
        t = tag_dict(v.get("Tags"))
        return Resource(kind_name, rid, aws.region, t.get("Name", rid), t, {"created": stamp(v.get("CreateTime"))})
    raise ValueError(f"no ownership lookup for {kind_name}")


def not_owned(aws: Aws, ledger: Ledger, parts: list[tuple[str, str, str]]) -> list[str]:
    """Why any of `parts` (from `targets`) is not verifiably the stack's, in the operator's words;
    [] when all are (a part that no longer exists is nothing to touch). A ledger without an
    identity, or of another account, owns nothing here."""
    ident = Identity.of_ledger(ledger)
    if ident is None:
        return [f"stack {ledger.name}'s ledger records no identity ({ID_TAG}), so hostwiz cannot tell its "
                "resources from look-alikes and changes none of them"]
    if ident.account and (account := aws.identity()["account"]) != ident.account:
        return [f"stack {ledger.name}'s ledger was made in AWS account {ident.account}, but these credentials are "
                f"for account {account}; use the profile of account {ident.account}"]
    out = []
    for kind_name, rid, what in parts:
        found = holder(aws, kind_name, rid)
        why = why_not_owned(found, ident) if found is not None else None
        if why:
            out.append(f"the {what} {rid} is not stack {ledger.name}'s own ({why}); hostwiz leaves it alone")
    return out


# Power ------------------------------------------------------------------------------------------


@dataclass
class Waits:
    delay: float = 5.0
    timeout: float = 900.0
    cancel: threading.Event | None = None
    progress: Callable[[str], None] | None = None


def stop_instance(aws: Aws, iid: str, w: Waits) -> None:
    inst = _instance(aws, iid) or {}
    if inst.get("State", {}).get("Name") != "stopped":
        if inst.get("State", {}).get("Name") != "stopping":
            aws.client("ec2").stop_instances(InstanceIds=[iid])
        kind("ec2-instance").wait_state(aws, iid, "stopped", timeout=w.timeout, delay=w.delay, cancel=w.cancel,
                                        progress=w.progress)


def start_instance(aws: Aws, iid: str, w: Waits, allocation_id: str | None = None) -> None:
    inst = _instance(aws, iid) or {}
    if inst.get("State", {}).get("Name") != "running":
        if inst.get("State", {}).get("Name") == "stopping":
            kind("ec2-instance").wait_state(aws, iid, "stopped", timeout=w.timeout, delay=w.delay, cancel=w.cancel)
        if inst.get("State", {}).get("Name") != "pending":
            aws.client("ec2").start_instances(InstanceIds=[iid])
        kind("ec2-instance").wait_state(aws, iid, "running", timeout=w.timeout, delay=w.delay, cancel=w.cancel,
                                        progress=w.progress)
    if allocation_id:  # in a VPC the address stays with a stopped instance; check, never assume
        addr = aws.client("ec2").describe_addresses(AllocationIds=[allocation_id])["Addresses"][0]
        if addr.get("InstanceId") != iid:
            kind("elastic-ip").associate(aws, allocation_id, iid)


def _db_wait(aws: Aws, ident: str, want: str, w: Waits) -> dict:
    def check() -> dict | None:
        d = kind("rds-instance").describe(aws, ident)
        if d is None:
            raise RuntimeError(f"database {ident} is gone")
        return d if d["DBInstanceStatus"] == want else None

    return poll(check, what=f"database {ident} to be {want}", timeout=w.timeout, delay=w.delay,
                cancel=w.cancel, progress=w.progress, max_delay=max(w.delay, 30.0))


def stop_db(aws: Aws, ident: str, w: Waits) -> None:
    status = (kind("rds-instance").describe(aws, ident) or {}).get("DBInstanceStatus")
    if status == "stopped":
        return
    if status != "stopping":
        aws.client("rds").stop_db_instance(DBInstanceIdentifier=ident)
    _db_wait(aws, ident, "stopped", w)


def start_db(aws: Aws, ident: str, w: Waits) -> None:
    status = (kind("rds-instance").describe(aws, ident) or {}).get("DBInstanceStatus")
    if status == "available":
        return
    if status != "starting":
        aws.client("rds").start_db_instance(DBInstanceIdentifier=ident)
    _db_wait(aws, ident, "available", w)


# Changes ----------------------------------------------------------------------------------------


def set_instance_type(aws: Aws, iid: str, instance_type: str) -> None:
    inst = _instance(aws, iid) or {}
    if inst.get("InstanceType") != instance_type:
        aws.client("ec2").modify_instance_attribute(InstanceId=iid, InstanceType={"Value": instance_type})


def grow_volume(aws: Aws, volume_id: str, size_gb: int) -> None:
    vol = aws.client("ec2").describe_volumes(VolumeIds=[volume_id])["Volumes"][0]
    if vol["Size"] < size_gb:
        aws.client("ec2").modify_volume(VolumeId=volume_id, Size=size_gb)


def wait_volume_grown(aws: Aws, volume_id: str, size_gb: int, w: Waits) -> None:
    """Wait until the instance can use the new size: the modification is `optimizing` (the block
    device has its new size; AWS keeps tuning for hours) or `completed`."""
    def check() -> bool | None:
        mods = aws.client("ec2").describe_volumes_modifications(VolumeIds=[volume_id]).get("VolumesModifications", [])
        mine = [m for m in mods if int(m.get("TargetSize") or 0) >= size_gb]
        if any(m.get("ModificationState") == "failed" for m in mine[-1:]):
            raise RuntimeError(f"AWS could not grow {volume_id}: {mine[-1].get('StatusMessage', 'failed')}")
        if any(m.get("ModificationState") in ("optimizing", "completed") for m in mine):
            return True
        if not mods:  # no modification on record: the size itself says whether it is done
            vol = aws.client("ec2").describe_volumes(VolumeIds=[volume_id])["Volumes"][0]
            return True if vol["Size"] >= size_gb else None
        return None

    poll(check, what=f"volume {volume_id} to reach {size_gb} GB", timeout=w.timeout, delay=w.delay, cancel=w.cancel,
         progress=w.progress, max_delay=max(w.delay, 15.0))


def modify_db(aws: Aws, ident: str, modify: dict[str, Any], apply_now: bool) -> None:
    aws.client("rds").modify_db_instance(DBInstanceIdentifier=ident, ApplyImmediately=apply_now, **modify)


def _ssh_perm(cidr: str, description: str = "SSH") -> dict[str, Any]:
    rng = {"CidrIpv6": cidr, "Description": description} if ":" in cidr else {"CidrIp": cidr, "Description": description}
    return {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, ("Ipv6Ranges" if ":" in cidr else "IpRanges"): [rng]}


def allow_ssh(aws: Aws, group_id: str, cidr: str, description: str = "SSH") -> bool:
    """Add an SSH source; False when it was already there."""
    try:
        aws.client("ec2").authorize_security_group_ingress(GroupId=group_id, IpPermissions=[_ssh_perm(cidr, description)])
        return True
    except Exception as err:
        if error_code(err) == "InvalidPermission.Duplicate":
            return False
        raise


def revoke_ssh(aws: Aws, group_id: str, cidr: str) -> bool:
    """Remove an SSH source; False when it was not there."""
    if cidr not in [r["cidr"] for r in ssh_rules(aws, group_id)]:
        return False
    perm = _ssh_perm(cidr)
    for rng in perm.get("IpRanges", []) + perm.get("Ipv6Ranges", []):
        rng.pop("Description", None)
    try:
        aws.client("ec2").revoke_security_group_ingress(GroupId=group_id, IpPermissions=[perm])
        return True
    except Exception as err:
        if error_code(err) == "InvalidPermission.NotFound":
            return False
        raise


def _marker(rec: dict | None) -> dict[str, str]:
    return _parse_marker(rec["ResourceRecords"][0]["Value"]) if rec else {}


def _record_step(ledger: Ledger, name: str) -> str | None:
    """The ledger step of the stack's record `name`: `dns:NAME`, or under the step an older adopt
    gave it (`route53-record:ZONE/NAME`)."""
    if ledger.entry(f"dns:{name}"):
        return f"dns:{name}"
    return next((e.step for e in ledger.entries()
                 if e.kind == "route53-record" and e.state == CREATED and (e.data or {}).get("record") == name), None)


def update_dns(aws: Aws, ledger: Ledger, *, add: list[str], remove: list[str], ip: str, stack: str, run_id: str,
               hosted_zone: str | None, stack_id: str) -> None:
    """Point `add` at the stack's address (with hostwiz's ownership markers, its identity included)
    and delete `remove`: only records whose marker carries the stack's identity and whose address
    is still the one hostwiz set (`RecordTaken`, `RecordChanged` otherwise, before any change)."""
    r53 = kind("route53-record")
    changes_by_zone: dict[str, list[dict]] = {}
    steps = {name: _record_step(ledger, name) for name in remove}
    for name in remove:  # checked first: a refusal leaves every record as it was
        entry = ledger.entry(steps[name]) if steps[name] else None
        if not entry or not entry.data:
            continue
        zid = entry.data["zone_id"]
        marker_rec = current_record(aws, zid, MARKER + name, "TXT")
        a_rec = current_record(aws, zid, name, "A")
        mark = _marker(marker_rec)
        if marker_rec is not None and (mark.get("hostwiz:stack"), mark.get("hostwiz:id")) != (stack, stack_id):
            raise RecordTaken(f"{name}: its marker names stack {mark.get('hostwiz:stack')} id {mark.get('hostwiz:id')}, "
                              f"not this stack's {stack_id}; hostwiz leaves it alone")
        if marker_rec is None and a_rec is not None:
            raise RecordTaken(f"{name}: its A record carries no hostwiz marker; hostwiz leaves it alone")
        if a_rec is not None:
            found = ", ".join(v["Value"] for v in a_rec.get("ResourceRecords", []))
            if mark.get("value") and found != mark["value"]:
                raise RecordChanged(name, mark["value"], found)
        for rec in (a_rec, marker_rec):
            if rec is not None:
                changes_by_zone.setdefault(zid, []).append({"Action": "DELETE", "ResourceRecordSet": rec})
    eip = ledger.entry("eip")

    def records() -> list[str]:  # what the ledger says the stack points at its address
        return [e.id for e in ledger.entries() if e.kind == r53.name and e.state == CREATED and e.id]

    named = records()

    if add:
        zone = choose_zone(aws, add[0], hosted_zone)
        if zone is None:
            raise RuntimeError(f"no public hosted zone in this account contains {add[0]}")
        zid = bare_zone_id(zone)
        for name in add:
            ledger.intent(f"dns:{name}", r53.name, zone_id=zid, record=name, value=ip)
        if eip is not None and eip.id:  # named before they are written (adopt reads them by these names)
            named = list(dict.fromkeys(named + [f"{zid}/{name}" for name in add]))
            tag_records(aws, eip.id, named)
        r53.upsert(aws, zone_id=zid, names=add, value=ip, stack=stack, run_id=run_id, stack_id=stack_id)
        for name in add:
            ledger.created(f"dns:{name}", r53.name, f"{zid}/{name}", zone_id=zid, record=name, value=ip)
    for zid, changes in changes_by_zone.items():
        aws.client("route53").change_resource_record_sets(HostedZoneId=zid, ChangeBatch={"Changes": changes})
    for step in steps.values():
        if step:
            ledger.deleted(step)
    if eip is not None and eip.id and sorted(records()) != sorted(named):  # names gone: named no more
        tag_records(aws, eip.id, records())


# Snapshots --------------------------------------------------------------------------------------


@dataclass
class SnapshotInfo:
    kind: str  # "volume" | "database"
    id: str
    stack: str
    created: str
    size_gb: int
    state: str
    source: str  # the volume or database it was taken from
    final: bool = False  # a database's final snapshot, taken when its stack was torn down
    engine: str = ""  # a database snapshot's engine and master user (a new database from it keeps that user)
    username: str = ""

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def snapshot_volume(aws: Aws, volume_id: str, stack: str, run_id: str, label: str, stack_id: str) -> str:
    resp = aws.client("ec2").create_snapshot(
        VolumeId=volume_id, Description=f"hostwiz {stack}: root volume, {label}",
        TagSpecifications=[{"ResourceType": "snapshot",
                            "Tags": identity_tags(stack, run_id, f"{stack}-root-{label}", stack_id, SNAPSHOT_ROLE)}])
    return resp["SnapshotId"]


def snapshot_db(aws: Aws, ident: str, stack: str, run_id: str, label: str, stack_id: str) -> str:
    snap = f"{stack}-snap-{label}"
    aws.client("rds").create_db_snapshot(
        DBSnapshotIdentifier=snap, DBInstanceIdentifier=ident,
        Tags=identity_tags(stack, run_id, snap, stack_id, SNAPSHOT_ROLE))
    return snap


def stack_snapshots(aws: Aws, stack: str | None = None) -> list[SnapshotInfo]:
    """Snapshots hostwiz took (tagged to a stack), and databases' final snapshots -- also of stacks
    that are gone. `stack` None: every stack's."""
    out: list[SnapshotInfo] = []
    flt = [{"Name": "tag:hostwiz:stack", "Values": [stack]}] if stack else [{"Name": "tag-key", "Values": ["hostwiz:stack"]}]
    for page in aws.client("ec2").get_paginator("describe_snapshots").paginate(OwnerIds=["self"], Filters=flt):
        for s in page["Snapshots"]:
            t = tag_dict(s.get("Tags"))
            out.append(SnapshotInfo("volume", s["SnapshotId"], t.get("hostwiz:stack", ""), str(s.get("StartTime", "")),
                                    int(s.get("VolumeSize", 0)), s.get("State", ""), s.get("VolumeId", "")))
    rds = aws.client("rds")
    for page in rds.get_paginator("describe_db_snapshots").paginate(SnapshotType="manual"):
        for s in page["DBSnapshots"]:
            t = tag_dict(s.get("TagList"))
            owner = t.get("hostwiz:stack", "")
            if not owner:
                continue
            if stack and owner != stack:
                continue
            out.append(SnapshotInfo("database", s["DBSnapshotIdentifier"], owner, str(s.get("SnapshotCreateTime", "")),
                                    int(s.get("AllocatedStorage", 0)), s.get("Status", ""), s.get("DBInstanceIdentifier", ""),
                                    final="-final-" in s["DBSnapshotIdentifier"], engine=s.get("Engine", ""),
                                    username=s.get("MasterUsername", "")))
    return sorted(out, key=lambda s: (s.created, s.id))


def db_snapshot(aws: Aws, snapshot_id: str) -> dict | None:
    try:
        found = aws.client("rds").describe_db_snapshots(DBSnapshotIdentifier=snapshot_id)["DBSnapshots"]
    except Exception as err:
        if error_code(err) in ("DBSnapshotNotFound", "DBSnapshotNotFoundFault"):
            return None
        raise
    return found[0] if found else None


def wait_db_gone(aws: Aws, ident: str, w: Waits) -> None:
    poll(lambda: True if kind("rds-instance").describe(aws, ident) is None else None,
         what=f"database {ident} to be deleted", timeout=w.timeout, delay=w.delay, cancel=w.cancel,
         progress=w.progress, max_delay=max(w.delay, 30.0))


def restore_db(aws: Aws, ident: str, snapshot_id: str, *, instance_class: str, subnet_group: str,
               security_groups: list[str], stack: str, run_id: str, stack_id: str, w: Waits,
               on_made: Callable[[str], None] | None = None) -> dict[str, str]:
    """Replace database `ident` (verified as the stack's by the caller) by one restored from
    `snapshot_id`, under the same identifier (so its endpoint, and the stack's connection string,
    stay), tagged with the stack's identity. A final snapshot of the one replaced is taken first:
    nothing written since `snapshot_id` is lost for good. The new database has a new AWS resource
    ID: `on_made(uid)` is told it as soon as AWS answers; returns {"uid", "born"} once available."""
    rds = aws.client("rds")
    d = kind("rds-instance").describe(aws, ident)
    if d is not None and tag_dict(d.get("TagList")).get(RESTORED_TAG) != snapshot_id:
        if d["DBInstanceStatus"] != "deleting":
            rds.delete_db_instance(DBInstanceIdentifier=ident, DeleteAutomatedBackups=True,
                                   FinalDBSnapshotIdentifier=f"{ident}-final-{time.strftime('%Y%m%d%H%M%S')}")
        wait_db_gone(aws, ident, w)
    if kind("rds-instance").describe(aws, ident) is None:
        made = rds.restore_db_instance_from_db_snapshot(
            DBInstanceIdentifier=ident, DBSnapshotIdentifier=snapshot_id, DBInstanceClass=instance_class,
            DBSubnetGroupName=subnet_group, VpcSecurityGroupIds=security_groups, PubliclyAccessible=False,
            MultiAZ=False, CopyTagsToSnapshot=True,
            Tags=identity_tags(stack, run_id, ident, stack_id, "database", **{RESTORED_TAG: snapshot_id}))
        if on_made and (made.get("DBInstance") or {}).get("DbiResourceId"):
            on_made(made["DBInstance"]["DbiResourceId"])
    done = _db_wait(aws, ident, "available", w)
    return {"uid": done.get("DbiResourceId") or "", "born": str(done.get("InstanceCreateTime") or "")}


def database_url(aws: Aws, parameter: str | None) -> "Any":
    """The stack's connection string from SSM (SecureString), as a `Secret`; None when absent."""
    from hostwiz.secrets import Secret, register

    if not parameter:
        return None
    try:
        value = aws.client("ssm").get_parameter(Name=parameter, WithDecryption=True)["Parameter"]["Value"]
    except Exception as err:
        if error_code(err) == "ParameterNotFound":
            return None
        raise
    register(value)
    return Secret(value)


def zone_of(aws: Aws, name: str) -> str | None:
    """The name of the public hosted zone `name` would be put in (the longest that contains it)."""
    zone = choose_zone(aws, name, None)
    return zone["Name"].rstrip(".") if zone else None


def zone_name_servers(aws: Aws, zone_name: str) -> list[str]:
    """The name servers Route53 gave the public hosted zone `zone_name` (what the registrar must list)."""
    zone = choose_zone(aws, zone_name, zone_name)
    if zone is None:
        return []
    resp = aws.client("route53").get_hosted_zone(Id=bare_zone_id(zone))
    return list((resp.get("DelegationSet") or {}).get("NameServers", []))


def _volume(aws: Aws, volume_id: str) -> dict | None:
    try:
        found = aws.client("ec2").describe_volumes(VolumeIds=[volume_id])["Volumes"]
    except Exception as err:
        if error_code(err) == "InvalidVolume.NotFound":
            return None
        raise
    return found[0] if found else None


def _wait_volume(aws: Aws, volume_id: str, want: str, w: Waits) -> dict:
    return poll(lambda: (v if (v := _volume(aws, volume_id)) and v["State"] == want else None),
                what=f"volume {volume_id} to be {want}", timeout=w.timeout, delay=w.delay, cancel=w.cancel,
                progress=w.progress, max_delay=max(w.delay, 15.0))


def restore_root(aws: Aws, iid: str, snapshot_id: str, *, stack: str, run_id: str, stack_id: str, w: Waits,
                 allocation_id: str | None = None) -> dict[str, str]:
    """Swap the instance's root volume (both verified as the stack's by the caller) for one made
    from `snapshot_id`: make the volume (tagged with the stack's identity, marked with the
    snapshot), stop, snapshot the old root (kept: nothing is lost for good), detach it, attach the
    new one as root, start, delete the old volume. Each part checks what is already done, so a
    re-run after a crash carries on (a volume made by an earlier run is taken only when it carries
    this stack's identity)."""
    ec2 = aws.client("ec2")
    inst = _instance(aws, iid) or {}
    root_dev = inst.get("RootDeviceName") or "/dev/sda1"
    az = (inst.get("Placement") or {}).get("AvailabilityZone")
    new = [v for v in ec2.describe_volumes(Filters=[{"Name": "tag:hostwiz:stack", "Values": [stack]},
                                                    {"Name": f"tag:{ID_TAG}", "Values": [stack_id]},
                                                    {"Name": f"tag:{RESTORED_TAG}", "Values": [snapshot_id]}])["Volumes"]
           if v["State"] != "deleting"]
    if new:
        new_id = new[0]["VolumeId"]
    else:
        new_id = ec2.create_volume(
            SnapshotId=snapshot_id, AvailabilityZone=az, VolumeType="gp3", Encrypted=True,
            TagSpecifications=[{"ResourceType": "volume", "Tags": identity_tags(
                stack, run_id, f"{stack}-root", stack_id, "instance", **{RESTORED_TAG: snapshot_id})}])["VolumeId"]
    old_id = root_volume(inst) if inst else None
    out = {"new_volume": new_id, "old_volume": old_id or "", "old_snapshot": ""}
    if old_id == new_id:  # already swapped: just make sure it runs
        start_instance(aws, iid, w, allocation_id)
        return out
    if _volume(aws, new_id)["State"] != "available":
        _wait_volume(aws, new_id, "available", w)
    stop_instance(aws, iid, w)
    if old_id:
        out["old_snapshot"] = snapshot_volume(aws, old_id, stack, run_id, "replaced-" + time.strftime("%Y%m%d%H%M%S"),
                                              stack_id)
        ec2.detach_volume(VolumeId=old_id, InstanceId=iid)
        _wait_volume(aws, old_id, "available", w)
    ec2.attach_volume(VolumeId=new_id, InstanceId=iid, Device=root_dev)
    _wait_volume(aws, new_id, "in-use", w)
    ec2.modify_instance_attribute(InstanceId=iid, BlockDeviceMappings=[
        {"DeviceName": root_dev, "Ebs": {"DeleteOnTermination": True}}])
    start_instance(aws, iid, w, allocation_id)
    if old_id:
        ec2.delete_volume(VolumeId=old_id)
    return out


def terminate_instance(aws: Aws, iid: str, w: Waits, allocation_id: str | None = None) -> None:
    """Terminate and wait; the Elastic IP is let go of first, so the replacement can take it."""
    if allocation_id:
        addr = aws.client("ec2").describe_addresses(AllocationIds=[allocation_id])["Addresses"][0]
        if addr.get("InstanceId") == iid and addr.get("AssociationId"):
            aws.client("ec2").disassociate_address(AssociationId=addr["AssociationId"])
    inst = _instance(aws, iid)
    if inst and inst["State"]["Name"] not in ("terminated", "shutting-down"):
        aws.client("ec2").terminate_instances(InstanceIds=[iid])
    if inst:
        kind("ec2-instance").wait_state(aws, iid, "terminated", timeout=w.timeout, delay=w.delay, cancel=w.cancel,
                                        progress=w.progress)


def delete_db(aws: Aws, ident: str, w: Waits) -> str | None:
    """Delete a database with a final snapshot (returned); waits until it is gone."""
    d = kind("rds-instance").describe(aws, ident)
    if d is None:
        return None
    final = None
    if d["DBInstanceStatus"] != "deleting":
        final = f"{ident}-final-{time.strftime('%Y%m%d%H%M%S')}"
        aws.client("rds").delete_db_instance(DBInstanceIdentifier=ident, DeleteAutomatedBackups=True,
                                             FinalDBSnapshotIdentifier=final)
    wait_db_gone(aws, ident, w)
    return final
