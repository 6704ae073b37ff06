"""S3 buckets: emptied of every object version and delete marker, then deleted.

Buckets are listed once for the account; each is reported in its own region."""

from __future__ import annotations

from typing import Iterable

from ..aws import Aws, error_code, tag_dict
from ..registry import Kind, Resource, register
from .common import stamp


@register
class S3Bucket(Kind):
    name = "s3-bucket"
    label = "S3 bucket"
    gone_codes = ("NoSuchBucket",)
    retry_codes = Kind.retry_codes + ("BucketNotEmpty", "OperationAborted")
    account_wide = True  # one ListBuckets answers for every region; each bucket keeps its region

    def list(self, aws: Aws) -> Iterable[Resource]:
        s3 = aws.client("s3")
        for b in s3.list_buckets().get("Buckets", []):
            name = b["Name"]
            region = b.get("BucketRegion")
            if not region:
                loc = self.unless_gone(s3.get_bucket_location, Bucket=name)
                if loc is None:
                    continue
                region = loc.get("LocationConstraint") or "us-east-1"
            yield Resource(self.name, name, region, name, self._tags(s3, name), {
                "created": stamp(b.get("CreationDate")), "objects": self.object_count(s3, name)})

    def object_count(self, s3: object, bucket: str, cap: int = 10000) -> int:
        """Objects and versions in the bucket (up to `cap`): a frozen plan made when it was empty
        must not delete it once it holds something."""
        count = 0
        try:
            for page in s3.get_paginator("list_object_versions").paginate(  # type: ignore[attr-defined]
                    Bucket=bucket, PaginationConfig={"MaxItems": cap}):
                count += len(page.get("Versions", [])) + len(page.get("DeleteMarkers", []))
        except Exception:  # not ours to read (AccessDenied) or gone: unknown, and unknown is a change
            return -1
        return count

    def _tags(self, s3: object, bucket: str) -> dict[str, str]:
        try:
            return tag_dict(s3.get_bucket_tagging(Bucket=bucket)["TagSet"])  # type: ignore[attr-defined]
        except Exception as err:
            if error_code(err) in ("NoSuchTagSet", "NoSuchBucket"):
                return {}
            raise

    def delete(self, aws: Aws, res: Resource) -> None:
        s3 = aws.client("s3")
        with self.ignoring_gone():
            for page in s3.get_paginator("list_object_versions").paginate(Bucket=res.id):
                doomed = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                          for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
                for i in range(0, len(doomed), 1000):
                    s3.delete_objects(Bucket=res.id, Delete={"Objects": doomed[i:i + 1000], "Quiet": True})
            s3.delete_bucket(Bucket=res.id)

    def exists(self, aws: Aws, res: Resource) -> bool:
        try:
            aws.client("s3").head_bucket(Bucket=res.id)
            return True
        except Exception as err:
            if error_code(err) in ("404", "NoSuchBucket", "NotFound"):
                return False
            raise
