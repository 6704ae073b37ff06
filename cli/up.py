"""`hostwiz up SPEC.toml [--yes] [--json] [--keep-on-failure]`: provision without the TUI; with `[app]`
in the spec, then wait for the bootstrap and deploy the app (exit 1 if that fails; the stack stays)."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path

from hostwiz import events as ev
from hostwiz import spec as specmod
from hostwiz.cli import BAD_INPUT, FAILED, OK
from hostwiz.cli.args import helps
from hostwiz.cli.common import CliError, identity, is_interactive, session_for


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("up", parents=[common], **helps(
        "create (or resume) a stack from a spec file",
        "Check the spec (every problem at once, before any AWS call), show what will be made and its monthly "
        "cost, then create it with progress lines. Run again on a half-made stack to resume it; on failure "
        "what this run made is rolled back unless --keep-on-failure.",
        "hostwiz up examples/blog.toml", "hostwiz up blog.toml --yes --json", "hostwiz --sandbox up examples/blog.toml --yes"))
    p.add_argument("spec", help="the stack spec (TOML)")
    p.add_argument("--yes", "-y", action="store_true", help="do not ask before creating")
    p.add_argument("--json", action="store_true", help="progress as JSON lines")
    p.add_argument("--keep-on-failure", action="store_true",
                   help="keep what was made when a step fails (default: roll it back)")
    g = p.add_argument_group("on a stack that already runs (a plan of changes)")
    g.add_argument("--replace", action="store_true",
                   help="allow changes that replace the instance or the database (the plan says what they lose)")
    g.add_argument("--maintenance-window", action="store_true",
                   help="database class and storage changes wait for the maintenance window (default: now)")


def print_problems(problems: list[tuple[str, str]], as_json: bool) -> None:
    if as_json:
        print(json.dumps({"kind": "invalid", "problems": [{"field": f, "message": m} for f, m in problems]}))
    else:
        print(specmod.SpecError(problems).render(), file=sys.stderr)


def ask_ssh_cidr(why: str) -> str:
    """The operator's address, typed at the prompt when it could not be detected."""
    answer = input(f"{why}.\nSSH will be allowed from (CIDR, e.g. 203.0.113.7/32): ")
    try:
        return specmod.check_ssh_cidr(answer, allow_world=False)
    except ValueError as bad:
        raise CliError(f"instance.ssh_cidr: {bad}", BAD_INPUT) from None


def run(args: argparse.Namespace) -> int:
    try:
        spec = specmod.load(args.spec)
    except specmod.SpecError as err:
        print_problems(err.problems, args.json)
        return BAD_INPUT
    if args.region and args.region != spec.region:
        spec = spec.model_copy(update={"region": args.region})
    session = session_for(args, spec.region)
    from hostwiz.services import stacks

    who = identity(session)
    out = (lambda obj, text: print(json.dumps(obj), flush=True)) if args.json else \
        (lambda obj, text: print(text, flush=True))
    out({"kind": "identity", **who, "region": spec.region, "sandbox": session.sandbox},
        f"AWS account {who['account']} as {who['arn']} in {spec.region}" + (" (SANDBOX)" if session.sandbox else ""))
    from hostwiz.services import operate

    if operate.exists(session, spec.name):
        return run_change(args, session, spec)
    cidr = None
    if not spec.instance.ssh_cidr and is_interactive() and not args.json:
        found = stacks.operator_address(session)
        cidr = found.cidr or ask_ssh_cidr(found.how)
    plan = stacks.prepare_up(session, spec, cidr)
    if not plan.ok:
        print_problems(plan.problems, args.json)
        return BAD_INPUT
    if not args.json:
        print(f"Stack {spec.name} in {spec.region} will have:")
        width = max(len(what) for what, _ in plan.resources)
        print("\n".join(f"  {what:<{width}}  {detail}" for what, detail in plan.resources))
        print(f"  {'Estimated cost':<{width}}  ${plan.cost.total:.2f}/month ({plan.cost.note})")
        for note in plan.notes:  # what the account changes (AWS's free plan)
            print(f"  Note: {note}")
    if not args.yes:
        if not is_interactive():
            raise CliError("not creating anything without confirmation: add --yes", BAD_INPUT)
        if input("Create it? [y/N] ").strip().lower() not in ("y", "yes"):
            print("Nothing was created.")
            return OK

    def on_event(e: ev.Event) -> None:
        if args.json:
            print(json.dumps({"event": e.kind, **e.as_dict()}, default=str), flush=True)
        elif e.kind != ev.QUEUED:
            print(e.line(), flush=True)

    cancel = threading.Event()

    def interrupted(signum: int, frame: object) -> None:
        if cancel.is_set():
            raise KeyboardInterrupt  # a second Ctrl-C: stop now; 'hostwiz up' again resumes
        cancel.set()
        print("\nCancelling: waiting for calls in flight, then " +
              ("keeping what was made." if args.keep_on_failure else "rolling back (Ctrl-C again to stop at once)."),
              file=sys.stderr, flush=True)

    previous = signal.signal(signal.SIGINT, interrupted)
    try:
        result = stacks.up(session, spec, plan.ssh_cidr, on_event, keep_on_failure=args.keep_on_failure, cancel=cancel,
                           app_base=Path(args.spec).resolve().parent)
    finally:
        signal.signal(signal.SIGINT, previous)
    if result.ok:
        o = result.outputs
        out({"kind": "ready", **o}, "\n".join(filter(None, [
            f"\nStack {spec.name} is ready.",
            f"  URL:  {o.get('url')}",
            f"  SSH:  hostwiz ssh {spec.name}   (or: {o.get('ssh_command')})",
            f"  DB:   {o['db_endpoint']}:{o['db_port']} (URL in SSM {o['db_url_parameter']})" if o.get("db_endpoint") else "",
            f"  App:  release {result.app.release_id} serving" + (f" at {result.app.url}" if result.app.url else "")
            if result.app else "",
        ])))
        if result.app_error:
            out({"kind": "app-failed", "error": result.app_error},
                f"\nThe app was not deployed: {result.app_error}" +
                (f"\n--- last lines of the log ---\n{result.app_log_tail.rstrip()}\n---" if result.app_log_tail.strip() else "") +
                f"\nThe stack is ready; fix the app and run 'hostwiz deploy {spec.name} [PATH]'.")
            return FAILED
        return OK
    if result.rollback is None:
        out({"kind": "failed", "error": result.error, "kept": True},
            f"\nStack {spec.name} failed: {result.error}\nWhat was made is kept (--keep-on-failure). "
            f"Run 'hostwiz up {args.spec}' to resume or 'hostwiz down {spec.name}' to remove it.")
    elif result.rollback.ok:
        out({"kind": "failed", "error": result.error, "rolled_back": True},
            f"\nStack {spec.name} failed: {result.error}\nEverything this run made was rolled back.")
    else:
        left = [f"{x.resource.kind} {x.resource.id}: {x.error}" for x in result.rollback.left]
        out({"kind": "failed", "error": result.error, "left": left},
            f"\nStack {spec.name} failed: {result.error}\nRollback left:\n  " + "\n  ".join(left) +
            f"\nRun 'hostwiz down {spec.name}' to try again.")
    return FAILED


