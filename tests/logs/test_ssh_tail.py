"""Instance logs over SSH against a local paramiko server running the real `tail -F`."""

from __future__ import annotations

import time

import pytest

from hostwiz.logs import Hub
from hostwiz.logs.instance import FileTail, JournalTail, transport_opener
from hostwiz.logs.source import LIVE, RETRYING, Backoff

from .sshd import LocalSshd
from .waiting import wait_for

FAST = Backoff(first=0.05, most=0.2, jitter=0)


@pytest.fixture
def sshd():
    server = LocalSshd()
    yield server
    server.close()




def collect(hub, texts, want, timeout=10.0):
    def more():
        texts.extend(ln[2] for ln in hub.drain())
        return want(texts)
    assert wait_for(more, timeout), texts
    return texts


def test_appending_to_the_file_makes_lines_appear(sshd, tmp_path):
    log = tmp_path / "app.log"
    log.write_text("".join(f"old {i}\n" for i in range(10)))
    hub = Hub([FileTail("boot", str(log), transport_opener(sshd.connect), backlog=3, backoff=FAST)]).start()
    try:
        texts: list[str] = []
        collect(hub, texts, lambda t: len(t) >= 3)
        assert texts == ["old 7", "old 8", "old 9"]  # the backlog: only the last lines
        with log.open("a") as fh:
            fh.write("new ERROR one\nnew two\n")
        collect(hub, texts, lambda t: len(t) >= 5)
        assert texts[3:] == ["new ERROR one", "new two"]
        assert hub.sources["boot"].state.status == LIVE
    finally:
        hub.stop()


def test_a_dropped_connection_reconnects_and_resumes_without_gaps_or_repeats(sshd, tmp_path):
    log = tmp_path / "app.log"
    log.write_text("a\nb\n")
    source = FileTail("boot", str(log), transport_opener(sshd.connect), backlog=10, backoff=FAST)
    hub = Hub([source]).start()
    try:
        texts: list[str] = []
        collect(hub, texts, lambda t: t == ["a", "b"])
        sshd.refuse = True   # the network is gone for a while: the source shows it is retrying
        sshd.drop_all()
        assert wait_for(lambda: source.state.status == RETRYING)
        with log.open("a") as fh:  # written while disconnected
            fh.write("c\nd\n")
        sshd.refuse = False
        collect(hub, texts, lambda t: len(t) >= 4)
        with log.open("a") as fh:
            fh.write("e\n")
        collect(hub, texts, lambda t: len(t) >= 5)
        time.sleep(0.2)
        texts.extend(ln[2] for ln in hub.drain())
        assert texts == ["a", "b", "c", "d", "e"]
        assert source.state.status == LIVE and sshd.connections >= 2
        assert "o=4;" in sshd.commands[-1]  # resumed at the byte offset after "a\nb\n"
    finally:
        hub.stop()


def test_a_failing_source_leaves_the_others_running(sshd, tmp_path):
    good = tmp_path / "good.log"
    good.write_text("")

    def broken(command):
        raise ConnectionRefusedError("connection refused")

    failing = FileTail("nginx-error", "/nowhere", broken, backoff=FAST)
    hub = Hub([failing, FileTail("boot", str(good), transport_opener(sshd.connect), backoff=FAST)]).start()
    try:
        assert wait_for(lambda: hub.sources["boot"].state.status == LIVE)
        with good.open("a") as fh:
            fh.write("still here\n")
        texts: list[str] = []
        collect(hub, texts, lambda t: "still here" in t)
        state = failing.state
        assert state.status == RETRYING and "connection refused" in state.detail
        assert failing.attempts >= 2  # it keeps trying, with backoff
    finally:
        hub.stop()
    assert all(s.state.status == "stopped" for s in hub.sources.values())


def test_a_missing_file_shows_up_once_it_is_created(sshd, tmp_path):
    log = tmp_path / "later.log"
    hub = Hub([FileTail("boot", str(log), transport_opener(sshd.connect), backoff=FAST)]).start()
    try:
        assert wait_for(lambda: hub.sources["boot"].state.status == LIVE)
        log.write_text("bootstrap started\n")
        texts: list[str] = []
        collect(hub, texts, lambda t: t == ["bootstrap started"])
    finally:
        hub.stop()


def test_journal_lines_carry_their_time_and_priority_and_resume_by_cursor():
    sent = []
    entries = [b'{"__CURSOR":"c1","__REALTIME_TIMESTAMP":"1700000000000000","PRIORITY":"3","MESSAGE":"boom"}\n',
               b'{"__CURSOR":"c2","__REALTIME_TIMESTAMP":"1700000001000000","PRIORITY":"6","MESSAGE":[104,105]}\n']

    def open_stream(command):
        sent.append(command)
        return iter(entries)

    source = JournalTail("app", "hostwiz-app", open_stream)
    lines = list(source.lines())
    assert [(ln[2], ln[3], ln[1]) for ln in lines] == [("boom", "error", 1700000000.0),
                                                                ("hi", "info", 1700000001.0)]
    list(source.lines())
    assert "-n 200" in sent[0] and "--after-cursor=c2" in sent[1]


def test_plain_mode_for_the_sandbox_uses_only_tail_n_and_follows(sshd, tmp_path):
    log = tmp_path / "app.log"
    log.write_text("a\nb\nc\n")
    source = FileTail("boot", str(log), transport_opener(sshd.connect), backlog=2, plain=True, backoff=FAST)
    hub = Hub([source]).start()
    try:
        texts: list[str] = []
        collect(hub, texts, lambda t: t == ["b", "c"])
        sshd.drop_all()
        assert wait_for(lambda: len(sshd.procs) >= 2 and source.state.status == LIVE)
        time.sleep(0.3)  # `tail -n 0` shows only what is written after it started
        with log.open("a") as fh:
            fh.write("d\n")
        collect(hub, texts, lambda t: t == ["b", "c", "d"])
        assert sshd.commands[0] == f"tail -n 2 -F {log}" and sshd.commands[1] == f"tail -n 0 -F {log}"
    finally:
        hub.stop()
