"""Attack review of `sandbox.serialise_moto`: one request at a time inside moto must not let one
client hold everyone else. A client (a crashed command, a neighbour's process on the loopback port)
that sends a request's headers and only part of its body made the moto server wait for the rest
while holding the one lock, so every other request of the sandbox hung until that connection died."""

from __future__ import annotations

import socket
from urllib.parse import urlparse

import boto3
from botocore.config import Config


def test_a_client_stalled_mid_body_does_not_hold_the_other_requests(moto_server):
    url = urlparse(moto_server)
    stalled = socket.create_connection((url.hostname, url.port), timeout=30)
    try:
        body = b"Action=DescribeVpcs&Version=2016-11-15"
        stalled.sendall(b"POST / HTTP/1.1\r\nHost: ec2.us-east-1.amazonaws.com\r\n"
                        b"Content-Type: application/x-www-form-urlencoded; charset=utf-8\r\n"
                        b"Authorization: AWS4-HMAC-SHA256 Credential=sandbox/20260101/us-east-1/ec2/aws4_request, "
                        b"SignedHeaders=host, Signature=0\r\n"
                        b"Content-Length: %d\r\n\r\n" % (len(body) + 100) + body)  # 100 bytes never come
        ec2 = boto3.client("ec2", region_name="us-east-1", endpoint_url=moto_server,
                           config=Config(read_timeout=10, connect_timeout=5, retries={"max_attempts": 1}))
        # answered while the stalled request still waits for its body (before: ReadTimeoutError)
        assert "Vpcs" in ec2.describe_vpcs()
    finally:
        stalled.close()
