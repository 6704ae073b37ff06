"""Shipping the operator's app to a stack: deploy (a directory, a git repository or an image),
releases, rollback, and the app's settings (env set/unset/list).

Every remote step runs over the stack's one verified SSH transport (`services.ssh.pool`), and every
change runs under the stack's lock, so two deploys of one stack (or a deploy during `up`/`down`)
fail fast naming the holder. The engine is `hostwiz.deploy`; this module chooses the stack's
target (where releases live on its instance), its defaults from the spec's `[app]`, and turns the
engine's failures into `DeployFailed` (exit 1, with the build or app log's tail) or bad input
(exit 2). Setting values are never logged, stored locally, or put on a command line: they live in
SSM (SecureString for secrets) and reach the instance on an SSH channel's stdin.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from hostwiz import deploy as engine
from hostwiz.deploy import release as rel
from hostwiz.deploy import source as src
from hostwiz.errors import BAD_INPUT, FAILED, UserError
from hostwiz.ledger import Ledger
from hostwiz.provisioners import app_settings
from hostwiz.provisioners.aws import tags as aws_tags
from hostwiz.provisioners.ownership import ID_TAG
from hostwiz.ssh.hostkeys import Confirm, ConnectCancelled, ConnectFailed, HostKeyRefused, refuse

from . import ssh as ssh_service
from .session import Session

log = logging.getLogger(__name__)

OnProgress = Callable[[int, int], None]  # (bytes sent, bytes to send)
OnEvent = Callable[[str, str], None]  # (stage, detail)
OnOutput = Callable[[str], None]  # one line of build output

BOOTSTRAP_LOG = "/var/log/hostwiz-bootstrap.log"
SETTING_ROLE = "app-setting"


class DeployFailed(UserError):
    """A deploy, rollback or restart that did not switch: the serving release is untouched.
    `stage` says where it stopped (build, start, health, switch, upload, busy...), `log_tail` holds
    the last lines of the build or app log."""

    def __init__(self, stage: str, message: str, log_tail: str = "", release_id: str | None = None,
                 code: int = FAILED):
        super().__init__(f"{stage}: {message}", code)
        self.stage, self.detail, self.log_tail, self.release_id = stage, message, log_tail, release_id


def _failed(err: engine.DeployError) -> DeployFailed:
    code = BAD_INPUT if err.stage == "usage" else FAILED
    return DeployFailed(err.stage, err.message, err.log_tail, err.release_id, code)


# --- the stack: its ledger, its [app], its target, its transport ----------------------------

def _ledger(session: Session, name: str) -> Ledger:
    ledger = Ledger(session.state_dir, name)
    if not ledger.exists:
        raise UserError(f"no stack named {name!r} in {session.state_dir}; 'hostwiz status' lists the stacks",
                        BAD_INPUT)
    return ledger


def app_section(ledger: Ledger) -> dict[str, Any]:
    """The stack's `[app]` as recorded by `up` (an empty dict when the spec had none)."""
    return dict((ledger.get("spec") or {}).get("app") or {})


def target_for(session: Session, name: str, ledger: Ledger | None = None) -> engine.Target:
    """Where the stack's releases live: the instance's /srv/app behind its nginx, or what the
    session's `deploy_target` hook says (the sandbox: a directory and an nginx on this machine)."""
    ledger = ledger or _ledger(session, name)
    hook = getattr(session, "deploy_target", None)
    if hook is not None:
        found = hook((ledger.get("outputs") or {}).get("instance_id"))
        if found is not None:
            return found
    return engine.Target()


def transport(session: Session, name: str, *, confirm: Confirm = refuse,
              progress: Callable[[str], None] | None = None) -> Any:
    """The stack's verified SSH transport (the session's pool: one handshake per stack)."""
    try:
        return ssh_service.pool(session).connection(name, confirm=confirm, progress=progress).transport
    except ssh_service.TargetError as err:
        raise UserError(str(err), BAD_INPUT) from None
    except ConnectFailed as err:
        raise UserError(str(err), FAILED) from None


