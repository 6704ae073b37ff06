"""The sandbox instance is the spec's: the chosen OS, type and volume, the bootstrap of the chosen
runtime/TLS/database in the user-data's order and after the launch, files that tail, plain words
for programs it does not have (issue 15, finding 8)."""

from __future__ import annotations

import threading
from datetime import datetime, timezone

from hostwiz import spec as specmod
from hostwiz.sandbox.fake_host import BOOTSTRAP_LOG, FakeHost, FakeShell, HostFacts
from hostwiz.userdata import render


def _spec(**instance):
    return specmod.validate({
        "name": "shop", "region": "us-east-1",
        "domain": {"name": "shop.example.com", "hosted_zone": "example.com"},
        "instance": {"type": "t3.small", "os": "ubuntu-22.04", "volume_gb": 30, "ssh_cidr": "203.0.113.7/32",
                     **instance},
        "runtime": {"kind": "python", "app_port": 8000, "tls": True},
        "database": {"engine": "postgres"},
    })


def _launch(spec, pace: float = 0.0) -> FakeHost:
    params = {"InstanceType": spec.instance.type, "UserData": render(spec),
              "BlockDeviceMappings": [{"DeviceName": "/dev/sda1", "Ebs": {"VolumeSize": spec.instance.volume_gb}}]}
    return FakeHost(spec.name, "i-0123456789abcdef0", facts=HostFacts.from_launch(params), pace=pace)


def _run(host: FakeHost, line: str) -> tuple[int, str]:
    out: list[str] = []
    code = FakeShell(host, out.append, lambda: False).run(line)
    return code, "".join(out)


def test_the_shell_shows_the_chosen_os_type_and_volume():
    before = datetime.now(timezone.utc).replace(microsecond=0)
    host = _launch(_spec())
    assert 'VERSION_ID="22.04"' in _run(host, "cat /etc/os-release")[1]
    assert "Ubuntu 22.04" in host.banner() and "t3.small" in host.banner()
    assert "6.5.0" in _run(host, "uname -a")[1]
    mem = _run(host, "free -m")[1].splitlines()[1].split()
    assert 1700 < int(mem[1]) < 2048  # t3.small: 2 GiB, less what the kernel keeps
    assert _run(host, "df -h")[1].splitlines()[1].split()[1] == "29G"  # a 30 GB volume
    assert _run(host, "nproc")[1].strip() == "2"
    # every bootstrap line is stamped at or after the launch
    lines = host.files[BOOTSTRAP_LOG]
    assert lines and all(datetime.fromisoformat(ln.split()[0]) >= before for ln in lines)


def test_amazon_linux_logs_in_as_ec2_user_with_its_own_banner():
    host = _launch(_spec(os="amazon-linux-2023", type="t3.medium"))
    assert host.user == "ec2-user" and "Amazon Linux 2023" in host.banner()
    assert 3000 < int(_run(host, "free -m")[1].splitlines()[1].split()[1]) < 4096


def test_the_bootstrap_log_has_the_chosen_steps_in_order():
    text = "\n".join(_launch(_spec()).files[BOOTSTRAP_LOG])
    order = ["bootstrap of stack shop: python on ubuntu-22.04, app port 8000", "step: runtime: python",
             "step: nginx", "step: tls", "certbot", "certificate for shop.example.com installed",
             "step: database url", "DATABASE_URL is in", "bootstrap finished: success"]
    positions = [text.find(part) for part in order]
    assert -1 not in positions, [p for p, at in zip(order, positions) if at < 0]
    assert positions == sorted(positions)
    plain = "\n".join(_launch(specmod.validate({"name": "plain", "runtime": {"kind": "static"}})).files[BOOTSTRAP_LOG])
    assert "certbot" not in plain and "database" not in plain and "static" in plain


def test_with_a_pace_the_log_grows_after_the_launch_and_tail_f_follows_it():
    host = _launch(_spec(), pace=0.05)
    out: list[str] = []
    finished, done = threading.Event(), threading.Event()

    def write(text: str) -> None:
        out.append(text)
        if "bootstrap finished" in text:
            finished.set()

    assert not host.bootstrapped.is_set()  # the launch returned before the bootstrap ran
    shell = FakeShell(host, write, lambda: not done.is_set(), follow_interval=0.05)
    t = threading.Thread(target=shell.run, args=(f"tail -n 0 -f {BOOTSTRAP_LOG}",))
    t.start()
    try:
        assert finished.wait(30)  # the follow printed the bootstrap as it was written
    finally:
        done.set()
        t.join(10)
    assert "step: tls" in "".join(out)


def test_listed_files_tail_by_relative_path_and_a_missing_one_does_not_hang():
    host = _launch(_spec())
    assert "hostwiz-bootstrap.log" in _run(host, "ls /var/log")[1]
    out: list[str] = []
    shell = FakeShell(host, out.append, lambda: False)
    assert shell.run("cd /var/log") == 0
    assert shell.run("tail -n 1 -f hostwiz-bootstrap.log") == 0 and "bootstrap finished" in "".join(out)
    code, text = _run(host, "tail -f /var/log/nope.log")  # alive() would say yes forever: it must return
    assert code == 1 and "no files remaining" in text


def test_a_program_it_does_not_have_gets_a_plain_answer():
    code, text = _run(_launch(_spec()), "vim notes.txt")
    assert code == 127
    assert "pretend shell" in text and "nothing here really runs" in text and "tail" in text
