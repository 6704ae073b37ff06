"""Crash matrix: a real `hostwiz up` process SIGKILLs itself at a seeded random API call (just before
the request goes out, or just after its answer came back); then a second `up` completes with exactly
one of each resource, or a `down` leaves nothing tagged with the stack. Real subprocesses on a moto
server on loopback, through `--endpoint-url`.

CI runs 4 kills; `HOSTWIZ_RELIABILITY_FULL=1` runs all 20 (`HOSTWIZ_CRASH_RUNS=N` sets the number).
"""

from __future__ import annotations

import os
import random

import pytest
import tomli_w
from hwtest import CRASH_RUNNER, FULL_MATRIX, ONE_OF_EACH, REALISM, counts, hostwiz, hostwiz_env, inventory, leftovers

from hostwiz.ledger import Ledger

SEED = 8
# The API calls a clean `up` of a full stack makes on the moto server (crash_runner reports the figure
# when it was not killed; measured 43). Every run must die: a drift in this figure fails the test.
CALLS_OF_A_CLEAN_UP = 43
RUNS = int(os.environ.get("HOSTWIZ_CRASH_RUNS") or (20 if FULL_MATRIX else 4))
_rng = random.Random(SEED)
CASES = [(i, _rng.randint(1, CALLS_OF_A_CLEAN_UP), _rng.choice(["before", "after"]), ("up", "down")[i % 2])
         for i in range(RUNS)]


@pytest.fixture(scope="module")
def server():
    from hwtest import moto_server_url

    from hostwiz.provisioners.aws import Aws
    from hostwiz.sandbox.seed import seed

    with moto_server_url() as url:
        seed(Aws(endpoint_url=url), "example.com")
        yield url


@pytest.mark.parametrize(("run", "call", "phase", "then"), CASES,
                         ids=[f"{i}-kill-{p}-call-{c}-then-{t}" for i, c, p, t in CASES])
def test_kill_at_a_random_call_then_up_or_down_recovers(run, call, phase, then, server, spec_data, tmp_path,
                                                         figures):
    name = f"crash{run}"
    spec_data = {**spec_data, "name": name, "domain": {**spec_data["domain"], "name": f"{name}.example.com"}}
    spec_file = tmp_path / f"{name}.toml"
    spec_file.write_text(tomli_w.dumps(spec_data))
    state = tmp_path / "state"
    # both processes under the realism model of AWS (HOSTWIZ_REALISM=0: bare moto)
    env = hostwiz_env(server, state, HOSTWIZ_TEST_REALISM="1" if REALISM else "0")

    killed = hostwiz([str(CRASH_RUNNER), "up", str(spec_file), "--yes"], "--endpoint-url", server,
                     env={**env, "HOSTWIZ_TEST_KILL_AT": f"{call} {phase}"})
    assert killed.returncode == -9, killed.stderr[-2000:]
    made = {kind: n for kind, n in counts(inventory(name, server)).items() if n}
    figures.update(run=run, call=call, phase=phase, then=then, made_before_kill=sum(made.values()),
                   ledger_status=Ledger(state, name).get("status"))

    if then == "up":
        again = hostwiz([str(CRASH_RUNNER), "up", str(spec_file), "--yes"], "--endpoint-url", server,
                        env={**env, "HOSTWIZ_TEST_KILL_AT": "never"})
        assert again.returncode == 0, again.stdout[-2000:] + again.stderr[-2000:]
        assert counts(inventory(name, server)) == ONE_OF_EACH
        assert Ledger(state, name).get("status") == "ready"
    else:
        known = Ledger(state, name).exists  # before `down`, which removes it
        down = hostwiz([str(CRASH_RUNNER), "down", name, "--yes"], "--endpoint-url", server,
                       env={**env, "HOSTWIZ_TEST_KILL_AT": "never"})
        if not made and not known:  # killed before the ledger and anything else was made: an unknown stack
            assert down.returncode == 2 and f"no stack named '{name}'" in down.stderr, down.stderr[-2000:]
        else:
            assert down.returncode == 0, down.stdout[-2000:] + down.stderr[-2000:]
        assert leftovers(name, server) == {}
        assert not Ledger(state, name).exists
    figures["recovered"] = True
