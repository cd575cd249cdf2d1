"""Issue 9 through the installed command against the fake Ollama: human-first rounds (`new
--human-first`, hidden ideas in show / show --json / export / stats / history, `reveal`, the
comparison in `stats`), ensembles (`ask --models --temperatures --seeds`: concurrency, source
labels, partial failure, exit codes) and near-duplicates (`show` flags, `stats` diversity)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli_support import Run, show_json
from tests.fakes import FakeOllama

HIDDEN_REPLY = (
    "1. Plant moss walls to absorb sound.\n"
    "2. Noise-cancelling phone booths for calls.\n"
    "3. Carpet the floors to dampen footsteps."
)


def ok(result: Any) -> Any:
    assert result.returncode == 0, result.stderr
    return result


def human_first_session(run: Run) -> str:
    result = ok(run("new", "Quieter offices", "--human-first"))
    assert "brainstorm reveal" in result.stderr
    return str(result.stdout.strip())


@pytest.fixture
def round_session(run: Run, fake_ollama: FakeOllama) -> str:
    """A human-first session: two ideas of the person's, then three hidden model ideas."""
    fake_ollama.reply_for("llama3.2", HIDDEN_REPLY)
    session = human_first_session(run)
    ok(run("add", session, "Moss walls that absorb sound"))
    ok(run("add", session, "Quiet hours every morning"))
    asked = json.loads(ok(run("ask", session, "--json")).stdout)
    assert (asked["status"], asked["ideas"], asked["hidden"]) == ("ok", [], 3)
    assert asked["results"][0]["ideas"] == [3, 4, 5]
    assert "moss" not in json.dumps(asked).lower()
    return session


def test_model_ideas_stay_hidden_until_revealed(run: Run, round_session: str) -> None:
    session = round_session
    data = show_json(run, session)
    assert (data["human_first"], data["revealed"], data["hidden_ideas"]) == (True, False, 3)
    assert [i["text"] for i in data["ideas"]] == [
        "Moss walls that absorb sound",
        "Quiet hours every morning",
    ]
    assert "Plant moss" not in json.dumps(data)
    # The person's idea and the hidden "Plant moss walls" are near-duplicates: no hint of it.
    assert data["duplicates"]["groups"] == [] and data["ideas"][0]["duplicates"] == []

    shown = ok(run("show", session)).stdout
    assert "3 model idea(s) hidden until you reveal them" in shown
    assert "Plant moss" not in shown and "phone booths" not in shown.lower()
    exported = ok(run("export", session, "-o", "-")).stdout
    assert "Plant moss" not in exported
    table = ok(run("stats", session)).stdout
    assert "Plant moss" not in table and "hidden until you reveal" in table
    stats = json.loads(ok(run("stats", session, "--json")).stdout)
    assert stats["human_first"]["revealed"] is False
    assert stats["human_first"]["model_duplicating_human"] is None
    assert "Plant moss" not in json.dumps(stats)
    for args in (("history", session, "3"), ("edit", session, "3", "--text", "x")):
        refused = run(*args)
        assert refused.returncode == 1 and "hidden until you reveal" in refused.stderr
        assert "Plant moss" not in refused.stdout + refused.stderr
    assert run("accept", session, "3").returncode == 1

    revealed = ok(run("reveal", session))
    assert "Plant moss walls to absorb sound" in revealed.stdout
    assert "Revealed 3 model idea(s)" in revealed.stdout
    data = show_json(run, session)
    assert (data["revealed"], data["hidden_ideas"], len(data["ideas"])) == (True, 0, 5)
    assert data["ideas"][2]["before_reveal"] is True
    again = ok(run("reveal", session))
    assert "already revealed" in again.stdout
    plain = ok(run("new", "open session")).stdout.strip()
    refused = run("reveal", plain)
    assert refused.returncode == 1 and "not started human-first" in refused.stderr


