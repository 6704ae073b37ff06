"""`Kind`'s "already gone" helpers, which every resource kind's delete/exists is built on."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from hostwiz.provisioners.registry import Kind


class Thing(Kind):
    name, label = "thing", "thing"
    gone_codes = ("Thing.NotFound",)


def fails(code: str):
    def call(**_):
        raise ClientError({"Error": {"Code": code, "Message": "x"}}, "DescribeThings")
    return call


def test_gone_codes_mean_absent_and_other_errors_still_raise():
    t = Thing()
    assert t.unless_gone(lambda **kw: kw, Id="a") == {"Id": "a"}
    assert t.unless_gone(fails("Thing.NotFound"), Id="a") is None
    assert t.present(lambda **_: {}) and not t.present(fails("Thing.NotFound"))
    assert t.listed("Things", lambda **_: {"Things": [1]}) and not t.listed("Things", lambda **_: {"Things": []})
    assert not t.listed("Things", fails("Thing.NotFound"))
    for helper in (t.unless_gone, t.present):
        with pytest.raises(ClientError):
            helper(fails("Throttling"))


def test_ignoring_gone_ends_the_block_quietly_only_for_gone_codes():
    t, done = Thing(), []
    with t.ignoring_gone():
        fails("Thing.NotFound")()
        done.append("after")  # never reached: the resource is gone, nothing left to do
    assert done == []
    with pytest.raises(ClientError), t.ignoring_gone():
        fails("DependencyViolation")()
