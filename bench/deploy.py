"""Deploy: a first deploy of a generated tree against `scp -r` of the same tree to the same sshd, and a
redeploy with one changed file.

    .venv/bin/python bench/deploy.py [--mb 50] [--files 5000] [--runs 3] [--json]

Everything is on loopback: OpenSSH's sshd and nginx started by this script (as tests/deploy does),
release.sh's setsid stand-in instead of systemd, a static app (so the build is a no-op and the
figure is the transfer plus the release steps: hashing, upload, health check through nginx, switch).
Each run: `scp -r` into a fresh directory, then a first deploy into a fresh release root (connection
set-up included in both), then a redeploy after changing one file. Files are random bytes
(incompressible), sizes spread around the mean.
Targets: first deploy <= 1.2x scp -r; redeploy sends <= 1 % of the tree's bytes in <= 0.2x the
first deploy's time.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hostwiz.deploy import Target, deploy, pack_directory, plan, site_config  # noqa: E402
from hostwiz.deploy.release import Remote  # noqa: E402
from tests.deploy.conftest import NGINX_CONF, connect, free_port, port_block, start_sshd, stop, wait_port  # noqa: E402


def generate(root: Path, total: int, files: int, seed: int = 7) -> int:
    rng = random.Random(seed)
    mean = total // files
    sizes = [max(1, int(rng.expovariate(1 / mean))) for _ in range(files)]
    scale = total / sum(sizes)
    written = 0
    (root / "index.html").parent.mkdir(parents=True, exist_ok=True)
    (root / "index.html").write_text("<h1>bench</h1>\n")
    for i, size in enumerate(sizes):
        d = root / f"d{i // 100:03}" / f"s{i % 10}"
        d.mkdir(parents=True, exist_ok=True)
        n = max(1, int(size * scale))
        (d / f"f{i:05}.bin").write_bytes(os.urandom(n))
        written += n
    return written


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mb", type=float, default=50)
    ap.add_argument("--files", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="hostwiz-bench-deploy-"))
    procs = []
    try:
        tree = work / "tree"
        tree_bytes = generate(tree, int(args.mb * 1024 * 1024), args.files)
        sshd_proc, sshd = start_sshd(work / "sshd")
        procs.append(sshd_proc)
        known = work / "known_hosts"
        connect(sshd, known).close()  # writes known_hosts
        nginx_dir = work / "nginx"
        (nginx_dir / "tmp").mkdir(parents=True)
        http_port, preview, port_base = free_port(), free_port(), port_block()
        user = "user root;" if os.geteuid() == 0 else ""
        (nginx_dir / "nginx.conf").write_text(NGINX_CONF.format(d=nginx_dir, user=user))
        site = nginx_dir / "site.conf"

        def target(n: int) -> Target:
            return Target(root=str(work / f"instance{n}"), port_base=port_base, preview_port=preview,
                          sudo=False, nginx_conf=str(nginx_dir / "nginx.conf"),
                          nginx_pid=str(nginx_dir / "nginx.pid"), shared_env=str(work / "app.env"),
                          supervisor="setsid", health_timeout=30)

        # nginx needs the include files of a first root to start; each run points the site at its own root
        c = connect(sshd, known)
        Remote(c.get_transport(), target(0)).install()
        c.close()
        site.write_text(site_config(target(0), listen=[f"127.0.0.1:{http_port}"]))
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        nginx_proc = subprocess.Popen([nginx, "-c", str(nginx_dir / "nginx.conf"), "-e", str(nginx_dir / "error.log")],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        procs.append(nginx_proc)
        wait_port(http_port, nginx_proc, "nginx")

        scp_t, first_t, re_t, re_bytes, first_bytes = [], [], [], [], []
        stages: list[dict[str, float]] = []  # redeploy: seconds from each stage's start to the next
        for run in range(1, args.runs + 1):
            dest = work / f"scp{run}"
            t0 = time.perf_counter()
            subprocess.run(["scp", "-r", "-q", "-P", str(sshd.port), "-i", str(sshd.client_key),
                            "-o", f"UserKnownHostsFile={known}", "-o", "StrictHostKeyChecking=yes",
                            "-o", "BatchMode=yes", str(tree), f"{sshd.user}@127.0.0.1:{dest}"], check=True)
            scp_t.append(time.perf_counter() - t0)

            t = target(run)
            c = connect(sshd, known)  # the nginx site must include this run's root before its deploy
            Remote(c.get_transport(), t).install()
            c.close()
            site.write_text(site_config(t, listen=[f"127.0.0.1:{http_port}"]))
            subprocess.run([nginx, "-c", str(nginx_dir / "nginx.conf"), "-s", "reload"], check=True)

            t0 = time.perf_counter()
            c = connect(sshd, known)
            src = pack_directory(tree)
            first = deploy(c.get_transport(), t, src, plan(tree), hash_cache=work / f"hashes{run}.json")
            first_t.append(time.perf_counter() - t0)
            first_bytes.append(first.bytes_sent)
            c.close()

            changed = tree / "d000" / "s0" / "f00000.bin"
            changed.write_bytes(os.urandom(changed.stat().st_size))
            t0 = time.perf_counter()
            marks: list[tuple[str, float]] = [("ssh handshake", 0.0)]
            c = connect(sshd, known)
            marks.append(("pack", time.perf_counter() - t0))
            src = pack_directory(tree)
            second = deploy(c.get_transport(), t, src, plan(tree), hash_cache=work / f"hashes{run}.json",
                            on_event=lambda stage, _d: marks.append(("session" if stage == "connect" else stage,
                                                                     time.perf_counter() - t0)))
            re_t.append(time.perf_counter() - t0)
            re_bytes.append(second.bytes_sent)
            marks.append(("end", re_t[-1]))
            stages.append({a[0]: round(b[1] - a[1], 3) for a, b in zip(marks, marks[1:])})
            c.close()
            assert second.files_sent == 1, second
            shutil.rmtree(dest, ignore_errors=True)
            print(f"run {run}: scp -r {scp_t[-1]:.2f} s, first deploy {first_t[-1]:.2f} s, "
                  f"redeploy {re_t[-1]:.2f} s ({re_bytes[-1]:,} bytes)", file=sys.stderr)

        med = statistics.median
        result = {
            "tree_bytes": tree_bytes, "files": args.files + 1,
            "scp_s": med(scp_t), "first_s": med(first_t), "redeploy_s": med(re_t),
            "scp_min_s": min(scp_t), "first_min_s": min(first_t), "redeploy_min_s": min(re_t),
            "first_bytes_sent": med(first_bytes), "redeploy_bytes_sent": med(re_bytes),
            "redeploy_stages_s": {k: med([st.get(k, 0.0) for st in stages]) for k in stages[-1]},
        }
        result["first_vs_scp"] = result["first_s"] / result["scp_s"]
        result["redeploy_vs_first"] = result["redeploy_s"] / result["first_s"]
        result["redeploy_bytes_fraction"] = result["redeploy_bytes_sent"] / tree_bytes
        result["met"] = (result["first_vs_scp"] <= 1.2 and result["redeploy_vs_first"] <= 0.2
                         and result["redeploy_bytes_fraction"] <= 0.01)
        if args.json:
            print(json.dumps(result))
        else:
            print(f"tree: {tree_bytes / 1e6:.1f} MB in {args.files + 1} files, {args.runs} runs (median / min)")
            print(f"scp -r:        {result['scp_s']:.2f} s / {result['scp_min_s']:.2f} s")
            print(f"first deploy:  {result['first_s']:.2f} s / {result['first_min_s']:.2f} s "
                  f"= {result['first_vs_scp']:.2f}x scp -r (target <= 1.2x)")
            print(f"redeploy:      {result['redeploy_s']:.2f} s / {result['redeploy_min_s']:.2f} s "
                  f"= {result['redeploy_vs_first']:.3f}x first deploy (target <= 0.2x); "
                  f"{result['redeploy_bytes_sent']:,.0f} bytes sent = {100 * result['redeploy_bytes_fraction']:.3f} % "
                  "of the tree (target <= 1 %)")
            print("redeploy stages (median s, each until the next starts): "
                  + ", ".join(f"{k} {v:.3f}" for k, v in result["redeploy_stages_s"].items()))
        return 0 if result["met"] else 1
    finally:
        for p in reversed(procs):
            stop(p)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
