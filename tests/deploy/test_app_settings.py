"""App settings as SSM parameters, on moto."""

from __future__ import annotations

import pytest

from hostwiz.provisioners.app_settings import MASK, SettingsError, env_lines, list_settings, set_settings, \
    unset_settings
from hostwiz.provisioners.aws import Aws, tag_dict, tags


@pytest.fixture
def aws(moto):
    return Aws(region="us-east-1")


TAGS = tags("blog", "run-1", "blog")


def test_set_list_masks_secrets_and_tags_with_the_stack(aws):
    set_settings(aws, "blog", {"LOG_LEVEL": "info"}, TAGS)
    set_settings(aws, "blog", {"API_TOKEN": "s3cr3t-value"}, TAGS, secret=True)
    ssm = aws.client("ssm")
    assert ssm.get_parameter(Name="/hostwiz/blog/env/API_TOKEN")["Parameter"]["Type"] == "SecureString"
    assert ssm.get_parameter(Name="/hostwiz/blog/env/LOG_LEVEL")["Parameter"]["Type"] == "String"
    got = tag_dict(ssm.list_tags_for_resource(ResourceType="Parameter",
                                              ResourceId="/hostwiz/blog/env/API_TOKEN")["TagList"])
    assert got["hostwiz:stack"] == "blog" and got["hostwiz:run"] == "run-1"
    listed = list_settings(aws, "blog")
    assert [(s.key, s.value, s.secret) for s in listed] == [("API_TOKEN", MASK, True), ("LOG_LEVEL", "info", False)]
    assert "s3cr3t" not in repr(listed)
    assert [s.value for s in list_settings(aws, "blog", reveal=True)] == ["s3cr3t-value", "info"]
    assert env_lines(aws, "blog") == "API_TOKEN=s3cr3t-value\nLOG_LEVEL=info\n"
    assert list_settings(aws, "other") == []


def test_overwrite_keeps_tags_and_unset_reports_missing(aws):
    set_settings(aws, "blog", {"A": "1"}, TAGS)
    set_settings(aws, "blog", {"A": "2"}, TAGS)
    assert [s.value for s in list_settings(aws, "blog")] == ["2"]
    assert unset_settings(aws, "blog", ["A", "B"], TAGS) == (["A"], ["B"])
    assert list_settings(aws, "blog") == []


def test_a_parameter_without_the_stacks_tags_is_never_touched(aws):
    ssm = aws.client("ssm")
    ssm.put_parameter(Name="/hostwiz/blog/env/DATABASE_URL", Value="theirs", Type="String",
                      Tags=[{"Key": "owner", "Value": "colleague"}])
    with pytest.raises(SettingsError, match="not this stack's"):
        set_settings(aws, "blog", {"DATABASE_URL": "mine"}, TAGS)
    with pytest.raises(SettingsError, match="not this stack's"):
        unset_settings(aws, "blog", ["DATABASE_URL"], TAGS)
    assert ssm.get_parameter(Name="/hostwiz/blog/env/DATABASE_URL")["Parameter"]["Value"] == "theirs"


@pytest.mark.parametrize("values", [{"1BAD": "x"}, {"A-B": "x"}, {"OK": "two\nlines"}, {"BIG": "x" * 5000}])
def test_bad_names_and_values_are_refused_before_any_call(aws, values):
    with pytest.raises(SettingsError):
        set_settings(aws, "blog", values, TAGS)
    assert list_settings(aws, "blog") == []