# --- what will be deployed ------------------------------------------------------------------

@dataclass
class SourceChoice:
    """Exactly one of: a directory, a git URL (+ ref), an image."""

    path: str | None = None
    git: str | None = None
    ref: str | None = None
    image: str | None = None

    @classmethod
    def from_app(cls, app: dict[str, Any], base: Path | None = None) -> "SourceChoice":
        """From a spec's `[app]` (`source` relative to the spec file's folder)."""
        if app.get("image"):
            return cls(image=app["image"])
        if app.get("git"):
            return cls(git=app["git"], ref=app.get("ref"))
        path = Path(app.get("source") or ".")
        if base is not None and not path.is_absolute():
            path = base / path
        return cls(path=str(path))

    def check(self) -> None:
        given = [x for x in (self.path, self.git, self.image) if x]
        if len(given) != 1:
            raise UserError("give one source: a directory, --git URL or --image IMAGE", BAD_INPUT)
        if self.ref and not self.git:
            raise UserError("--ref goes with --git", BAD_INPUT)


def preview(path: str | Path, start: str | None = None) -> engine.AppPlan:
    """The detected runtime and start command of a directory, for the operator to confirm (the
    wizard's App step). Raises UserError (bad input) with the fix."""
    root = Path(path).expanduser()
    if not root.is_dir():
        raise UserError(f"{root}: no such directory", BAD_INPUT)
    try:
        return engine.plan(root, start)
    except engine.SourceError as err:
        raise UserError(str(err), BAD_INPUT) from None


def default_source(session: Session, name: str) -> str | None:
    """The directory the stack's `[app]` names, when it is an absolute path that exists here (the
    wizard records one); None otherwise (the front end then offers the current directory)."""
    ledger = Ledger(session.state_dir, name)
    source = app_section(ledger).get("source") if ledger.exists else None
    return source if source and Path(source).is_absolute() and Path(source).is_dir() else None


