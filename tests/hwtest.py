"""Helpers for the foundation proof: what AWS holds for a stack (read without hostwiz's own
code), call recording, and running the CLI in-process."""

from __future__ import annotations

import contextlib
import copy
import io
import os
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError

from hostwiz.provisioners.aws import is_mutating

STACK_TAG = "hostwiz:stack"
CRASH_RUNNER = Path(__file__).parent / "crash_runner.py"
# CI runs a cheaper subset of the reliability matrices; `HOSTWIZ_RELIABILITY_FULL=1` runs all of them.
FULL_MATRIX = os.environ.get("HOSTWIZ_RELIABILITY_FULL") == "1"


_clients: dict[tuple[str, str | None], Any] = {}


def client(service: str, endpoint_url: str | None = None) -> Any:
    """A plain boto3 client (no hostwiz hooks), made once per process."""
    key = (service, endpoint_url)
    if key not in _clients:
        _clients[key] = boto3.client(service, region_name="us-east-1", endpoint_url=endpoint_url)
    return _clients[key]


# The reliability matrices run under the realism model of AWS; `HOSTWIZ_REALISM=0` runs them on bare
# moto instead (report.py does both, to record what the realism costs in wall time).
REALISM = os.environ.get("HOSTWIZ_REALISM", "1") != "0"


def matrix_session(state_dir: Path, endpoint_url: str | None = None) -> Any:
    """The session a matrix runs in: under the realism model unless HOSTWIZ_REALISM=0."""
    from hostwiz.services.session import quick_session

    return realistic_session(state_dir, endpoint_url) if REALISM else quick_session(state_dir, endpoint_url=endpoint_url)


def matrix_model(endpoint_url: str | None = None) -> Any:
    """The realism model for a matrix's own `Aws` (None when HOSTWIZ_REALISM=0)."""
    from hostwiz.sandbox.realism import for_tests

    return for_tests(endpoint_url=endpoint_url) if REALISM else None


def realistic_session(state_dir: Path, endpoint_url: str | None = None, **overrides: Any) -> Any:
    """The suite's session under the realism model of AWS (`sandbox.realism.for_tests`: AWS's windows
    as fractions of a second), with deletion patience scaled alike. `session.realism` is the model."""
    from hostwiz.sandbox.realism import for_tests
    from hostwiz.services.session import quick_session

    model = for_tests(endpoint_url=endpoint_url, **overrides)
    session = quick_session(state_dir, endpoint_url=endpoint_url, hooks=model.hooks())
    # AWS's patience in proportion to the model's windows (3 s of visibility became `floor` at least)
    scaled(session.deletion, max(model.scale, model.floor / 3))
    session.realism = model
    return session


def scaled(deletion: Any, scale: float) -> Any:
    """Deletion settings for AWS's durations x `scale` (patience, backoff, visibility grace)."""
    deletion.patience_scale = scale
    deletion.confirm_delay = deletion.backoff = 0.01
    return deletion


def tags_of(items: list[dict] | None) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in items or []}


def stack_filter(stack: str) -> list[dict]:
    return [{"Name": f"tag:{STACK_TAG}", "Values": [stack]}]


def inventory(stack: str, endpoint_url: str | None = None) -> dict[str, list[dict]]:
    """Everything in AWS that belongs to `stack`, kind by kind, by direct describes.

    Deliberately independent of hostwiz's resource kinds, so a bug there cannot hide a leftover.
    The final DB snapshot is listed apart (under "db-snapshot"): it is meant to stay.
    """
    ec2, rds, iam, ssm, r53 = (client(s, endpoint_url) for s in ("ec2", "rds", "iam", "ssm", "route53"))
    out: dict[str, list[dict]] = {}
    out["instance"] = [i for r in ec2.describe_instances(Filters=stack_filter(stack))["Reservations"]
                       for i in r["Instances"] if i["State"]["Name"] != "terminated"]
    out["volume"] = ec2.describe_volumes(Filters=stack_filter(stack))["Volumes"]
    out["security-group"] = ec2.describe_security_groups(Filters=stack_filter(stack))["SecurityGroups"]
    out["key-pair"] = ec2.describe_key_pairs(Filters=stack_filter(stack))["KeyPairs"]
    out["eip"] = ec2.describe_addresses(Filters=stack_filter(stack))["Addresses"]
    out["rds"] = [d for d in rds.describe_db_instances()["DBInstances"]
                  if tags_of(d.get("TagList")).get(STACK_TAG) == stack]
    out["db-subnet-group"] = [
        g for g in rds.describe_db_subnet_groups()["DBSubnetGroups"]
        if tags_of(rds.list_tags_for_resource(ResourceName=g["DBSubnetGroupArn"])["TagList"]).get(STACK_TAG) == stack]
    out["iam-role"] = [r for r in iam.list_roles()["Roles"]
                       if tags_of(iam.list_role_tags(RoleName=r["RoleName"])["Tags"]).get(STACK_TAG) == stack]
    out["instance-profile"] = [
        p for p in iam.list_instance_profiles()["InstanceProfiles"]
        if tags_of(iam.get_instance_profile(InstanceProfileName=p["InstanceProfileName"])["InstanceProfile"].get("Tags"))
        .get(STACK_TAG) == stack]
    out["ssm-parameter"] = [
        p for p in ssm.describe_parameters()["Parameters"]
        if tags_of(ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=p["Name"])["TagList"]).get(STACK_TAG)
        == stack]
    records = []
    for zone in r53.list_hosted_zones()["HostedZones"]:
        for rec in r53.list_resource_record_sets(HostedZoneId=zone["Id"])["ResourceRecordSets"]:
            if rec["Type"] == "TXT" and f"hostwiz:stack={stack} " in rec["ResourceRecords"][0]["Value"]:
                records.append(rec)  # the marker beside each A record hostwiz wrote
                records += [a for a in r53.list_resource_record_sets(HostedZoneId=zone["Id"])["ResourceRecordSets"]
                            if a["Type"] == "A" and "_hostwiz." + a["Name"] == rec["Name"]]
    out["dns-record"] = records
    tagging = client("resourcegroupstaggingapi", endpoint_url)
    arns = [m["ResourceARN"] for m in tagging.get_resources(
        TagFilters=[{"Key": STACK_TAG, "Values": [stack]}])["ResourceTagMappingList"]]
    live = {i["InstanceId"] for i in out["instance"]}  # terminated instances stay listed for a while
    out["tagged-arn"] = [{"arn": a} for a in arns if ":snapshot:" not in a
                         and not (":instance/" in a and a.rsplit("/", 1)[1] not in live)]
    out["db-snapshot"] = [s for s in rds.describe_db_snapshots()["DBSnapshots"]
                          if s["DBInstanceIdentifier"].startswith(f"{stack}-")]
    return out


