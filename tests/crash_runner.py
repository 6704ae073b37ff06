"""Test-only: `hostwiz ARGV` in a process that dies without any cleanup at a chosen moment. Never
used by product code. What kills it comes from the environment:

- nothing set: exit 137 the moment RunInstances has returned (a crash right after the instance was made);
- `HOSTWIZ_TEST_KILL_AT="N before|after"`: SIGKILL itself just before the N-th API request is sent,
  or just after the N-th answer was parsed (AWS did it, the process never records it);
  `HOSTWIZ_TEST_KILL_AT=never`: no kill (with the knob below);
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
    if kill_at == "never":
        hooks = []
    elif kill_at:
        n, phase = kill_at.split()
        hooks = [_kill_hook(int(n), phase)]
    else:
        hooks = [("after-call.ec2.RunInstances", _die)]
    if hold := os.environ.get("HOSTWIZ_TEST_HOLD"):
        hooks.append(_hold(*hold.split()))
    if slow := os.environ.get("HOSTWIZ_TEST_SLOW"):
        hooks.append(_slow(float(slow)))
    return hooks


_HOOKS = _hooks()


def _with_crash(self):
    _post_init(self)
    for hook in _HOOKS:
        if hook not in self.hooks:
            self.hooks.append(hook)


aws.Aws.__post_init__ = _with_crash

if __name__ == "__main__":
    from hostwiz.cli import main

    code = main(sys.argv[1:])
    if os.environ.get("HOSTWIZ_TEST_KILL_AT"):
        print(f"crash_runner: not killed after {_seen[0]} calls", file=sys.stderr)
    sys.exit(code)
