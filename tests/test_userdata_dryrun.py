"""A dry boot of every rendered user-data script: the real script runs under bash with the
system's tools replaced by stubs, in a private mount namespace (tmpfs /srv, /opt, /var/log;
overlays on /etc and /usr), so nothing on this machine changes. It proves what bash -n and
shellcheck cannot: every variable is set before use (set -u), every function exists where it
is called, steps run in order, and the log ends with the success line, without the secret.
"""

from __future__ import annotations

import itertools
import shutil
import subprocess
from pathlib import Path

import pytest

from hostwiz import userdata

from test_userdata import RUNTIMES, SYSTEMS, make_spec

URL = "postgresql://hostwiz:DryRunSecret123@db.internal:5432/app"

STUB = r"""#!/bin/bash
# one stub for every system tool the bootstrap calls: log the call, fake the effect it relies on
name=$(basename "$0")
printf '%s\n' "$name $*" >> "$HOSTWIZ_CALLS"
case "$name" in
  apt-get) for p in "$@"; do [ "$p" = nginx ] && mkdir -p /etc/nginx/sites-available /etc/nginx/sites-enabled \
             && touch /etc/nginx/sites-enabled/default; done ;;
  dnf) for p in "$@"; do case $p in
         nginx) mkdir -p /etc/nginx/conf.d && printf 'server {\n    listen 80 default_server;\n}\n' > /etc/nginx/nginx.conf ;;
         dnf-automatic) mkdir -p /etc/dnf && printf 'upgrade_type = default\napply_updates = no\n' > /etc/dnf/automatic.conf ;;
       esac; done ;;
  id) exit 1 ;;
  install) args=(); skip=0
           for a in "$@"; do if [ $skip = 1 ]; then skip=0; elif [ "$a" = -o ] || [ "$a" = -g ]; then skip=1; else args+=("$a"); fi; done
           exec /usr/bin/install "${args[@]}" ;;
  curl) case "$*" in *api/token*) echo token ;; *public-ipv4*) echo 198.51.100.7 ;; *health*) echo ok ;; esac ;;
  getent) echo "198.51.100.7    STREAM $2" ;;
  php) case "$1" in -r) echo 8.3 ;; *) echo "PHP 8.2.0 (cli)" ;; esac ;;
  aws) echo "$HOSTWIZ_URL" ;;
  python3) if [ "$1" = - ]; then cat > /dev/null; echo "$HOSTWIZ_URL"
           elif [ "$1 $2" = "-m venv" ]; then mkdir -p "$3/bin"; for t in python pip certbot; do ln -sf "$0" "$3/bin/$t"; done; fi ;;
  runuser) shift 3; "$@" ;;
esac
exit 0
"""
TOOLS = ["apt-get", "dnf", "systemctl", "ufw", "firewall-cmd", "useradd", "id", "install", "chown", "runuser",
         "docker", "nginx", "curl", "getent", "certbot", "php", "aws", "python3", "node", "ruby", "sleep"]

MOUNTS = """set -e
mount --make-rprivate /
mount -t tmpfs none "$SCRATCH"
for d in etc usr; do mkdir -p "$SCRATCH/$d-up" "$SCRATCH/$d-work"
  mount -t overlay overlay -o "lowerdir=/$d,upperdir=$SCRATCH/$d-up,workdir=$SCRATCH/$d-work" "/$d"; done
for d in /srv /opt /var/log; do mkdir -p "$d"; mount -t tmpfs none "$d"; done
set +e
PATH="$STUBS:$PATH" bash "$SCRIPT"
"""


def _can_unshare() -> bool:
    if not shutil.which("unshare"):
        return False
    proc = subprocess.run(["unshare", "--mount", "--fork", "sh", "-c", "mount -t tmpfs none /mnt"],
                          capture_output=True)
    return proc.returncode == 0


pytestmark = pytest.mark.skipif(not _can_unshare(), reason="needs a private mount namespace (root in CI)")


