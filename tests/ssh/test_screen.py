"""The SSH screen driven by Pilot: against OpenSSH's sshd (prompt, output, full-screen programs,
colours, resize) and against the sandbox's paramiko server (shared transport, quick actions,
host key confirmation)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from textual import events

from hostwiz.screens.dialogs import Confirm
from hostwiz.screens.ssh import SshScreen
from hostwiz.screens.terminal import Terminal
from hostwiz.services.ssh import pool as shared_pool
from hostwiz.ssh.hostkeys import PinStore
from hwtest import screen_host

from .test_sshd import sshd_stack


def sync(coro_fn):
    """Run an async test with asyncio.run (no pytest async plugin needed)."""
    @functools.wraps(coro_fn)
    def run(*args, **kwargs):
        return asyncio.run(coro_fn(*args, **kwargs))
    return run


def HostApp(session, sandbox=None, stack="web"):
    """The SSH screen for `stack` in the suite's one app harness."""
    return screen_host(session, lambda: SshScreen(stack), sandbox=sandbox)


async def until(pilot, predicate, timeout: float = 10.0, what: str = ""):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            term = pilot.app.screen.query(Terminal)
            shown = "\n".join(term.first().lines) if term else ""
            raise AssertionError(f"timed out waiting for {what}; the terminal shows:\n{shown}")
        await pilot.pause(0.05)


async def type_line(pilot, text: str) -> None:
    await pilot.press(*[("space" if c == " " else c) for c in text], "enter")


async def paste_line(pilot, term, text: str) -> None:
    term.post_message(events.Paste(text))
    await pilot.pause(0.05)
    await pilot.press("enter")


def at_prompt(term: Terminal) -> bool:
    return any(line.endswith(("#", "$")) for line in term.lines)


@contextlib.asynccontextmanager
async def sshd_terminal(state_dir, sshd):
    """The SSH screen on the test's sshd, once the remote prompt shows: (app, pilot, terminal)."""
    sshd_stack(state_dir, sshd)
    session = SimpleNamespace(state_dir=state_dir, aws=None, resolve_ssh=None, ssh_pool=None)
    sandbox = SimpleNamespace(resolve_ssh=lambda instance_id, address: ("127.0.0.1", sshd.port))
    app = HostApp(session, sandbox)
    async with app.run_test(size=(100, 30)) as pilot:
        term = app.screen.query_one(Terminal)
        await until(pilot, lambda: at_prompt(term), what="the remote prompt")
        yield app, pilot, term
        term.close()


@pytest.mark.sshd
@sync
async def test_terminal_shows_the_prompt_runs_a_command_and_follows_resizes(sshd, state_dir):
    async with sshd_terminal(state_dir, sshd) as (app, pilot, term):
        assert term.has_focus
        await type_line(pilot, "echo hello-$((6*7))")
        await until(pilot, lambda: "hello-42" in term.lines, what="the command's output")

        await type_line(pilot, "stty size")
        first = f"{term.size.height} {term.size.width}"
        await until(pilot, lambda: first in term.lines, what=f"stty size = {first}")
        await pilot.resize_terminal(84, 26)
        await pilot.pause(0.2)
        second = f"{term.size.height} {term.size.width}"
        assert second != first
        await type_line(pilot, "clear; stty size")
        await until(pilot, lambda: second in term.lines, what=f"stty size = {second} after the resize")


@pytest.mark.sshd
@sync
async def test_full_screen_programs_colours_and_keys_stay_in_the_terminal(sshd, state_dir):
    async with sshd_terminal(state_dir, sshd) as (app, pilot, term):
        # cursor addressing on the alternate screen, in bold red
        await paste_line(pilot, term, r"printf '\e[?1049h\e[H\e[2J\e[5;10H\e[1;31mRED\e[0m'; read x")
        await until(pilot, lambda: term.lines[4] == " " * 9 + "RED", what="RED at row 5, column 10")
        red = [s for s in term.render_line(4)._segments if s.text == "RED"]
        assert red and red[0].style.color.name == "red" and red[0].style.bold
        await pilot.press("enter")
        await paste_line(pilot, term, r"printf '\e[?1049l'; seq 200 | less")
        await until(pilot, lambda: term.lines[0] == "1" and term.lines[-1].startswith(":"), what="less")
        await pilot.press("G")  # less's "end" key reaches less
        await until(pilot, lambda: "200" in term.lines, what="less at the end")
        # app bindings do not steal keys while the terminal has focus: ctrl+p is not the palette
        screens = len(app.screen_stack)
        await pilot.press("ctrl+p", "q")
        await pilot.pause(0.2)
        assert len(app.screen_stack) == screens and term.has_focus
        await until(pilot, lambda: at_prompt(term), what="the prompt after less")
        await pilot.press("ctrl+right_square_bracket")  # the escape chord leaves the terminal
        assert not term.has_focus


def sandbox_stack(state_dir, servers, *, pin: bool, session=None, instance_id="i-0123456789abcdef0"):
    from .conftest import make_stack

    stack = make_stack(state_dir, "blog", instance_id, address="203.0.113.10")
    server = servers(stack.public_key, instance_id)
    if pin:
        PinStore(state_dir, "blog").pin(stack.instance_id, [server.host_key_line])
    session = session or SimpleNamespace(state_dir=state_dir, aws=None, resolve_ssh=None, ssh_pool=None)
    sandbox = SimpleNamespace(resolve_ssh=lambda instance_id, address: ("127.0.0.1", server.port))
    return server, session, sandbox


