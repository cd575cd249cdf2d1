"""Scripted prompt batches: file formats, batch keys, concurrency, failures, interrupt + resume.

Behaviour is tested through the installed `brainstorm` command against the fake Ollama server
(never a mocked client); parsing and keys are tested in-process. Nothing sleeps to synchronise:
tests park the fake's streams with `hold()` and wait on its condition variable, and read the
child's `--json` lines as they come.
"""

from __future__ import annotations

import json
import os
import pty
import queue
import signal
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import pytest

from brainstorm.batch import (
    BatchError,
    BatchOptions,
    BatchProgress,
    PlannedPrompt,
    PromptResult,
    batch_keys,
    load_batch,
    parse_batch,
    plan_batch,
    run_batch,
)
from brainstorm.duplicates import Similarity, find_duplicates, session_items
from brainstorm.events import GenerationFailed, IdeaDrafted, PromptSent, Status
from brainstorm.llm.ollama import OllamaBackend
from brainstorm.session_log import read_events
from brainstorm.store import SessionStore
from tests.cli_support import read_until_closed
from tests.fakes import FakeOllama

BRAINSTORM = Path(__file__).resolve().parents[1] / ".venv" / "bin" / "brainstorm"
TIMEOUT = 30.0

# A reply streamed in 10 chunks: with `hold(after=3)` it parks mid-way, with three ideas' worth
# of text already sent.
SLOW_CHUNKS = [
    "1. Alpha: quiet ",
    "rooms for calls.\n",
    "2. Beta: a ",
    "shared calendar.\n",
    "3. Gamma: ",
    "noise maps.\n",
    "4. Delta: ",
    "plants on ",
    "every desk.\n",
    "5. Epsilon: done.",
]
FAST_CHUNKS = ["1. One quick idea.\n", "2. Another."]  # never reaches a hold(after=3) point


def parse(text: str, name: str = "ideas.txt", fmt: Any = None) -> list[Any]:
    batch = parse_batch(text.encode(), source=name, name=name, fmt=fmt)
    return batch.entries


# --- parsing (in-process, no server) --------------------------------------------------------


def test_plain_text_one_prompt_per_line_skipping_blanks_and_comments() -> None:
    entries = parse("# ideas for the office\nquieter rooms\n\n  cheaper lunches  \n#x\n")
    assert [(e.entry.prompt, e.where, e.index) for e in entries] == [
        ("quieter rooms", "line 2", 1),
        ("cheaper lunches", "line 4", 2),
    ]


def test_json_lines_objects_with_every_field() -> None:
    text = (
        '{"prompt": "cheaper", "topic": "office lunches", "technique": "scamper",'
        ' "model": "m2", "options": {"temperature": 0.2}, "session": "lunch", "id": "a"}\n'
        "\n"
        '{"topic": "only a topic"}\n'
    )
    first, second = parse(text, "b.jsonl")
    assert first.entry.model_dump() == {
        "prompt": "cheaper",
        "topic": "office lunches",
        "technique": "scamper",
        "model": "m2",
        "options": {"temperature": 0.2},
        "session": "lunch",
        "id": "a",
    }
    assert first.key == "id:a"
    assert (second.entry.prompt, second.entry.topic, second.where) == ("", "only a topic", "line 3")