def test_hidden_ideas_cannot_be_opened_in_the_editor_or_half_reviewed(
    run: Run, round_session: str, tmp_path: Path
) -> None:
    session = round_session
    seen = tmp_path / "seen.txt"
    # An "editor" that keeps whatever it was shown: the hidden text must never reach it.
    editor = f"sh -c 'cat \"$1\" >> {seen}' sh"
    refused = run("edit", session, "3", VISUAL=editor)
    assert refused.returncode == 1 and "hidden until you reveal" in refused.stderr
    assert not seen.exists()
    # Every idea is checked before any is recorded: #2 is not rejected because #3 is hidden.
    refused = run("reject", session, "2", "3")
    assert refused.returncode == 1 and "hidden until you reveal" in refused.stderr
    assert "nothing recorded" in refused.stderr
    statuses = {i["id"]: i["status"] for i in show_json(run, session)["ideas"]}
    assert statuses == {1: "accepted", 2: "accepted"}


def test_stats_compare_the_person_with_the_model(
    run: Run, round_session: str, fake_ollama: FakeOllama
) -> None:
    session = round_session
    ok(run("reveal", session))
    ok(run("edit", session, "4", "--text", "Phone booths for calls"))
    ok(run("accept", session, "3", "4"))
    ok(run("reject", session, "2"))
    fake_ollama.reply_for("llama3.2", "1. A library of earplugs.")
    ok(run("ask", session))  # after the reveal: shown at once, not compared
    ok(run("add", session, "Signs asking for quiet"))
    stats = json.loads(ok(run("stats", session, "--json")).stdout)
    hf = stats["human_first"]
    assert hf["human"] == {"ideas": 2, "accepted": 1, "rejected": 1, "draft": 0}
    assert hf["model"] == {"ideas": 3, "accepted": 2, "rejected": 0, "draft": 1}
    assert hf["after_reveal"] == {"human": 1, "model": 1}
    assert hf["model_revision"]["edited_model_ideas"] == 1
    assert hf["model_revision"]["accepted_as_is"] == 1
    assert hf["model_duplicating_human"] == 1
    assert hf["duplicates"][0]["model_idea"] == 3 and hf["duplicates"][0]["human_idea"] == 1
    assert hf["model_duplicate_share"] == pytest.approx(1 / 3)
    # The session's duplicate groups and diversity cover human and model ideas alike.
    assert stats["duplicates"]["groups"][0]["ideas"] == [1, 3]
    assert stats["duplicates"]["distinct"] == 6 and stats["duplicates"]["ideas"] == 7
    assert stats["duplicates"]["distinct_share"] == pytest.approx(6 / 7)
    assert 0 < stats["duplicates"]["mean_pairwise_distance"] < 1
    assert {i["id"]: i["duplicates"] for i in stats["ideas"]}[3] == [1]

    table = ok(run("stats", session)).stdout
    assert "Human-first round" in table and "duplicated one of yours" in table
    assert "distinct ideas" in table and "6 of 7" in table
    assert "#1 ≈ #3" in table  # the group: its leader, then its members

    shown = ok(run("show", session)).stdout
    assert "≈ #3" in shown and "≈ #1" in shown
    assert "1 group(s), 6 distinct of 7 ideas" in shown
    data = show_json(run, session)
    assert {i["id"]: i["duplicates"] for i in data["ideas"]}[1] == [3]

    # A stricter threshold from the command line, or from the environment.
    strict = json.loads(ok(run("stats", session, "--json", "--threshold", "0.99")).stdout)
    assert strict["duplicates"]["groups"] == [] and strict["duplicates"]["threshold"] == 0.99
    shown = ok(run("show", session, BRAINSTORM_DUPLICATE_THRESHOLD="0.99")).stdout
    assert "≈" not in shown
    bad = run("stats", session, "--threshold", "1.5")
    assert bad.returncode == 1 and "duplicate_threshold" in bad.stderr


