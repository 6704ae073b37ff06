"""Following CloudWatch Logs like `aws logs tail --follow`: any group, optional stream prefix.

Each poll asks `FilterLogEvents` for everything since a floor (all pages), and shows only
events it has not shown, by event ID. The floor trails the newest timestamp seen by
`late_window` seconds, so an event that arrives late (its timestamp already passed) is still
found, and the IDs remembered are only those at or after the floor, so memory stays small.
Throttling is retried by botocore first; if it persists the source backs off and resumes from
the same floor with the same IDs: nothing is shown twice and nothing is skipped.
"""

from __future__ import annotations

import time
from typing import Any, Iterator

from hostwiz.logs.line import LogLine, make
from hostwiz.logs.source import Backoff, PollingSource

from .aws import Aws, error_code

THROTTLED = ("ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded")
DENIED = ("AccessDeniedException", "UnrecognizedClientException")


class Follower:
    """The follow algorithm, one `poll()` at a time (the source loops over it)."""

    def __init__(self, aws: Aws, group: str, prefix: str = "", *, start: float | None = None,
                 late_window: float = 15.0, pattern: str | None = None):
        self.aws, self.group, self.prefix, self.pattern = aws, group, prefix, pattern
        self.late_ms = int(late_window * 1000)
        self.floor = int((time.time() - 600 if start is None else start) * 1000)  # like the CLI: 10 minutes back
        self.seen: dict[str, int] = {}  # event ID -> timestamp, for events at or after the floor

    def poll(self) -> Iterator[dict[str, Any]]:
        """The events not shown yet, oldest first within each page."""
        logs = self.aws.client("logs")
        params: dict[str, Any] = {"logGroupName": self.group, "startTime": self.floor, "interleaved": True}
        if self.prefix:
            params["logStreamNamePrefix"] = self.prefix
        if self.pattern:
            params["filterPattern"] = self.pattern
        newest = self.floor
        while True:
            page = logs.filter_log_events(**params)
            fresh = [e for e in page.get("events", ()) if e["eventId"] not in self.seen
                     and e.get("logStreamName", "").startswith(self.prefix)]
            fresh.sort(key=lambda e: e["timestamp"])
            for event in fresh:
                self.seen[event["eventId"]] = event["timestamp"]
                newest = max(newest, event["timestamp"])
                yield event
            token = page.get("nextToken")
            if not token or token == params.get("nextToken"):
                break
            params["nextToken"] = token
        floor = max(self.floor, newest - self.late_ms)
        if floor > self.floor:
            self.floor = floor
            self.seen = {k: ts for k, ts in self.seen.items() if ts >= floor}


class CloudWatchSource(PollingSource):
    def __init__(self, name: str, aws: Aws, group: str, prefix: str = "", *, start: float | None = None,
                 interval: float = 2.0, late_window: float = 15.0, backoff: Backoff | None = None):
        super().__init__(name, interval, backoff=backoff)
        self.follower = Follower(aws, group, prefix, start=start, late_window=late_window)

    def poll(self) -> Iterator[LogLine]:
        for event in self.follower.poll():
            yield make(self.name, event.get("message", ""), event["timestamp"] / 1000)

    def is_fatal(self, err: BaseException) -> bool:
        return error_code(err) in DENIED

    def describe(self, err: BaseException) -> str:
        code = error_code(err)
        if code in THROTTLED:
            return "throttled by CloudWatch Logs"
        if code == "ResourceNotFoundException":
            return f"log group {self.follower.group} does not exist (yet)"
        if code in DENIED:
            return f"not allowed to read {self.follower.group}: grant logs:FilterLogEvents"
        return super().describe(err)


def list_groups(aws: Aws, prefix: str = "", limit: int = 200) -> list[str]:
    """Log group names (for choosing a source), at most `limit`."""
    params = {"logGroupNamePrefix": prefix} if prefix else {}
    names: list[str] = []
    for page in aws.client("logs").get_paginator("describe_log_groups").paginate(**params):
        names += [g["logGroupName"] for g in page.get("logGroups", [])]
        if len(names) >= limit:
            break
    return names[:limit]
