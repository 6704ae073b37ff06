"""Local files and faults (issue 12, defects 10 and 11): private state whatever the umask, one safe
writer, and every fault ends in one clear message with exit 1 or 2 (no traceback, nothing lost)."""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
from types import SimpleNamespace

import pytest
import tomli_w
from hwtest import leftovers

from hostwiz.ledger import Ledger

from .conftest import records


@pytest.fixture
def spec_file(tmp_path, spec_data):
    path = tmp_path / "blog.toml"
    path.write_text(tomli_w.dumps(spec_data))
    return path


def modes(root) -> dict[str, str]:
    """Every path under `root` (root included) whose mode lets anyone but the owner in."""
    bad = {}
    for path in [root, *root.rglob("*")]:
        mode = stat.S_IMODE(path.lstat().st_mode)
        if not path.is_symlink() and mode & 0o077:
            bad[str(path.relative_to(root.parent))] = oct(mode)
    return bad


def test_the_state_dir_and_everything_in_it_stay_private_under_umask_000(moto, tmp_path, full_spec):
    """Defect 10: under `umask 000` the state dir and its folders were created 0777."""
    from hostwiz.services import stacks
    from hostwiz.services.session import Options, open_session

    state = tmp_path / "state"
    old = os.umask(0)
    try:
        session = open_session(Options(state_dir=str(state)))
        from hostwiz.services.session import quick_session

        fast = quick_session(state)
        result = stacks.up(fast, full_spec, full_spec.instance.ssh_cidr)
        assert result.ok, result.error
        session.close()
    finally:
        os.umask(old)
    assert {p.name for p in state.iterdir()} >= {"stacks", "locks", "keys", "logs"}
    assert modes(state) == {}


def test_an_open_state_dir_left_by_an_older_hostwiz_is_closed(moto, tmp_path):
    from hostwiz.services.session import Options, open_session

    state = tmp_path / "state"
    (state / "stacks").mkdir(parents=True)
    os.chmod(state, 0o755), os.chmod(state / "stacks", 0o777)
    open_session(Options(state_dir=str(state))).close()
    assert modes(state) == {}


def test_the_ledger_is_never_written_through_a_symlink(tmp_path):
    from hostwiz.ledger import UnsafePath

    victim = tmp_path / "victim"
    victim.write_text("precious")
    (tmp_path / "state" / "stacks").mkdir(parents=True)
    (tmp_path / "state" / "stacks" / "blog.json").symlink_to(victim)
    with pytest.raises(UnsafePath):
        Ledger(tmp_path / "state", "blog")
    from hostwiz.ledger import atomic_write

    with pytest.raises(UnsafePath):
        atomic_write(tmp_path / "state" / "stacks" / "blog.json", "{}")
    assert victim.read_text() == "precious"


def full_disk_after(monkeypatch, when) -> list:
    """Every ledger write fails with ENOSPC once `when(text)` says so (the disk fills up)."""
    import hostwiz.ledger as ledger_mod

    real = ledger_mod.atomic_write
    failed = []

    def write(path, text, mode=0o600):
        if failed or when(text):
            failed.append(path)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(path, text, mode)

    monkeypatch.setattr(ledger_mod, "atomic_write", write)
    return failed


def test_disk_full_during_up_still_rolls_back_and_says_so(session, cli, state_dir, spec_file, monkeypatch):
    """Defect 11: the disk filled once the instance existed: no rollback ran, resources were left."""
    failed = full_disk_after(monkeypatch, lambda text: '"instance": {' in text and '"state": "created"' in
                             text.split('"instance": {', 1)[1][:400])
    code, out, err = cli(state_dir, "up", str(spec_file), "--yes")
    assert failed, "the disk never filled"
    assert code == 1 and "Traceback" not in err
    assert "No space left on device" in out + err and "rolled back" in out
    assert {k for k, v in leftovers("blog").items() if v} <= {"tagged-arn"}


def test_disk_full_before_anything_is_made_creates_nothing(session, cli, state_dir, spec_file, monkeypatch):
    full_disk_after(monkeypatch, lambda text: True)
    code, out, err = cli(state_dir, "up", str(spec_file), "--yes")
    assert code == 1 and "nothing was created" in err and "Traceback" not in err
    assert leftovers("blog") == {}


def test_a_locked_keyring_is_reported_and_down_finishes(stack_up, session, cli, state_dir, monkeypatch):
    """Defect 11: a keyring that is present but locked crashed `down` after deleting; the ledger stayed."""
    from keyring.errors import KeyringLocked

    from hostwiz import secrets

    def locked(account):
        raise KeyringLocked("the collection is locked")

    monkeypatch.setattr(secrets, "forget", locked)
    code, out, err = cli(state_dir, "down", "blog", "--yes")
    assert code == 0 and "Traceback" not in err
    assert "could not remove blog/ssh-private-key from the keyring" in out + err
    assert not Ledger(state_dir, "blog").exists
    assert {k for k, v in leftovers("blog").items() if v} <= {"tagged-arn"}


