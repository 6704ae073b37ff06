"""The SSH screen, when connecting times out from an address the stack's security group does not
admit, offers to allow it in one keypress (`hostwiz allow`), then connects again -- on moto.

Nothing is dialled: the session's pool is a stand-in whose connection times out (the way
`hostwiz.ssh.connect` reports it), so no traffic leaves the machine."""

from __future__ import annotations

import asyncio

from pilot_helpers import SIZE, settle, shown

from hostwiz import spec as specmod
from hostwiz.services import operate
from hostwiz.services import stacks as operations
from hostwiz.screens.ssh import SshScreen
from hostwiz.ssh import ConnectFailed
from hostwiz.ssh.connect import Attempt


class TimingOut:
    """A pool whose every connection times out, counting the tries."""

    def __init__(self) -> None:
        self.tries = 0

    def connection(self, host: str, **_):
        self.tries += 1
        attempts = [Attempt("direct", False, "timed out reaching 198.51.100.20:22 (is the instance running, and "
                                             "does the security group's SSH rule include your current IP?)")]
        raise ConnectFailed(f"could not connect to {host}: " + "; ".join(f"{a.path}: {a.detail}" for a in attempts),
                            attempts)

    def close(self, host=None) -> None:
        pass


def make_stack(session, spec_data: dict, name: str, cidr: str) -> None:
    data = {**spec_data, "name": name, "instance": {**spec_data["instance"], "ssh_cidr": cidr},
            "runtime": {**spec_data["runtime"], "tls": False}}
    data.pop("database")
    data.pop("domain")
    assert operations.up(session, specmod.validate(data), cidr).ok


def test_a_timeout_from_an_address_not_admitted_offers_allow_in_one_key(make_app, session, spec_data):
    make_stack(session, spec_data, "faraway", "203.0.113.7/32")  # the sandbox operator is 127.0.0.1
    pool = session.ssh_pool = TimingOut()

    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.push_screen(SshScreen("faraway"))
            await settle(pilot)
            screen = app.screen
            assert pool.tries == 1 and screen.offer is not None
            text = shown(app)
            assert "timed out" in text and "press a to allow it" in text and "127.0.0.1/32" in text
            assert "Allow my IP" in text  # in the footer
            await pilot.press("a")
            await settle(pilot)
            assert pool.tries == 2  # connected again once the rule was there

    asyncio.run(scenario())
    assert sorted(r["cidr"] for r in operate.rules(session, "faraway").rules) == ["127.0.0.1/32", "203.0.113.7/32"]


def test_a_timeout_from_an_admitted_address_offers_nothing(make_app, session, spec_data):
    make_stack(session, spec_data, "nearby", "127.0.0.0/24")
    pool = session.ssh_pool = TimingOut()

    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.push_screen(SshScreen("nearby"))
            await settle(pilot)
            assert app.screen.offer is None and "timed out" in shown(app)
            assert "Allow my IP" not in shown(app)
            await pilot.press("a")
            await settle(pilot)
            assert pool.tries == 1

    asyncio.run(scenario())
    assert [r["cidr"] for r in operate.rules(session, "nearby").rules] == ["127.0.0.0/24"]
