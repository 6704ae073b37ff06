"""The one place a session is wired together: AWS access, state dir, ledger root, SSH pool,
logging and, with `--sandbox`, the embedded sandbox (whose lifetime the session owns).

    with open_session(Options(sandbox=True)) as session:
        plan = stacks.prepare_up(session, spec)

The CLI, the TUI, the tests and the benchmarks all get their session here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

from hostwiz import logsetup
from hostwiz.errors import BAD_INPUT, UserError
from hostwiz.ledger import UnsafePath, default_state_dir, secure_state_dir
from hostwiz.provisioners.aws import Aws, error_code, throttled, tries
from hostwiz.provisioners.deletion import DeletionSettings
from hostwiz.provisioners.stack import Timing
from hostwiz.spec import StackSpec
from hostwiz.ssh.pool import Pool


@dataclass
class Options:
    """The global options of every command (and of the TUI)."""

    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    sandbox: bool = False
    state_dir: str | Path | None = None

    @classmethod
    def of(cls, args: Any) -> "Options":
        """From an argparse namespace (or anything with these attributes)."""
        return cls(**{f: getattr(args, f, None) for f in ("profile", "region", "endpoint_url", "state_dir")},
                   sandbox=bool(getattr(args, "sandbox", False)))


@dataclass
class Session:
    aws: Aws
    state_dir: Path
    sandbox: bool = False
    timing: Timing = field(default_factory=Timing)
    deletion: DeletionSettings = field(default_factory=DeletionSettings)
    user_data: Callable[[StackSpec], str] | None = None
    max_workers: int = 8
    # Where to dial an instance's SSH, (instance id, address) -> (host, port); the sandbox sets it
    # to its loopback servers. None: the address itself, port 22.
    resolve_ssh: Callable[[str | None, str], tuple[str, int] | None] | None = None
    ssh_pool: Pool | None = None  # the one SSH transport pool of this session (`services.ssh.pool`)
    # False: never dial an instance's own address (in-process moto: its addresses are made up);
    # instances are still reached through `resolve_ssh` when that is set.
    dial_instances: bool = True
    # Where a stack's releases live, instance id -> hostwiz.deploy.Target, and the URL its app answers
    # on from this machine; the sandbox sets both (a directory and a loopback nginx per instance).
    # None: the instance's own /srv/app and the stack's URL.
    deploy_target: Callable[[str | None], Any] | None = None
    deploy_url: Callable[[str | None], str | None] | None = None
    # The running sandbox (moto server and SSH hosts) when this session made it; `close` stops it.
    lab: Any = None

    def for_region(self, region: str) -> "Session":
        if region == self.aws.region:
            return self
        return replace(self, aws=self.aws.with_region(region))

    def close(self) -> None:
        if self.ssh_pool is not None:
            self.ssh_pool.close()
        if self.lab is not None:
            logsetup.unconfigure()  # its log file lives in the sandbox's throwaway dir
            self.lab.stop()
            self.lab = None

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def default_region(options: Options, region: str | None = None) -> str:
    return options.region or region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") \
        or "us-east-1"


def sandbox_home(options: Options) -> Path:
    """Where a shared sandbox (`hostwiz sandbox start`) keeps its state and `sandbox.json`:
    `--state-dir` when given, else `sandbox/` in the default state dir (never mixed with real stacks)."""
    if options.state_dir:
        return Path(options.state_dir).expanduser()
    return default_state_dir() / "sandbox"


def open_session(options: Options, region: str | None = None) -> Session:
    """The session a command or the TUI works in. With `sandbox`, starts the sandbox first."""
    from hostwiz.userdata import render

    region = default_region(options, region)
    if options.endpoint_url and not options.endpoint_url.startswith(("http://", "https://")):
        raise UserError(f"--endpoint-url: {options.endpoint_url!r} is not a URL; write it like "
                        "https://ec2.example.internal or http://127.0.0.1:5000", BAD_INPUT)
    if options.sandbox:
        from hostwiz.sandbox import Sandbox
        from hostwiz.sandbox.daemon import attach

        # A running `hostwiz sandbox start` is shared (its endpoint, SSH hosts and state dir); else
        # the sandbox lives in this process and goes with it.
        lab = attach(sandbox_home(options)) or \
            Sandbox(region=region, state_dir=Path(options.state_dir) if options.state_dir else None).start()
        aws, timing, deletion = lab.wire(region)
        session = Session(aws, lab.state_dir, sandbox=True, timing=timing, deletion=deletion, user_data=render,
                          resolve_ssh=lab.resolve_ssh, deploy_target=lab.deploy_target, deploy_url=lab.deploy_url,
                          lab=lab)
    else:
        sd = Path(options.state_dir).expanduser() if options.state_dir else default_state_dir()
        aws = Aws(region=region, profile=options.profile, endpoint_url=options.endpoint_url)
        # an emulator at the endpoint (or HOSTWIZ_EMULATED_AWS=1: the test suite's moto) answers at once:
        # check what up just made at once too
        emulated = bool(options.endpoint_url or os.environ.get("AWS_ENDPOINT_URL")
                        or os.environ.get("HOSTWIZ_EMULATED_AWS") == "1")
        session = Session(aws, sd, sandbox=False, user_data=render, timing=Timing(fresh_at_once=emulated))
    try:
        secure_state_dir(session.state_dir)  # 0700 whatever the umask: ledgers, pins and keys live here
    except (UnsafePath, OSError) as err:
        raise UserError(f"state dir {session.state_dir}: {err}", BAD_INPUT) from None
    logsetup.configure(session.state_dir)
    return session


def quick_session(state_dir: Path, region: str = "us-east-1", *, endpoint_url: str | None = None,
                  zone: str | None = "example.com", hooks: list | None = None) -> Session:
    """A session on whatever AWS endpoint is current (moto in tests and benchmarks) with near-instant
    waits and the sandbox's hosted zone: the one the test suite and the benchmarks use. `hooks` (the
    realism model's, a fault's) are in place before the first client is made."""
    from hostwiz.sandbox.seed import seed
    from hostwiz.userdata import render

    aws = Aws(region=region, endpoint_url=endpoint_url, hooks=list(hooks or []))
    if zone:
        seed(aws, zone)
    s = Session(aws, state_dir, sandbox=False,
                timing=Timing(instance_delay=0.01, db_delay=0.01, iam_retry_delay=0.01), user_data=render)
    s.dial_instances = False  # moto's addresses are not real hosts: no traffic leaves 127.0.0.1
    s.deletion.confirm_delay = 0.01
    s.deletion.backoff = 0.01
    s.deletion.patience_scale = 0.001  # moto answers at once: AWS's minutes of patience become moments
    secure_state_dir(state_dir)
    return s


def throttled_error(err: BaseException, what: str) -> UserError:
    """AWS kept throttling a call (it asks the caller to slow down: not a permission problem) as one
    message: what was being done, how many tries were made, and that the same command resumes."""
    return UserError(f"AWS kept throttling hostwiz's requests (it asks callers to slow down when an account "
                     f"sends many) while trying to {what}: {tries(err)} tries were made, every one throttled "
                     f"({error_code(err) or 'HTTP 429'}). Nothing more was changed. Wait a minute and run the same "
                     "command again: it resumes safely from where it stopped.")


def identity(session: Session) -> dict[str, str]:
    """The caller identity, or a UserError that says how to get credentials."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, ProfileNotFound

    try:
        return session.aws.identity()
    except (NoCredentialsError, ProfileNotFound) as err:
        raise UserError(f"no usable AWS credentials ({err}); configure a profile with 'aws configure' "
                        "or 'aws sso login', or try everything offline with --sandbox") from None
    except ClientError as err:
        if throttled(err):
            raise throttled_error(err, "identify the AWS account") from None
        raise UserError(f"AWS refused the credentials: {err.response['Error'].get('Message')}") from None
    except BotoCoreError as err:
        raise UserError(f"could not reach AWS: {err}") from None


def region(session: Session) -> str:
    return session.aws.region


def profile(session: Session) -> str:
    """Where the credentials come from, in the operator's words."""
    return "sandbox" if session.sandbox else (session.aws.profile or "default chain")
