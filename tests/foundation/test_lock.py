"""One mutating operation per stack: a second `up` (or a `down`) while an `up` runs fails at once,
names the holder, and changes nothing."""

from __future__ import annotations

import os
import threading

import tomli_w
from hwtest import inventory, run_cli

from hostwiz.services import stacks as operations


def test_second_up_fails_fast_naming_the_holder(session, full_spec, spec_data, tmp_path, state_dir):
    inside, release = threading.Event(), threading.Event()

    def hold(**_):  # the first up stops inside RunInstances, holding the stack lock
        inside.set()
        assert release.wait(60)

    session.aws.hooks.append(("before-call.ec2.RunInstances", hold))
    first: dict = {}
    runner = threading.Thread(target=lambda: first.update(result=operations.up(session, full_spec, "203.0.113.7/32")))
    runner.start()
    try:
        assert inside.wait(60)
        spec = tmp_path / "blog.toml"
        spec.write_text(tomli_w.dumps(spec_data))
        code, out, err = run_cli(["up", str(spec), "--yes", "--state-dir", str(state_dir)])
        assert not release.is_set() and runner.is_alive()  # it failed while the first still held the lock
        assert code == 1
        assert f"stack 'blog' is busy: pid {os.getpid()} on " in err and "running 'up'" in err
        assert "Traceback" not in err
        code, out, err = run_cli(["down", "blog", "--yes", "--state-dir", str(state_dir)])
        assert code == 1 and "is busy" in err and "running 'up'" in err
    finally:
        release.set()
        runner.join(60)
    assert first["result"].ok, first["result"].error
    assert len(inventory("blog")["instance"]) == 1  # the refused runs made nothing
