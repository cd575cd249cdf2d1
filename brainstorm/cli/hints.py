"""What to do next, in command-line words: the hints that name commands and flags.

The core raises typed errors that state facts (no such session, an idea still hidden, the
server not answering…); people in the app read those too, so they never name a flag. The
command line adds its own hint here, keyed on the error's type (and, for backend errors, on
the `Fix` codes they carry); the app words its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from brainstorm.llm.base import BackendError

# By `Fix` value (imported lazily: `brainstorm --help` loads none of the core).
_FIXES: dict[str, str] = {
    "host": "--host (or OLLAMA_HOST) chooses the server.",
    "model": "Pass --model NAME; `brainstorm models` lists the models the server has.",
    "backend": "--backend chooses it: ollama, openai, embedded or auto.",
    "concurrency": "-j sets how many prompts run at once.",
}


def backend_hint(problem: BackendError) -> str | None:
    """The backend's own hint and the command-line words for what it says to change."""
    from brainstorm.llm.base import Fix, ModelNotFound

    parts = [problem.hint] if problem.hint else []
    for fix in problem.fixes:
        if fix is Fix.PULL and isinstance(problem, ModelNotFound):
            parts.append(f"Or from here: `brainstorm models pull {problem.model}`.")
        elif fix.value in _FIXES:
            parts.append(_FIXES[fix.value])
    return " ".join(parts) or None


def repair_hint(session_id: str) -> str:
    """For a session whose file cannot be read."""
    return (
        f"`brainstorm repair {session_id}` makes it readable again without the lines that"
        " cannot be read (the original file is kept)."
    )


def cli_hint(problem: Exception) -> str | None:
    """The command-line hint for ``problem``, or None when there is nothing to add."""
    from brainstorm.llm.base import BackendError
    from brainstorm.review import HiddenIdea
    from brainstorm.rounds import NotHumanFirst
    from brainstorm.store import SUFFIX
    from brainstorm.store_errors import CorruptSessionFile, SessionNotFound

    match problem:
        case BackendError():
            return backend_hint(problem)
        case SessionNotFound(matches=[]):
            return "Run `brainstorm list` to see the sessions."
        case SessionNotFound():
            return "Give more of the session id."
        case HiddenIdea():
            return f"Reveal the model's ideas first: `brainstorm reveal {problem.session_id}`."
        case CorruptSessionFile():
            return repair_hint(problem.path.name.removesuffix(SUFFIX))
        case NotHumanFirst():
            return "Start a human-first session with `brainstorm new --human-first TOPIC`."
    return None