def test_ensemble_fans_out_concurrently_with_source_labels(
    run: Run, fake_ollama: FakeOllama
) -> None:
    fake_ollama.add_model("qwen3", reply="1. Phone booths.")
    fake_ollama.reply_for("llama3.2", "1. Moss walls.\n2. Quiet hours.")
    fake_ollama.chunk_delay = 0.03
    session = ok(run("new", "Quieter offices")).stdout.strip()
    result = ok(
        run(
            "ask",
            session,
            "--models",
            "llama3.2,qwen3",
            "--temperatures",
            "0.3,0.9",
            "--seeds",
            "7",
            "-o",
            "num_ctx=2048",
        )
    )
    assert fake_ollama.max_in_flight >= 2
    chats = fake_ollama.requests_to("/api/chat")
    assert sorted((r.model, r.options["temperature"], r.options["seed"]) for r in chats) == [
        ("llama3.2", 0.3, 7),
        ("llama3.2", 0.9, 7),
        ("qwen3", 0.3, 7),
        ("qwen3", 0.9, 7),
    ]
    assert all(r.options["num_ctx"] == 2048 for r in chats)
    out = result.stdout
    assert "── llama3.2 @ t=0.3, seed 7: 2 draft idea(s)" in out
    assert "── qwen3 @ t=0.9, seed 7: 1 draft idea(s)" in out
    assert "by ollama:qwen3 @ t=0.9, seed 7" in out
    assert "6 draft idea(s) saved" in out
    assert "4 sources at once" in result.stderr

    data = show_json(run, session)
    sources = sorted(i["source"] for i in data["ideas"])
    assert sources == [
        "ollama:llama3.2 @ t=0.3, seed 7",
        "ollama:llama3.2 @ t=0.3, seed 7",
        "ollama:llama3.2 @ t=0.9, seed 7",
        "ollama:llama3.2 @ t=0.9, seed 7",
        "ollama:qwen3 @ t=0.3, seed 7",
        "ollama:qwen3 @ t=0.9, seed 7",
    ]
    assert sorted(i["id"] for i in data["ideas"]) == list(range(1, 7))
    # The same ideas from several sources are flagged as near-duplicates.
    groups = data["duplicates"]["groups"]
    assert sorted(len(g["ideas"]) for g in groups) == [2, 2, 2]
    shown = ok(run("show", session)).stdout
    assert "by ollama:llama3.2 @ t=0.9, seed 7" in shown and "≈ #" in shown


def test_ensemble_json_and_partial_failure(run: Run, sessions: Path) -> None:
    session = ok(run("new", "Quieter offices")).stdout.strip()
    result = run("ask", session, "--models", "llama3.2,missing", "--json")
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert data["status"] == "partial" and data["prompt_id"] is None
    by_source = {r["source"]: r for r in data["results"]}
    answered, missing = by_source["ollama:llama3.2"], by_source["ollama:missing"]
    assert answered["status"] == "ok" and len(answered["ideas"]) == 3
    assert answered["model"] == "llama3.2" and answered["member"] == "llama3.2"
    assert missing["status"] == "failed" and "missing" in missing["error"]
    assert missing["model"] is None  # `model` names only a model that wrote something
    assert len(data["ideas"]) == 3
    assert "1 of 2 sources failed" in result.stderr and "missing" in result.stderr
    events = [json.loads(line) for line in (sessions / f"{session}.jsonl").read_text().splitlines()]
    outcomes = [e["type"] for e in events if e["type"].startswith("generation_")]
    assert sorted(outcomes) == ["generation_completed", "generation_failed"]

    # Every model missing: nothing could run, exit 3 (as for ask).
    none = run("ask", session, "--models", "gone1,gone2")
    assert none.returncode == 3 and "gone" in none.stderr


def test_ensemble_when_ollama_is_down_exits_3(run: Run, dead_ollama_url: str) -> None:
    session = ok(run("new", "x")).stdout.strip()
    result = run(
        "ask", session, "--models", "a,b", "--temperatures", "0.5", OLLAMA_HOST=dead_ollama_url
    )
    assert result.returncode == 3 and "Cannot reach Ollama" in result.stderr
    assert result.stderr.count("Cannot reach Ollama") == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--temperatures", "hot"), "not a number"),
        (("--seeds", "1.5"), "whole number"),
        (("--models", ","), "at least one model"),
    ],
)
def test_bad_ensemble_lists_are_usage_errors(run: Run, args: tuple[str, ...], message: str) -> None:
    session = ok(run("new", "x")).stdout.strip()
    result = run("ask", session, *args)
    assert result.returncode == 2 and message in result.stderr