ID_KEYS = ("InstanceId", "VolumeId", "GroupId", "KeyPairId", "AllocationId", "DBInstanceIdentifier",
           "DBSubnetGroupName", "RoleName", "InstanceProfileName", "DBSnapshotIdentifier", "arn")


def ids(inv: dict[str, list[dict]]) -> dict[str, list[str]]:
    """An inventory by identifiers only (Name for parameters, Name+Type for records)."""
    def ident(res: dict) -> str:
        key = next((k for k in ID_KEYS if k in res), None)
        return res[key] if key else f"{res['Name']} {res.get('Type', '')}"
    return {k: sorted(ident(r) for r in v) for k, v in inv.items()}


ONE_OF_EACH = {"instance": 1, "volume": 1, "security-group": 2, "key-pair": 1, "eip": 1, "rds": 1,
               "db-subnet-group": 1, "iam-role": 1, "instance-profile": 1, "ssm-parameter": 1, "dns-record": 4}


def counts(inv: dict[str, list[dict]]) -> dict[str, int]:
    """How many of each kind a full stack has (4 DNS records: A and TXT marker, apex and www)."""
    return {kind: len(found) for kind, found in inv.items() if kind not in ("tagged-arn", "db-snapshot")}


def leftovers(stack: str, endpoint_url: str | None = None) -> dict[str, list[dict]]:
    """What of `stack` is still there, ignoring the final snapshot (kept on purpose)."""
    return {k: v for k, v in inventory(stack, endpoint_url).items() if v and k != "db-snapshot"}