@dataclass
class DeployOutcome:
    release_id: str
    previous_id: str | None
    runtime: str
    start: str | None
    start_from: str
    source: str
    bytes_sent: int = 0
    files_sent: int = 0
    files_linked: int = 0
    seconds: float = 0.0
    url: str | None = None
    events: list[tuple[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "events"}


def _settings_text(session: Session, name: str, ledger: Ledger) -> str:
    """The stack's settings as KEY=VALUE lines (decrypted: for the instance's 0600 file only)."""
    region = ledger.get("region") or session.aws.region
    return app_settings.env_lines(session.for_region(region).aws, name)


def deploy(session: Session, name: str, source: SourceChoice, *, start: str | None = None,
           health: str | None = None, env: dict[str, str] | None = None,
           on_progress: OnProgress | None = None, on_event: OnEvent | None = None,
           on_output: OnOutput | None = None, confirm: Confirm = refuse, lock: bool = True) -> DeployOutcome:
    """Ship `source` to stack `name` as a new release and switch to it once healthy.

    `start`, `health` and `env` default to the stack's `[app]`. Raises UserError (bad input: no
    such stack, path, ref or image reference; exit 2) or DeployFailed (exit 1; the old release
    still serves). `lock=False` only for a caller that holds the stack's lock already (`up`)."""
    ledger = _ledger(session, name)
    source.check()
    app = app_section(ledger)
    start = start or app.get("start")
    health = health or app.get("health")
    env = {**(app.get("env") or {}), **(env or {})}
    say = on_event or (lambda stage, detail: None)

    packed: engine.Source | None = None
    try:
        try:
            if source.image:
                plan = src.image_plan(source.image, start)
            elif source.git:
                say("source", f"cloning {src.redact_url(source.git)}" + (f" at {source.ref}" if source.ref else ""))
                packed = engine.clone(source.git, source.ref)
                plan = engine.plan(packed.root, start)
            else:
                packed = engine.pack_directory(Path(source.path or ".").expanduser())
                plan = engine.plan(packed.root, start)
        except engine.SourceError as err:
            raise UserError(str(err), BAD_INPUT) from None
        stack_runtime = ((ledger.get("spec") or {}).get("runtime") or {}).get("kind")
        if stack_runtime and plan.runtime not in (stack_runtime, "static", "image") and stack_runtime != "docker":
            say("note", f"this looks like a {plan.runtime} app on a {stack_runtime} stack: the instance may lack "
                        f"its tools (the build will say)")
        say("plan", f"{plan.runtime}" + (f", start: {plan.start} (from {plan.start_from})" if plan.start else ""))
        holder = ledger.lock("deploy") if lock else None
        if holder is not None:
            holder.__enter__()
        try:
            return _ship(session, name, ledger, packed, plan, source, health, env, on_progress, say,
                         on_output, confirm)
        finally:
            if holder is not None:
                holder.__exit__(None, None, None)
    finally:
        if packed is not None:
            packed.close()


def _ship(session: Session, name: str, ledger: Ledger, packed: engine.Source | None, plan: engine.AppPlan,
          source: SourceChoice, health: str | None, env: dict[str, str], on_progress: OnProgress | None,
          say: OnEvent, on_output: OnOutput | None, confirm: Confirm) -> DeployOutcome:
    target = target_for(session, name, ledger)
    say("connect", f"SSH to {name}")
    t = transport(session, name, confirm=confirm, progress=lambda m: say("connect", m))
    try:
        if target.nginx_conf is None or target.nginx_site:  # the release site replaces the bootstrap's, once
            done = rel.install_site(t, target, engine.site_config(target, server_names=_server_names(ledger)))
            if done.startswith("installed"):
                say("site", f"nginx site for releases {done}")
        count = rel.push_settings(t, target, _settings_text(session, name, ledger))
        if count:
            say("settings", f"{count} setting(s) in place for the new release")
        cache = session.state_dir / "cache" / f"deploy-{name}.hashes"
        cache.parent.mkdir(parents=True, exist_ok=True)
        result = engine.deploy(t, target, packed, plan, image=source.image, health=health, env=env or None,
                               hash_cache=cache, progress=on_progress, on_event=say, on_output=on_output)
    except engine.DeployError as err:
        log.info("deploy of %s stopped at %s: %s", name, err.stage, err.message)
        raise _failed(err) from None
    log.info("deploy of %s: release %s serving (%d files sent, %d linked)", name, result.release_id,
             result.files_sent, result.files_linked)
    outputs = ledger.get("outputs") or {}
    url = (getattr(session, "deploy_url", None) or (lambda iid: None))(outputs.get("instance_id")) \
        or outputs.get("url")
    return DeployOutcome(result.release_id, result.previous_id, plan.runtime, plan.start, plan.start_from,
                         packed.label if packed else f"image:{source.image}", result.bytes_sent,
                         result.files_sent, result.files_linked, result.seconds, url, result.events)


def _server_names(ledger: Ledger) -> str:
    domain = (ledger.get("spec") or {}).get("domain") or {}
    if not domain.get("name"):
        return "_"
    return " ".join([domain["name"]] + ([f"www.{domain['name']}"] if domain.get("www") else []))


# --- releases and rollback ------------------------------------------------------------------

def releases(session: Session, name: str) -> list[engine.Release]:
    """The stack's releases, newest first (`current` marks the serving one). Lock-free."""
    ledger = _ledger(session, name)
    target = target_for(session, name, ledger)
    try:
        return engine.releases(transport(session, name), target)
    except engine.DeployError as err:
        raise _failed(err) from None


def rollback(session: Session, name: str, release_id: str | None = None, *,
             on_event: OnEvent | None = None, on_output: OnOutput | None = None) -> DeployOutcome:
    """Switch back to `release_id` (default: the one that served before) without rebuilding,
    through the same health-gated switch."""
    ledger = _ledger(session, name)
    target = target_for(session, name, ledger)
    with ledger.lock("rollback"):
        t = transport(session, name)
        try:
            result = engine.rollback(t, target, release_id, on_event=on_event, on_output=on_output)
        except engine.DeployError as err:
            raise _failed(err) from None
    return DeployOutcome(result.release_id, result.previous_id, "", None, "", "rollback", seconds=result.seconds,
                         url=(ledger.get("outputs") or {}).get("url"), events=result.events)


# --- settings -------------------------------------------------------------------------------

@dataclass
class SettingsChange:
    changed: list[str]
    missing: list[str] = field(default_factory=list)
    restarted: str | None = None  # the release restarted with them, None when nothing serves yet


def _stack_aws(session: Session, ledger: Ledger) -> Any:
    return session.for_region(ledger.get("region") or session.aws.region).aws


def _setting_tags(name: str, ledger: Ledger) -> list[dict[str, str]]:
    # the stack's identity too: without it `down` does not count the settings as the stack's own
    ident = {ID_TAG: ledger.get("stack_id")} if ledger.get("stack_id") else {}
    return aws_tags(name, ledger.get("run_id") or "", f"{name}-env", **{"hostwiz:role": SETTING_ROLE}, **ident)


def parse_assignments(pairs: list[str]) -> dict[str, str]:
    """K=V words into a dict; bad input names the word (its value never shown)."""
    values: dict[str, str] = {}
    for word in pairs:
        key, eq, value = word.partition("=")
        if not eq:
            raise UserError(f"{key!r}: write settings as KEY=VALUE", BAD_INPUT)
        if not app_settings.KEY_RE.match(key):
            raise UserError(f"{key!r} is not a setting name: letters, digits and _, not starting with a digit",
                            BAD_INPUT)
        values[key] = value
    if not values:
        raise UserError("nothing to set: give KEY=VALUE", BAD_INPUT)
    return values


def _apply(session: Session, name: str, ledger: Ledger, on_event: OnEvent | None) -> str | None:
    """Push the settings file to the instance and restart the serving release (health-gated)."""
    target = target_for(session, name, ledger)
    t = transport(session, name)
    try:
        rel.push_settings(t, target, _settings_text(session, name, ledger))
        current = next((r for r in engine.releases(t, target) if r.current), None)
        if current is None:
            return None
        return engine.restart(t, target, on_event=on_event).release_id
    except engine.DeployError as err:
        raise _failed(err) from None


def env_set(session: Session, name: str, values: dict[str, str], *, secret: bool = False,
            on_event: OnEvent | None = None) -> SettingsChange:
    """Store settings in SSM (SecureString when `secret`), then restart the serving release with them."""
    ledger = _ledger(session, name)
    with ledger.lock("env set"):
        try:
            written = app_settings.set_settings(_stack_aws(session, ledger), name, values,
                                                _setting_tags(name, ledger), secret=secret)
        except app_settings.SettingsError as err:
            raise UserError(str(err), BAD_INPUT) from None
        log.info("settings of %s set: %s (%s)", name, ", ".join(written), "secret" if secret else "plain")
        return SettingsChange(written, restarted=_apply(session, name, ledger, on_event))


def env_unset(session: Session, name: str, keys: list[str], *, on_event: OnEvent | None = None) -> SettingsChange:
    ledger = _ledger(session, name)
    with ledger.lock("env unset"):
        try:
            deleted, missing = app_settings.unset_settings(_stack_aws(session, ledger), name, keys,
                                                           _setting_tags(name, ledger))
        except app_settings.SettingsError as err:
            raise UserError(str(err), BAD_INPUT) from None
        restarted = _apply(session, name, ledger, on_event) if deleted else None
        return SettingsChange(deleted, missing, restarted)


def env_list(session: Session, name: str) -> list[app_settings.Setting]:
    """The stack's settings by key, secret values masked. Lock-free."""
    ledger = _ledger(session, name)
    return app_settings.list_settings(_stack_aws(session, ledger), name, reveal=False)


MASK = app_settings.MASK


# --- after `up`: wait for the bootstrap, deploy the spec's [app] -----------------------------

def wait_bootstrap(session: Session, name: str, *, timeout: float = 1800.0, delay: float = 5.0,
                   unreachable: float = 300.0, on_event: OnEvent | None = None, cancel: Any = None) -> None:
    """Until the instance's bootstrap log says "bootstrap finished: success"; UserError on its
    failure line, when `timeout` passes, or when SSH has refused for `unreachable` seconds in a row
    (a fresh instance's sshd takes a moment; a refused host key stops at once). Read over the
    stack's SSH, with sudo where it exists."""
    say = on_event or (lambda stage, detail: None)
    stop = cancel if cancel is not None else threading.Event()
    pool = ssh_service.pool(session)
    deadline = time.monotonic() + timeout
    last, failing_since = "", None
    while True:
        try:
            code, out, _ = pool.run(name, f"sudo -n tail -n 3 {BOOTSTRAP_LOG}")
            if code == 127:  # no sudo (the sandbox's shell)
                code, out, _ = pool.run(name, f"tail -n 3 {BOOTSTRAP_LOG}")
            failing_since = None
        except (HostKeyRefused, ConnectCancelled) as err:  # (subclasses of ConnectFailed: first)
            raise UserError(f"not deploying the app: {err}", FAILED) from None
        except ConnectFailed as err:
            now = time.monotonic()
            failing_since = failing_since or now
            if now - failing_since > unreachable:
                raise UserError(f"cannot reach the instance to deploy the app: {err}", FAILED) from None
            code, out = -1, ""
            if str(err) != last:
                last = str(err)
                say("bootstrap", f"not reachable yet: {err}")
        lines = [x for x in out.splitlines() if x.strip()]
        if any("bootstrap finished: success" in x for x in lines):
            say("bootstrap", "finished: success")
            return
        failed = next((x for x in lines if "bootstrap finished: failure" in x), None)
        if failed:
            raise UserError(f"the instance's bootstrap failed, so the app was not deployed: "
                            f"{failed.split('hostwiz: ', 1)[-1]}; 'hostwiz logs {name}' shows the log", FAILED)
        if lines and lines[-1] != last:
            last = lines[-1]
            say("bootstrap", last.split("hostwiz: ", 1)[-1])
        if time.monotonic() > deadline:
            raise UserError(f"the instance's bootstrap did not finish within {timeout / 60:.0f} min; "
                            f"run 'hostwiz deploy {name}' once it has", FAILED)
        if stop.wait(delay):  # a poll interval, or the caller's cancel
            raise UserError("cancelled while waiting for the bootstrap", FAILED)


def deploy_spec_app(session: Session, spec: Any, base: Path | None, on_event: Callable[[Any], None], *,
                    cancel: Any = None, lock: bool = False) -> DeployOutcome:
    """`up`'s last part when the spec has `[app]`: wait for the instance's bootstrap to succeed, then
    deploy the app (a directory relative to `base`, the spec file's folder). Events reach `on_event`
    as `hostwiz.events.Event` notices. Raises UserError / DeployFailed like `deploy`.
    `lock=False`: the caller (`up`) holds the stack's lock."""
    from hostwiz import events as ev

    def say(stage: str, detail: str) -> None:
        on_event(ev.Event(ev.NOTICE, message=f"app: {stage}: {detail}" if detail else f"app: {stage}",
                          data={"stage": stage}))

    def output(line: str) -> None:
        on_event(ev.Event(ev.NOTICE, message=f"app | {line}", data={"stage": "output"}))

    shown = {"pct": -1}

    def progress(sent: int, total: int) -> None:
        pct = int(100 * sent / total) // 25 * 25 if total else 100
        if pct != shown["pct"]:
            shown["pct"] = pct
            on_event(ev.Event(ev.NOTICE, message=f"app: upload {pct}% of {total} bytes",
                              data={"stage": "upload", "sent": sent, "total": total}))

    app = spec.app
    say("waiting", "for the instance's bootstrap to finish")
    wait_bootstrap(session, spec.name, on_event=say, cancel=cancel)
    choice = SourceChoice.from_app(app.model_dump(exclude_none=True), base)
    return deploy(session, spec.name, choice, start=app.start, health=app.health, env=dict(app.env),
                  on_progress=progress, on_event=say, on_output=output, lock=lock)
