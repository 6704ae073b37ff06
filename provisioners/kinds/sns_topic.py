"""SNS topics."""

from __future__ import annotations

from typing import Iterable

from ..aws import Aws, tag_dict
from ..registry import Kind, Resource, register


@register
class SnsTopic(Kind):
    name = "sns-topic"
    label = "SNS topic"
    depends_on = ("sns-subscription",)
    gone_codes = ("NotFound", "NotFoundException")

    def list(self, aws: Aws) -> Iterable[Resource]:
        sns = aws.client("sns")
        for page in sns.get_paginator("list_topics").paginate():
            for t in page["Topics"]:
                arn = t["TopicArn"]
                tags = self.unless_gone(sns.list_tags_for_resource, ResourceArn=arn) or {}
                yield Resource(self.name, arn, aws.region, arn.rsplit(":", 1)[-1],
                               tag_dict(tags.get("Tags", [])), {})

    def delete(self, aws: Aws, res: Resource) -> None:
        aws.client("sns").delete_topic(TopicArn=res.id)

    def exists(self, aws: Aws, res: Resource) -> bool:
        return self.unless_gone(aws.client("sns").get_topic_attributes, TopicArn=res.id) is not None