@dataclass
class Recorder:
    """Every API call hostwiz makes through `Aws` (a `provide-client-params` hook), with its parameters."""

    calls: list[tuple[str, str, dict]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def hook(self, params: dict, model: Any, **_: Any) -> None:
        with self.lock:
            self.calls.append((model.service_model.service_name, model.name, dict(params)))

    def install(self, aws: Any) -> "Recorder":
        aws.hooks.append(("provide-client-params", self.hook))
        return self

    def params(self, operation: str) -> list[dict]:
        return [p for _, op, p in self.calls if op == operation]

    @property
    def mutating(self) -> list[str]:
        return [op for _, op, _ in self.calls if is_mutating(op)]


class Fault:
    """Fails the `nth` call of `operation` once, with a non-retryable ClientError.

    `when="before"`: AWS refuses the call (nothing made). `when="after"`: AWS did it but the
    answer is lost (the resource exists and hostwiz never learns its id).
    """

    def __init__(self, operation: str, nth: int, when: str = "before"):
        self.operation, self.nth, self.when = operation, nth, when
        self.seen = 0
        self.fired = False
        self.lock = threading.Lock()

    def hook(self, model: Any, **_: Any) -> None:
        if model.name != self.operation:
            return
        with self.lock:
            self.seen += 1
            if self.fired or self.seen != self.nth:
                return
            self.fired = True
        raise ClientError({"Error": {"Code": "InjectedFault", "Message": f"injected at {self.operation} #{self.nth}"}},
                          self.operation)

    def install(self, aws: Any) -> "Fault":
        aws.hooks.append((f"{'before' if self.when == 'before' else 'after'}-call", self.hook))
        return self


class _Drop:
    def __repr__(self) -> str:  # a stable test id (xdist needs the same ids on every worker)
        return "<dropped>"


DROP = _Drop()


def mutated(spec_data: dict, path: str, value) -> dict:
    """`spec_data` with the value at the dotted `path` replaced (DROP removes it)."""
    data = copy.deepcopy(spec_data)
    *parents, leaf = path.split(".")
    node = data
    for p in parents:
        node = node[p]
    if value is DROP:
        del node[leaf]
    else:
        node[leaf] = value
    return data


def files_containing(root: Path, needles: list[str], *, skip: Path | None = None) -> list[str]:
    """Every file under `root` (but `skip`) that holds one of `needles`, as "path has secret #i"."""
    found = []
    for path in root.rglob("*"):
        if path.is_file() and path != skip:
            text = path.read_bytes().decode("utf-8", "replace")
            found += [f"{path.relative_to(root)} has secret #{i}" for i, n in enumerate(needles) if n in text]
    return found


def database_url(stack: str = "blog", endpoint_url: str | None = None) -> str:
    """The connection string hostwiz gave the app (SSM, decrypted): it holds the DB password."""
    ssm = client("ssm", endpoint_url)
    return ssm.get_parameter(Name=f"/hostwiz/{stack}/database-url", WithDecryption=True)["Parameter"]["Value"]


def key_secrets(private_key: str) -> list[str]:
    """The private key and each of its base64 lines (a log may cut it into lines)."""
    return [private_key] + [line for line in private_key.splitlines() if len(line) >= 16 and "PRIVATE KEY" not in line]


@dataclass
class StackSecrets:
    key_file: Path
    private_key: str
    password: str
    url: str  # the connection string, password included

    @property
    def needles(self) -> list[str]:
        """What must never be found outside the key file and the keyring."""
        return key_secrets(self.private_key) + [self.password, self.url]


def stack_secrets(state_dir: Path, stack: str = "blog") -> StackSecrets:
    """The secrets of a stack just made (the keyring must hold the password), checked to be real."""
    from hostwiz import secrets

    key_file = secrets.key_path(state_dir, stack)
    found = StackSecrets(key_file, key_file.read_text(), secrets.fetch(secrets.db_password_account(stack)).reveal(),
                         database_url(stack))
    assert "BEGIN OPENSSH PRIVATE KEY" in found.private_key and len(found.password) >= 16
    assert found.password in found.url
    return found


def cli_up(tmp_path: Path, spec: dict) -> tuple[Path, Path]:
    """`hostwiz up SPEC --yes` through the CLI in the (mocked) account, its zone seeded as the
    sandbox seeds it; returns (state dir, spec file)."""
    import tomli_w

    from hostwiz.provisioners.aws import Aws
    from hostwiz.sandbox.seed import seed

    seed(Aws(), "example.com")
    state, path = tmp_path / "state", tmp_path / f"{spec['name']}.toml"
    path.write_text(tomli_w.dumps(spec))
    code, out, err = run_cli(["up", str(path), "--yes", "--state-dir", str(state)])
    assert code == 0, err
    return state, path


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """`hostwiz ARGV` in this process (on the test's moto): (exit code, stdout, stderr)."""
    from hostwiz.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exit_:  # argparse refusing the arguments, as a process would exit
            code = exit_.code
    return code, out.getvalue(), err.getvalue()


@contextlib.contextmanager
def moto_server_url():
    """A fresh moto server on loopback, for hostwiz running in other processes: yields its URL."""
    import requests
    from moto.server import ThreadedMotoServer

    from hostwiz.sandbox import quiet_moto

    quiet_moto()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    requests.post(f"{url}/moto-api/reset", timeout=10)
    try:
        yield url
    finally:
        server.stop()


def hostwiz_env(endpoint_url: str, state_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a hostwiz subprocess on `endpoint_url` (no keyring: headless, as in CI)."""
    return {**os.environ, "AWS_ENDPOINT_URL": endpoint_url, "HOSTWIZ_STATE_DIR": str(state_dir),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring", **extra}


def hostwiz(script: list[str], *argv: str, env: dict, timeout: float = 120) -> subprocess.CompletedProcess:
    """`python SCRIPT... ARGV` (script: `["-m", "hostwiz"]` or `[str(CRASH_RUNNER)]`), waited for."""
    return subprocess.run([sys.executable, *script, *argv], capture_output=True, text=True, env=env, timeout=timeout)


def screen_host(session: Any, screen: Any, *, sandbox: Any = None) -> Any:
    """The one app harness for a single screen: the TUI's stylesheet, `app.session` (and
    `app.sandbox`), and `screen` (a Screen, or a callable making one) pushed on mount. With a
    `sandbox`, the session dials SSH through its resolver, as `open_session` wires it."""
    import hostwiz.screens
    from textual.app import App
    from textual.screen import Screen

    class ScreenHost(App):
        CSS_PATH = str(Path(hostwiz.screens.__file__).with_name("hostwiz.tcss"))

        def __init__(self) -> None:
            super().__init__()
            self.session, self.sandbox = session, sandbox is not None and sandbox is not False

        def on_mount(self) -> None:
            self.push_screen(screen if isinstance(screen, Screen) else screen())

    if sandbox not in (None, False, True):
        session.resolve_ssh = sandbox.resolve_ssh
    return ScreenHost()
