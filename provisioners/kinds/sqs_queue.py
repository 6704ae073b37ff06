"""SQS queues."""

from __future__ import annotations

from typing import Iterable

from ..aws import Aws
from ..registry import Kind, Resource, register


@register
class SqsQueue(Kind):
    name = "sqs-queue"
    label = "SQS queue"
    gone_codes = ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist")

    def list(self, aws: Aws) -> Iterable[Resource]:
        sqs = aws.client("sqs")
        for page in sqs.get_paginator("list_queues").paginate():
            for url in page.get("QueueUrls", []):
                tags = (self.unless_gone(sqs.list_queue_tags, QueueUrl=url) or {}).get("Tags", {})
                yield Resource(self.name, url, aws.region, url.rsplit("/", 1)[-1], tags, {})

    def delete(self, aws: Aws, res: Resource) -> None:
        self.unless_gone(aws.client("sqs").delete_queue, QueueUrl=res.id)

    def exists(self, aws: Aws, res: Resource) -> bool:
        return self.unless_gone(aws.client("sqs").get_queue_attributes, QueueUrl=res.id,
                           AttributeNames=["QueueArn"]) is not None
