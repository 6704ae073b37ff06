"""Provisioning benchmark: the threaded engine against a strictly sequential run of the same steps.

Both run a full stack (domain + www, TLS, database) on moto (a server process on loopback) with
`sandbox.latency.LatencyModel`: every API call takes `--per-call` seconds, a new instance
stays `pending` for `--boot` seconds and a new database `creating` for `--db-create` seconds
(realistic durations, scaled down). The sequential run calls the very same step functions one
at a time, in two orders. Printed: wall time and API calls of both, and the critical path (`engine.critical_path`
over each step's duration as measured in the engine run).

Reported against both sequential orders (runbook: each wait right after its create; waves: the
engine's order, everything created before the waits) and against the ideal: the critical path over
each step's work time as measured alone in the runbook run.

Targets: engine wall <= 1.05x the ideal, and <= 0.65x the runbook sequential wall.

    python bench/provision.py [--per-call 0.03] [--boot 1] [--db-create 6] [--repeat 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1"})
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("AWS_PROFILE", None)

from hostwiz.sandbox import SANDBOX_ZONE, prepare_amis, quiet_moto  # noqa: E402

prepare_amis(Path(tempfile.mkdtemp(prefix="hostwiz-bench-amis-")))  # before moto is imported

from hostwiz import secrets  # noqa: E402
from hostwiz import spec as specmod  # noqa: E402
from hostwiz.ledger import Ledger, new_run_id  # noqa: E402
from hostwiz.provisioners.aws import Aws  # noqa: E402
from hostwiz.provisioners.engine import Engine, Step, StepContext, critical_path, topological  # noqa: E402
from hostwiz.sandbox.latency import LatencyModel  # noqa: E402
from hostwiz.sandbox.seed import seed  # noqa: E402
from hostwiz.provisioners.stack import Env, StackBuilder, Timing  # noqa: E402
from hostwiz.services.session import quick_session  # noqa: E402
from hostwiz.userdata import render  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from motoproc import moto_endpoint  # noqa: E402


def spec_for(name: str) -> specmod.StackSpec:
    return specmod.validate({
        "name": name, "region": "us-east-1",
        "domain": {"name": f"{name}.example.com", "hosted_zone": "example.com", "www": True},
        "instance": {"type": "t3.micro", "os": "ubuntu-24.04", "volume_gb": 20, "ssh_cidr": "203.0.113.7/32"},
        "runtime": {"kind": "docker", "app_port": 3000, "tls": True},
        "database": {"engine": "postgres", "instance_class": "db.t3.micro", "storage_gb": 20},
    })


def builder(name: str, state_dir: Path, args: argparse.Namespace) -> tuple[StackBuilder, LatencyModel]:
    model = LatencyModel(per_call=args.per_call, instance_boot=args.boot, db_create=args.db_create)
    session = quick_session(state_dir, endpoint_url=args.endpoint, zone=None)  # the suite's session factory
    session.aws.hooks.extend(model.hooks())
    timing = Timing(instance_delay=args.poll, db_delay=args.poll, iam_retry_delay=args.poll)
    env = Env(session.aws, Ledger(state_dir, name), spec_for(name), new_run_id(), state_dir, "203.0.113.7/32",
              timing, render)
    return StackBuilder(env), model


def run_engine(name: str, state_dir: Path, args: argparse.Namespace) -> dict:
    b, model = builder(name, state_dir, args)
    steps = b.steps()
    start = time.monotonic()
    result = Engine(steps, max_workers=8).run()
    wall = time.monotonic() - start
    if not result.ok:
        raise SystemExit(f"engine run failed: {result.failed}")
    durations = {s: end - begin for s, (begin, end) in result.timings.items()}
    cp, path = critical_path(steps, durations)
    return {"wall": wall, "calls": model.total_calls, "critical_path": cp, "path": path, "durations": durations}


def runbook_order(steps: list[Step]) -> list[Step]:
    """A topological order that stays as close as it can to the declared order, so each wait follows
    its create: what a person working down a runbook (or the console walkthrough) does."""
    done: set[str] = set()
    order: list[Step] = []
    pending = list(steps)
    while pending:
        step = next(s for s in pending if set(s.deps) <= done)
        order.append(step)
        done.add(step.name)
        pending.remove(step)
    return order


def run_sequential(name: str, state_dir: Path, args: argparse.Namespace) -> dict:
    b, model = builder(name, state_dir, args)
    outputs: dict[str, dict] = {}
    durations: dict[str, float] = {}
    cancel = threading.Event()
    steps = b.steps()
    start = time.monotonic()
    for step in (runbook_order(steps) if args.order == "runbook" else topological(steps)):
        began = time.monotonic()
        out = step.run(StepContext(step.name, outputs, cancel, lambda e: None, step.label))
        durations[step.name] = time.monotonic() - began
        outputs[step.name] = out.outputs if out else {}
    wall = time.monotonic() - start
    # No engine, however perfect, beats the longest chain of these very step durations (meaningful in
    # runbook order only: in wave order AWS overlaps the waits, so their durations understate the work).
    ideal, path = critical_path(steps, durations)
    return {"wall": wall, "calls": model.total_calls, "ideal": ideal, "ideal_path": path}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--per-call", type=float, default=0.03, help="seconds added to every API call")
    p.add_argument("--boot", type=float, default=1.0, help="seconds a new instance stays pending")
    p.add_argument("--db-create", type=float, default=6.0, help="seconds a new database stays creating")
    p.add_argument("--poll", type=float, default=0.1, help="first poll delay of the waits")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--moto", choices=["server", "inprocess"], default="server")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)

    quiet_moto()
    secrets.use_memory_keyring()
    rows = []
    with moto_endpoint(args.moto) as args.endpoint:
        seed(Aws(region="us-east-1", endpoint_url=args.endpoint), SANDBOX_ZONE)
        state = Path(tempfile.mkdtemp(prefix="hostwiz-bench-state-"))
        run_engine("warmup", state, argparse.Namespace(**{**vars(args), "per_call": 0, "boot": 0, "db_create": 0}))
        for i in range(args.repeat):  # rotate the order so no run always goes first
            runs = {"runbook": lambda: run_sequential(f"rb{i}", state, argparse.Namespace(**{**vars(args), "order": "runbook"})),
                    "waves": lambda: run_sequential(f"wv{i}", state, argparse.Namespace(**{**vars(args), "order": "waves"})),
                    "engine": lambda: run_engine(f"eng{i}", state, args)}
            keys = list(runs)[i % 3:] + list(runs)[:i % 3]
            rows.append({k: runs[k]() for k in keys})

    med = lambda f: statistics.median(f(r) for r in rows)  # noqa: E731
    eng_wall = med(lambda r: r["engine"]["wall"])
    runbook, waves = med(lambda r: r["runbook"]["wall"]), med(lambda r: r["waves"]["wall"])
    # The ideal: the critical path over each step's WORK time, measured alone in the runbook run (each
    # wait right after its create, nothing overlapping). The engine's own step timings would make its
    # critical path equal its wall by construction (a step's time includes the engine noticing its end).
    ideal = med(lambda r: r["runbook"]["ideal"])
    summary = {
        "model": {"per_call": args.per_call, "boot": args.boot, "db_create": args.db_create, "poll": args.poll,
                  "moto": args.moto},
        "runs": args.repeat,
        "engine_wall": round(eng_wall, 3), "engine_calls": rows[-1]["engine"]["calls"],
        "runbook_wall": round(runbook, 3), "waves_wall": round(waves, 3),
        "sequential_calls": rows[-1]["runbook"]["calls"],
        "ideal": round(ideal, 3), "ideal_steps": rows[-1]["runbook"]["ideal_path"],
        "engine_over_ideal": round(eng_wall / ideal, 3),
        "engine_over_runbook": round(eng_wall / runbook, 3),
        "engine_over_waves": round(eng_wall / waves, 3),
        "ideal_over_runbook": round(ideal / runbook, 3),
        "engine_over_own_critical_path": round(eng_wall / med(lambda r: r["engine"]["critical_path"]), 3),
    }
    summary["targets_met"] = summary["engine_over_ideal"] <= 1.05 and summary["engine_over_runbook"] <= 0.65
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(f"latency model: {args.per_call * 1000:.0f} ms/call, instance boot {args.boot:g} s, "
              f"DB create {args.db_create:g} s; median of {args.repeat} runs")
        print(f"  engine               wall {eng_wall:6.2f} s   API calls {summary['engine_calls']}")
        print(f"  sequential, runbook  wall {runbook:6.2f} s   (each wait right after its create)")
        print(f"  sequential, waves    wall {waves:6.2f} s   (everything created first, then the waits)")
        print(f"  ideal                     {ideal:6.2f} s   critical path of the steps' work times: "
              f"{' -> '.join(summary['ideal_steps'])}")
        print(f"  engine / ideal   = {summary['engine_over_ideal']:.3f}  (target <= 1.05)")
        print(f"  engine / runbook = {summary['engine_over_runbook']:.3f}  (target <= 0.65; the ideal reaches "
              f"{summary['ideal_over_runbook']:.3f})")
        print(f"  engine / waves   = {summary['engine_over_waves']:.3f}")
        print("  targets met" if summary["targets_met"] else "  TARGETS MISSED")
    return 0 if summary["targets_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
