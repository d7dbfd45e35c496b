"""The command line, end to end on the demo data with the default model and a real SQLite file."""
from __future__ import annotations

import json

import pytest

from monitor.cli import main
from sources.demo import load_items


@pytest.fixture
def polled(tmp_path, db_url, capsys):
    """One `poll --once` of the demo source with every sample released."""
    cfg = tmp_path / "config.toml"
    cfg.write_text("[sources.demo]\nenabled = true\nrelease_seconds = 0\n", encoding="utf-8")
    assert main(["--config", str(cfg), "--db", db_url, "poll", "--once"]) == 0
    capsys.readouterr()
    return ["--config", str(cfg), "--db", db_url]


def queue(args, capsys) -> list[dict]:
    assert main([*args, "queue", "--format", "json"]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


@pytest.mark.slow
def test_poll_queues_drafts_for_complaints_and_none_for_praise(polled, capsys):
    cases = {c["url"].rsplit("/", 1)[-1]: c for c in queue(polled, capsys)}
    items = {i["id"]: i for i in load_items()}
    praise = [i for i in items.values() if i.get("kind") == "praise" and i["language"] == "en"]
    assert praise and not any(p["id"] in cases for p in praise if p["rating"] in (4, 5))
    one_star = [i for i in items.values() if i["rating"] == 1]
    assert all(i["id"] in cases for i in one_star)  # a 1-star review always needs an answer
    for case in cases.values():
        assert case["draft"], case
        assert case["seconds_left"] is not None and 0 < case["seconds_left"] <= 3600 + 300
    deadlines = [c["deadline_at"] for c in queue(polled, capsys)]
    assert deadlines == sorted(deadlines)


@pytest.mark.slow
def test_queue_table_shows_time_left(polled, capsys):
    assert main([*polled, "queue"]) == 0
    out = capsys.readouterr().out
    assert "TIME LEFT" in out and "m left" in out


@pytest.mark.slow
def test_show_approve_with_edit_and_reject(polled, capsys, monkeypatch):
    first, second = queue(polled, capsys)[:2]
    assert main([*polled, "show", str(first["id"])]) == 0
    shown = capsys.readouterr().out
    assert "Customer wrote:" in shown and first["draft"].splitlines()[0] in shown

    monkeypatch.setenv("REPLYWATCH_USER", "lead@acme")
    assert main([*polled, "approve", str(first["id"]), "--text", "Sorry! We are on it."]) == 0
    out = capsys.readouterr().out
    assert "approved by lead@acme" in out and "post it manually" in out and "Sorry! We are on it." in out
    assert main([*polled, "show", str(first["id"])]) == 0
    shown = capsys.readouterr().out
    assert "approved by lead@acme" in shown and "Edited and sent as:" in shown

    assert main([*polled, "reject", str(second["id"]), "--reason", "duplicate of another case"]) == 0
    assert "rejected" in capsys.readouterr().out
    remaining = {c["id"] for c in queue(polled, capsys)}
    assert first["id"] not in remaining and second["id"] not in remaining

    assert main([*polled, "approve", str(first["id"])]) == 1
    assert "post_manually" in capsys.readouterr().err


@pytest.mark.slow
def test_triage_lists_mentions_in_languages_the_model_does_not_cover(polled, capsys):
    assert main([*polled, "triage", "--format", "json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows, "the demo has non-English complaints without a rating"
    for row in rows:
        assert "language not covered by the model" in " ".join(row["reasons"])
        assert row["deadline_at"] is None


def test_show_unknown_case_fails_cleanly(db_url, capsys):
    assert main(["--db", db_url, "show", "999"]) == 1
    assert "no case 999" in capsys.readouterr().err


def test_bad_config_value_exits_2_naming_the_key(tmp_path, capsys):
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[judge]\nthreshold = 7\n", encoding="utf-8")
    assert main(["--config", str(cfg), "check"]) == 2
    assert "judge.threshold" in capsys.readouterr().err


@pytest.mark.slow
def test_judge_prints_one_json_object_per_line(capsys, monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("My parcel never arrived, worst service ever\n\nLove it, thanks!\n"))
    assert main(["judge"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["needs_response"] for r in rows] == [True, False]
    assert {"text", "label", "scores", "needs_response", "language"} <= set(rows[0])
    assert main(["judge", "Спасибо, всё отлично"]) == 0
    ru = json.loads(capsys.readouterr().out)
    assert ru["language"] == "ru" and ru["covered"] is False


def test_check_reports_each_enabled_source(tmp_path, capsys):
    cfg = tmp_path / "config.toml"
    cfg.write_text("[sources.demo]\nenabled = true\n", encoding="utf-8")
    assert main(["--config", str(cfg), "--db", f"sqlite:///{tmp_path / 'c.db'}", "check"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("config: ok") and "demo: ok 76 sample mentions" in out