@sync
async def test_the_ssh_screen_and_a_log_tail_share_one_handshake(state_dir, servers):
    server, session, sandbox = sandbox_stack(state_dir, servers, pin=True)
    app = HostApp(session, sandbox, stack="blog")
    async with app.run_test(size=(110, 34)) as pilot:
        term = app.screen.query_one(Terminal)
        await until(pilot, lambda: at_prompt(term), what="the sandbox prompt")
        # the log pane's call (hostwiz.ssh Pool API) on the same host, from its own thread
        tail = await asyncio.to_thread(shared_pool(session).exec_stream, "blog",
                                       "tail -F /var/log/hostwiz-bootstrap.log")
        assert b"bootstrap finished" in await asyncio.to_thread(tail.recv, 65536)
        # a quick action on the same transport too
        await pilot.press("ctrl+right_square_bracket", "d")
        output = lambda: "\n".join(strip.text for strip in app.screen.query_one("#ssh-output").lines)  # noqa: E731
        await until(pilot, lambda: "Filesystem" in output(), what="the disk quick action's output")
        assert "Disk (exit 0)" in output()
        assert server.handshakes == 1
        assert "verified: pinned" in str(app.screen.query_one("#ssh-status").render())
        tail.close()
        term.close()
    shared_pool(session).close()


def test_an_unknown_host_key_is_asked_about_and_pinned_only_when_accepted(session, state_dir, servers,
                                                                          monkeypatch):
    from hostwiz.services import ssh as target

    from .test_connect import moto_instance

    monkeypatch.setattr(target, "CONSOLE_TIMEOUT", 2.0)  # moto's console output never has host keys
    monkeypatch.setattr(target, "CONSOLE_DELAY", 0.05)
    iid = moto_instance(session)
    server, session, sandbox = sandbox_stack(state_dir, servers, pin=False, session=session, instance_id=iid)
    asyncio.run(_asked_and_pinned(session, sandbox, server, state_dir, iid))



async def _asked_and_pinned(session, sandbox, server, state_dir, iid):
    app = HostApp(session, sandbox, stack="blog")
    async with app.run_test(size=(110, 34)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, Confirm) and app.screen.query("#answer-yes"),
                    what="the host key dialog")
        ssh = next(s for s in app.screen_stack if isinstance(s, SshScreen))
        await until(pilot, lambda: "waiting for the SSH host keys" in str(ssh.query_one("#ssh-status").render()),
                    what="the waiting message")
        assert server.logins == 0 and PinStore(state_dir, "blog").get(iid) == []
        await pilot.pause()
        await pilot.click("#answer-yes")
        await until(pilot, lambda: isinstance(app.screen, SshScreen), what="the SSH screen")
        term = app.screen.query_one(Terminal)
        await until(pilot, lambda: at_prompt(term), what="the sandbox prompt")
        assert PinStore(state_dir, "blog").get(iid) == [server.host_key_line]
        term.close()
    shared_pool(session).close()


def test_keys_become_what_a_terminal_sends():
    from hostwiz.screens.terminal import key_bytes

    assert key_bytes("ctrl+c", None, False) == b"\x03"
    assert key_bytes("up", None, False) == b"\x1b[A" and key_bytes("up", None, True) == b"\x1bOA"  # DECCKM
    assert key_bytes("ctrl+left", None, False) == b"\x1b[1;5D"
    assert key_bytes("alt+b", None, False) == b"\x1bb"
    assert key_bytes("enter", "\r", False) == b"\r" and key_bytes("backspace", "\x08", False) == b"\x7f"
    assert key_bytes("é", "é", False) == "é".encode()


def test_shrinking_the_terminal_keeps_the_cursor_line_like_xterm():
    import pyte

    from hostwiz.screens.terminal import resize_screen

    top = pyte.Screen(40, 20)  # a short session near the top: the bottom blank lines go
    pyte.Stream(top).feed("line 1\r\nline 2\r\n$ ")
    resize_screen(top, 5, 40)
    assert [line.rstrip() for line in top.display] == ["line 1", "line 2", "$", "", ""] and top.cursor.y == 2
    full = pyte.Screen(40, 20)  # a full screen: the top lines scroll off
    pyte.Stream(full).feed("\r\n".join(f"line {i}" for i in range(1, 21)))
    resize_screen(full, 5, 30)
    assert [line.rstrip() for line in full.display] == [f"line {i}" for i in range(16, 21)]
    assert (full.cursor.y, full.lines, full.columns) == (4, 5, 30)


def test_leaving_the_screen_stops_the_console_output_polling(session, state_dir, servers, monkeypatch):
    from hostwiz.services import ssh as target

    from .test_connect import moto_instance

    monkeypatch.setattr(target, "CONSOLE_TIMEOUT", 60.0)
    monkeypatch.setattr(target, "CONSOLE_DELAY", 0.05)
    iid = moto_instance(session)
    server, session, sandbox = sandbox_stack(state_dir, servers, pin=False, session=session, instance_id=iid)
    polls = []
    session.aws.hooks.append(("after-call.ec2.GetConsoleOutput", lambda **_: polls.append(time.monotonic())))
    asyncio.run(_leave_while_waiting(session, sandbox, polls))


async def _leave_while_waiting(session, sandbox, polls):
    app = HostApp(session, sandbox, stack="blog")
    async with app.run_test(size=(110, 34)) as pilot:
        ssh = app.screen
        await until(pilot, lambda: "waiting for the SSH host keys" in str(ssh.query_one("#ssh-status").render()),
                    what="the waiting message")
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, SshScreen), what="leaving the screen")
        await pilot.pause(0.5)
        count = len(polls)
        await pilot.pause(1.0)
        assert len(polls) == count  # no more GetConsoleOutput calls once the screen is gone
