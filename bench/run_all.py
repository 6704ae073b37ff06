"""Every benchmark in bench/, one command, one table: each ratio measured in this run, beside the
absolute figures of this machine.

    .venv/bin/python bench/run_all.py [--quick] [--only provision,startup,logs,logs-screen,cleanup,ssh,terminal,terminal-sshd,watch,deploy,reads,waits]

Each benchmark runs in its own process (as its own command would) and is read through its
machine-readable output: `provision.py --json`, `logs.py --child KIND` (JSON per widget),
`cleanup.py` (JSON), `terminal.py --json` (pty and sshd), `watch.py --json`, `logs.py --screen` (JSON), `startup.py` and `ssh.py` (their
printed lines). A benchmark whose script is not in this
tree, or whose output cannot be read, gets a "not available" row saying why. `--quick` uses
smaller parameters (a smoke run; record figures from a full run).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent


class NotAvailable(Exception):
    pass


def script(name: str, *argv: str, timeout: float = 1800) -> str:
    path = HERE / f"{name}.py"
    if not path.exists():
        raise NotAvailable(f"bench/{name}.py is not in this tree")
    done = subprocess.run([sys.executable, str(path), *argv], capture_output=True, text=True, timeout=timeout,
                          cwd=HERE.parent)
    if done.returncode not in (0, 1):  # provision.py exits 1 when it misses its targets: still a result
        raise NotAvailable(f"bench/{name}.py exited {done.returncode}: {done.stderr.strip()[-300:]}")
    return done.stdout


def last_json(text: str) -> dict:
    start = text.find("{")
    if start < 0:
        raise NotAvailable("no JSON in its output")
    return json.loads(text[start:])


def provision(quick: bool) -> dict:
    r = last_json(script("provision", "--json", "--repeat", "1" if quick else "3"))
    return {"compared with": "the ideal (critical path of the steps' work times); sequential runs in runbook "
                             "and wave order",
            "ratio": f"{r['engine_over_ideal']:.3f} of ideal; {r['engine_over_runbook']:.3f} of runbook; "
                     f"{r['engine_over_waves']:.3f} of waves",
            "absolute": f"engine {r['engine_wall']:.2f} s, ideal {r['ideal']:.2f} s, runbook {r['runbook_wall']:.2f} s, "
                        f"waves {r['waves_wall']:.2f} s; {r['engine_calls']} API calls; the ideal reaches "
                        f"{r['ideal_over_runbook']:.3f} of runbook",
            "target": "<= 1.05 of ideal, <= 0.65 of runbook",
            "met": r["engine_over_ideal"] <= 1.05 and r["engine_over_runbook"] <= 0.65}


def startup(quick: bool) -> dict:
    out = script("startup", "--runs", "3" if quick else "7")
    rows = {m.group(1).strip(): (float(m.group(2)), float(m.group(3)))
            for m in re.finditer(r"^(bare|hostwiz --sandbox|hostwiz)\s+([\d.]+)\s+([\d.]+)\s+[\d.]+", out, re.M)}
    if "bare" not in rows or "hostwiz" not in rows:
        raise NotAvailable("its table could not be read")
    bare, ours = rows["bare"][0], rows["hostwiz"][0]
    sandbox = rows.get("hostwiz --sandbox", (float("nan"),))[0]
    return {"compared with": "a bare Textual app (Static + Footer)",
            "ratio": f"{ours / bare:.2f} (sandbox {sandbox / bare:.2f})",
            "absolute": f"first frame {ours:.3f} s median (sandbox {sandbox:.3f} s), bare {bare:.3f} s",
            "target": "<= 1.5", "met": ours / bare <= 1.5}


def logs(quick: bool) -> dict:
    argv = ["--lines", "200000"] if quick else []
    ours = last_json(script("logs", "--child", "LogView", *argv))
    theirs = last_json(script("logs", "--child", "Log", *argv))
    key = "end_to_end_lines_per_s"
    if key not in ours:
        raise NotAvailable(f"its JSON has no {key}")
    ratio = ours[key] / theirs[key]
    stall = ours.get("longest_stall_ms", ours.get("longest_stall"))
    return {"compared with": "Textual's `Log` widget",
            "ratio": f"{ratio:.2f}x the lines/s",
            "absolute": f"LogView {ours[key]:,.0f} lines/s, Log {theirs[key]:,.0f} lines/s end to end"
                        + (f"; LogView longest stall {stall} ms" if stall is not None else ""),
            "target": ">= 1.0x and >= 100k lines/s", "met": ratio >= 1.0 and ours[key] >= 100_000}


def cleanup(quick: bool) -> dict:
    r = last_json(script("cleanup", "--estates", "3" if quick else "10"))
    par, one = r["parallel"], r["one_worker"]
    return {"compared with": "the same cleanup with one worker",
            "ratio": f"{r['speedup']:.2f}x faster",
            "absolute": f"{par['resources']} resources: {par['seconds']:.1f} s parallel, {one['seconds']:.1f} s one "
                        f"worker; {par['calls_per_resource']} API calls per resource",
            "target": "faster than one worker", "met": r["speedup"] > 1.0}


def ssh(quick: bool) -> dict:
    out = script("ssh", "--runs", "10" if quick else "50", "--mb", "1" if quick else "4")
    pooled = re.search(r"shared transport: ([\d.]+) ms", out)
    fresh = re.search(r"fresh connection: ([\d.]+) ms", out)
    emulator = re.search(r"pyte 120x36: ([\d.]+) MB/s, ([\d,]+) lines/s", out)
    if not (pooled and fresh):
        raise NotAvailable("its output could not be read")
    p, f = float(pooled.group(1)), float(fresh.group(1))
    return {"compared with": "a fresh SSH connection per command",
            "ratio": f"{f / p:.1f}x faster on the shared transport",
            "absolute": f"one command {p:.1f} ms pooled, {f:.1f} ms fresh (loopback)"
                        + (f"; terminal emulator {emulator.group(1)} MB/s" if emulator else ""),
            "target": "", "met": None}


def deploy(quick: bool) -> dict:
    out = script("deploy", "--json", *(["--mb", "5", "--files", "500", "--runs", "1"] if quick else ["--runs", "3"]))
    r = last_json(out)
    return {"compared with": "`scp -r` of the same tree to the same sshd",
            "ratio": f"first deploy {r['first_vs_scp']:.2f}x scp -r; redeploy {r['redeploy_vs_first']:.2f}x first, "
                     f"{100 * r['redeploy_bytes_fraction']:.2f} % of the bytes",
            "absolute": f"{r['tree_bytes'] / 1e6:.0f} MB / {r['files']} files: scp -r {r['scp_s']:.2f} s, "
                        f"first deploy {r['first_s']:.2f} s, redeploy (one file changed) {r['redeploy_s']:.2f} s",
            "target": "<= 1.2x scp -r; redeploy <= 0.2x and <= 1 %", "met": r["met"]}


def terminal(quick: bool, via: str = "pty") -> dict:
    r = last_json(script("terminal", "--json", "--via", via, *(["--mb", "1", "--runs", "1"] if quick else ["--runs", "3"])))
    met = (r["widget_mb_per_s"] >= 5 and r["widget_over_tmux"] <= 4 and r["ctrl_c_screen_still_ms"] <= 300
           and r["longest_stall_ms"] <= 50 and r["final_screen_matches_tmux"])
    return {"compared with": "tmux (`tmux new -d -x 120 -y 36 'cat FILE'`)"
                             + (", the widget over OpenSSH's sshd and paramiko" if via == "sshd" else ""),
            "ratio": f"{r['widget_over_tmux']:.2f}x tmux's time",
            "absolute": f"cat {r['mb']} MB: widget {r['widget_mb_per_s']} MB/s, tmux {r['tmux_mb_per_s']} MB/s; "
                        f"longest loop stall during the flood {r['longest_stall_ms']} ms "
                        f"({r.get('longest_stall_cpu_ms', '?')} ms own CPU), while connecting "
                        f"{r.get('longest_connect_stall_ms', '?')} ms; ctrl+c: screen still after "
                        f"{r['ctrl_c_screen_still_ms']} ms"
                        + (f"; final screen {'=' if r['final_screen_matches_tmux'] else '!='} tmux's" if via == "pty" else ""),
            "target": ">= 5 MB/s, <= 4x tmux, stall <= 50 ms, ctrl+c <= 300 ms", "met": met}


def watch(quick: bool) -> dict:
    r = last_json(script("watch", "--json", *(["--seconds", "8", "--modes", "detail+log"] if quick else [])))
    runs = r["results"]
    worst = max(runs, key=lambda run: run["longest_stall_ms"])
    over = sum(run["stalls_over_50ms"] for run in runs)
    batched = all(run["calls_per_refresh"] in (None, 1.0) for run in runs)
    return {"compared with": "its own targets (no baseline)",
            "ratio": f"{over} stalls over 50 ms",
            "absolute": f"{r['metrics']} metrics every {r['every']} s, modes {', '.join(run['mode'] for run in runs)}: "
                        f"longest stall {worst['longest_stall_ms']} ms ({worst['mode']}), "
                        f"GetMetricData calls per refresh {'1' if batched else 'more than 1'}",
            "target": "no stall over 50 ms with a 100k-line log streaming; one call per refresh",
            "met": over == 0 and batched}


def logs_screen(quick: bool) -> dict:
    r = last_json(script("logs", "--screen", *(["--lines", "500000"] if quick else [])))
    met = r["stalls_over_50ms"] == 0 and r["following"] and r["last_line_on_screen"]
    return {"compared with": "its own targets (no baseline)",
            "ratio": f"{r['stalls_over_50ms']} stalls over 50 ms",
            "absolute": f"{r['lines']:,} lines offered at {r['rate']:,.0f}/s: {r['lines_per_s']:,} lines/s taken, "
                        f"{r['hub_overflow']:,} dropped by the hub; longest stall {r['longest_stall_ms']} ms "
                        f"({r['longest_stall_cpu_ms']} ms of its own CPU), longest GC {r['longest_gc_ms']} ms; "
                        f"RSS +{r['rss_growth_mb']} MB; following {'on' if r['following'] else 'OFF'}",
            "target": "no stall over 50 ms, follows", "met": met}


def reads(quick: bool) -> dict:
    r = last_json(script("reads", "--json", *(["--levels", "1,20", "--runs", "1"] if quick else [])))
    rows = {row["stacks"]: row for row in r["rows"]}
    lo, hi = rows[min(rows)], rows[max(rows)]
    single = ("status", "plan_down", "plan_adopt")
    met = all(lo["after"][w]["calls"] == hi["after"][w]["calls"] for w in single)
    calls = lambda row, way: "/".join(str(row[way][w]["calls"]) for w in single)  # noqa: E731
    return {"compared with": "the same reads as they were (every kind listed, serial home list)",
            "ratio": f"{min(rows)} -> {max(rows)} stacks: calls {calls(lo, 'before')} -> {calls(hi, 'before')} before, "
                     f"{calls(lo, 'after')} -> {calls(hi, 'after')} after (status/plan_down/plan_adopt)",
            "absolute": f"at {max(rows)} stacks, {r['latency_s'] * 1000:.0f} ms/call: status "
                        f"{hi['before']['status']['wall_s']} s -> {hi['after']['status']['wall_s']} s; home list "
                        f"{hi['before']['list_stacks']['calls']} calls {hi['before']['list_stacks']['wall_s']} s -> "
                        f"{hi['after']['list_stacks']['calls']} calls {hi['after']['list_stacks']['wall_s']} s",
            "target": "single-stack calls the same at 1, 20, 100 stacks", "met": met}


def waits(quick: bool) -> dict:
    r = last_json(script("waits", "--json"))
    old, new = r["schedules"]["old"], r["schedules"]["new"]
    met = new["instance"]["max_late_s"] <= 3 and new["database"]["max_late_s"] <= 15 and \
        new["whole_up"]["calls_per_min"] <= old["whole_up"]["calls_per_min"]
    return {"compared with": "the backed-off waits (5 s -> 15 s; 30 s)",
            "ratio": f"late by at most {new['instance']['max_late_s']} s / {new['database']['max_late_s']} s "
                     f"(was {old['instance']['max_late_s']} s / {old['database']['max_late_s']} s) for an instance "
                     f"ready in 10-60 s / a database in 4-12 min",
            "absolute": f"calls/min over a whole up {old['whole_up']['calls_per_min']} -> "
                        f"{new['whole_up']['calls_per_min']} (at the realism windows "
                        f"{old['realism_window']['whole_up_calls_per_min']} -> "
                        f"{new['realism_window']['whole_up_calls_per_min']}); per wait "
                        f"{old['instance']['calls_per_min']} -> {new['instance']['calls_per_min']} (instance), "
                        f"{old['database']['calls_per_min']} -> {new['database']['calls_per_min']} (database)",
            "target": "noticed within 3 s / 15 s, whole up's calls/min no more than the old", "met": met}


BENCHES: dict[str, Callable[[bool], dict]] = {"provision": provision, "startup": startup, "logs": logs,
                                              "logs-screen": logs_screen, "cleanup": cleanup, "ssh": ssh,
                                              "terminal": terminal, "terminal-sshd": lambda quick: terminal(quick, "sshd"),
                                              "watch": watch, "deploy": deploy, "reads": reads, "waits": waits}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="smaller parameters: a smoke run, not figures to record")
    ap.add_argument("--only", default=",".join(BENCHES), help="comma-separated subset")
    args = ap.parse_args()
    rows = []
    for name in args.only.split(","):
        started = time.monotonic()
        try:
            row = BENCHES[name](args.quick)
        except (NotAvailable, subprocess.TimeoutExpired, json.JSONDecodeError, KeyError, ValueError) as err:
            row = {"compared with": "", "ratio": "not available", "absolute": str(err), "target": "", "met": None}
        row["took"] = time.monotonic() - started
        rows.append((name, row))
        print(f"{name}: done in {row['took']:.0f} s", file=sys.stderr)
    load = os.getloadavg()[0]
    print(f"Benchmarks, {time.strftime('%Y-%m-%d %H:%M')}, {platform.python_implementation()} "
          f"{platform.python_version()}, {os.cpu_count()} cores, load average {load:.1f}"
          + (" (--quick)" if args.quick else ""))
    print()
    print("| benchmark | compared with | ratio (this run) | absolute figures (this machine) | target | met |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, r in rows:
        met = {True: "yes", False: "no", None: "-"}[r["met"]]
        print(f"| {name} | {r['compared with']} | {r['ratio']} | {r['absolute']} | {r['target']} | {met} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
