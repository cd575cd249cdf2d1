"""Reading a whole reply into ideas: the streaming splitter fed the reply at once
(`split_ideas`, `split_reply`), or for structured output its JSON first (`read_reply`,
`ideas_from_reply`). Each read says where every part of the reply went (`ReplySplit`)."""

from __future__ import annotations

from brainstorm.ideation.drafts import DraftIdea
from brainstorm.ideation.spans import ReplySplit
from brainstorm.ideation.splitter import IdeaStreamSplitter
from brainstorm.ideation.structured import parse_structured_spans


def split_ideas(reply: str) -> list[DraftIdea]:
    """Split a plain reply into ideas: one per item of a numbered or bulleted list, or per
    markdown heading. Text before the first item (and a closing remark after the last) is
    not an idea; a reply with no list at all is one idea; an empty reply is none."""
    return split_reply(reply).ideas


def split_reply(reply: str) -> ReplySplit:
    """`split_ideas`, with the spans saying where each part of the reply went."""
    splitter = IdeaStreamSplitter()
    ideas = splitter.feed(reply) + splitter.finish()
    return ReplySplit(reply, ideas, splitter.spans)


def read_reply(reply: str, *, structured: bool) -> ReplySplit:
    """A finished reply read into ideas (JSON first when structured output was asked for, else
    or when the JSON cannot be read the plain-text split), with its spans."""
    if structured:
        found = parse_structured_spans(reply)
        if found is not None:
            return found
    return split_reply(reply)


def ideas_from_reply(reply: str, *, structured: bool) -> list[DraftIdea]:
    """Ideas from a finished reply: JSON first when structured output was asked for, else (or
    when the JSON cannot be read) the plain-text split."""
    return read_reply(reply, structured=structured).ideas
