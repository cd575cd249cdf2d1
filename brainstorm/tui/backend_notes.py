"""What the model backend has to tell a person after a reply: options it did not send (the
OpenAI-compatible API has no field for num_ctx…), structured output it could not do, a host
of several that was set aside. The session screen adds them to its status line, each once per
app (`ModelServer.first_time`); the CLI prints the same notes as warnings."""

from __future__ import annotations

from brainstorm.ask import AskRequest
from brainstorm.llm import options_note, take_notes
from brainstorm.llm.base import Backend


def backend_notes(backend: Backend, request: AskRequest) -> list[str]:
    """Every note after ``request`` was answered (the backend's own are said to it once)."""
    notes: list[str] = []
    if note := options_note(backend, request.unsent_options):
        notes.append(note[:1].upper() + note[1:])
    notes += take_notes(backend)
    return list(dict.fromkeys(notes))
