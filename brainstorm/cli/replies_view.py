"""Replies for `show --replies` and the `prompts` list of `show --json`: each prompt's reply as
the model sent it, the lines no idea came from marked (see `brainstorm.replies`)."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from brainstorm.models import Session
from brainstorm.presentation import model_label
from brainstorm.replies import Reply, replies
from brainstorm.textsafe import visible

NO_IDEA = "none"
LEGEND = (
    f"{NO_IDEA}: text no idea came from (a lead-in, a rule, a closing remark, the idea being"
    " written when the reply stopped). It is kept in the reply, on no card."
)


def prompt_json(reply: Reply) -> dict[str, Any]:
    """One prompt: where it went, how it ended, its reply verbatim and the ideas it gave."""
    record = reply.prompt
    return {
        "id": record.id,
        "prompt": record.prompt,
        "source": record.source,
        "backend": record.backend,
        "technique": record.technique,
        "options": record.options,
        "structured": record.structured,
        "follow_up": record.follow_up,
        "parent_idea": record.parent_idea,
        "batch_key": record.batch_key,
        "sent_at": record.at.isoformat(),
        "status": record.status,
        "done_reason": record.done_reason,
        "reason": record.reason,
        # The server that answered (never with credentials); with several Ollama hosts, an
        # attempt that failed on another one first is in `retries` (its text is the reply's
        # first `reply_chars` characters, its ideas kept, the last one incomplete).
        "host": record.host,
        "retries": [
            {
                "host": retry.host,
                "reason": retry.reason,
                "ideas": [] if reply.withheld else list(retry.ideas),
                "reply_chars": retry.reply_chars,
            }
            for retry in record.retries
        ],
        "hidden": reply.withheld,
        # None: withheld until the reveal, or recorded before replies were kept.
        "reply": reply.text,
        "reply_recorded": reply.recorded,
        "ideas": [] if reply.withheld else list(record.ideas),
        "unassigned": [
            {"start": span.start, "end": span.end, "text": span.text} for span in reply.unassigned
        ],
    }


def prompts_json(session: Session) -> list[dict[str, Any]]:
    return [prompt_json(reply) for reply in replies(session)]


def status_words(reply: Reply) -> str:
    """ "completed", "incomplete (token limit)", "failed: server error", …"""
    record = reply.prompt
    status = record.status
    if status == "incomplete":
        return "incomplete (cut off by the token limit: done_reason length)"
    if status == "failed" and record.reason:
        return f"failed: {record.reason}"
    if status == "interrupted":
        return "interrupted (the process writing it stopped mid-reply)"
    if status == "in_progress":
        return "in progress (another process is receiving it)"
    return status


def render_reply(reply: Reply, number: int) -> Text:
    record = reply.prompt
    out = Text(f"── prompt {number} · {record.id} · ", style="bold")
    out.append(visible(model_label(record.source, record.options)))
    out.append(f" · {status_words(reply)}")
    if record.host:
        out.append(f" · {visible(record.host)}", style="dim")
    for retry in record.retries:
        out.append(f" (retried: {visible(retry.host or 'a host')} failed)", style="yellow")
    ideas = " ".join(f"#{i}" for i in record.ideas)
    if ideas and not reply.withheld:
        out.append(f" · ideas {ideas}", style="dim")
    out.append("\n")
    asked = record.prompt or "(no extra instruction)"
    out.append(f"   asked: {visible(asked)}\n", style="dim")
    if reply.withheld:
        out.append("   (hidden until the model's ideas are revealed)\n", style="dim")
        return out
    if reply.text is None:
        out.append(
            "   (recorded before replies were kept: only its ideas are known)\n", style="dim"
        )
        return out
    if not reply.lines or reply.text == "":
        out.append("   (no text arrived)\n", style="dim")
        return out
    for line in reply.lines:
        shown = visible(line.text.removesuffix("\r"))
        if line.idea is not None:
            out.append(f"{'#' + str(line.idea):>6} │ ", style="cyan")
            out.append(shown + "\n")
        elif line.blank:
            out.append(f"{'':>6} │\n", style="dim")
        else:
            out.append(f"{NO_IDEA:>6} │ ", style="bold yellow")
            out.append(shown + "\n", style="yellow")
    return out


def render_replies(session: Session) -> list[Text]:
    shown = [render_reply(reply, number) for number, reply in enumerate(replies(session), 1)]
    return shown
