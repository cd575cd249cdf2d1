"""The app over several Ollama hosts: its header shows which hosts are up, a reply cut off on
one host goes to another (the status line says so, once), and what the backend has to say
after a reply (options not sent, no structured output) shows once in the status line."""

from __future__ import annotations

from pathlib import Path

from brainstorm.ask import build_request
from brainstorm.config import Settings
from brainstorm.events import GenerationRetried, PromptSent
from brainstorm.ideation import get_technique
from brainstorm.session_log import read_events
from brainstorm.sources import Source
from brainstorm.store import SessionStore
from tests.fakes import FakeOllama
from tests.fakes.openai_server import FakeOpenAI
from tests.tui.conftest import (
    MODEL,
    THREE_IDEAS,
    badges,
    fill,
    make_app,
    open_first_session,
    screen_text,
    seed_session,
    settle,
    wait_for,
)


def flat(text: str) -> str:
    return " ".join(text.split())


async def test_header_shows_two_hosts_one_down_and_replies_go_to_the_other(
    fake_ollama: FakeOllama, dead_ollama_url: str, tmp_path: Path
) -> None:
    fake_ollama.add_model(MODEL, reply=THREE_IDEAS)
    store = SessionStore(tmp_path / "sessions")
    session_id = seed_session(store)
    settings = Settings(
        sessions_dir=store.root,
        hosts=(dead_ollama_url, fake_ollama.url),
        backend="ollama",
        model=MODEL,
    )
    app = make_app(settings)
    assert app.backend_state.where == f"{dead_ollama_url}, {fake_ollama.url}"
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await wait_for(pilot, lambda: app.backend_state.phase == "ready")
        header = f"1 of 2 hosts up: {dead_ollama_url} ✗ down, {fake_ollama.url} ✓"
        assert f"Ollama on {header} · model {MODEL}" in flat(screen_text(app))
        assert app.backend_state.level(MODEL) == "warning"

        await open_first_session(pilot)
        assert header in flat(screen_text(app))
        await fill(pilot, "#prompt", "for open-plan teams")
        await pilot.press("enter")
        await settle(pilot)
        assert len(badges(screen_text(app))) == 5  # two seeded, three new
        assert len(fake_ollama.requests_to("/api/chat")) == 1
    sent = [e for e in read_events(store.path_for(session_id))[0] if isinstance(e, PromptSent)]
    assert store.load(session_id).session.prompts[sent[0].prompt_id].host == fake_ollama.url


async def test_a_host_cut_off_mid_reply_is_retried_and_the_header_follows(
    tmp_path: Path,
) -> None:
    store = SessionStore(tmp_path / "sessions")
    session_id = seed_session(store)
    with FakeOllama() as first, FakeOllama() as second:
        for server in (first, second):
            server.add_model(MODEL, reply=THREE_IDEAS)
        first.cut_mid_stream(after=12, times=1)
        settings = Settings(
            sessions_dir=store.root, hosts=(first.url, second.url), backend="ollama", model=MODEL
        )
        app = make_app(settings)
        async with app.run_test(size=(160, 40)) as pilot:
            await settle(pilot)
            await wait_for(pilot, lambda: app.backend_state.phase == "ready")
            assert f"2 of 2 hosts up: {first.url} ✓, {second.url} ✓" in flat(screen_text(app))
            screen = await open_first_session(pilot)
            await fill(pilot, "#prompt", "for open-plan teams")
            await pilot.press("enter")
            await settle(pilot)
            shown = flat(screen_text(app))
            assert f"1 of 2 hosts up: {first.url} ✗ down, {second.url} ✓" in shown
            status = flat(str(screen.query_one("#stream-status").render()))
            assert f"Ollama at {first.url} failed" in status and "set aside for 30 s" in status
            assert "INCOMPLETE" in shown  # what the first host wrote is kept
            # Said once: the next reply's status line does not repeat it.
            await fill(pilot, "#prompt", "again")
            await pilot.press("enter")
            await settle(pilot)
            status = flat(str(screen.query_one("#stream-status").render()))
            assert "set aside" not in status
        failed_host = first.url
    events = read_events(store.path_for(session_id))[0]
    retried = [e for e in events if isinstance(e, GenerationRetried)]
    assert [e.host for e in retried] == [failed_host]


async def test_unsent_options_and_no_structured_output_are_said_once(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "sessions")
    session_id = seed_session(store)
    with FakeOpenAI({MODEL: THREE_IDEAS}) as fake:
        fake.refuse_json_schema = fake.refuse_json_object = True
        settings = Settings(sessions_dir=store.root, host=fake.url, backend="openai", model=MODEL)
        app = make_app(settings)
        async with app.run_test(size=(160, 40)) as pilot:
            screen = await open_first_session(pilot)
            assert app.backend is not None
            request = build_request(
                screen.session,
                "for open-plan teams",
                technique=get_technique("open"),
                backend=app.backend,
                sources=[Source(MODEL, temperature=0.5)],
                options={"num_ctx": 8192, "top_k": 20, "seed": 3},
                structured=True,
            )
            assert request.options == {"seed": 3} and set(request.unsent_options) == {
                "num_ctx",
                "top_k",
            }
            screen.generation.send(app.backend, request)
            await settle(pilot)
            status = flat(str(screen.query_one("#stream-status").render()))
            assert "Not sent to the OpenAI-compatible server" in status
            assert "num_ctx, top_k" in status
            assert "does not accept structured output" in status
            screen.generation.send(app.backend, request)
            await settle(pilot)
            status = flat(str(screen.query_one("#stream-status").render()))
            assert "num_ctx" not in status and "structured output" not in status
    sent = [e for e in read_events(store.path_for(session_id))[0] if isinstance(e, PromptSent)]
    # Drafts record what was sent: the source's temperature and the seed, not num_ctx/top_k.
    assert [e.options for e in sent] == [{"seed": 3, "temperature": 0.5}] * 2
