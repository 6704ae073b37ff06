"""Test-only: `hostwiz ARGV` in a process that dies without any cleanup at a chosen moment. Never
used by product code. What kills it comes from the environment:

- nothing set: exit 137 the moment RunInstances has returned (a crash right after the instance was made);
- `HOSTWIZ_TEST_KILL_AT="N before|after"`: SIGKILL itself just before the N-th API request is sent,
  or just after the N-th answer was parsed (AWS did it, the process never records it);
  `HOSTWIZ_TEST_KILL_AT=never`: no kill (with the knob below);
- `HOSTWIZ_TEST_KILL_AT_OP="Operation before|after"`: SIGKILL at the first call of that operation
  (e.g. "ModifyInstanceAttribute after": AWS changed the type, hostwiz never learnt it);
- `HOSTWIZ_TEST_SLOW=SECONDS`: every API call takes that much longer (to hold a lock for a while);
- `HOSTWIZ_TEST_REALISM=1`: the realism model of AWS (`sandbox.realism.for_tests`) on every client,
  with waits and deletion patience scaled to it (as the in-process matrices run).
- `HOSTWIZ_TEST_SLOW=SECONDS`: every API call takes that much longer;
- `HOSTWIZ_TEST_HOLD="FIFO OPERATION"`: the first OPERATION request (e.g. `RunInstances`, made while
  `up` holds the stack's lock) waits until the test writes to and closes the named pipe FIFO: the
  run cannot finish before the test says so, however loaded the machine (an event, not a timing).
"""

import itertools
import os
import signal
import sys
import threading
import time

from hostwiz.provisioners import aws

_post_init = aws.Aws.__post_init__
_calls = itertools.count(1)
_seen = [0]
_lock = threading.Lock()


def _die(**_):
    os._exit(137)


def _kill_hook(n: int, phase: str):
    def hook(**_):
        with _lock:
            _seen[0] = next(_calls)
            if _seen[0] == n:
                os.kill(os.getpid(), signal.SIGKILL)
    return (f"{'before-send' if phase == 'before' else 'after-call'}", hook)


def _slow(seconds: float):
    return ("before-send", lambda **_: time.sleep(seconds))


def _hold(fifo: str, operation: str):
    done = threading.Event()

    def hook(**_):
        if not done.is_set():
            done.set()
            with open(fifo) as fh:  # blocks until the test opens the pipe; read() until it closes it
                fh.read()
    return (f"before-send.ec2.{operation}", hook)


def _hooks() -> list:
    kill_at = os.environ.get("HOSTWIZ_TEST_KILL_AT")
    if kill_at == "never" or (not kill_at and os.environ.get("HOSTWIZ_TEST_KILL_AT_OP")):
        hooks = []
    elif kill_at:
        n, phase = kill_at.split()
        hooks = [_kill_hook(int(n), phase)]
    else:
        hooks = [("after-call.ec2.RunInstances", _die)]
    if at_op := os.environ.get("HOSTWIZ_TEST_KILL_AT_OP"):
        op, phase = at_op.split()
        kill = lambda **_: os.kill(os.getpid(), signal.SIGKILL)  # noqa: E731
        hooks.append((f"{'before-send' if phase == 'before' else 'after-call'}.*.{op}", kill))
    if hold := os.environ.get("HOSTWIZ_TEST_HOLD"):
        hooks.append(_hold(*hold.split()))
    if slow := os.environ.get("HOSTWIZ_TEST_SLOW"):
        hooks.append(_slow(float(slow)))
    return hooks


_HOOKS = _hooks()
REALISM = os.environ.get("HOSTWIZ_TEST_REALISM") == "1"
_model = []


def _with_crash(self):
    _post_init(self)
    if REALISM:  # first: the model answers before any other hook sees the call
        if not _model:
            from hostwiz.sandbox.realism import for_tests

            _model.append(for_tests(endpoint_url=self.endpoint_url))
        for hook in reversed(_model[0].hooks()):
            if hook not in self.hooks:
                self.hooks.insert(0, hook)
    for hook in _HOOKS:
        if hook not in self.hooks:
            self.hooks.append(hook)


aws.Aws.__post_init__ = _with_crash

if REALISM:
    from hostwiz.cli import common as _common
    from hostwiz.provisioners.stack import Timing

    _open = _common.open_session

    def _scaled_session(options, region=None):
        session = _open(options, region)
        session.timing = Timing(instance_delay=0.01, db_delay=0.01, iam_retry_delay=0.01)
        d = session.deletion
        d.confirm_delay = d.backoff = 0.01
        d.patience_scale = 0.05 / 3  # in proportion to the model's windows (for_tests: 0.05 s at least)
        return session

    _common.open_session = _scaled_session

if __name__ == "__main__":
    from hostwiz.cli import main

    code = main(sys.argv[1:])
    if os.environ.get("HOSTWIZ_TEST_KILL_AT"):
        print(f"crash_runner: not killed after {_seen[0]} calls", file=sys.stderr)
    sys.exit(code)
