"""Cleanup benchmark (issue 6): ten workshop estates (~500 resources) on a moto server with a
per-call latency model; the same cleanup with the default parallelism and with one worker.

    python bench/cleanup.py [--estates 10] [--latency 0.03] [--moto server|inprocess]

moto runs in its own process (default), so the ratio measures hostwiz's parallelism, not moto's
CPU under this process's GIL; hostwiz's own CPU per API call is reported. Both sets of estates are built first (latency off), then each set is cleaned up by its own
name prefix, end to end: discovery of every kind, plan, deletion waves, confirmation by
listing again. Prints wall times, the speed-up, and API calls per deleted resource.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for tests.cleanup.estate
sys.path.insert(0, str(ROOT / "bench"))  # for motoproc


def cleanup(aws, model, prefix: str, *, workers: int, discover_workers: int) -> dict:
    from hostwiz.provisioners.cleanup import Filters, build_plan, discover_all, execute
    from hostwiz.provisioners.deletion import DeletionSettings

    model.calls.clear()
    started, cpu = time.monotonic(), time.process_time()
    found = discover_all(aws, [aws.region], workers=discover_workers)
    plan = build_plan(found, Filters(name_prefix=prefix, regions=[aws.region]), "bench")
    planned = time.monotonic()
    if not plan.resources:
        raise SystemExit(f"the name prefix {prefix!r} selected nothing: the estates were not built under it")
    outcome = execute(aws, plan, settings=DeletionSettings(workers=workers, confirm_delay=0.05, backoff=0.2))
    took, cpu = time.monotonic() - started, time.process_time() - cpu
    assert outcome.ok, [(x.resource.key, x.error) for x in outcome.left]
    calls = model.total_calls
    return {"workers": workers, "resources": len(plan.resources), "seconds": round(took, 1),
            "discovery_and_plan_s": round(planned - started, 1), "calls": calls,
            "calls_per_resource": round(calls / len(plan.resources), 2), "passes": outcome.passes,
            "hostwiz_cpu_s": round(cpu, 2), "cpu_ms_per_call": round(1000 * cpu / max(calls, 1), 2),
            "top_calls": dict(model.calls.most_common(8))}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--estates", type=int, default=10)
    ap.add_argument("--latency", type=float, default=0.03, help="seconds added to every API call")
    ap.add_argument("--moto", choices=["server", "inprocess"], default="server")
    args = ap.parse_args()

    os.environ.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1"})
    for var in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        os.environ.pop(var, None)
    from hostwiz.sandbox import prepare_amis, quiet_moto

    prepare_amis(Path(tempfile.mkdtemp(prefix="hostwiz-bench-amis-")))  # before any moto starts
    quiet_moto()
    from motoproc import moto_endpoint

    with moto_endpoint(args.moto) as endpoint:
        from hostwiz.sandbox.latency import LatencyModel
        from hostwiz.services.session import quick_session
        from tests.cleanup.estate import build

        model = LatencyModel()
        aws = quick_session(Path(tempfile.mkdtemp(prefix="hostwiz-bench-")), endpoint_url=endpoint, zone=None).aws
        aws.hooks.extend(model.hooks())
        aws.max_pool_connections = 32
        t = time.monotonic()
        for i in range(args.estates):
            build(aws, f"par-{i:02d}", 10 + i)  # "par" takes par-00-vpc (a prefix ends at a separator)
            build(aws, f"one-{i:02d}", 100 + i)
        built = time.monotonic() - t
        model.per_call = args.latency
        parallel = cleanup(aws, model, "par", workers=8, discover_workers=16)
        serial = cleanup(aws, model, "one", workers=1, discover_workers=1)
        result = {"estates": args.estates, "latency_s": args.latency, "build_s": round(built, 1),
                  "parallel": parallel, "one_worker": serial,
                  "speedup": round(serial["seconds"] / parallel["seconds"], 2), "cpus": os.cpu_count(),
                  "moto": args.moto}
        print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
