"""Techniques, prompt rendering, and splitting model replies into draft ideas.

The package's public names, re-exported from the module that holds each idea:

- `techniques`: the TOML technique templates (``prompts/*.toml``), loading and filling them in.
- `prompts`: the messages for a round or a follow-up, and the structured-output schema.
- `drafts`: `DraftIdea`, what reading a reply yields.
- `structured`: reading a JSON reply.
- `lines`, `titles`, `render`: reading a plain reply's lines, titles and items.
- `splitter`: splitting a plain reply into ideas as it streams.
- `reading`: reading a finished reply, structured or plain.
- `spans`: where each part of a reply went (`ReplySplit`): which idea, or none.
- `echo`: whether a drafted idea only echoes the prompt's own text (`PromptEcho`).

Model text is kept literal throughout: no markup is interpreted; only surrounding whitespace,
list markers and the bold markers around a title are removed.
"""

from brainstorm.ideation.drafts import DraftIdea
from brainstorm.ideation.echo import PromptEcho
from brainstorm.ideation.prompts import (
    FOLLOW_UP_TITLES,
    FOLLOW_UPS,
    IDEAS_SCHEMA,
    STRUCTURED_INSTRUCTION,
    build_follow_up_messages,
    build_messages,
    build_theme_label_messages,
)
from brainstorm.ideation.reading import ideas_from_reply, read_reply, split_ideas, split_reply
from brainstorm.ideation.spans import ReplySplit, Span
from brainstorm.ideation.splitter import IdeaStreamSplitter
from brainstorm.ideation.structured import parse_structured
from brainstorm.ideation.techniques import (
    DEFAULT_TECHNIQUE,
    InvalidTechnique,
    Technique,
    TechniqueError,
    UnknownTechnique,
    get_technique,
    load_techniques,
    technique_dirs,
)

__all__ = [
    "DEFAULT_TECHNIQUE",
    "FOLLOW_UPS",
    "FOLLOW_UP_TITLES",
    "IDEAS_SCHEMA",
    "STRUCTURED_INSTRUCTION",
    "DraftIdea",
    "IdeaStreamSplitter",
    "InvalidTechnique",
    "PromptEcho",
    "ReplySplit",
    "Span",
    "Technique",
    "TechniqueError",
    "UnknownTechnique",
    "build_follow_up_messages",
    "build_messages",
    "build_theme_label_messages",
    "get_technique",
    "ideas_from_reply",
    "load_techniques",
    "parse_structured",
    "read_reply",
    "split_ideas",
    "split_reply",
    "technique_dirs",
]
