"""What to do next, in command-line words: the hints that name commands and flags.

The core raises typed errors that state facts (no such session, an idea still hidden, the
server not answering…); people in the app read those too, so they never name a flag. The
command line adds its own hint here, keyed on the error's type; the app words its own.
"""

from __future__ import annotations


def cli_hint(problem: Exception) -> str | None:
    """The command-line hint for ``problem``, or None when there is nothing to add."""
    from brainstorm.review import HiddenIdea
    from brainstorm.rounds import NotHumanFirst
    from brainstorm.store import SessionNotFound

    match problem:
        case SessionNotFound(matches=[]):
            return "Run `brainstorm list` to see the sessions."
        case SessionNotFound():
            return "Give more of the session id."
        case HiddenIdea():
            return f"Reveal the model's ideas first: `brainstorm reveal {problem.session_id}`."
        case NotHumanFirst():
            return "Start a human-first session with `brainstorm new --human-first TOPIC`."
    return None
