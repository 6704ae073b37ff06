"""SSH: what the shared transport saves, and how fast the embedded terminal's emulator eats output.

    .venv/bin/python bench/ssh.py [--runs 50] [--mb 4]

1. One command (`uname -a`) on the pool's shared transport vs a fresh connection per command
   (handshake + host key check + auth + command + close), against the sandbox's paramiko
   server on loopback, or with --state-dir/--stack/--port against a stack whose address is a
   local sshd (key file and pin in that state dir). Loopback has no network latency: on a real
   instance each fresh connection also pays 2-3 more round trips than a pooled command.
2. The terminal widget's emulator (`TerminalScreen`: pyte's Screen with a fast text path) fed `seq`-like output with colour escapes, 120x36.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

from hostwiz import secrets


def sandbox_stack() -> tuple[Path, str, int, object]:
    """A pretend instance (the sandbox's paramiko server) and a stack whose key and pin match it."""
    from hostwiz.ledger import Ledger
    from hostwiz.sandbox.fake_host import FakeHost
    from hostwiz.sandbox.ssh_server import InstanceServer
    from hostwiz.ssh.hostkeys import PinStore

    secrets.use_memory_keyring()
    state = Path(tempfile.mkdtemp(prefix="hostwiz-bench-ssh-"))
    pair = secrets.generate_ed25519("bench")
    secrets.write_private_file(secrets.key_path(state, "bench"), pair.private_openssh)
    Ledger(state, "bench").update(name="bench", outputs={"instance_id": "i-0be4c4be4c4be4c4b", "public_ip": "192.0.2.1",
                                                         "ssh_user": "ubuntu"})
    server = InstanceServer(FakeHost("bench", "i-0be4c4be4c4be4c4b"), pair.public_openssh)
    PinStore(state, "bench").pin("i-0be4c4be4c4be4c4b", [server.host_key_line])
    return state, "bench", server.port, server


def command_latency(state: Path, stack: str, port: int, runs: int) -> dict[str, float]:
    from hostwiz.ssh import Pool
    from hostwiz.services.ssh import stack_connector

    session = SimpleNamespace(state_dir=state, aws=None)

    def connector(host, confirm, progress):
        return stack_connector(session, host, resolve=lambda i, a: ("127.0.0.1", port))

    pooled, fresh = [], []
    pool = Pool(connector)
    pool.run(stack, "uname -a")  # the one handshake
    for _ in range(runs):
        t = time.perf_counter()
        pool.run(stack, "uname -a")
        pooled.append(time.perf_counter() - t)
    pool.close()
    for _ in range(max(5, runs // 5)):
        t = time.perf_counter()
        p = Pool(connector)
        p.run(stack, "uname -a")
        p.close()
        fresh.append(time.perf_counter() - t)
    return {"pooled_ms": 1000 * statistics.median(pooled), "fresh_ms": 1000 * statistics.median(fresh),
            "handshakes_pooled": pool.handshakes}


def emulator_throughput(mb: float) -> dict[str, float]:
    import pyte

    from hostwiz.screens.terminal import TerminalScreen

    screen = TerminalScreen(120, 36)  # the widget's emulator (pyte with its fast text path), no jump scroll
    stream = pyte.ByteStream(screen)
    chunk = b"".join(b"\x1b[32m%06d\x1b[0m some log text that fills part of a line\r\n" % i for i in range(2000))
    total, t = 0, time.perf_counter()
    while total < mb * 1024 * 1024:
        stream.feed(chunk)
        total += len(chunk)
    elapsed = time.perf_counter() - t
    return {"mb_per_s": total / elapsed / 1024 / 1024, "lines_per_s": total / len(chunk) * 2000 / elapsed}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--mb", type=float, default=4)
    parser.add_argument("--state-dir", type=Path, help="measure an existing stack instead (e.g. on a local sshd)")
    parser.add_argument("--stack")
    parser.add_argument("--port", type=int, help="the loopback port its sshd listens on")
    args = parser.parse_args()
    if args.state_dir:
        lat = command_latency(args.state_dir, args.stack, args.port, args.runs)
    else:
        state, stack, port, server = sandbox_stack()
        lat = command_latency(state, stack, port, args.runs)
        server.stop()
    print(f"one command, shared transport: {lat['pooled_ms']:.1f} ms median ({args.runs} runs, "
          f"{lat['handshakes_pooled']} handshake)")
    print(f"one command, fresh connection: {lat['fresh_ms']:.1f} ms median")
    emu = emulator_throughput(args.mb)
    print(f"pyte 120x36: {emu['mb_per_s']:.2f} MB/s, {emu['lines_per_s']:,.0f} lines/s")


if __name__ == "__main__":
    main()
