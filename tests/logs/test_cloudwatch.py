"""Following CloudWatch Logs on moto: exactly once, in order, late events, prefix, throttling."""

from __future__ import annotations

import time

import pytest

from hostwiz.logs import Hub, LineFilter, LogBuffer
from hostwiz.logs.source import LIVE, RETRYING, Backoff
from hostwiz.provisioners.aws import Aws
from hostwiz.provisioners.cloudwatch_logs import CloudWatchSource, Follower

from .waiting import wait_for

GROUP = "/hostwiz/blog/app"
FAST = Backoff(first=0.05, most=0.2, jitter=0)


@pytest.fixture
def aws(moto):
    aws = Aws(region="us-east-1")
    logs = aws.client("logs")
    logs.create_log_group(logGroupName=GROUP)
    for stream in ("web-1", "web-2", "worker-1"):
        logs.create_log_stream(logGroupName=GROUP, logStreamName=stream)
    return aws


def put(aws, stream, *messages, at=None):
    now = int(time.time() * 1000) if at is None else at
    aws.client("logs").put_log_events(logGroupName=GROUP, logStreamName=stream, logEvents=[
        {"timestamp": now + i, "message": m} for i, m in enumerate(messages)])


def follow(hub, want, timeout=10.0):
    got: list[str] = []

    def enough():
        got.extend(ln[2] for ln in hub.drain())
        return len(got) >= want
    assert wait_for(enough, timeout), got
    time.sleep(0.15)  # a few more polls: anything repeated would show up now
    got.extend(ln[2] for ln in hub.drain())
    return got


def test_events_written_while_following_appear_exactly_once_and_in_order(aws):
    put(aws, "web-1", "before 1", "before 2")
    source = CloudWatchSource("cw", aws, GROUP, interval=0.02, backoff=FAST)
    hub = Hub([source]).start()
    try:
        got = follow(hub, 2)
        for batch in range(5):
            put(aws, "web-1" if batch % 2 else "web-2", f"during {batch}a", f"during {batch}b")
            time.sleep(0.03)
        got += follow(hub, 10)
        assert got == ["before 1", "before 2"] + [f"during {b}{x}" for b in range(5) for x in "ab"]
        assert source.state.status == LIVE
    finally:
        hub.stop()


def test_same_millisecond_and_late_events_are_not_lost_nor_repeated(aws):
    follower = Follower(aws, GROUP, late_window=30)
    now = int(time.time() * 1000)
    put(aws, "web-1", "first", at=now)
    assert [e["message"] for e in follower.poll()] == ["first"]
    put(aws, "web-2", "same millisecond", at=now)        # at the boundary timestamp
    put(aws, "web-1", "newer", at=now + 5000)
    assert [e["message"] for e in follower.poll()] == ["same millisecond", "newer"]
    put(aws, "web-2", "arrived late", at=now + 1000)     # its time has already passed
    assert [e["message"] for e in follower.poll()] == ["arrived late"]
    assert list(follower.poll()) == []
    assert follower.floor == now + 5000 - 30_000  # trails the newest event by the late window
    assert set(follower.seen.values()) == {now, now + 1000, now + 5000}  # nothing older is remembered


def test_stream_prefix_and_the_regex_filter_apply(aws):
    put(aws, "web-1", "GET / 200", "GET /admin 500")
    put(aws, "worker-1", "job 500 done")
    hub = Hub([CloudWatchSource("cw", aws, GROUP, "web", interval=0.02, backoff=FAST)]).start()
    try:
        lines = []
        assert wait_for(lambda: lines.extend(hub.drain()) or len(lines) >= 2)
        time.sleep(0.1)
        lines += hub.drain()
    finally:
        hub.stop()
    assert [ln[2] for ln in lines] == ["GET / 200", "GET /admin 500"]  # worker-1 is not under "web"
    buffer = LogBuffer(100)
    buffer.set_filter(LineFilter(r"\b5\d\d$"))
    buffer.extend(lines)
    assert [ln[2] for ln in buffer.shown] == ["GET /admin 500"]
    assert len(buffer.lines) == 2


def test_the_follow_resumes_after_throttling(aws):
    throttled = {"left": 0, "calls": 0}

    class Response:
        status_code = 400
        headers: dict = {}

    def throttle(**kwargs):
        throttled["calls"] += 1
        if throttled["left"] > 0:
            throttled["left"] -= 1
            return Response(), {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}
        return None

    aws.hooks.append(("before-call.cloudwatch-logs.FilterLogEvents", throttle))
    fresh = Aws(region="us-east-1", hooks=aws.hooks)  # clients made from now on carry the hook
    put(aws, "web-1", "one")
    source = CloudWatchSource("cw", fresh, GROUP, interval=0.02, backoff=FAST)
    hub = Hub([source]).start()
    try:
        got = follow(hub, 1)
        throttled["left"] = 4
        put(aws, "web-1", "two", "three")
        assert wait_for(lambda: source.state.status == RETRYING)
        assert "throttled" in source.state.detail
        got += follow(hub, 2)
        assert got == ["one", "two", "three"]
        # a poll already in flight when the throttling began may deliver the lines first
        assert wait_for(lambda: throttled["left"] == 0 and source.state.status == LIVE)
    finally:
        hub.stop()


def test_a_missing_permission_stops_the_source_and_says_which(aws):
    class Response:
        status_code = 400
        headers: dict = {}

    def deny(**kwargs):
        return Response(), {"Error": {"Code": "AccessDeniedException", "Message": "not authorized"}}

    source = CloudWatchSource("cw", Aws(region="us-east-1", hooks=[("before-call.cloudwatch-logs.FilterLogEvents", deny)]),
                              GROUP, interval=0.02, backoff=FAST)
    source.start(lambda line: None)
    try:
        assert wait_for(lambda: source.state.status == "stopped" and source.state.detail)
        assert "grant logs:FilterLogEvents" in source.state.detail and source.attempts == 1
    finally:
        source.stop()
