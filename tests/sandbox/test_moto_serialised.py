"""moto's backends see one request at a time (`sandbox.serialise_moto`), as AWS applies each request
whole: in-process (the suite's `mock_aws`) and through a moto server's request threads (the sandbox).

Without it, two deletion workers revoking the rule between two security groups at once made moto
raise IndexError, and a cleanup test failed one run in five."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
from moto.ec2.models import EC2Backend


@pytest.fixture
def overlap(monkeypatch):
    """Counts how many DescribeVpcs are inside moto's backend at once (each stays 50 ms)."""
    original = EC2Backend.describe_vpcs
    lock = threading.Lock()
    seen = {"inside": 0, "most": 0}

    def slow_describe(self, *args, **kwargs):
        with lock:
            seen["inside"] += 1
            seen["most"] = max(seen["most"], seen["inside"])
        time.sleep(0.05)
        with lock:
            seen["inside"] -= 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(EC2Backend, "describe_vpcs", slow_describe)
    return seen


def _four_at_once(endpoint_url: str | None) -> None:
    ec2s = [boto3.client("ec2", region_name="us-east-1", endpoint_url=endpoint_url) for _ in range(4)]
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda c: c.describe_vpcs(), ec2s))


def test_in_process_moto_takes_one_request_at_a_time(moto, overlap):
    _four_at_once(None)
    assert overlap["most"] == 1


def test_the_moto_server_takes_one_request_at_a_time(moto_server, overlap):
    _four_at_once(moto_server)
    assert overlap["most"] == 1
