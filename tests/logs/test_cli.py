"""`hostwiz logs` on stdout: CloudWatch on moto with --grep, bad input, unknown stack."""

from __future__ import annotations

import time

from hostwiz.cli import main

GROUP = "/hostwiz/blog/app"


def test_logs_prints_matching_lines_of_a_cloudwatch_group(moto, state_dir, capsys, monkeypatch):
    from hostwiz.cli import logs as cli_logs
    from hostwiz.provisioners.aws import Aws

    monkeypatch.setattr(cli_logs, "QUIET", 0.3)
    client = Aws(region="us-east-1").client("logs")
    client.create_log_group(logGroupName=GROUP)
    client.create_log_stream(logGroupName=GROUP, logStreamName="web-1")
    now = int(time.time() * 1000)
    client.put_log_events(logGroupName=GROUP, logStreamName="web-1", logEvents=[
        {"timestamp": now + i, "message": m} for i, m in enumerate(["GET / 200", "GET /x 500", "ERROR boom"])])
    client.put_log_events(logGroupName=GROUP, logStreamName="web-1", logEvents=[
        {"timestamp": now - 3_600_000, "message": "ERROR an hour ago"}])
    code = main(["logs", "blog", "--source", f"cw:{GROUP}", "--grep", r"500|ERROR", "--state-dir", str(state_dir)])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert [line.split(" ", 2)[1:] for line in out] == [[f"cw:{GROUP}", "GET /x 500"], [f"cw:{GROUP}", "ERROR boom"]]
    assert main(["logs", "blog", "-s", f"cw:{GROUP}", "-g", "ERROR", "--since", "2h", "--state-dir", str(state_dir)]) == 0
    assert [line.split(" ", 2)[2] for line in capsys.readouterr().out.splitlines()] == ["ERROR an hour ago", "ERROR boom"]


def test_bad_input_exits_2_before_anything_is_contacted(state_dir, capsys):
    assert main(["logs", "blog", "--grep", "a(", "--state-dir", str(state_dir)]) == 2
    assert "--grep" in capsys.readouterr().err
    assert main(["logs", "blog", "--source", "syslog", "--state-dir", str(state_dir)]) == 2
    assert "unknown log source 'syslog'" in capsys.readouterr().err
    assert main(["logs", "blog", "--since", "yesterday", "--state-dir", str(state_dir)]) == 2
    assert "like 30s, 10m" in capsys.readouterr().err


def test_an_unknown_stack_says_how_to_find_one(moto, state_dir, capsys):
    assert main(["logs", "nope", "--state-dir", str(state_dir)]) == 2  # bad input, as from every command
    assert "hostwiz status" in capsys.readouterr().err
