"""A bigger disk through `up`: ModifyVolume on moto, then the root filesystem grown over the
stack's verified SSH -- real OpenSSH sshd, the real `sh` running hostwiz's script; only the
disk tools (findmnt, growpart, resize2fs, xfs_growfs, df, sudo) are stand-ins that log their
arguments, since the test machine's own disk must not be touched."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from hostwiz import events as ev
from hostwiz import growfs, secrets
from hostwiz import spec as specmod
from hostwiz.ledger import Ledger
from hostwiz.services import operate
from hostwiz.services import stacks as operations
from hostwiz.ssh import PinStore

from ssh.conftest import sshd  # noqa: F401  (the fixture)

STUBS = Path(tempfile.mkdtemp(prefix="hostwiz-growfs-stubs-"))
SSHD_PATH = f"SetEnv PATH={STUBS}:/usr/local/bin:/usr/bin:/bin"

# The stand-ins keep the disk's state in files beside them: the filesystem's type, its size in KiB
# (resize2fs and xfs_growfs set it to the disk's), the disk's size, and the log of calls.
TOOLS = {
    "findmnt": """case "$*" in *SOURCE*) echo /dev/nvme0n1p1 ;; *FSTYPE*) cat "$D/fstype" ;; esac""",
    "sudo": """[ "$1" = -n ] && shift; exec "$@\"""",
    "growpart": """echo "growpart $*" >> "$D/log"; [ -f "$D/nochange" ] && { echo "NOCHANGE: partition 1 is size 123"; exit 1; }; exit 0""",
    "resize2fs": """echo "resize2fs $*" >> "$D/log"; cp "$D/disk" "$D/size\"""",
    "xfs_growfs": """echo "xfs_growfs $*" >> "$D/log"; cp "$D/disk" "$D/size\"""",
    "df": """echo "Filesystem 1024-blocks Used Available Capacity Mounted on"; echo "/dev/root $(cat "$D/size") 1 1 1% /\"""",
}


@pytest.fixture
def disk():
    for name, body in TOOLS.items():
        path = STUBS / name
        path.write_text(f"#!/bin/sh\nD={STUBS}\n{body}\n")
        path.chmod(0o755)
    for f in ("log", "nochange"):
        (STUBS / f).unlink(missing_ok=True)
    (STUBS / "fstype").write_text("ext4\n")
    (STUBS / "size").write_text(str(20 * 1024 * 1024))
    (STUBS / "disk").write_text(str(30 * 1024 * 1024))
    return STUBS


def calls(d: Path) -> list[str]:
    return (d / "log").read_text().splitlines() if (d / "log").exists() else []


def small_stack(session, spec_data: dict, name: str) -> specmod.StackSpec:
    data = {**spec_data, "name": name, "instance": {**spec_data["instance"], "ssh_cidr": "127.0.0.1/32"},
            "runtime": {**spec_data["runtime"], "tls": False}}
    data.pop("database")
    data.pop("domain")
    spec = specmod.validate(data)
    assert operations.up(session, spec, "127.0.0.1/32").ok
    return spec


def reach_over_sshd(session, name: str, sshd) -> None:  # noqa: F811
    """The stack's instance answers on the test's sshd: its key, its pinned host key, its user."""
    ledger = Ledger(session.state_dir, name)
    iid = ledger.get("outputs")["instance_id"]
    secrets.store(secrets.ssh_key_account(name), sshd.client_key.read_text())  # the keyring wins over the file
    PinStore(session.state_dir, name).pin(iid, [sshd.host_key_line])
    ledger.update(outputs={**ledger.get("outputs"), "ssh_user": sshd.user})
    session.resolve_ssh = lambda iid, ip: ("127.0.0.1", sshd.port)


def test_the_script_reads_its_answer():
    assert growfs.parse("noise\nhostwiz-growfs /dev/xvda1 xfs grown 10000 20000\n").after_kib == 20000
    assert growfs.parse("hostwiz-growfs half a line") is None
    assert "grown from" in growfs.Grown("/dev/x", "ext4", "grown", 1024 * 1024, 2 * 1024 * 1024).text()
    assert "next boot" in growfs.Grown("/dev/x", "ext4", "unchanged", 1024 * 1024, 1024 * 1024).text()


