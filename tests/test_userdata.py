"""User-data per runtime and OS: valid bash (bash -n, shellcheck), reviewed golden files,
no secret inside, and the bash logic of the TLS and database steps run with stubbed tools.

Regenerate the golden files after a reviewed template change:
    HOSTWIZ_REGEN_GOLDEN=1 .venv/bin/python -m pytest tests/test_userdata.py
"""

from __future__ import annotations

import base64
import itertools
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from hostwiz import spec as specmod
from hostwiz import userdata
from hostwiz.spec import OS, RuntimeKind

GOLDEN = Path(__file__).parent / "userdata" / "golden"
SNIPPETS = Path(userdata.__file__).parent
RUNTIMES = [k.value for k in RuntimeKind]
SYSTEMS = [o.value for o in OS]
VARIANTS = {
    "full": {"domain": {"name": "blog.example.com", "www": True}, "tls": True, "database": True},
    "plain": {"domain": None, "tls": False, "database": False},
    "domain-no-tls": {"domain": {"name": "blog.example.com"}, "tls": False, "database": False},
    "tls-no-www": {"domain": {"name": "blog.example.com"}, "tls": True, "database": False},
    "database-only": {"domain": None, "tls": False, "database": True},
}


def make_spec(runtime: str, os_: str, variant: str = "full", app_port: int = 3000) -> specmod.StackSpec:
    v = VARIANTS[variant]
    data = {"name": "blog", "region": "eu-west-1",
            "instance": {"type": "t3.micro", "os": os_, "ssh_cidr": "203.0.113.7/32"},
            "runtime": {"kind": runtime, "app_port": app_port, "tls": v["tls"]}}
    if v["domain"]:
        data["domain"] = v["domain"]
    if v["database"]:
        data["database"] = {"engine": "postgres"}
    return specmod.validate(data)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[tuple[str, str, str], Path]:
    out = tmp_path_factory.mktemp("userdata")
    paths = {}
    for rt, os_, variant in itertools.product(RUNTIMES, SYSTEMS, VARIANTS):
        path = out / f"{rt}-{os_}-{variant}.sh"
        path.write_text(userdata.render(make_spec(rt, os_, variant)))
        paths[(rt, os_, variant)] = path
    return paths


def test_every_script_passes_bash_n(rendered):
    for path in rendered.values():
        proc = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
        assert proc.returncode == 0, f"{path.name}: {proc.stderr}"


def test_every_script_fits_ec2s_user_data_limit(rendered):
    """EC2 takes at most 16 KB of user-data before base64; leave room for growth to show in review."""
    sizes = {p.name: len(p.read_bytes()) for p in rendered.values()}
    assert max(sizes.values()) < 14 * 1024, max(sizes.items(), key=lambda kv: kv[1])


def test_every_script_passes_shellcheck(rendered):
    if not shutil.which("shellcheck"):
        pytest.skip("shellcheck is not installed (.ci/run installs it)")
    proc = subprocess.run(["shellcheck", "--shell=bash", "--severity=style", *map(str, rendered.values())],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-4000:]


