"""Concurrency: while one real `hostwiz up` process changes a stack, a second `up` and a `down` of
the same stack (real processes too) fail fast, naming the holder, and change nothing; the first
finishes with exactly one of each resource."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import tomli_w
from hwtest import CRASH_RUNNER, ONE_OF_EACH, counts, hostwiz_env, inventory

from hostwiz.ledger import Ledger


def test_a_second_up_or_down_while_up_runs_fails_fast_naming_the_holder(moto_server, spec_data, tmp_path,
                                                                         figures):
    from hostwiz.provisioners.aws import Aws
    from hostwiz.sandbox.seed import seed

    seed(Aws(endpoint_url=moto_server), "example.com")
    spec_file = tmp_path / "blog.toml"
    spec_file.write_text(tomli_w.dumps(spec_data))
    state = tmp_path / "state"
    env = hostwiz_env(moto_server, state)
    argv = ["up", str(spec_file), "--yes", "--endpoint-url", moto_server]
    # The first `up` holds its RunInstances (under the stack's lock) until the pipe is written and
    # closed: it cannot finish before the other two were refused, however slow the machine is.
    hold = tmp_path / "hold"
    os.mkfifo(hold)
    first = subprocess.Popen([sys.executable, str(CRASH_RUNNER), *argv], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True,
                             env={**env, "HOSTWIZ_TEST_KILL_AT": "never", "HOSTWIZ_TEST_HOLD": f"{hold} RunInstances"})
    try:
        lock = Ledger(state, "blog").lock("up").path
        deadline = time.monotonic() + 120
        while not (lock.exists() and lock.read_text()):
            assert first.poll() is None, first.communicate()
            assert time.monotonic() < deadline, "the first up never took the lock"
            time.sleep(0.05)
        assert json.loads(lock.read_text())["pid"] == first.pid

        started = time.monotonic()
        others = {command[0]: subprocess.Popen([sys.executable, "-m", "hostwiz", *command], stdout=subprocess.PIPE,
                                               stderr=subprocess.PIPE, text=True, env=env)
                  for command in (argv, ["down", "blog", "--yes", "--endpoint-url", moto_server])}
        waited = {}
        for command, proc in others.items():
            out, err = proc.communicate(timeout=60)
            waited[command] = round(time.monotonic() - started, 2)
            assert proc.returncode == 1, out + err
            assert f"stack 'blog' is busy: pid {first.pid} on " in err
            assert "running 'up'" in err and "Traceback" not in err
        assert first.poll() is None  # both were refused while the first still ran
        with open(hold, "w") as release:  # let the first `up` go on
            release.write("go")
        out, err = first.communicate(timeout=120)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert first.returncode == 0, out + err
    assert counts(inventory("blog", moto_server)) == ONE_OF_EACH  # the refused runs made and removed nothing
    figures.update(second_up_refused_after=waited["up"], down_refused_after=waited["down"])