@pytest.mark.sshd
@pytest.mark.sshd_config(SSHD_PATH)
def test_a_bigger_disk_grows_the_filesystem_over_ssh(session, spec_data, sshd, disk):  # noqa: F811
    spec = small_stack(session, spec_data, "grower")
    reach_over_sshd(session, "grower", sshd)
    bigger = spec.model_copy(update={"instance": spec.instance.model_copy(update={"volume_gb": 30})})
    plan = operate.plan_change(session, bigger)
    assert plan.ok and [c.key for c in plan.changes] == ["instance.volume_gb"], plan.as_dict()
    seen: list[ev.Event] = []
    try:
        assert operate.apply_change(session, bigger, plan, seen.append).ok
    finally:
        session.close()
    assert calls(disk) == ["growpart /dev/nvme0n1 1", "resize2fs /dev/nvme0n1p1"]
    [done] = [e for e in seen if e.step == operate.FS_STEP and e.kind == ev.DONE]
    assert "grown from 20.0 to 30.0 GiB" in done.message
    grown = [c for c in Ledger(session.state_dir, "grower").changes() if c["key"] == operate.FS_STEP]
    assert grown and grown[0]["state"] == "done" and grown[0]["data"]["after_kib"] == 30 * 1024 * 1024


@pytest.mark.sshd
@pytest.mark.sshd_config(SSHD_PATH)
def test_xfs_and_a_partition_already_grown(session, spec_data, sshd, disk):  # noqa: F811
    small_stack(session, spec_data, "xfsgrow")
    reach_over_sshd(session, "xfsgrow", sshd)
    (disk / "fstype").write_text("xfs\n")
    (disk / "nochange").write_text("")  # growpart: NOCHANGE is not a failure
    try:
        grown = operate.grow_filesystem(session, "xfsgrow")
    finally:
        session.close()
    assert calls(disk) == ["growpart /dev/nvme0n1 1", "xfs_growfs -d /"]
    assert (grown.fstype, grown.partition, grown.after_kib) == ("xfs", "unchanged", 30 * 1024 * 1024)


@pytest.mark.sshd
@pytest.mark.sshd_config(SSHD_PATH)
def test_a_failing_growpart_says_why(session, spec_data, sshd, disk):  # noqa: F811
    small_stack(session, spec_data, "badgrow")
    reach_over_sshd(session, "badgrow", sshd)
    (disk / "growpart").write_text("#!/bin/sh\necho 'FAILED: disk is busy' >&2\nexit 2\n")
    try:
        with pytest.raises(Exception, match="disk is busy"):
            operate.grow_filesystem(session, "badgrow")
    finally:
        session.close()
    assert not os.path.exists(disk / "log")  # resize2fs never ran


def test_without_ssh_from_here_the_disk_still_grows_and_the_filesystem_waits_for_a_boot(session, spec_data):
    spec = small_stack(session, spec_data, "noreach")
    bigger = spec.model_copy(update={"instance": spec.instance.model_copy(update={"volume_gb": 30})})
    seen: list[ev.Event] = []
    assert operate.apply_change(session, bigger, operate.plan_change(session, bigger), seen.append).ok
    [skipped] = [e for e in seen if e.step == operate.FS_STEP]
    assert skipped.kind == ev.SKIPPED and "next boot" in skipped.message
    vol = session.aws.client("ec2").describe_volumes(
        Filters=[{"Name": "attachment.instance-id",
                  "Values": [Ledger(session.state_dir, "noreach").get("outputs")["instance_id"]]}])["Volumes"]
    assert vol[0]["Size"] == 30


def test_the_sandbox_host_answers_the_script_as_an_instance_that_has_not_seen_the_new_size():
    from hostwiz.sandbox.fake_host import FakeHost, FakeShell, HostFacts

    host = FakeHost("box", "i-0123456789abcdef0", facts=HostFacts(os="amazon-linux-2023", volume_gb=30))
    out: list[str] = []
    assert FakeShell(host, out.append, lambda: True).run(growfs.command()) == 0
    grown = growfs.parse("".join(out))
    assert (grown.fstype, grown.partition, grown.after_kib) == ("xfs", "unchanged", 30 * 1024 * 1024)
    assert "next boot" in grown.text()
