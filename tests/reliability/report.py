"""Run the reliability matrices in full and print the table recorded in docs/reliability.md.

    .venv/bin/python tests/reliability/report.py [-n auto] [--crash-runs 20]

It runs pytest on the reliability suite and the foundation's fault injection and validation
table with HOSTWIZ_RELIABILITY_FULL=1 (every teardown fault before and after the call, twenty
crashes), reads the JUnit XML for pass counts and the figures the tests report
(HOSTWIZ_RELIABILITY_FIGURES), and prints one Markdown table. Exit status 1 if any case failed.

The matrices run under the realism model of AWS (sandbox/realism.py, docs/aws-behaviour.md: not-found
windows, `creating` databases, lingering ENIs, a zone short of capacity, tagging ghosts), AWS's
durations scaled to fractions of a second. Unless `--no-compare`, the same suites run again on bare
moto (HOSTWIZ_REALISM=0) and the report records the extra wall time the realism costs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SUITES = ["tests/reliability", "tests/foundation/test_fault_injection.py", "tests/foundation/test_validation.py",
          "tests/foundation/test_crash_resume.py", "tests/foundation/test_lock.py"]


def run(args: argparse.Namespace, out: Path, realism: bool = True
        ) -> tuple[dict[str, list[tuple[str, bool]]], list[dict], float]:
    out.mkdir(parents=True, exist_ok=True)
    figures = out / "figures.jsonl"
    junit = out / "junit.xml"
    env = {**os.environ, "HOSTWIZ_RELIABILITY_FULL": "1", "HOSTWIZ_CRASH_RUNS": str(args.crash_runs),
           "HOSTWIZ_RELIABILITY_FIGURES": str(figures), "HOSTWIZ_REALISM": "1" if realism else "0"}
    started = time.monotonic()
    suites = [s for s in SUITES if (REPO / s).exists()]
    subprocess.run([sys.executable, "-m", "pytest", *suites, "-q", "-n", args.n, f"--junitxml={junit}"],
                   cwd=REPO, env=env, check=False)
    wall = time.monotonic() - started
    results: dict[str, list[tuple[str, bool]]] = defaultdict(list)
    for case in ET.parse(junit).iter("testcase"):
        name = case.get("name", "")
        function, _, param = name.partition("[")
        ok = not any(child.tag in ("failure", "error") for child in case)
        if not any(child.tag == "skipped" for child in case):
            results[function].append((param.rstrip("]"), ok))
    rows = [json.loads(line) for line in figures.read_text().splitlines()] if figures.exists() else []
    return results, rows, wall


def passed(cases: list[tuple[str, bool]]) -> str:
    return f"{sum(ok for _, ok in cases)}/{len(cases)}"


def figure(rows: list[dict], test: str) -> list[dict]:
    return [r for r in rows if f"::{test}" in r["test"]]


def table(results: dict, rows: list[dict]) -> list[str]:
    up = results["test_a_failure_at_a_mutating_call_rolls_back_to_nothing"]
    down = results["test_a_failure_at_a_mutating_call_of_down_then_down_again_leaves_nothing"]
    n_up = sum(p.startswith("before-") for p, _ in up)
    n_down = sum(p.startswith("before-") for p, _ in down)
    up_list = results["test_the_list_is_every_mutating_call_of_a_clean_up"]
    down_list = results["test_the_list_is_every_mutating_call_of_a_clean_down"]
    lines = ["| property | cases passed | figures |", "| --- | ---: | --- |"]
    lines.append(f"| fault matrix, `up` (error at call k = 1..N, then automatic rollback: zero tagged resources) "
                 f"| {passed(up)} | N = {n_up} mutating calls (list checked against a clean run: {passed(up_list)}); "
                 f"refused before the call {passed([c for c in up if c[0].startswith('before')])}, "
                 f"done but answer lost {passed([c for c in up if c[0].startswith('after')])} |")
    lines.append(f"| fault matrix, `down` (error at call k = 1..N, then a second `down`: zero tagged resources) "
                 f"| {passed(down)} | N = {n_down} mutating calls (list checked: {passed(down_list)}); "
                 f"before {passed([c for c in down if c[0].startswith('before')])}, "
                 f"after {passed([c for c in down if c[0].startswith('after')])} |")
    crash = results["test_kill_at_a_random_call_then_up_or_down_recovers"]
    crows = figure(rows, "test_kill_at_a_random_call_then_up_or_down_recovers")
    by_then = Counter((r["then"], bool(r.get("recovered"))) for r in crows)
    made = [r["made_before_kill"] for r in crows]
    lines.append(f"| crash matrix (`hostwiz up` SIGKILLed at a seeded random call; then `up` -> exactly one of each, "
                 f"or `down` -> zero) | {passed(crash)} | `up` recovered {by_then[('up', True)]}/"
                 f"{sum(r['then'] == 'up' for r in crows)}, `down` cleaned {by_then[('down', True)]}/"
                 f"{sum(r['then'] == 'down' for r in crows)}; killed at calls "
                 f"{', '.join(str(r['call']) + r['phase'][0] for r in sorted(crows, key=lambda r: r['run']))} "
                 f"(b = before the request, a = after the answer) of 43; resources existing at the kill: "
                 f"{min(made, default=0)}-{max(made, default=0)} |")
    resume = results["test_up_resumes_after_a_crash_right_after_run_instances"]
    lines.append(f"| crash right after RunInstances (foundation), resume | {passed(resume)} | one instance, same ClientToken |")
    thr = results["test_up_and_down_complete_with_30_percent_of_requests_throttled"]
    for r in figure(rows, "test_up_and_down_complete_with_30_percent_of_requests_throttled"):
        cost = r["up_wall_throttled"] - r["up_wall_calm"]
        lines.append(
            f"| throttling (30% of requests get a real throttling response; botocore standard retries) | {passed(thr)} | "
            f"`up`: {r['up_throttled']} of {r['up_requests']} requests throttled, {r['up_retries']} retries, "
            f"{r['up_wall_throttled']:.1f} s vs {r['up_wall_calm']:.1f} s unthrottled (+{cost:.1f} s); "
            f"`down`: {r['down_throttled']} of {r['down_requests']} throttled, {r['down_wall_throttled']:.1f} s vs "
            f"{r['down_wall_calm']:.1f} s |")
    cln = results.get("test_cleanup_completes_with_30_percent_of_requests_throttled", [])
    for r in figure(rows, "test_cleanup_completes_with_30_percent_of_requests_throttled"):
        calm = f" vs {r['cleanup_wall_calm']:.1f} s unthrottled" if "cleanup_wall_calm" in r else ""
        lines.append(f"| throttling, cleanup of a workshop estate | {passed(cln)} | {r['cleanup_resources']} resources: "
                     f"{r['cleanup_throttled']} of {r['cleanup_requests']} requests throttled, "
                     f"{r['cleanup_retries']} retries, {r['cleanup_wall_throttled']:.1f} s{calm} |")
    if not cln:
        lines.append("| throttling, cleanup | not available | the cleanup branch has not landed in this tree |")
    generated = sum(r["examples"] for r in rows if "examples" in r)
    args_cases = results["test_bad_command_lines_exit_2_naming_the_argument"]
    table_cases = results["test_bad_spec_names_its_field_and_the_cli_exits_2_without_aws"]
    spec_cases = results["test_generated_bad_spec_values_are_refused_by_field"] + \
        results["test_generated_unknown_keys_are_refused_by_name"]
    total = generated + len(args_cases) + len(table_cases)
    all_bad = spec_cases + args_cases + table_cases
    lines.append(f"| bad input (exit 2, field named, zero AWS clients, nothing written) | {passed(all_bad)} tests | "
                 f"{total} inputs: {generated} generated spec values (hypothesis, {len(spec_cases)} fields/keys), "
                 f"{len(args_cases)} command lines, {len(table_cases)} hand-written specs (foundation table) |")
    sec = results["test_no_secret_anywhere_after_a_full_run"] + \
        results["test_committed_screenshots_hold_no_key_and_no_unmasked_connection_string"]
    for r in figure(rows, "test_no_secret_anywhere_after_a_full_run"):
        shots = next((x["committed_screenshots"] for x in rows if "committed_screenshots" in x), 0)
        lines.append(f"| secrets (private key, DB password, connection string) | {passed(sec)} | {r['hits']} hits in "
                     f"{r['files_scanned']} files ({r['log_files']} DEBUG log), {r['screenshots']} screenshots of the "
                     f"run, {r['streams_scanned']} captured stdout/stderr streams; {shots} committed screenshots "
                     f"clean |")
    hk = results.get("test_a_different_host_key_is_refused_every_time", [])
    for r in figure(rows, "test_a_different_host_key_is_refused_every_time"):
        lines.append(f"| host keys (server presents a key other than the pinned one) | {passed(hk)} | "
                     f"refused {r['refused']}/{r['attempts']} attempts |")
    if not hk:
        lines.append("| host keys | not available | the SSH branch has not landed in this tree |")
    rc = results.get("test_a_protected_workshop_estate_is_cleaned_up_under_the_model", [])
    for r in figure(rows, "test_a_protected_workshop_estate_is_cleaned_up_under_the_model"):
        refused = ", ".join(f"{k} x{v}" for k, v in sorted(r.get("realism_cleanup_refused", {}).items())) or "none"
        lines.append(f"| cleanup of a protected workshop estate under the realism model (ENIs linger, deletion "
                     f"and termination protection lifted) | {passed(rc)} | {r['realism_cleanup_resources']} "
                     f"resources in {r['realism_cleanup_wall']:.1f} s; AWS-like refusals waited out: {refused} |")
    conc = results["test_a_second_up_or_down_while_up_runs_fails_fast_naming_the_holder"] + \
        results["test_second_up_fails_fast_naming_the_holder"]
    for r in figure(rows, "test_a_second_up_or_down_while_up_runs_fails_fast_naming_the_holder"):
        lines.append(f"| concurrency (second `up` and a `down` while `up` runs, real processes) | {passed(conc)} | "
                     f"both exit 1 naming the holder's pid: `up` after {r['second_up_refused_after']:.1f} s, "
                     f"`down` after {r['down_refused_after']:.1f} s (process start included); nothing extra made |")
    return lines


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("-n", default="auto", help="pytest-xdist workers")
    p.add_argument("--crash-runs", type=int, default=20)
    p.add_argument("--no-compare", action="store_true", help="skip the second run on bare moto")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="hostwiz-reliability-") as tmp:
        results, rows, wall = run(args, Path(tmp) / "realism")
        bare = None if args.no_compare else run(args, Path(tmp) / "bare", realism=False)
    lines = table(results, rows)
    failed = sum(not ok for cases in results.values() for _, ok in cases)
    print()
    print(f"Reliability matrix, {time.strftime('%Y-%m-%d')}, {platform.python_implementation()} "
          f"{platform.python_version()}, {os.cpu_count()} cores, {wall:.0f} s wall "
          f"({sum(len(c) for c in results.values())} test cases, {failed} failed), under the realism model of AWS")
    if bare is not None:
        bare_failed = sum(not ok for cases in bare[0].values() for _, ok in cases)
        print(f"Realism cost: {wall:.0f} s with the model vs {bare[2]:.0f} s on bare moto "
              f"({wall - bare[2]:+.0f} s, {100 * (wall - bare[2]) / max(bare[2], 1):+.0f}%); "
              f"bare moto: {bare_failed} failed")
    print()
    print("\n".join(lines))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
