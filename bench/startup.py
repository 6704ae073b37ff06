"""Process start to the home screen ready (headless), against a bare Textual app in the same run.

    python bench/startup.py [--runs 7]

Each sample is a fresh interpreter: the parent notes the time, starts the child, and the child
prints the time at which its first screen is up (Textual's auto-pilot runs once the app is ready;
for hostwiz it waits until the home screen is the current screen). boto3, moto and paramiko
must stay off that path: the session is made in a thread worker while home shows "Connecting".
The AWS endpoint is pointed at a closed loopback port so nothing real is ever asked.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

CHILD = {
    "bare": """
from textual.app import App
from textual.widgets import Footer, Static

class Bare(App):
    def compose(self):
        yield Static("hello")
        yield Footer()

painted = []

class Bare(Bare):
    def on_mount(self):
        self.call_after_refresh(lambda: painted.append(__import__("time").time()))

async def ready(pilot):
    while not painted:
        await pilot.pause()
    print("READY", painted[0], flush=True)
    pilot.app.exit()

Bare().run(headless=True, auto_pilot=ready)
""",
    "hostwiz": """
import sys, time
from hostwiz.screens.app import HostwizApp
from hostwiz.screens.home import HomeScreen
from hostwiz.services.session import Options

app = HostwizApp(Options(sandbox=SANDBOX, region="us-east-1"))
painted = []
mount = HomeScreen.on_mount

def on_mount(self):  # note when home's first frame has been drawn
    mount(self)
    self.call_after_refresh(lambda: painted.append((time.time(), sorted(
        m for m in ("boto3", "botocore", "moto", "paramiko") if m in sys.modules))))

HomeScreen.on_mount = on_mount

async def ready(pilot):
    while not painted:
        await pilot.pause()
    print("READY", painted[0][0], flush=True)
    heavy = painted[0][1]
    print("LOADED", ",".join(heavy), flush=True)
    pilot.app.exit()

app.run(headless=True, auto_pilot=ready)
""",
}


def sample(kind: str, sandbox: bool, env: dict) -> tuple[float, str]:
    code = CHILD[kind].replace("SANDBOX", str(sandbox))
    start = time.time()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120).stdout
    ready = next(float(line.split()[1]) for line in out.splitlines() if line.startswith("READY"))
    loaded = next((line.split(" ", 1)[1] if " " in line else "" for line in out.splitlines()
                   if line.startswith("LOADED")), "")
    return ready - start, loaded


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    env = {**os.environ, "AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_ACCESS_KEY_ID": "bench",
           "AWS_SECRET_ACCESS_KEY": "bench", "HOSTWIZ_STATE_DIR": "/tmp/hostwiz-bench-state"}
    env.pop("AWS_PROFILE", None)
    results: dict[str, list[float]] = {"bare": [], "hostwiz": [], "hostwiz --sandbox": []}
    loaded = {}
    sample("bare", False, env)  # warm the OS file cache once
    for _ in range(args.runs):  # interleaved, so machine load hits all three alike
        results["bare"].append(sample("bare", False, env)[0])
        t, loaded["hostwiz"] = sample("hostwiz", False, env)
        results["hostwiz"].append(t)
        t, loaded["hostwiz --sandbox"] = sample("hostwiz", True, env)
        results["hostwiz --sandbox"].append(t)
    bare = statistics.median(results["bare"])
    print(f"{'app':<20}{'median s':>10}{'min s':>8}{'ratio':>8}  heavy modules loaded at first frame")
    for name, times in results.items():
        med = statistics.median(times)
        print(f"{name:<20}{med:>10.3f}{min(times):>8.3f}{med / bare:>8.2f}  {loaded.get(name, '-') or 'none'}")


if __name__ == "__main__":
    main()
