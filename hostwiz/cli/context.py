"""Turning global options into a session: AWS access, state dir, sandbox, logging."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from hostwiz.ledger import default_state_dir


class CliError(Exception):
    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


_sandbox = None


def sandbox_pace() -> float:
    """HOSTWIZ_SANDBOX_PACE scales the sandbox's simulated waits (1 = a few seconds, 0 = instant)."""
    try:
        return max(0.0, float(os.environ.get("HOSTWIZ_SANDBOX_PACE", "1")))
    except ValueError:
        return 1.0


def make_session(args: argparse.Namespace, region: str | None = None) -> Any:
    """The session every command works in. Starts the sandbox first when asked for."""
    global _sandbox
    from hostwiz import logsetup
    from hostwiz.provisioners.aws import Aws
    from hostwiz.provisioners.operations import Session
    from hostwiz.provisioners.stack import Timing
    from hostwiz.userdata import render

    region = getattr(args, "region", None) or region or os.environ.get("AWS_REGION") \
        or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    state_dir = getattr(args, "state_dir", None)
    if getattr(args, "sandbox", False):
        from hostwiz.sandbox import SANDBOX_ZONE, Sandbox

        if _sandbox is None:
            _sandbox = Sandbox(region=region, state_dir=Path(state_dir) if state_dir else None).start()
        pace = sandbox_pace()
        aws = Aws(region=region, endpoint_url=_sandbox.endpoint_url)
        from hostwiz.provisioners.latency import LatencyModel
        from hostwiz.provisioners.sandbox_seed import seed

        model = LatencyModel(instance_boot=3.0 * pace, db_create=12.0 * pace)
        aws.hooks.extend(model.hooks())
        aws.hooks.extend(_sandbox.ssh_hooks())  # loopback SSH servers for sandbox instances
        seed(aws, SANDBOX_ZONE)
        timing = Timing(instance_delay=0.5 * pace or 0.01, db_delay=1.0 * pace or 0.01, iam_retry_delay=0.05)
        session = Session(aws, _sandbox.state_dir, sandbox=True, timing=timing, user_data=render,
                          resolve_ssh=_sandbox.resolve_ssh)
        session.deletion.confirm_delay = 0.2 * pace or 0.01
        session.deletion.backoff = 0.2
    else:
        sd = Path(state_dir).expanduser() if state_dir else default_state_dir()
        aws = Aws(region=region, profile=getattr(args, "profile", None), endpoint_url=getattr(args, "endpoint_url", None))
        session = Session(aws, sd, sandbox=False, user_data=render)
    session.state_dir.mkdir(parents=True, exist_ok=True)
    logsetup.configure(session.state_dir)
    return session


def identity(session: Any) -> dict[str, str]:
    """The caller identity, or a CliError that says how to get credentials."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, ProfileNotFound

    try:
        return session.aws.identity()
    except (NoCredentialsError, ProfileNotFound) as err:
        raise CliError(f"no usable AWS credentials ({err}); configure a profile with 'aws configure' "
                       "or 'aws sso login', or try everything offline with --sandbox") from None
    except ClientError as err:
        raise CliError(f"AWS refused the credentials: {err.response['Error'].get('Message')}") from None
    except BotoCoreError as err:
        raise CliError(f"could not reach AWS: {err}") from None


def is_interactive() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def confirm_typed(prompt: str, expected: str) -> bool:
    if not is_interactive():
        return False
    try:
        answer = input(f"{prompt} ")
    except EOFError:
        return False
    return answer.strip() == expected