@pytest.fixture(scope="module")
def stubs(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("stubs")
    (d / "stub").write_text(STUB)
    (d / "stub").chmod(0o755)
    for tool in TOOLS:
        (d / tool).symlink_to(d / "stub")
    return d


def dry_boot(script: str, stubs: Path, tmp: Path) -> tuple[subprocess.CompletedProcess, list[str]]:
    (tmp / "user-data.sh").write_text(script)
    (tmp / "scratch").mkdir()
    calls = tmp / "calls"
    calls.touch()
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", "SCRATCH": str(tmp / "scratch"),
           "STUBS": str(stubs), "SCRIPT": str(tmp / "user-data.sh"), "HOSTWIZ_CALLS": str(calls),
           "HOSTWIZ_URL": URL}
    proc = subprocess.run(["unshare", "--mount", "--fork", "bash", "-c", MOUNTS], env=env,
                          capture_output=True, text=True, timeout=60)
    return proc, calls.read_text().splitlines()


@pytest.mark.parametrize("runtime,os_", list(itertools.product(RUNTIMES, SYSTEMS)))
def test_full_spec_boots_to_success(runtime, os_, stubs, tmp_path):
    proc, calls = dry_boot(userdata.render(make_spec(runtime, os_, "full")), stubs, tmp_path)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    assert out.strip().splitlines()[-1].endswith("hostwiz: bootstrap finished: success"), out[-3000:]
    assert "unbound variable" not in out and "command not found" not in out
    assert out.count("bootstrap finished") == 1
    assert "DryRunSecret123" not in out
    steps = [line.split("step: ", 1)[1] for line in out.splitlines() if " hostwiz: step: " in line]
    runtime_step = next(s for s in steps if s.startswith("runtime: "))
    assert steps[steps.index("automatic security updates"):] == [
        "automatic security updates", "firewall: allow 22, 80, 443", "app user and directories", runtime_step,
        *(["app files"] if "app files" in steps else []), *steps[steps.index(runtime_step) + 2:-5],
        "nginx", "health check through nginx", "tls (in the background, beside the database step)", "database url",
        "tls (waiting for the background step)"]
    assert runtime_step.startswith(f"runtime: {runtime}")
    pkg = "apt-get" if os_.startswith("ubuntu") else "dnf"
    assert any(c.startswith(pkg) and " nginx" in c for c in calls)
    assert any(c.startswith("certbot --nginx") and "-d blog.example.com -d www.blog.example.com" in c for c in calls)
    if runtime == "docker":
        assert sum(c.startswith("docker run") for c in calls) == 2  # started, then restarted with DATABASE_URL
    elif runtime != "static":
        assert any(c.startswith("systemctl restart") for c in calls)


@pytest.mark.parametrize("runtime,os_", list(itertools.product(RUNTIMES, SYSTEMS)))
def test_plain_spec_boots_without_tls_or_database(runtime, os_, stubs, tmp_path):
    proc, calls = dry_boot(userdata.render(make_spec(runtime, os_, "plain")), stubs, tmp_path)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    assert out.strip().splitlines()[-1].endswith("hostwiz: bootstrap finished: success")
    assert not any(c.startswith(("certbot", "aws")) for c in calls)
    assert not any("python3-boto3" in c for c in calls)


def test_a_failing_install_ends_with_the_failure_line(stubs, tmp_path):
    script = userdata.render(make_spec("nodejs", "ubuntu-24.04", "plain"))
    broken = tmp_path / "broken-stubs"
    shutil.copytree(stubs, broken, symlinks=True)
    (broken / "apt-get").unlink()
    (broken / "apt-get").write_text('#!/bin/bash\ncase "$*" in *nodejs*) echo "E: Unable to locate package" >&2; '
                                    'exit 100;; esac\nexit 0\n')
    (broken / "apt-get").chmod(0o755)
    proc, _ = dry_boot(script, broken, tmp_path)
    last = (proc.stdout + proc.stderr).strip().splitlines()[-1]
    assert proc.returncode == 100
    assert "bootstrap finished: failure (step 'runtime: nodejs'" in last and "exit 100" in last
