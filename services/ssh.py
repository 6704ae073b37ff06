"""SSH to a stack: from a stack name to a `Connector` (the ledger gives the instance, address and
user; the session gives AWS access for console output and Instance Connect; the sandbox, if any,
resolves addresses to its loopback SSH servers), and the session's one shared transport pool."""

from __future__ import annotations

import re
import threading
from typing import Callable

from hostwiz.errors import UserError
from hostwiz.ledger import Ledger
from hostwiz.provisioners import instance_access as ia
from hostwiz.spec import OS
from hostwiz.ssh.connect import Access, Connector, Endpoint
from hostwiz.ssh.hostkeys import Confirm, PinStore, parse_console_keys, refuse
from hostwiz.ssh.keys import load_stack_key
from hostwiz.ssh.pool import Pool

from .session import Session

Resolve = Callable[[str | None, str], "tuple[str, int] | None"]
"""resolve(instance ID, address) -> (host, port) to dial instead, or None to dial the address."""


CONSOLE_TIMEOUT = 180.0  # how long to wait for the host keys in the console output before asking
CONSOLE_DELAY = 2.0  # first poll interval (backs off to 20 s)


class TargetError(UserError):
    """The stack cannot be connected to as it stands; the message says what to do."""


def stack_user(ledger: Ledger) -> str:
    outputs = ledger.get("outputs") or {}
    if outputs.get("ssh_user"):
        return outputs["ssh_user"]
    os_name = (ledger.get("spec") or {}).get("instance", {}).get("os", OS.ubuntu_24_04.value)
    return OS(os_name).ssh_user


def stack_endpoint(session: Session, stack: str, *, resolve: Resolve | None = None, user: str | None = None,
                   port: int | None = None) -> Endpoint:
    ledger = Ledger(session.state_dir, stack)
    if not ledger.exists:
        raise TargetError(f"no stack named {stack!r} in {session.state_dir}; 'hostwiz status' lists the stacks")
    outputs = ledger.get("outputs") or {}
    iid, ip = outputs.get("instance_id"), outputs.get("public_ip")
    if not ip:
        raise TargetError(no_address(session, stack, ledger))
    host, dial_port = ip, port or 22
    if resolve is not None:
        host, dial_port = resolve(iid, ip) or (host, dial_port)
    return Endpoint(label=f"{stack} ({iid or 'no instance ID'}, {ip})", host=host, port=dial_port,
                    user=user or stack_user(ledger), host_id=iid or f"{ip}:{dial_port}", instance_id=iid,
                    private_host=outputs.get("private_ip"))


def no_address(session: Session, stack: str, ledger: Ledger) -> str:
    """Why a stack without a public address cannot be reached, and what to do, for where it lives:
    in a sandbox of this process only this process can resume it (another '--sandbox' is empty)."""
    status = ledger.get("status")
    if status == "creating":
        return f"stack {stack!r} is still being created and has no public address yet; wait for it to be ready"
    from hostwiz.sandbox.daemon import Attached

    private = session.sandbox and not isinstance(session.lab, Attached)
    how = ("Resume on its detail screen, here (a new 'hostwiz --sandbox' is another, empty sandbox)" if private
           else "Resume on its detail screen, or 'hostwiz up' with its spec")
    error = f": {ledger.get('error')}" if ledger.get("error") else ""
    return (f"stack {stack!r} has no public address: creating it stopped before the Elastic IP was attached "
            f"(status {status}{error}). Carry on with {how}; or tear it down")


_ADDRESS = re.compile(r"^(?:(?P<user>[^@]+)@)?(?P<host>\[[^\]]+\]|[^:]+)(?::(?P<port>\d+))?$")


def bastion_endpoint(session: Session, spec: str, default_user: str, resolve: Resolve | None = None) -> Endpoint:
    """A bastion given as another stack's name, an instance ID, or [user@]host[:port]."""
    if Ledger(session.state_dir, spec).exists:
        return stack_endpoint(session, spec, resolve=resolve)
    if re.fullmatch(r"i-[0-9a-f]{8,17}", spec):
        found = ia.instance_address(session.aws, spec)
        if not found.get("public_ip"):
            raise TargetError(f"bastion {spec} has no public IP (state: {found.get('state')})")
        return Endpoint(f"bastion {spec} ({found['public_ip']})", found["public_ip"], 22, default_user, spec, spec)
    m = _ADDRESS.match(spec)
    if not m:
        raise TargetError(f"bastion {spec!r} is not a stack name, an instance ID or [user@]host[:port]")
    host, port = m["host"].strip("[]"), int(m["port"] or 22)
    return Endpoint(f"bastion {host}:{port}", host, port, m["user"] or default_user, f"{host}:{port}")


def stack_connector(session: Session, stack: str, *, resolve: Resolve | None = None, confirm: Confirm = refuse,
                    progress: Callable[[str], None] | None = None, bastion: str | None = None,
                    user: str | None = None, port: int | None = None,
                    cancel: threading.Event | None = None, console_timeout: float | None = None,
                    console_delay: float | None = None) -> Connector:
    """Everything needed to connect to a stack's instance, with AWS calls in the stack's region."""

    ledger = Ledger(session.state_dir, stack)
    region = ledger.get("region")
    sess = session.for_region(region) if region else session
    target = stack_endpoint(sess, stack, resolve=resolve, user=user, port=port)
    bastion = bastion or ledger.get("bastion")
    hop = bastion_endpoint(sess, bastion, target.user, resolve) if bastion else None

    def console_keys(instance_id: str) -> list[str]:
        return ia.wait_console_output(sess.aws, instance_id, parse_console_keys, delay=console_delay or CONSOLE_DELAY,
                                      timeout=CONSOLE_TIMEOUT if console_timeout is None else console_timeout,
                                      progress=progress, cancel=cancel)

    def send_public_key(instance_id: str, os_user: str, public_key: str, az: str | None) -> None:
        ia.send_ssh_public_key(sess.aws, instance_id, os_user, public_key, az)

    bastion_key = None
    if hop is not None and Ledger(session.state_dir, bastion).exists:
        bastion_key = lambda: load_stack_key(session.state_dir, bastion)[0]  # noqa: E731
    return Connector(target, PinStore(session.state_dir, stack), lambda: load_stack_key(session.state_dir, stack)[0],
                     Access(console_keys, send_public_key), hop, confirm, bastion_key=bastion_key)


def pool(session: Session) -> Pool:
    """The session's pool (made on first use, kept on `session.ssh_pool`). Addresses resolve
    through `session.resolve_ssh` (the sandbox's loopback servers), else to themselves."""
    if session.ssh_pool is None:

        def connector_for(host: str, confirm: Confirm, progress: Callable[[str], None] | None) -> Connector:
            return stack_connector(session, host, resolve=session.resolve_ssh, confirm=confirm, progress=progress)

        session.ssh_pool = Pool(connector_for)
    return session.ssh_pool