HOW = {"in-place": "in place", "needs-stop": "needs a stop", "replace": "REPLACES"}


def print_change_plan(plan) -> None:
    print(f"Stack {plan.name} runs already; the spec differs from it in {len(plan.changes)} way(s):")
    for c in plan.changes:
        before = ", ".join(c.before) if isinstance(c.before, list) else c.before
        after = ", ".join(c.after) if isinstance(c.after, list) else c.after
        print(f"  ~ {c.label:<22} {before} -> {after}   [{HOW.get(c.how, c.how)}]")
        print(f"      {c.detail}")
        if c.loses:
            print(f"      loses: {c.loses}")
        if c.calls:
            print(f"      AWS calls: {', '.join(c.calls)}")
    print(f"  Cost: ${plan.cost_before:.2f}/month now -> ${plan.cost_after:.2f}/month after")


def run_change(args: argparse.Namespace, session, spec) -> int:
    """`up` on a stack that runs: plan the differences, apply them only when confirmed."""
    from hostwiz.services import operate

    plan = operate.plan_change(session, spec, replace=args.replace, apply_now=not args.maintenance_window)
    if args.json:
        print(json.dumps(plan.as_dict(), default=str), flush=True)
    elif plan.empty and plan.ok:
        print(f"Stack {spec.name} already matches {args.spec}: nothing to change.")
    else:
        print_change_plan(plan)
    if not plan.ok:
        print_problems(plan.problems, False) if not args.json else None
        return BAD_INPUT
    if plan.empty:
        operate.apply_change(session, spec, plan)  # closes what an interrupted change left pending
        return OK
    if not args.yes:
        if args.json or not is_interactive():
            if not args.json:
                print("Nothing was changed: add --yes to apply this plan.", file=sys.stderr)
            return OK if args.json else BAD_INPUT
        if input("Apply these changes? [y/N] ").strip().lower() not in ("y", "yes"):
            print("Nothing was changed.")
            return OK

    def on_event(e: ev.Event) -> None:
        if args.json:
            print(json.dumps({"event": e.kind, **e.as_dict()}, default=str), flush=True)
        else:
            print(e.line(), flush=True)

    result = operate.apply_change(session, spec, plan, on_event)
    if args.json:
        print(json.dumps({"kind": "applied" if result.ok else "failed", "done": result.done,
                          "failed": result.failed, "error": result.error}), flush=True)
    elif result.ok:
        print(f"\nStack {spec.name} now matches {args.spec}.")
    else:
        print(f"\n{result.failed} failed: {result.error}\nRun 'hostwiz up {args.spec}' again to resume; "
              "the ledger kept what was under way.", file=sys.stderr)
    return OK if result.ok else FAILED