def test_toml_tables_list_and_file_wide_defaults() -> None:
    text = """
topic = "a quieter office"
options = { temperature = 0.5 }

[[prompt]]
prompt = "using plants"
options = { seed = 1 }

[[prompt]]
prompt = "using furniture"
topic = "a cheaper office"
"""
    entries = parse(text, "b.toml")
    assert [(e.entry.prompt, e.entry.topic, e.entry.options, e.where) for e in entries] == [
        ("using plants", "a quieter office", {"temperature": 0.5, "seed": 1}, "[[prompt]] 1"),
        ("using furniture", "a cheaper office", {"temperature": 0.5}, "[[prompt]] 2"),
    ]
    listed = parse('prompts = ["one", { prompt = "two", model = "m" }]\n', "b.toml")
    assert [(e.entry.prompt, e.entry.model, e.where) for e in listed] == [
        ("one", None, "prompts[1]"),
        ("two", "m", "prompts[2]"),
    ]


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        ('{"prompt": "a"}\n{"prompt": "b"}\n', "jsonl"),
        ('# my batch\n[[prompt]]\nprompt = "a"\n', "toml"),
        ('prompts = ["a", "b"]\n', "toml"),
        ("a\nb\n", "text"),
        ("# {not json}\njust words = fine\n", "text"),
    ],
)
def test_format_is_detected_from_content_without_an_extension(text: str, fmt: str) -> None:
    assert parse_batch(text.encode(), source="<stdin>", name="stdin").format == fmt


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("b.jsonl", '{"prompt": "ok"}\n{"prompt": "a",\n', "b.jsonl:2: not valid JSON"),
        ("b.jsonl", '{"prompt": "ok"}\n["a"]\n', "b.jsonl:2: expected a JSON object"),
        ("b.jsonl", '{"promt": "typo"}\n', "b.jsonl:1: unknown key 'promt'"),
        ("b.jsonl", '{"prompt": 7}\n', "b.jsonl:1: key 'prompt': Input should be a valid string"),
        ("b.jsonl", '{"prompt": "a", "options": [1]}\n', "b.jsonl:1: key 'options'"),
        ("b.jsonl", '{"prompt": "a", "session": "../etc"}\n', "b.jsonl:1: key 'session': invalid"),
        ("b.jsonl", '{"prompt": "  "}\n', "b.jsonl:1: an entry needs a prompt"),
        (
            "b.jsonl",
            '{"id": "x", "prompt": "a"}\n{"id": "x", "prompt": "b"}\n',
            "b.jsonl:2: id 'x'",
        ),
        ("b.toml", '[[prompt]]\nprompt = "a"\nprompt = "b"\n', "b.toml: not valid TOML"),
        ("b.toml", '[[prompt]]\nprompt = "a"\n[[prompt]]\nmodel = 3\n', "b.toml: [[prompt]] 2:"),
        ("b.toml", 'promts = ["a"]\n', "b.toml: unknown key 'promts'"),
        ("b.toml", '[[prompt]]\nprompt = "a"\nprompts = ["b"]\n', "b.toml: [[prompt]] 1: unknown"),
        ("b.toml", 'prompt = "a"\n', "b.toml: key 'prompt' must be [[prompt]] tables"),
        ("b.toml", 'prompts = ["a", 3]\n', "b.toml: prompts[2]: expected a string or a table"),
        ("b.toml", 'model = 1\nprompts = ["a"]\n', "b.toml: top-level key 'model'"),
        ("b.txt", "# only comments\n\n", "b.txt: no prompts found"),
        ("b.txt", "ok\n\xff\n", "b.txt:2: not valid UTF-8"),
    ],
)
def test_bad_files_name_the_line_or_key(name: str, text: str, expected: str) -> None:
    data = text.encode("latin-1") if "\xff" in text else text.encode()
    with pytest.raises(BatchError) as raised:
        parse_batch(data, source=name, name=name)
    assert str(raised.value).startswith(expected), str(raised.value)


def test_several_bad_entries_report_the_first_and_count_the_rest() -> None:
    with pytest.raises(BatchError, match=r"^b.jsonl:1: .*\(and 2 more entries with problems\)$"):
        parse('{}\n{}\n{"prompt": "fine"}\n{}\n', "b.jsonl")


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(BatchError, match=r"cannot read .*nope\.txt: No such file"):
        load_batch(str(tmp_path / "nope.txt"))


def test_batch_keys_are_stable_across_formats_whitespace_and_reordering() -> None:
    text_keys = [e.key for e in parse("quieter  rooms\ncheaper lunches\n")]
    jsonl_keys = [e.key for e in parse('{"prompt": "quieter rooms"}\n', "b.jsonl")]
    assert jsonl_keys[0] == text_keys[0]
    reordered = [e.key for e in parse("new first line\ncheaper lunches\nquieter rooms\n")]
    assert reordered[1:] == [text_keys[1], text_keys[0]]
    twice = [e.key for e in parse("same\nsame\n")]
    assert len(set(twice)) == 2  # listed twice, runs twice
    different_model = parse('{"prompt": "quieter rooms", "model": "m"}\n', "b.jsonl")
    assert different_model[0].key != text_keys[0]


def test_batch_keys_ignore_the_session_and_honour_explicit_ids() -> None:
    a, b, c = (
        e.entry
        for e in parse(
            '{"prompt": "p"}\n{"prompt": "p", "session": "s"}\n{"prompt": "p", "id": "x"}\n',
            "b.jsonl",
        )
    )
    assert batch_keys([a]) == batch_keys([b])
    assert batch_keys([c]) == ["id:x"]


# --- the command ------------------------------------------------------------------------------


@pytest.fixture
def sessions(tmp_path: Path) -> Path:
    return tmp_path / "sessions"


