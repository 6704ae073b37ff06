"""Fixed data for the detail screen's snapshots: a stack's ledger, its resources, and what the
watch services would answer (site probes, a metrics snapshot, alarms and cost), healthy or in
trouble. Everything is pinned (IDs, addresses, times), so the screen renders the same every run
through the same widgets and workers as live."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

from hostwiz import probes, spend
from hostwiz.ledger import Ledger
from hostwiz.provisioners import metrics
from hostwiz.provisioners.alarms import AlarmState
from hostwiz.services.watch import Health, Watched

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
GiB, MiB = 1024 ** 3, 1024 ** 2
SPEC = {"name": "blog", "region": "us-east-1",
        "domain": {"name": "blog.example.com", "hosted_zone": "example.com", "www": True},
        "instance": {"type": "t3.micro", "os": "ubuntu-24.04", "volume_gb": 20},
        "runtime": {"kind": "docker", "app_port": 3000, "tls": True},
        "database": {"engine": "postgres", "instance_class": "db.t3.micro", "storage_gb": 20}}
OUTPUTS = {"url": "https://blog.example.com/", "public_ip": "198.51.100.20", "instance_id": "i-0a1b2c3d4e5f60718",
           "ssh_command": "ssh -i ~/.local/state/hostwiz/keys/blog.pem ubuntu@198.51.100.20",
           "db_endpoint": "blog-db.c9akciq32.us-east-1.rds.amazonaws.com", "db_port": 5432}
RESOURCES = [("ec2-instance", "i-0a1b2c3d4e5f60718", "blog", "running"),
             ("elastic-ip", "eipalloc-0f1e2d3c4b5a69788", "blog-eip", "exists"),
             ("rds-instance", "blog-db", "", "available"),
             ("security-group", "sg-0123456789abcdef0", "hostwiz-blog-app", "exists"),
             ("key-pair", "key-0fedcba987654321f", "hostwiz-blog", "exists"),
             ("cloudwatch-alarm", "hostwiz-blog-instance-recover", "", "exists")]


def write_ledger(state_dir) -> None:
    ledger = Ledger(state_dir, "blog")
    ledger.update(name="blog", region="us-east-1", status="ready", spec=SPEC, outputs=OUTPUTS)


def status_answer(name):
    from hostwiz.services.stacks import StackStatus

    rows = [SimpleNamespace(kind=k, id=i, name=n or i, data={"state": st}, region="us-east-1")
            for k, i, n, st in RESOURCES]
    return StackStatus(name, "us-east-1", "ready", OUTPUTS, rows, True,
                       ["blog.example.com: in Route53 -> 198.51.100.20",
                        "www.blog.example.com: in Route53 -> 198.51.100.20"])


def snapshot(trouble: bool, window: str = "1h") -> metrics.Snapshot:
    ms = metrics.instance_metrics("i-0a1b2c3d4e5f60718", "t3.micro") + metrics.database_metrics("blog-db", 20)
    shape = {"ec2_cpu": (18, 3), "ec2_credits": (140, 2), "ec2_net_in": (40_000, 2500),
             "ec2_net_out": (180_000, 9000), "ec2_status": (0, 0), "db_cpu": (6, 0.6),
             "db_free_storage": (15.2 * GiB, 4 * MiB), "db_free_memory": (380 * MiB, 3 * MiB),
             "db_connections": (4, 0.5), "db_read_latency": (0.0011, 0.0001), "db_write_latency": (0.0019, 0.0001)}
    series = {}
    for n, m in enumerate(ms):
        base, step = shape[m.key]
        values = [base + step * ((i * (n + 3)) % 11) for i in range(60)]
        if trouble and m.key == "ec2_cpu":
            values[-12:] = [45, 60, 72, 85, 91, 96, 98, 99, 97, 98, 99, 97.0]
        if trouble and m.key == "ec2_credits":
            values[-12:] = [60, 48, 37, 28, 20, 14, 9, 6, 4, 2, 1, 0.4]
        if trouble and m.key == "db_free_storage":
            values[-6:] = [4.2 * GiB, 4.0 * GiB, 3.9 * GiB, 3.8 * GiB, 3.7 * GiB, 3.6 * GiB]
        series[m.key] = metrics.Series(m, [NOW - timedelta(minutes=60 - i) for i in range(60)], values)
    return metrics.Snapshot(window, 60, NOW - timedelta(hours=1), NOW, series)


def health(trouble: bool) -> Health:
    ok = probes.OK
    if not trouble:
        return Health(probes.SiteReport([
            probes.Result("dns", "blog.example.com", ok, "blog.example.com -> 198.51.100.20"),
            probes.Result("dns", "www.blog.example.com", ok, "www.blog.example.com -> 198.51.100.20"),
            probes.Result("https", "https://blog.example.com/health", ok, "https://blog.example.com/health: 200 in 84 ms"),
            probes.Result("https", "https://blog.example.com/", ok, "https://blog.example.com/: 200 in 112 ms"),
            probes.Result("tls", "blog.example.com:443", ok,
                          "blog.example.com:443: issued by Let's Encrypt R11, expires 2027-01-31 (61 days)"),
        ]), target="blog.example.com")
    return Health(probes.SiteReport([
        probes.Result("dns", "blog.example.com", probes.PROBLEM, "blog.example.com does not resolve",
                      "the zone is not delegated: your registrar still names other name servers",
                      "at your registrar, set the name servers to ns-1.awsdns-01.org, ns-2.awsdns-02.co.uk"),
        probes.Result("https", "https://198.51.100.20/health", probes.PROBLEM,
                      "https://198.51.100.20/health: 502 in 31 ms",
                      "nginx answers but the app behind it does not", "hostwiz logs blog app"),
        probes.Result("tls", "blog.example.com:443", probes.WARNING,
                      "blog.example.com:443: issued by Let's Encrypt R11, expires 2026-12-13 (12 days)",
                      "the certificate expires in 12 days and has not been renewed (certbot renews 30 days before)",
                      "renewal is failing: on the instance run `sudo certbot renew --dry-run` to see why "
                      "(port 80 must stay open for the HTTP challenge)"),
    ]), target="blog.example.com")


def extra(trouble: bool) -> Watched:
    rates = spend.Rates({"all": 0.05}, {"all": 0.01})
    periods = [spend.Period("running", NOW - timedelta(days=10), NOW - timedelta(days=5)),
               spend.Period("stopped", NOW - timedelta(days=5), NOW - timedelta(days=2)),
               spend.Period("running", NOW - timedelta(days=2))]
    states = ("ALARM", "ALARM", "INSUFFICIENT_DATA") if trouble else ("OK", "OK", "OK")
    return Watched(cost=spend.spend(periods, rates, NOW), alarms=[
        AlarmState("instance-recover", "hostwiz-blog-instance-recover", states[2], "", ""),
        AlarmState("cpu-credits-low", "hostwiz-blog-cpu-credits-low", states[0], "", ""),
        AlarmState("db-storage-low", "hostwiz-blog-db-storage-low", states[1], "", "")])


def pin(monkeypatch, trouble: bool) -> None:
    """The detail screen's services answer with the fixed data (the screen's own workers call them)."""
    from hostwiz import secrets
    from hostwiz.services import stacks, watch

    monkeypatch.setattr(stacks, "status", lambda session, name: status_answer(name))
    monkeypatch.setattr(secrets, "fetch", lambda account: secrets.Secret("correct horse battery"))
    monkeypatch.setattr(watch, "watcher", lambda session, name: SimpleNamespace(
        refresh=lambda window="1h": snapshot(trouble, window)))
    monkeypatch.setattr(watch, "health", lambda session, name, **kw: health(trouble))
    monkeypatch.setattr(watch, "watched", lambda session, name, **kw: extra(trouble))
