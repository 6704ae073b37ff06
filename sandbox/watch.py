"""What the sandbox shows of a running stack: plausible CloudWatch metrics (put into moto, which
stores `PutMetricData` and answers `GetMetricData` from it) and a local health endpoint that the
site probes reach instead of the internet.

Nothing here touches the network beyond 127.0.0.1.
"""

from __future__ import annotations

import math
import random
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from hostwiz.provisioners.aws import Aws
from hostwiz.provisioners.metrics import GiB, MiB, Metric


def _value(m: Metric, t: float, rnd: random.Random, storage_gb: float) -> float:
    """A day-shaped curve with noise: busy afternoons, quiet nights."""
    day = 0.5 + 0.5 * math.sin(2 * math.pi * (t / 86400.0) - math.pi / 2)
    noise = rnd.uniform(-1, 1)
    return {
        ("AWS/EC2", "CPUUtilization"): max(1.0, 8 + 30 * day + 4 * noise),
        ("AWS/EC2", "CPUCreditBalance"): max(0.0, 140 - 60 * day + 5 * noise),
        ("AWS/EC2", "NetworkIn"): max(0.0, (20 + 400 * day + 30 * noise) * 1024 * 60),
        ("AWS/EC2", "NetworkOut"): max(0.0, (60 + 1200 * day + 80 * noise) * 1024 * 60),
        ("AWS/EC2", "StatusCheckFailed"): 0.0,
        ("AWS/RDS", "CPUUtilization"): max(0.5, 3 + 12 * day + 2 * noise),
        ("AWS/RDS", "FreeStorageSpace"): storage_gb * GiB * (0.82 - 0.0000002 * (t % 604800)),
        ("AWS/RDS", "FreeableMemory"): (380 - 90 * day + 10 * noise) * MiB,
        ("AWS/RDS", "DatabaseConnections"): float(round(3 + 6 * day + noise)),
        ("AWS/RDS", "ReadLatency"): max(0.0002, 0.0012 + 0.002 * day + 0.0003 * noise),
        ("AWS/RDS", "WriteLatency"): max(0.0003, 0.0025 + 0.003 * day + 0.0004 * noise),
    }.get((m.namespace, m.name), 0.0)


def sample_times(now: datetime) -> list[datetime]:
    """Every minute of the last hour, every 15 minutes of the last day, every 3 hours of the week."""
    now = now.replace(second=0, microsecond=0)
    out = {now - timedelta(minutes=i) for i in range(1, 61)}
    out |= {now - timedelta(minutes=15 * i) for i in range(4, 96)}
    out |= {now - timedelta(hours=3 * i) for i in range(8, 56)}
    return sorted(out)


def seed_metrics(aws: Aws, metrics: list[Metric], *, storage_gb: float = 20, now: datetime | None = None,
                 seed: int = 7) -> int:
    """Put a week of plausible points for `metrics`; returns how many."""
    now = now or datetime.now(timezone.utc)
    rnd = random.Random(seed)
    cw = aws.client("cloudwatch")
    by_ns: dict[str, list[dict[str, Any]]] = {}
    for m in metrics:
        for t in sample_times(now):
            by_ns.setdefault(m.namespace, []).append({
                "MetricName": m.name, "Dimensions": [{"Name": k, "Value": v} for k, v in m.dimensions],
                "Timestamp": t, "Value": _value(m, t.timestamp(), rnd, storage_gb)})
    count = 0
    for ns, data in by_ns.items():
        for i in range(0, len(data), 500):
            cw.put_metric_data(Namespace=ns, MetricData=data[i:i + 500])
            count += len(data[i:i + 500])
    return count


class _Health(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        body = b"ok\n" if self.path.startswith("/health") else \
            b"<!doctype html><title>hostwiz sandbox</title><p>The sandbox's stand-in for your site.</p>\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain" if self.path.startswith("/health") else "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_HEAD(self) -> None:  # noqa: N802
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:  # quiet
        pass


class HealthEndpoint:
    """A site stand-in on 127.0.0.1: `/health` answers "ok", `/` a small page."""

    def __init__(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Health)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, name="hostwiz-sandbox-health", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