def refuse(operation: str, code: str = "UnauthorizedOperation"):
    def hook(**_):
        return (SimpleNamespace(status_code=403, headers={}),
                {"Error": {"Code": code, "Message": "You are not authorized to perform this operation."},
                 "ResponseMetadata": {"HTTPStatusCode": 403}})
    return (f"before-call.{operation}", hook)


@pytest.mark.parametrize("command", [["down", "blog", "--yes"], ["status", "blog"]])
def test_a_describe_refused_during_down_or_status_is_one_message(stack_up, session, cli, state_dir, monkeypatch,
                                                                command):
    from hostwiz.provisioners.aws import Aws

    real = Aws.__post_init__

    def post_init(self):
        real(self)
        self.hooks.append(refuse("ec2.DescribeInstances"))

    monkeypatch.setattr(Aws, "__post_init__", post_init)
    code, out, err = cli(state_dir, *command)
    assert code == 1 and "Traceback" not in err
    assert "AWS refused to list stack blog's resources: UnauthorizedOperation" in err
    assert Ledger(state_dir, "blog").get("status") == "ready"


def spec_problem(path, tmp_path) -> tuple[int, str, str]:
    """`hostwiz up PATH --json` in a subprocess with a deadline (a spec linked to /dev/zero read forever)."""
    env = {**os.environ, "HOSTWIZ_STATE_DIR": str(tmp_path / "state"), "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}
    proc = subprocess.run([sys.executable, "-m", "hostwiz", "up", str(path), "--json"], capture_output=True,
                          text=True, env=env, timeout=60)
    return proc.returncode, proc.stdout, proc.stderr


@pytest.mark.parametrize("case", ["latin-1", "nested", "dev-zero", "huge", "fifo"])
def test_spec_files_that_are_not_specs_are_refused_with_exit_2(tmp_path, case):
    """Defect 11: non-UTF-8 and deeply nested specs were tracebacks; /dev/zero was read forever;
    a 200 MB spec was read whole."""
    path = tmp_path / "spec.toml"
    if case == "latin-1":
        path.write_bytes('name = "caf\xe9"\n'.encode("latin-1"))
    elif case == "nested":
        path.write_text("a = " + "[" * 50000 + "]" * 50000 + "\n")
    elif case == "dev-zero":
        path.symlink_to("/dev/zero")
    elif case == "huge":
        with open(path, "wb") as fh:
            fh.truncate(200 * 1024 * 1024)
    else:
        os.mkfifo(path)
    code, out, err = spec_problem(path, tmp_path)
    assert code == 2 and "Traceback" not in err, err
    (invalid,) = [r for r in records(out) if r.get("kind") == "invalid"]
    message = invalid["problems"][0]["message"]
    assert invalid["problems"][0]["field"] == "file"
    assert {"latin-1": "not UTF-8", "nested": "too deeply", "dev-zero": "not a regular file",
            "huge": "may be at most", "fifo": "not a regular file"}[case] in message


def test_an_endpoint_that_is_not_a_url_is_bad_input(tmp_path, spec_file):
    from hwtest import run_cli

    code, out, err = run_cli(["status", "--endpoint-url", "notaurl", "--state-dir", str(tmp_path / "s")])
    assert code == 2 and "is not a URL" in err and "Traceback" not in err


@pytest.mark.parametrize("cidr, reach", [
    ("0.0.0.0/0", "whole internet"), ("0.0.0.0/1", "whole internet"), ("::/0", "whole internet"),
    ("::/1", "whole internet"), ("2000::/3", "whole internet"), ("2600::/16", "whole internet"),
    ("10.0.0.0/8", "a whole private range"), ("fc00::/7", "a whole private range")])
def test_world_open_ssh_needs_the_explicit_opt_in(cidr, reach):
    """Defect 11: the open-SSH guard refused only /0; now /8 or shorter (IPv4), /16 or shorter (IPv6).
    A private one is refused too, and not called the internet (attack review: 10.0.0.0/8 was)."""
    from hostwiz import spec as specmod

    with pytest.raises(ValueError, match=reach):
        specmod.check_ssh_cidr(cidr)
    assert specmod.check_ssh_cidr(cidr, allow_world=True)


@pytest.mark.parametrize("cidr", ["10.0.0.0/9", "203.0.113.7/32", "2600::/17", "2001:db8::1/128"])
def test_narrower_ssh_ranges_pass(cidr):
    from hostwiz import spec as specmod

    assert specmod.check_ssh_cidr(cidr) == cidr


def test_a_world_open_spec_is_refused_field_level(spec_data):
    from hostwiz import spec as specmod

    spec_data["instance"]["ssh_cidr"] = "2000::/3"
    with pytest.raises(specmod.SpecError) as err:
        specmod.validate(spec_data)
    assert [f for f, _ in err.value.problems] == ["instance.ssh_cidr"]
    spec_data["instance"]["allow_world_ssh"] = True
    assert specmod.validate(spec_data).instance.ssh_cidr == "2000::/3"


