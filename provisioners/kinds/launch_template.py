"""EC2 launch templates (every version goes with the template)."""

from __future__ import annotations

from typing import Iterable

from ..aws import Aws, tag_dict
from ..registry import Kind, Resource, register
from .common import stamp


@register
class LaunchTemplate(Kind):
    name = "launch-template"
    label = "launch template"
    depends_on = ("autoscaling-group",)
    gone_codes = ("InvalidLaunchTemplateId.NotFound", "InvalidLaunchTemplateName.NotFoundException")

    def list(self, aws: Aws) -> Iterable[Resource]:
        for page in aws.client("ec2").get_paginator("describe_launch_templates").paginate():
            for t in page["LaunchTemplates"]:
                tags = tag_dict(t.get("Tags"))
                yield Resource(self.name, t["LaunchTemplateId"], aws.region, t["LaunchTemplateName"], tags,
                               {"created": stamp(t.get("CreateTime"))})

    def delete(self, aws: Aws, res: Resource) -> None:
        self.unless_gone(aws.client("ec2").delete_launch_template, LaunchTemplateId=res.id)

    def exists(self, aws: Aws, res: Resource) -> bool:
        return self.listed("LaunchTemplates", aws.client("ec2").describe_launch_templates, LaunchTemplateIds=[res.id])
