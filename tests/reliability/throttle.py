"""Throttling as AWS answers it: a `before-send` hook that returns a real throttling HTTP response
(per protocol -- ec2, query, json, rest-xml and CloudWatch's smithy-rpc-v2-cbor -- with the
error code AWS uses), so botocore's standard retry mode sees, parses and
retries it as it would in production.

`rate` of the requests sent are throttled (seeded), at most `max_in_a_row` times in a row for one
request, so standard mode's 6 attempts always suffice: this proves hostwiz copes with throttling,
not that botocore gives up after its last attempt.
"""

from __future__ import annotations

import json
import random
import threading
from typing import Any

from botocore.awsrequest import AWSResponse


class _Raw:
    def __init__(self, body: bytes):
        self.body = body

    def stream(self, **_: Any):
        yield self.body


def _cbor_text(text: str) -> bytes:
    """A CBOR text string (major type 3) shorter than 24 bytes: its length is in the first byte."""
    raw = text.encode()
    assert len(raw) < 24
    return bytes([0x60 + len(raw)]) + raw


def throttling_response(protocol: str, url: str) -> AWSResponse:
    if protocol == "smithy-rpc-v2-cbor":  # CloudWatch since botocore 1.40: a CBOR map, the query code in a header
        body = bytes([0xA2]) + b"".join(_cbor_text(t) for t in ("__type", "ThrottlingException",
                                                                 "message", "Rate exceeded"))
        headers = {"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor",
                   "x-amzn-query-error": "Throttling;Sender"}
        return AWSResponse(url, 400, headers, _Raw(body))
    if protocol in ("json", "rest-json"):
        body = json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}).encode()
        headers = {"Content-Type": "application/x-amz-json-1.1", "x-amzn-errortype": "ThrottlingException"}
        return AWSResponse(url, 400, headers, _Raw(body))
    if protocol == "ec2":
        body = (b"<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded."
                b"</Message></Error></Errors><RequestID>throttled</RequestID></Response>")
        return AWSResponse(url, 503, {"Content-Type": "text/xml"}, _Raw(body))
    body = (b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message>"
            b"</Error><RequestId>throttled</RequestId></ErrorResponse>")
    return AWSResponse(url, 400, {"Content-Type": "text/xml"}, _Raw(body))


class Throttle:
    def __init__(self, rate: float = 0.3, seed: int = 30, max_in_a_row: int = 3):
        self.rate, self.max_in_a_row = rate, max_in_a_row
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.local = threading.local()
        self.sent = self.throttled = self.retries = 0
        # throttled attempts of calls that have finished: a call still in flight on another thread
        # when the test reads the counts (a poll the engine abandoned) is not in `retries` yet
        self.throttled_finished = 0

    def _before_call(self, model: Any, **_: Any) -> None:
        # the protocol the client speaks: CloudWatch's model lists cbor, json and query; botocore picks json
        service = model.service_model
        self.local.protocol = getattr(service, "resolved_protocol", None) or service.protocol
        self.local.in_a_row = 0

    def _before_send(self, request: Any, **_: Any) -> AWSResponse | None:
        with self.lock:
            self.sent += 1
            throttle = self.random.random() < self.rate and self.local.in_a_row < self.max_in_a_row
            self.throttled += throttle
        if not throttle:
            return None
        self.local.in_a_row += 1
        return throttling_response(self.local.protocol, request.url)

    def _after_call(self, parsed: dict, **_: Any) -> None:
        with self.lock:  # per finished call: botocore retried each of its throttled attempts
            self.retries += parsed.get("ResponseMetadata", {}).get("RetryAttempts", 0)
            self.throttled_finished += getattr(self.local, "in_a_row", 0)
        self.local.in_a_row = 0  # a call the realism model answers in before-call never reaches _before_call

    def hooks(self) -> list[tuple[str, Any]]:
        return [("before-call", self._before_call), ("before-send", self._before_send),
                ("after-call", self._after_call)]