@pytest.mark.parametrize("runtime,os_", list(itertools.product(RUNTIMES, SYSTEMS)))
def test_golden(runtime, os_):
    text = userdata.render(make_spec(runtime, os_))
    golden = GOLDEN / f"{runtime}-{os_}.sh"
    if os.environ.get("HOSTWIZ_REGEN_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text)
    assert golden.is_file(), f"no golden file {golden.name}; regenerate with HOSTWIZ_REGEN_GOLDEN=1 and review it"
    assert text == golden.read_text(), f"{golden.name} changed: review, then regenerate with HOSTWIZ_REGEN_GOLDEN=1"


def test_sections_follow_the_spec(rendered):
    full = rendered[("python", "ubuntu-24.04", "full")].read_text()
    plain = rendered[("python", "ubuntu-24.04", "plain")].read_text()
    no_tls = rendered[("python", "ubuntu-24.04", "domain-no-tls")].read_text()
    db_only = rendered[("python", "ubuntu-24.04", "database-only")].read_text()
    assert "fetch_database_url" in db_only and "obtain_certificate" not in db_only and "DOMAIN_NAMES" not in db_only
    assert "obtain_certificate" in full and "obtain_certificate" not in plain and "obtain_certificate" not in no_tls
    assert "DOMAIN_NAMES=(blog.example.com www.blog.example.com)" in full
    assert "fetch_database_url" in full and "fetch_database_url" not in plain
    assert "DB_PARAMETER=/hostwiz/blog/database-url" in full and "REGION=eu-west-1" in full
    assert "server_name blog.example.com www.blog.example.com;" in full
    assert "server_name blog.example.com;" in no_tls and "server_name _;" in plain
    for text in (full, plain):
        assert text.startswith("#!/bin/bash\n")
        assert "/var/log/hostwiz-bootstrap.log" in text
        assert 'log "bootstrap finished: success"' in text and "bootstrap finished: failure" in text
        assert "ufw allow 22/tcp" in text and "ufw allow 80/tcp" in text and "ufw allow 443/tcp" in text
        assert 'APT::Periodic::Unattended-Upgrade "1";' in text


def test_runtime_specifics(rendered):
    def text(rt, os_="ubuntu-24.04"):
        return rendered[(rt, os_, "plain")].read_text()

    docker = text("docker")
    assert "--restart always" in docker and "--user 65534:65534" in docker
    assert '-p "127.0.0.1:$APP_PORT:8080"' in docker and "RUNTIME_PACKAGES=(docker.io)" in docker
    for rt, exe in (("nodejs", "/usr/bin/node /srv/app/server.js"), ("python", "/srv/app/venv/bin/python"),
                    ("ruby", "/usr/bin/ruby /srv/app/app.rb")):
        t = text(rt)
        assert "User=app" in t and "Restart=always" in t and f"ExecStart={exe}" in t
        assert "Environment=PORT=3000" in t and "EnvironmentFile=-/etc/hostwiz/app.env" in t
    for rt in ("docker", "nodejs", "python", "ruby"):
        t = text(rt)
        assert "proxy_pass http://127.0.0.1:3000;" in t
        assert "proxy_set_header Upgrade $http_upgrade;" in t and "proxy_set_header Connection $connection_upgrade;" in t
    static = text("static")
    assert "root /srv/app/public;" in static and "proxy_pass" not in static and "hostwiz-app.service" not in static
    php = text("php")
    assert "fastcgi_pass 127.0.0.1:3000;" in php and "listen = 127.0.0.1:3000" in php and "user = app" in php
    al = text("php", "amazon-linux-2023")
    assert "dnf install" in al and "firewall-cmd --permanent --add-service=ssh --add-service=http --add-service=https" in al
    assert "dnf-automatic.timer" in al and "PHP_POOL_DIR=/etc/php-fpm.d" in al
    assert "apt-get" not in al and "dnf " not in php


def test_app_port_reaches_every_place():
    t = userdata.render(make_spec("nodejs", "ubuntu-22.04", "plain", app_port=8081))
    assert "APP_PORT=8081" in t and "proxy_pass http://127.0.0.1:8081;" in t and "Environment=PORT=8081" in t
    assert "3000" not in t


def test_user_data_sent_to_ec2_holds_no_secret(session, spec_data):
    """Provision a full stack (database + TLS) on moto and read back what EC2 received."""
    from hostwiz import secrets
    from hostwiz.services import stacks as operations

    spec = specmod.validate(spec_data)
    result = operations.up(session, spec, "203.0.113.7/32")
    assert result.ok, result.error
    ec2 = session.aws.client("ec2")
    attr = ec2.describe_instance_attribute(InstanceId=result.outputs["instance_id"], Attribute="userData")
    sent = base64.b64decode(attr["UserData"]["Value"]).decode()
    assert sent == userdata.render(spec)
    password = secrets.fetch(secrets.db_password_account("blog")).reveal()
    key = secrets.fetch(secrets.ssh_key_account("blog")).reveal()
    assert len(password) >= 16 and password not in sent
    assert "PRIVATE KEY" in key and "PRIVATE KEY" not in sent
    for line in key.splitlines()[1:-1]:
        assert line not in sent
    url = session.aws.client("ssm").get_parameter(Name="/hostwiz/blog/database-url", WithDecryption=True)
    assert url["Parameter"]["Value"] not in sent and "DB_PARAMETER=/hostwiz/blog/database-url" in sent


# --- the bash logic itself, with stubbed system tools --------------------------------------

HARNESS = """
set -Eeuo pipefail
log() { printf 'LOG %s\\n' "$*"; }
step() { log "step: $1"; }
WARNINGS=()
warn() { WARNINGS+=("$1"); log "warning: $1"; }
sleep() { SECONDS=$((SECONDS + $1)); }
"""


def run_bash(script: str, tmp_path: Path) -> subprocess.CompletedProcess:
    path = tmp_path / "harness.sh"
    path.write_text(HARNESS + script)
    return subprocess.run(["bash", str(path)], capture_output=True, text=True, timeout=30, cwd=tmp_path)


def test_database_step_polls_then_writes_a_private_env_file(tmp_path):
    env = tmp_path / "app.env"
    proc = run_bash(f"""
APP_ENV={env}; REGION=eu-west-1; DB_PARAMETER=/hostwiz/blog/database-url; DB_WAIT_SECONDS=600
CALLS=0
install_ssm_reader() {{ :; }}
ssm_get() {{
    echo "ssm_get $1" >> {tmp_path}/calls
    if [ "$(wc -l < {tmp_path}/calls)" -lt 3 ]; then echo "An error occurred (ParameterNotFound)" >&2; return 254; fi
    echo 'postgresql://hostwiz:S3cretPassw0rdXYZ@db.example:5432/app'
}}
restart_app() {{ echo restarted >> {tmp_path}/calls; }}
source {SNIPPETS / 'database.sh'}
echo "warnings=${{#WARNINGS[@]}}"
""", tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "S3cretPassw0rdXYZ" not in proc.stdout + proc.stderr
    assert env.read_text() == "DATABASE_URL=postgresql://hostwiz:S3cretPassw0rdXYZ@db.example:5432/app\n"
    assert stat.S_IMODE(env.stat().st_mode) == 0o600
    calls = (tmp_path / "calls").read_text().splitlines()
    assert calls == ["ssm_get /hostwiz/blog/database-url"] * 3 + ["restarted"]
    assert "warnings=0" in proc.stdout


def test_database_step_gives_up_with_a_warning_not_a_failure(tmp_path):
    proc = run_bash(f"""
APP_ENV={tmp_path}/app.env; REGION=eu-west-1; DB_PARAMETER=/hostwiz/blog/database-url; DB_WAIT_SECONDS=100
install_ssm_reader() {{ :; }}
ssm_get() {{ echo "An error occurred (AccessDeniedException) when calling GetParameter" >&2; return 254; }}
restart_app() {{ echo should-not-restart; }}
source {SNIPPETS / 'database.sh'}
echo "warnings=${{#WARNINGS[@]}}"
""", tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "AccessDeniedException" in proc.stdout and "warnings=1" in proc.stdout
    assert "should-not-restart" not in proc.stdout and not (tmp_path / "app.env").exists()


def _tls_script(tmp_path: Path, resolving: str, wait: int = 300) -> str:
    return f"""
DOMAIN_NAMES=(blog.example.com www.blog.example.com); DNS_WAIT_SECONDS={wait}
imds() {{ echo 198.51.100.7; }}
getent() {{
    case " {resolving} " in *" $2 "*) echo "198.51.100.7 STREAM $2";; *) echo "192.0.2.1 STREAM $2";; esac
}}
install_certbot() {{ echo install_certbot; }}
certbot() {{ echo "certbot $*"; }}
source {SNIPPETS / 'tls.sh'}
tls_wait
echo "warnings=${{#WARNINGS[@]}}"
"""


def test_tls_issues_a_certificate_for_every_resolving_name(tmp_path):
    proc = run_bash(_tls_script(tmp_path, "blog.example.com www.blog.example.com"), tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert ("certbot --nginx --non-interactive --agree-tos --register-unsafely-without-email --redirect "
            "-d blog.example.com -d www.blog.example.com") in proc.stdout
    assert "warnings=0" in proc.stdout


def test_tls_covers_only_names_that_resolve_by_the_deadline(tmp_path):
    proc = run_bash(_tls_script(tmp_path, "blog.example.com"), tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "--redirect -d blog.example.com\n" in proc.stdout
    assert "covers only blog.example.com" in proc.stdout


def test_tls_without_dns_is_a_warning_and_no_certbot(tmp_path):
    proc = run_bash(_tls_script(tmp_path, ""), tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "certbot --nginx" not in proc.stdout.replace("sudo certbot --nginx", "")
    assert "install_certbot" not in proc.stdout
    assert "do not resolve to 198.51.100.7" in proc.stdout and "warnings=1" in proc.stdout
    assert "sudo certbot --nginx -d blog.example.com -d www.blog.example.com" in proc.stdout


def test_a_failing_step_ends_the_log_with_a_failure_line(tmp_path):
    """The prelude's ERR trap: a failing command ends the bootstrap with one clear last line."""
    prelude = (SNIPPETS / "prelude.sh").read_text().replace("/var/log/hostwiz-bootstrap.log", str(tmp_path / "boot.log"))
    script = tmp_path / "boot.sh"
    script.write_text("set -Eeuo pipefail\nSTACK=blog RUNTIME=nodejs OS_NAME=ubuntu-24.04 APP_PORT=3000\n"
                      "imds() { :; }\n" + prelude + '\nstep "probe"\nlog "probe: [$(false)]"\n'
                      'step "runtime: nodejs"\nfalse\nlog "not reached"\n')
    proc = subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 1
    lines = (tmp_path / "boot.log").read_text().strip().splitlines()
    assert "step: runtime: nodejs" in lines[-2]
    assert "bootstrap finished: failure (step 'runtime: nodejs'" in lines[-1]
    assert "not reached" not in proc.stdout
    # a failure inside a command substitution is the caller's to handle, not a bootstrap failure
    assert lines[-3].endswith("probe: []") and proc.stdout.count("bootstrap finished") == 1


def test_host_keys_go_to_the_console_before_anything_else(rendered):
    """hostwiz pins the host keys from the console before its first SSH connection; cloud-init prints
    them only after this script ends, so the bootstrap prints them first (docs/aws-behaviour.md)."""
    for path in rendered.values():
        text = path.read_text()
        keys = text.index("print_host_keys\n")
        assert keys < text.index("exec > >(tee") and keys < text.index('step "')
        assert "-----BEGIN SSH HOST KEY KEYS-----" in text and "> /dev/console" in text


def test_the_database_step_does_not_wait_for_dns(tmp_path):
    """TLS waits for DNS in the background: the database URL is written while it still waits."""
    env = tmp_path / "app.env"
    proc = run_bash(f"""
DOMAIN_NAMES=(blog.example.com); DNS_WAIT_SECONDS=600
imds() {{ echo 198.51.100.7; }}
getent() {{ echo "192.0.2.1 STREAM $2"; }}
install_certbot() {{ :; }}
certbot() {{ :; }}
sleep() {{ command sleep 0.05; }}
APP_ENV={env}; REGION=eu-west-1; DB_PARAMETER=/hostwiz/blog/database-url; DB_WAIT_SECONDS=600
install_ssm_reader() {{ :; }}
ssm_get() {{ echo 'postgresql://u:p@db.example:5432/app'; }}
restart_app() {{ :; }}
source {SNIPPETS / 'tls.sh'}
source {SNIPPETS / 'database.sh'}
if kill -0 "$TLS_PID" 2>/dev/null && [ -f {env} ]; then echo "database ready while tls waits"; fi
kill "$TLS_PID"
""", tmp_path)
    assert "database ready while tls waits" in proc.stdout, proc.stdout + proc.stderr