@pytest.fixture
def env(fake_ollama: FakeOllama, sessions: Path, tmp_path: Path) -> dict[str, str]:
    fake_ollama.add_model("llama3.2")
    fake_ollama.add_model("fast", chunks=FAST_CHUNKS)
    fake_ollama.add_model("slow", chunks=SLOW_CHUNKS)
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("BRAINSTORM_", "OLLAMA"))}
    environ.update(
        BRAINSTORM_SESSIONS_DIR=str(sessions),
        BRAINSTORM_CONFIG=str(tmp_path / "no-config.toml"),
        BRAINSTORM_BACKEND="ollama",
        OLLAMA_HOST=fake_ollama.url,
        NO_COLOR="1",
        COLUMNS="200",
    )
    return environ


def brainstorm(
    env: dict[str, str], *args: str, stdin: str | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BRAINSTORM), *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        cwd=cwd,
    )


def json_lines(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def events(sessions: Path, session_id: str) -> list[Any]:
    return read_events(sessions / f"{session_id}.jsonl")[0]


def completed_keys(sessions: Path, session_id: str) -> list[str]:
    """The batch key of every completed prompt, once per completion."""
    store = SessionStore(sessions)
    prompts = store.load(session_id).session.prompts.values()
    return [p.batch_key for p in prompts if p.outcome == "completed" and p.batch_key]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


FORMATS = {
    "ideas.txt": "quieter rooms\n# skipped\n\ncheaper lunches\nbetter onboarding\n",
    "ideas.jsonl": (
        '{"prompt": "quieter rooms"}\n{"prompt": "cheaper lunches", "topic": "the office"}\n'
        '{"prompt": "better onboarding", "options": {"temperature": 0.1}}\n'
    ),
    "ideas.toml": (
        'topic = "the office"\nprompts = ["quieter rooms"]\n'
        '[[prompt]]\nprompt = "cheaper lunches"\n'
        '[[prompt]]\nprompt = "better onboarding"\noptions = { temperature = 0.1 }\n'
    ),
}


@pytest.mark.parametrize(
    ("name", "from_stdin"),
    [("ideas.txt", False), ("ideas.jsonl", False), ("ideas.toml", False), ("ideas.toml", True)],
    ids=["text", "jsonl", "toml", "toml-on-stdin"],
)
def test_each_format_runs_every_prompt_into_draft_ideas(
    name: str,
    from_stdin: bool,
    env: dict[str, str],
    fake_ollama: FakeOllama,
    sessions: Path,
    tmp_path: Path,
) -> None:
    text = FORMATS[name]
    if from_stdin:
        result = brainstorm(env, "batch", "-", "--json", stdin=text)
        session_id = "batch-stdin"
    else:
        result = brainstorm(env, "batch", str(write(tmp_path, name, text)), "--json")
        session_id = "batch-" + name.replace(".", "-")
    assert result.returncode == 0, result.stderr
    lines = json_lines(result.stdout)
    assert sorted(line["prompt"] for line in lines) == [
        "better onboarding",
        "cheaper lunches",
        "quieter rooms",
    ]
    assert {line["status"] for line in lines} == {"completed"}
    assert {line["session"] for line in lines} == {session_id}
    assert all(len(line["ideas"]) == 3 and line["error"] is None for line in lines)
    chats = fake_ollama.requests_to("/api/chat")
    assert len(chats) == 3
    by_prompt = {line["prompt"]: line for line in lines}
    assert by_prompt["better onboarding"]["index"] == 3
    temps = [r.options.get("temperature") for r in chats]
    assert temps.count(0.1) == (0 if name == "ideas.txt" else 1)  # options reach the model

    # Stored exactly as interactive use stores them: prompt_sent (with the batch key), one
    # idea_drafted per idea, generation_completed; every idea a DRAFT from the model.
    loaded = SessionStore(sessions).load(session_id).session
    assert len(loaded.ideas) == 9
    assert {idea.status for idea in loaded.ideas.values()} == {Status.DRAFT}
    assert {idea.model for idea in loaded.ideas.values()} == {"llama3.2"}
    assert sorted(completed_keys(sessions, session_id)) == sorted(
        line["batch_key"] for line in lines
    )
    kinds = [type(e).__name__ for e in events(sessions, session_id)]
    assert kinds.count("PromptSent") == 3 and kinds.count("GenerationCompleted") == 3
    asked = [" ".join(m["content"] for m in r.messages) for r in chats]
    quieter = next(text for text in asked if "quieter rooms" in text)
    assert ("the office" in quieter) == (name == "ideas.toml")  # TOML's file-wide topic


def test_plain_text_progress_lines_on_stderr(env: dict[str, str], tmp_path: Path) -> None:
    result = brainstorm(env, "batch", str(write(tmp_path, "p.txt", "alpha\nbeta\n")))
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert "batch " in result.stderr and "2 prompt(s)" in result.stderr
    assert "[1/2] done" in result.stderr and "[2/2] done" in result.stderr
    assert "2 completed" in result.stderr
    assert "brainstorm show batch-p-txt" in result.stderr


def test_rich_progress_bar_on_a_terminal_while_json_goes_to_stdout(
    env: dict[str, str], tmp_path: Path
) -> None:
    batch = write(tmp_path, "tty.jsonl", '{"prompt": "a"}\n{"prompt": "b", "model": "ghost"}\n')
    controller, terminal = pty.openpty()
    child = subprocess.Popen(
        [str(BRAINSTORM), "batch", str(batch), "--json"],
        env={**env, "TERM": "xterm-256color"},
        stdout=subprocess.PIPE,
        stderr=terminal,
        text=True,
    )
    os.close(terminal)
    screen = read_until_closed(controller)
    out, _ = child.communicate(timeout=TIMEOUT)
    shown = screen.decode("utf-8", "replace")
    assert child.returncode == 4, shown
    assert "━" in shown and "2/2" in shown  # the bar, finished
    assert "ghost" in shown  # the failure is printed above the bar
    assert [line["status"] for line in json_lines(out)].count("completed") == 1
    assert "{" not in shown  # no JSON on the terminal's stderr


@contextmanager
def diagnosed(child: subprocess.Popen[str]) -> Iterator[None]:
    """Stop the child if the block fails, and add what it wrote on stderr to the failure."""
    try:
        yield
    except BaseException as failure:
        if child.poll() is None:
            child.kill()
        _, err = child.communicate(timeout=TIMEOUT)
        raise AssertionError(f"{failure}\n--- the batch's stderr:\n{err}") from failure
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def test_requests_overlap_up_to_the_concurrency_and_no_further(
    env: dict[str, str], fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    batch = write(tmp_path, "many.txt", "".join(f"prompt {n}\n" for n in range(7)))
    fake_ollama.hold(after=1)  # every stream parks after its first chunk
    child = subprocess.Popen(
        [str(BRAINSTORM), "batch", str(batch), "--concurrency", "3", "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    with diagnosed(child):
        assert fake_ollama.wait_for_held(3, timeout=TIMEOUT), "3 requests never overlapped"
        assert fake_ollama.held == 3
        fake_ollama.release()
        out, err = child.communicate(timeout=TIMEOUT)
    assert child.returncode == 0, err
    assert len(json_lines(out)) == 7
    assert 2 <= fake_ollama.max_in_flight <= 3


def test_one_missing_model_fails_that_prompt_only(
    env: dict[str, str], sessions: Path, tmp_path: Path
) -> None:
    batch = write(
        tmp_path,
        "mixed.jsonl",
        '{"prompt": "alpha"}\n{"prompt": "beta", "model": "ghost"}\n{"prompt": "gamma"}\n',
    )
    result = brainstorm(env, "batch", str(batch), "--json")
    assert result.returncode == 4, result.stderr
    by_prompt = {line["prompt"]: line for line in json_lines(result.stdout)}
    assert by_prompt["beta"]["status"] == "failed"
    assert "ghost" in by_prompt["beta"]["error"]
    assert by_prompt["beta"]["ideas"] == []
    assert [by_prompt[p]["status"] for p in ("alpha", "gamma")] == ["completed", "completed"]
    assert "FAILED" in result.stderr and "ghost" in result.stderr
    assert "--resume" in result.stderr

    stored = events(sessions, "batch-mixed-jsonl")
    failures = [e for e in stored if isinstance(e, GenerationFailed)]
    assert len(failures) == 1 and "ghost" in failures[0].reason
    drafts = [e for e in stored if isinstance(e, IdeaDrafted)]
    assert len(drafts) == 6 and all(d.model == "llama3.2" for d in drafts)


def test_every_model_missing_means_nothing_could_run(env: dict[str, str], tmp_path: Path) -> None:
    batch = write(tmp_path, "ghosts.txt", "alpha\nbeta\n")
    result = brainstorm(env, "batch", str(batch), "--model", "ghost", "--json")
    assert result.returncode == 3, result.stderr
    assert {line["status"] for line in json_lines(result.stdout)} == {"failed"}


def test_server_down_exits_3_before_creating_anything(
    env: dict[str, str], dead_ollama_url: str, sessions: Path, tmp_path: Path
) -> None:
    env = {**env, "OLLAMA_HOST": dead_ollama_url}
    result = brainstorm(env, "batch", str(write(tmp_path, "p.txt", "alpha\n")))
    assert result.returncode == 3
    assert "error:" in result.stderr
    assert not sessions.exists() or not list(sessions.glob("*.jsonl"))


@pytest.mark.parametrize(
    ("name", "text", "args", "expected"),
    [
        ("bad.jsonl", '{"prompt": "ok"}\n{"prompt": "a",\n', [], "bad.jsonl:2: not valid JSON"),
        ("bad.toml", '[[prompt]]\nprompt = "a"\nmodel = 3\n', [], "[[prompt]] 1: key 'model'"),
        ("bad.jsonl", '{"prompt": "a", "sesion": "x"}\n', [], "bad.jsonl:1: unknown key 'sesion'"),
        ("ok.txt", "alpha\n", ["--technique", "no-such"], "no-such"),
        ("bad.jsonl", '{"prompt": "a"}\n{"prompt": "b", "technique": "nope"}\n', [], ":2: "),
        ("ok.txt", "alpha\n", ["--session", "new-one"], "session 'new-one' does not exist yet"),
        ("ok.txt", "alpha\n", ["--session", "Bad/Name"], "invalid session name"),
        ("empty.txt", "\n# nothing\n", [], "no prompts found"),
    ],
)
def test_bad_input_is_one_clear_error_and_no_request(
    name: str,
    text: str,
    args: list[str],
    expected: str,
    env: dict[str, str],
    fake_ollama: FakeOllama,
    sessions: Path,
    tmp_path: Path,
) -> None:
    result = brainstorm(env, "batch", str(write(tmp_path, name, text)), *args)
    assert result.returncode == 1, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and expected in errors[0], result.stderr
    assert fake_ollama.requests == []
    assert not sessions.exists() or not list(sessions.glob("*.jsonl"))


def test_usage_errors_exit_2(env: dict[str, str], tmp_path: Path) -> None:
    batch = str(write(tmp_path, "p.txt", "alpha\n"))
    assert brainstorm(env, "batch", batch, "--concurrency", "0").returncode == 2
    assert brainstorm(env, "batch", batch, "--format", "yaml").returncode == 2
    assert brainstorm(env, "batch").returncode == 2


def test_a_session_in_use_is_refused_before_any_request(
    env: dict[str, str], fake_ollama: FakeOllama, sessions: Path, tmp_path: Path
) -> None:
    store = SessionStore(sessions)
    store.create("the office", name="office").close()
    with store.open_writer("office"):  # this process holds the session, like another batch
        result = brainstorm(
            env, "batch", str(write(tmp_path, "p.txt", "alpha\n")), "--session", "office"
        )
    assert result.returncode == 1
    assert f"session office is in use by pid {os.getpid()}" in result.stderr
    assert fake_ollama.requests == []


def test_named_sessions_are_created_with_the_entry_topic_and_used_as_context(
    env: dict[str, str], fake_ollama: FakeOllama, sessions: Path, tmp_path: Path
) -> None:
    batch = write(
        tmp_path,
        "s.jsonl",
        '{"prompt": "using plants", "topic": "a quieter office", "session": "quiet"}\n'
        '{"prompt": "using rugs", "session": "quiet"}\n'
        '{"prompt": "cheap lunches"}\n',
    )
    result = brainstorm(env, "batch", str(batch), "--json", "--session", "misc", "--topic", "food")
    assert result.returncode == 0, result.stderr
    by_prompt = {line["prompt"]: line["session"] for line in json_lines(result.stdout)}
    assert by_prompt == {"using plants": "quiet", "using rugs": "quiet", "cheap lunches": "misc"}
    store = SessionStore(sessions)
    assert store.load("quiet").session.topic == "food"  # --topic wins for new sessions
    assert store.load("misc").session.topic == "food"
    sent = {
        " ".join(m["content"] for m in r.messages): r for r in fake_ollama.requests_to("/api/chat")
    }
    rugs = next(text for text in sent if "using rugs" in text)
    assert "food" in rugs


def test_two_batches_at_once_get_separate_sessions_or_a_clear_refusal(
    env: dict[str, str], fake_ollama: FakeOllama, sessions: Path, tmp_path: Path
) -> None:
    batch = str(write(tmp_path, "twice.txt", "alpha\nbeta\n"))
    fake_ollama.hold(after=1)
    first, second = (
        subprocess.Popen(
            [str(BRAINSTORM), "batch", batch, "-j", "1", "--json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    )
    with diagnosed(first), diagnosed(second):
        assert fake_ollama.wait_for_held(2, timeout=TIMEOUT)  # both running at once
        # A third batch into a session one of them is writing is refused before any request.
        requests_before = len(fake_ollama.requests)
        store = SessionStore(sessions)
        running = sorted(store.ids())
        assert running == ["batch-twice-txt", "batch-twice-txt.2"]
        third = brainstorm(env, "batch", batch, "--resume")
        assert third.returncode == 1
        assert "is in use by pid" in third.stderr and "nothing was sent" in third.stderr
        assert len(fake_ollama.requests) == requests_before
        fake_ollama.release()
        outputs = [child.communicate(timeout=TIMEOUT)[0] for child in (first, second)]
    assert (first.returncode, second.returncode) == (0, 0)
    used = [{line["session"] for line in json_lines(out)} for out in outputs]
    assert sorted(session for group in used for session in group) == running
    for session_id in running:
        assert len(completed_keys(sessions, session_id)) == 2


def test_structured_output_and_options_reach_the_model(
    env: dict[str, str], fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    batch = write(
        tmp_path, "s.jsonl", '{"prompt": "a", "options": {"temperature": 0.3}}\n{"prompt": "b"}\n'
    )
    args = ("batch", str(batch), "--structured", "-o", "seed=7", "-o", "temperature=0.9")
    result = brainstorm(env, *args, "--json")
    assert result.returncode == 0, result.stderr
    chats = {
        next(m["content"] for m in r.messages if m["role"] == "user"): r
        for r in fake_ollama.requests_to("/api/chat")
    }
    options = sorted((r.options["seed"], r.options["temperature"]) for r in chats.values())
    assert options == [(7, 0.3), (7, 0.9)]  # the entry's own options win
    assert all(isinstance(r.format, dict) for r in chats.values())  # the ideas schema
    assert all(len(line["ideas"]) >= 1 for line in json_lines(result.stdout))


def test_prompt_without_any_topic_is_its_own_topic(
    env: dict[str, str], fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    result = brainstorm(env, "batch", str(write(tmp_path, "t.txt", "bicycle parking\n")))
    assert result.returncode == 0, result.stderr
    asked = " ".join(m["content"] for m in fake_ollama.last_request("/api/chat").messages)
    assert "bicycle parking" in asked
    assert "Batch:" not in asked


def test_each_run_gets_a_new_session_and_resume_continues_the_newest(
    env: dict[str, str],
    fake_ollama: FakeOllama,
    dead_ollama_url: str,
    sessions: Path,
    tmp_path: Path,
) -> None:
    batch = str(write(tmp_path, "runs.txt", "alpha\nbeta\n"))
    first = brainstorm(env, "batch", batch, "--json")
    second = brainstorm(env, "batch", batch, "--json")
    assert {line["session"] for line in json_lines(first.stdout)} == {"batch-runs-txt"}
    assert {line["session"] for line in json_lines(second.stdout)} == {"batch-runs-txt.2"}
    fake_ollama.clear_records()
    # Nothing left to run: no model is needed, so a stopped server does not matter.
    resumed = brainstorm({**env, "OLLAMA_HOST": dead_ollama_url}, "batch", batch, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout == ""
    assert "2 already completed (skipped)" in resumed.stderr
    assert fake_ollama.requests_to("/api/chat") == []
    # A prompt added to the file later is the only one a resume runs.
    Path(batch).write_text("alpha\nbeta\ngamma\n", encoding="utf-8")
    grown = brainstorm(env, "batch", batch, "--json", "--resume")
    assert [line["prompt"] for line in json_lines(grown.stdout)] == ["gamma"]
    assert {line["session"] for line in json_lines(grown.stdout)} == {"batch-runs-txt.2"}
    assert len(completed_keys(sessions, "batch-runs-txt.2")) == 3


def test_a_batch_leaves_the_near_duplicate_index_up_to_date(
    env: dict[str, str], sessions: Path, tmp_path: Path
) -> None:
    # The first show after a large batch used to compare every pair itself (issue 15); the
    # batch does it now, where the ideas are made, so show only reads the index file.
    batch = write(tmp_path, "warm.txt", "alpha\nbeta\ngamma\n")
    result = brainstorm(env, "batch", str(batch), "--json")
    assert result.returncode == 0, result.stderr
    assert len(json_lines(result.stdout)) == 3  # stdout stays JSON lines only
    assert "near-duplicates (batch-warm-txt): 9 ideas compared in" in result.stderr
    assert "Comparing" not in result.stderr  # no progress line: stderr is not a terminal
    index = sessions / "batch-warm-txt.dups.npz"
    written = (index.read_bytes(), index.stat().st_mtime_ns)

    shown = brainstorm(env, "show", "batch-warm-txt", "--json")
    assert shown.returncode == 0, shown.stderr
    assert (index.read_bytes(), index.stat().st_mtime_ns) == written  # read, not rebuilt
    session = SessionStore(sessions).load("batch-warm-txt").session
    fresh = find_duplicates(session_items(session), Similarity.text())
    assert json.loads(shown.stdout)["duplicates"] == fresh.as_json()

    # --resume with a new prompt: only its ideas are compared, and the index follows them.
    write(tmp_path, "warm.txt", "alpha\nbeta\ngamma\ndelta\n")
    resumed = brainstorm(env, "batch", str(batch), "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert "3 new or changed ideas compared with 12 in" in resumed.stderr
    updated = (index.read_bytes(), index.stat().st_mtime_ns)
    assert updated != written
    again = brainstorm(env, "show", "batch-warm-txt", "--json")
    assert again.returncode == 0, again.stderr
    assert (index.read_bytes(), index.stat().st_mtime_ns) == updated
    assert len(json.loads(again.stdout)["ideas"]) == 12

    # Nothing left to run and the index current: nothing compared, nothing said.
    idle = brainstorm(env, "batch", str(batch), "--resume")
    assert idle.returncode == 0, idle.stderr
    assert "near-duplicates" not in idle.stderr
    assert (index.read_bytes(), index.stat().st_mtime_ns) == updated


def test_rerunning_into_a_named_session_without_resume_warns(
    env: dict[str, str], tmp_path: Path
) -> None:
    batch = str(write(tmp_path, "p.txt", "alpha\n"))
    args = ("batch", batch, "--session", "named", "--topic", "t")
    assert brainstorm(env, *args).returncode == 0
    again = brainstorm(env, *args)
    assert again.returncode == 0
    assert "1 of these prompts already completed in session named" in again.stderr


class _Lines:
    """The child's stdout lines, read on a thread so the test can wait with a timeout."""

    def __init__(self, stream: IO[str]) -> None:
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._pump, args=(stream,), daemon=True)
        self._thread.start()

    def _pump(self, stream: IO[str]) -> None:
        for line in stream:
            self._queue.put(line)
        self._queue.put(None)

    def next_json(self) -> dict[str, Any]:
        line = self._queue.get(timeout=TIMEOUT)
        assert line is not None, "the batch ended early"
        result: dict[str, Any] = json.loads(line)
        return result

    def rest(self) -> Iterator[dict[str, Any]]:
        while (line := self._queue.get(timeout=TIMEOUT)) is not None:
            yield json.loads(line)


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_interrupt_then_resume_runs_each_prompt_exactly_once(
    how: signal.Signals,
    env: dict[str, str],
    fake_ollama: FakeOllama,
    sessions: Path,
    tmp_path: Path,
) -> None:
    # Concurrency 2. "slow one" parks mid-reply; "gated two" answers only once "slow one" is
    # parked, so by the time its result is printed the child has read slow one's partial text;
    # "fast three" runs next, then "slow four" parks too; five and six never start.
    gate = threading.Event()

    def gated(_request: Any) -> str:
        gate.wait(TIMEOUT)
        return "Gated.\nSecond."  # two chunks: never reaches the hold point

    fake_ollama.add_model("gated", reply=gated)
    text = (
        '{"prompt": "slow one", "model": "slow"}\n'
        '{"prompt": "gated two", "model": "gated"}\n'
        '{"prompt": "fast three", "model": "fast"}\n'
        '{"prompt": "slow four", "model": "slow"}\n'
        '{"prompt": "slow five", "model": "slow"}\n'
        '{"prompt": "fast six", "model": "fast"}\n'
    )
    batch = write(tmp_path, "night.jsonl", text)
    keys = [e.key for e in load_batch(str(batch)).entries]
    fake_ollama.hold(after=3)  # slow replies park after 3 of their 10 chunks
    child = subprocess.Popen(
        [str(BRAINSTORM), "batch", str(batch), "--concurrency", "2", "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        with diagnosed(child):
            assert child.stdout is not None
            lines = _Lines(child.stdout)
            assert fake_ollama.wait_for_held(1, timeout=TIMEOUT)  # slow one, mid-reply
            gate.set()
            finished = [lines.next_json(), lines.next_json()]
            assert [line["prompt"] for line in finished] == ["gated two", "fast three"]
            assert fake_ollama.wait_for_held(2, timeout=TIMEOUT)  # slow four, mid-reply too
            child.send_signal(how)
            finished += list(lines.rest())
            child.wait(timeout=TIMEOUT)
    finally:
        gate.set()
    assert child.stderr is not None
    stderr = child.stderr.read()
    child.stderr.close()
    fake_ollama.release()

    session_id = "batch-night-jsonl"
    stored = SessionStore(sessions).load(session_id).session
    by_key = {p.batch_key: p for p in stored.prompts.values()}
    slow_one, slow_four = by_key[keys[0]], by_key[keys[3]]
    if how == signal.SIGKILL:
        assert child.returncode == -signal.SIGKILL
        # Killed mid-reply: those prompts read as interrupted (issue 13: no writer is left to
        # finish them); nothing finished is lost.
        assert (slow_one.status, slow_four.status) == ("interrupted", "interrupted")
    else:
        assert child.returncode == (130 if how == signal.SIGINT else 143), stderr
        assert how.name in stderr and "--resume" in stderr
        cancelled = [line for line in finished if line["status"] == "cancelled"]
        assert {line["prompt"] for line in cancelled} == {"slow one", "slow four"}
        assert (slow_one.outcome, slow_four.outcome) == ("cancelled", "cancelled")
        # The text that had arrived is kept as drafts, the last one marked incomplete.
        assert slow_one.ideas, "slow one's partial text was not kept"
        partial = [stored.ideas[i] for i in slow_one.ideas]
        assert partial[0].text.startswith("Alpha") or "Alpha" in (partial[0].title or "")
        assert partial[-1].incomplete
        assert {idea.status for idea in partial} == {Status.DRAFT}
    assert [by_key[k].outcome for k in keys[1:3]] == ["completed", "completed"]
    assert keys[4] not in by_key and keys[5] not in by_key  # never started
    index = sessions / f"{session_id}.dups.npz"
    assert not index.exists()  # stopped: the comparing is left to the next command

    fake_ollama.clear_records()
    resumed = brainstorm(env, "batch", str(batch), "--json", "--resume")
    assert resumed.returncode == 0, resumed.stderr
    rerun = [line["prompt"] for line in json_lines(resumed.stdout)]
    assert sorted(rerun) == ["fast six", "slow five", "slow four", "slow one"]
    assert len(fake_ollama.requests_to("/api/chat")) == 4
    assert index.exists() and "near-duplicates" in resumed.stderr
    assert sorted(completed_keys(sessions, session_id)) == sorted(keys)  # each exactly once

    # Running it to the end again changes nothing.
    again = brainstorm(env, "batch", str(batch), "--json", "--resume")
    assert again.returncode == 0 and again.stdout == ""
    assert sorted(completed_keys(sessions, session_id)) == sorted(keys)


# --- the core API, in-process ------------------------------------------------------------------


class Recorder(BatchProgress):
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def batch_started(self, plan: Any) -> None:
        self.calls.append(("batch", len(plan.to_run)))

    def prompt_started(self, prompt: PlannedPrompt) -> None:
        self.calls.append(("start", prompt.index))

    def prompt_finished(self, result: PromptResult) -> None:
        self.calls.append(("done", (result.prompt.index, result.status)))


async def test_run_batch_reports_progress_and_shares_one_writer_per_session(
    fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    fake_ollama.add_model("llama3.2")
    fake_ollama.add_model("fast", chunks=FAST_CHUNKS)
    store = SessionStore(tmp_path / "sessions")
    text = "".join(f'{{"prompt": "p{n}", "model": "fast"}}\n' for n in range(6))
    batch = parse_batch(text.encode(), source="api.jsonl", name="api.jsonl")
    recorder = Recorder()
    backend = OllamaBackend(fake_ollama.url)
    with plan_batch(store, batch, BatchOptions(model="llama3.2", default_technique="open")) as plan:
        plan.create_sessions(backend)
        report = await run_batch(plan, backend, concurrency=2, progress=recorder)
        writer = plan.targets[None].writer
        assert writer is not None
        ideas = sorted(writer.session.ideas)
    await backend.aclose()
    assert report.count("completed") == 6 and not report.stopped
    assert recorder.calls[0] == ("batch", 6)
    starts = [c[1] for c in recorder.calls if c[0] == "start"]
    assert starts == [1, 2, 3, 4, 5, 6]  # started in file order
    assert sum(1 for c in recorder.calls if c[0] == "done") == 6
    assert ideas == list(range(1, 13))  # 6 replies x 2 ideas, ids unique across tasks
    sent = [
        e for e in events(tmp_path / "sessions", "batch-api-jsonl") if isinstance(e, PromptSent)
    ]
    assert len({e.batch_key for e in sent}) == 6


def test_the_progress_line_names_the_ideas_a_prompt_saved_not_a_range_around_them() -> None:
    from brainstorm.cli.batch_progress import ideas_saved

    assert ideas_saved([4, 5, 6]) == "3 draft ideas (#4–#6)"
    # Side by side, prompts take turns at the numbers: #172–#180 would claim nine ideas.
    assert ideas_saved([172, 176, 180]) == "3 draft ideas (#172 #176 #180)"
    assert ideas_saved([7]) == "1 draft idea (#7)"
    assert ideas_saved([]) == "no ideas"
