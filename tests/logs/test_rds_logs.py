"""RDS log files: markers, late files from their start, resume at the same marker after an error.
moto has no DownloadDBLogFilePortion, so hostwiz's calls are checked with botocore's Stubber."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from hostwiz.provisioners.rds_logs import RdsLogFollower, RdsLogSource


class OneClient:
    def __init__(self, client):
        self._client = client

    def client(self, service):
        return self._client


@pytest.fixture
def rds():
    client = boto3.client("rds", region_name="us-east-1")
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


def files(stub, *entries):
    stub.add_response("describe_db_log_files", {"DescribeDBLogFiles": [
        {"LogFileName": n, "LastWritten": w, "Size": s} for n, w, s in entries]},
        {"DBInstanceIdentifier": "blog-db"})


def portion(stub, name, data, marker, pending=False, **expect):
    stub.add_response("download_db_log_file_portion",
                      {"LogFileData": data, "Marker": marker, "AdditionalDataPending": pending},
                      {"DBInstanceIdentifier": "blog-db", "LogFileName": name, **expect})


def test_join_at_the_end_then_read_only_what_was_appended(rds):
    client, stub = rds
    follower = RdsLogFollower(OneClient(client), "blog-db", backlog=50)
    files(stub, ("error/postgresql.log.2026-11-22-00", 1, 100))
    portion(stub, "error/postgresql.log.2026-11-22-00", "a\nb\n", "0:100", NumberOfLines=50)
    assert [t for _, t in follower.poll()] == ["a", "b"]

    files(stub, ("error/postgresql.log.2026-11-22-00", 1, 100))  # unchanged: not downloaded again
    assert list(follower.poll()) == []

    files(stub, ("error/postgresql.log.2026-11-22-00", 2, 130), ("error/postgresql.log.2026-11-22-01", 3, 20))
    portion(stub, "error/postgresql.log.2026-11-22-00", "c\n", "0:120", True, Marker="0:100")
    portion(stub, "error/postgresql.log.2026-11-22-00", "d\n", "0:130", Marker="0:120")
    portion(stub, "error/postgresql.log.2026-11-22-01", "ERROR: new file\n", "1:20", Marker="0")
    assert [t for _, t in follower.poll()] == ["c", "d", "ERROR: new file"]


def test_a_failed_download_resumes_at_the_same_marker(rds):
    client, stub = rds
    source = RdsLogSource("rds", OneClient(client), "blog-db", interval=0)
    source.follower.markers["postgresql.log"] = "0:10"
    source.follower.joined = True
    files(stub, ("postgresql.log", 5, 50))
    stub.add_client_error("download_db_log_file_portion", "Throttling", http_status_code=400)
    with pytest.raises(Exception):
        list(source.follower.poll())
    files(stub, ("postgresql.log", 5, 50))
    portion(stub, "postgresql.log", "x\n", "0:50", Marker="0:10")
    assert [t for _, t in source.follower.poll()] == ["x"]


def test_a_missing_database_is_explained():
    from botocore.exceptions import ClientError

    source = RdsLogSource("rds", None, "blog-db")
    err = ClientError({"Error": {"Code": "DBInstanceNotFound", "Message": "x"}}, "DescribeDBLogFiles")
    assert "blog-db" in source.describe(err) and "not there" in source.describe(err)