def test_single_source_ask_is_unchanged(run: Run, fake_ollama: FakeOllama) -> None:
    session = ok(run("new", "x")).stdout.strip()
    data = json.loads(ok(run("ask", session, "--json")).stdout)
    assert data["status"] == "ok" and data["prompt_id"] and len(data["ideas"]) == 3
    assert data["ideas"][0]["source"] == "ollama:llama3.2"
    assert "temperature" not in fake_ollama.requests_to("/api/chat")[0].options
    single_t = ok(run("ask", session, "--temperatures", "0.2"))
    assert "by ollama:llama3.2 @ t=0.2" in single_t.stdout and "──" not in single_t.stdout


# --- batches ----------------------------------------------------------------------------------


def test_batch_ensemble_runs_every_member_and_resumes_each(
    run: Run, fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    fake_ollama.add_model("qwen3", reply="1. Phone booths.")
    fake_ollama.chunk_delay = 0.02
    batch = tmp_path / "ideas.jsonl"
    batch.write_text(
        '{"prompt": "quiet rooms"}\n'
        '{"prompt": "plants", "model": "llama3.2"}\n'
        '{"prompt": "light", "options": {"temperature": 0.5}}\n'
    )
    args = ("batch", str(batch), "--models", "llama3.2,qwen3,gone", "--temperatures", "0.2,0.8")
    first = run(*args, "--json", "-j", "8")
    assert first.returncode == 4, first.stderr  # the "gone" members failed, the others ran
    results = [json.loads(line) for line in first.stdout.splitlines()]
    by_where: dict[str, list[str]] = {}
    for r in results:
        by_where.setdefault(r["where"], []).append(r["member"])
        assert r["source"] == f"ollama:{r['member'].split(' @ ')[0]}"  # who answered
    # 3 models × 2 temperatures; an entry's own model or temperature wins over the flags.
    assert sorted(by_where["line 1"]) == [
        "gone @ t=0.2",
        "gone @ t=0.8",
        "llama3.2 @ t=0.2",
        "llama3.2 @ t=0.8",
        "qwen3 @ t=0.2",
        "qwen3 @ t=0.8",
    ]
    assert sorted(by_where["line 2"]) == ["llama3.2 @ t=0.2", "llama3.2 @ t=0.8"]
    assert sorted(by_where["line 3"]) == ["gone @ t=0.5", "llama3.2 @ t=0.5", "qwen3 @ t=0.5"]
    assert len({r["batch_key"] for r in results}) == len(results) == 11
    failed = sorted(r["member"] for r in results if r["status"] == "failed")
    assert failed == ["gone @ t=0.2", "gone @ t=0.5", "gone @ t=0.8"]
    assert fake_ollama.max_in_flight >= 2
    assert "ensemble of 9" in first.stderr and "line 1 [gone @ t=0.2]" in first.stderr

    # Only the members that did not complete run again.
    fake_ollama.add_model("gone", reply="1. Back again.")
    fake_ollama.clear_records()
    again = run(*args, "--resume", "--json")
    assert again.returncode == 0, again.stderr
    rerun = sorted(json.loads(line)["member"] for line in again.stdout.splitlines())
    assert rerun == failed
    session = results[0]["session"]
    data = show_json(run, session)
    assert "ollama:gone @ t=0.5" in {i["source"] for i in data["ideas"]}


def test_batch_into_a_human_first_session_stores_hidden_ideas(
    run: Run, fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    ok(run("new", "Quieter offices", "--human-first", "--name", "round"))
    batch = tmp_path / "ideas.txt"
    batch.write_text("quiet rooms\n")
    result = run("batch", str(batch), "--session", "round", "--temperatures", "0.1,0.9")
    assert result.returncode == 0, result.stderr
    asked = ok(run("ask", "round"))
    assert "3 model idea(s) saved hidden" in asked.stdout and "#" not in asked.stdout
    data = show_json(run, "round")
    assert data["ideas"] == [] and data["hidden_ideas"] == 9
    ok(run("reveal", "round"))
    assert len(show_json(run, "round")["ideas"]) == 9
