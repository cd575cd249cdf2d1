"""Revision metrics: how much people revised what the model suggested.

Pure functions over `Idea` / `Session` state (no I/O, no UI). The definitions are the ones in
DESIGN.md ("Revision metrics"); for one idea, ``original`` is the model's text and ``final`` its
current text, and *words* are whitespace tokens (``str.split()``):

- ``word_edit_rate`` = word-level Levenshtein distance(original, final) / final words — HTER
  without shifts. An empty final counts 1.0 when the original had words, 0.0 when neither had.
  It is *not* capped at 1: deleting most of a long draft costs one edit per deleted word, so the
  true bound is ``max(original words, final words) / final words``.
- ``char_edit_rate`` = character Levenshtein distance / max(len(original), len(final)), i.e.
  RapidFuzz's ``Levenshtein.normalized_distance``: 0 identical … 1 nothing in common.
- ``model_retention`` = kept words / original words, where kept words = the longest common
  subsequence of the two word lists (the model's words that survive, in order).
- ``model_share`` = kept words / final words (the rest of the final text is the person's).
  Both give 1.0 when the text they divide by has no words and the other has none either (an
  untouched empty draft), and 0.0 when only the other has words.

Human-authored ideas have no model original: their rates are ``None`` and they are counted
apart. Session figures (`aggregate`) are ratios of totals, i.e. means of the per-idea figures
weighted by each figure's own denominator (see `SessionMetrics`).

Why RapidFuzz: its C++ bit-parallel Levenshtein / LCS work on strings *and* on lists of words
(any hashables), so word- and character-level distances cost microseconds per idea instead of
an O(n·m) Python loop — a 10,000-idea session stays well under a second
(``benchmarks/bench_metrics.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict
from rapidfuzz.distance import LCSseq, Levenshtein

from brainstorm.models import Author, Idea, Session, Status

__all__ = [
    "DiffOp",
    "DiffTag",
    "GroupKey",
    "IdeaMetrics",
    "SessionMetrics",
    "aggregate",
    "char_edit_rate",
    "edit_seconds",
    "group_metrics",
    "idea_metrics",
    "kept_words",
    "model_retention",
    "model_share",
    "overall_metrics",
    "session_idea_metrics",
    "session_metrics",
    "word_diff",
    "word_edit_rate",
    "word_edits",
    "words",
]

DiffTag = Literal["equal", "insert", "delete"]
DiffOp = tuple[DiffTag, str]
GroupKey = Literal["model", "technique"]

#: Group name for ideas a person wrote, in `group_metrics(..., "model")`.
HUMAN_GROUP = "(human)"
#: Group name when an idea has no model / technique recorded.
UNKNOWN_GROUP = "(none)"


# --- text figures -----------------------------------------------------------------------------


def words(text: str) -> list[str]:
    """The whitespace tokens of ``text`` (the unit every word figure counts)."""
    return text.split()


def word_edits(original: str, final: str) -> int:
    """Word-level Levenshtein distance: substitutions, insertions and deletions of whole words."""
    return Levenshtein.distance(original.split(), final.split())


def kept_words(original: str, final: str) -> int:
    """How many of the original's words survive in the final, in order (LCS of the word lists)."""
    return LCSseq.similarity(original.split(), final.split())


def word_edit_rate(original: str, final: str) -> float:
    """Word edits / final words (HTER without shifts). Empty final: 1.0, or 0.0 if both empty."""
    return _edit_ratio(word_edits(original, final), len(final.split()))


def char_edit_rate(original: str, final: str) -> float:
    """Normalized character Levenshtein distance: 0 identical … 1 nothing in common."""
    return Levenshtein.normalized_distance(original, final)


def model_retention(original: str, final: str) -> float:
    """Share of the original's words kept in the final (longest common subsequence)."""
    n_original = len(original.split())
    return _share(kept_words(original, final), n_original, other=len(final.split()))


def model_share(original: str, final: str) -> float:
    """Share of the final's words that are the model's (kept words / final words)."""
    n_final = len(final.split())
    return _share(kept_words(original, final), n_final, other=len(original.split()))


def _edit_ratio(edits: int, denominator: int) -> float:
    if denominator:
        return edits / denominator
    return 1.0 if edits else 0.0


def _share(kept: int, denominator: int, *, other: int) -> float:
    if denominator:
        return kept / denominator
    return 0.0 if other else 1.0


class _Figures(NamedTuple):
    word_edits: int
    original_words: int
    final_words: int
    kept_words: int
    char_edits: int
    original_chars: int
    final_chars: int


def _figures(original: str, final: str) -> _Figures:
    """Every count the rates need, in as few C++ calls as possible.

    Same results as the small public functions above (the tests hold them to it); the score
    hints only pick RapidFuzz's faster banded algorithm, they never change a distance.
    """
    n_chars_o, n_chars_f = len(original), len(final)
    if original == final:  # untouched drafts are the common case: no distance to compute
        n = len(original.split())
        return _Figures(0, n, n, n, 0, n_chars_o, n_chars_f)
    ow, fw = original.split(), final.split()
    n_o, n_f = len(ow), len(fw)
    kept = LCSseq.similarity(ow, fw)
    indel = n_o + n_f - 2 * kept
    if indel == abs(n_o - n_f):
        # |n_o - n_f| ≤ Levenshtein ≤ indel distance; when the bounds meet (only insertions,
        # only deletions, or at 0 only whitespace changed) no call is needed.
        w_edits = indel
    elif kept == 0:  # no word in common: every aligned pair is a substitution
        w_edits = max(n_o, n_f)
    else:
        # Levenshtein ≤ indel distance: a sure upper bound, so one banded pass suffices.
        w_edits = Levenshtein.distance(ow, fw, score_hint=indel)
    c_edits = _char_distance(original, final, _char_hint(w_edits, n_o + n_f, n_chars_o, n_chars_f))
    return _Figures(w_edits, n_o, n_f, kept, c_edits, n_chars_o, n_chars_f)


def _char_distance(original: str, final: str, hint: int | None) -> int:
    """Character Levenshtein distance. With a guess, first run RapidFuzz with that cutoff: its
    cost grows with the cutoff, not the texts' product, and small edits are the common case.
    Above the cutoff the exact distance is computed in full, so the result never changes."""
    if hint is not None:
        bounded = Levenshtein.distance(original, final, score_cutoff=hint)
        if bounded <= hint:
            return bounded
    return Levenshtein.distance(original, final)


def _char_hint(w_edits: int, n_words: int, n_chars_o: int, n_chars_f: int) -> int | None:
    """A guess at the character distance from the word distance (about a word's worth of
    characters per word edit). A close guess lets RapidFuzz run a narrow band instead of the
    full matrix; a wrong one only costs time. Big rewrites get no hint (full matrix is best)."""
    longest = max(n_chars_o, n_chars_f)
    if not n_words:
        return None
    guess = w_edits * (n_chars_o + n_chars_f) // n_words + abs(n_chars_o - n_chars_f) + 16
    return guess if guess * 2 < longest else None


# --- word diff --------------------------------------------------------------------------------

_TOKEN = re.compile(r"\S+\s*")


def word_diff(original: str, final: str) -> list[DiffOp]:
    """Word-level diff of original → final as ``(tag, text)`` chunks for UIs to colour.

    Tags are ``equal``, ``delete`` (original's words the person removed) and ``insert`` (words
    the person wrote). Built on the same longest common subsequence as `kept_words`, so the
    ``equal`` chunks hold exactly the kept words. A changed stretch is one ``delete`` then one
    ``insert``. Chunks keep the whitespace that followed each word (``equal`` and ``insert``
    from the final text, ``delete`` from the original), with a space added where a chunk would
    otherwise run into the next, so ``"".join(text for _, text in diff)`` reads naturally and
    its ``equal``+``insert`` chunks hold exactly the final's words.
    """
    o_tokens = _TOKEN.findall(original)
    f_tokens = _TOKEN.findall(final)
    o_words = [token.rstrip() for token in o_tokens]
    f_words = [token.rstrip() for token in f_tokens]
    chunks: list[DiffOp] = []
    deleted: list[str] = []
    inserted: list[str] = []

    def flush() -> None:
        if deleted:
            chunks.append(("delete", "".join(deleted)))
            deleted.clear()
        if inserted:
            chunks.append(("insert", "".join(inserted)))
            inserted.clear()

    for op in LCSseq.opcodes(o_words, f_words):
        if op.tag == "equal":
            flush()
            chunks.append(("equal", "".join(f_tokens[op.dest_start : op.dest_end])))
        else:
            deleted.extend(o_tokens[op.src_start : op.src_end])
            inserted.extend(f_tokens[op.dest_start : op.dest_end])
    flush()
    for i in range(len(chunks) - 1):
        tag, text = chunks[i]
        if not text[-1].isspace():
            chunks[i] = (tag, text + " ")
    return chunks


# --- per idea ---------------------------------------------------------------------------------


class IdeaMetrics(BaseModel):
    """The revision figures of one idea (names as in DESIGN.md).

    Rates are ``None`` for human-authored ideas, which have no model original; for them
    ``original_words``/``kept_words``/``original_chars`` are 0 and ``word_edits``/``char_edits``
    are ``None``. The counts are kept so that aggregates can be weighted by words.
    """

    model_config = ConfigDict(frozen=True)

    author: Author
    status: Status
    word_edit_rate: float | None
    char_edit_rate: float | None
    model_retention: float | None
    model_share: float | None
    revisions: int
    edit_seconds: float | None
    accepted_as_is: bool
    original_words: int
    final_words: int
    kept_words: int
    word_edits: int | None
    char_edits: int | None
    original_chars: int
    final_chars: int


def edit_seconds(idea: Idea) -> float | None:
    """Seconds from the idea's creation (the draft arriving, or the person adding it) to its
    last revision; ``None`` when it was never revised.

    This is elapsed wall-clock time, not time spent typing: it is an upper bound on editing
    effort (a person may review other cards in between). Status changes do not count as edits.
    Clock skew between events never makes it negative.
    """
    if not idea.revisions:
        return None
    return max(0.0, (idea.revisions[-1].at - idea.created_at).total_seconds())


def idea_metrics(idea: Idea) -> IdeaMetrics:
    """The figures of one idea: its model original against its current text."""
    revisions = len(idea.revisions)
    seconds = edit_seconds(idea)
    accepted_as_is = idea.status is Status.ACCEPTED and not revisions
    if idea.author is Author.HUMAN or idea.original is None:
        return IdeaMetrics(
            author=idea.author,
            status=idea.status,
            word_edit_rate=None,
            char_edit_rate=None,
            model_retention=None,
            model_share=None,
            revisions=revisions,
            edit_seconds=seconds,
            accepted_as_is=accepted_as_is,
            original_words=0,
            final_words=len(idea.text.split()),
            kept_words=0,
            word_edits=None,
            char_edits=None,
            original_chars=0,
            final_chars=len(idea.text),
        )
    f = _figures(idea.original, idea.text)
    longest = max(f.original_chars, f.final_chars)
    return IdeaMetrics(
        author=idea.author,
        status=idea.status,
        word_edit_rate=_edit_ratio(f.word_edits, f.final_words),
        char_edit_rate=f.char_edits / longest if longest else 0.0,
        model_retention=_share(f.kept_words, f.original_words, other=f.final_words),
        model_share=_share(f.kept_words, f.final_words, other=f.original_words),
        revisions=revisions,
        edit_seconds=seconds,
        accepted_as_is=accepted_as_is,
        original_words=f.original_words,
        final_words=f.final_words,
        kept_words=f.kept_words,
        word_edits=f.word_edits,
        char_edits=f.char_edits,
        original_chars=f.original_chars,
        final_chars=f.final_chars,
    )


def session_idea_metrics(session: Session) -> dict[int, IdeaMetrics]:
    """Figures for every idea of the session (hidden ones too), by idea id."""
    return {idea_id: idea_metrics(idea) for idea_id, idea in session.ideas.items()}


# --- aggregates -------------------------------------------------------------------------------


class SessionMetrics(BaseModel):
    """Figures over a set of ideas: one session, all sessions, or a group of them.

    Counts cover every idea; ``by_status`` counts the model's ideas by status and people's own
    ideas as ``yours`` (never as accepted). The rates and the revision figures describe how
    people revised the *model's* suggestions, so they cover model ideas only (``None`` when
    there are none), of every status — filter the `IdeaMetrics` before `aggregate` for, say,
    accepted ideas only. Each rate is a ratio of totals, which is the mean of the per-idea
    rates weighted by that rate's own denominator:

    - ``word_edit_rate`` = Σ word edits / Σ final words (weighted by final words; corpus-level
      HTER, and like corpus TER an all-empty final counts 1.0 if any words were edited);
    - ``char_edit_rate`` = Σ char edits / Σ max(original chars, final chars) (weighted by the
      longer text's characters, the per-idea denominator);
    - ``model_retention`` = Σ kept words / Σ original words (weighted by original words);
    - ``model_share`` = Σ kept words / Σ final words (weighted by final words).

    Accepted text: ``model_words_in_accepted`` are the kept model words of accepted model
    ideas; ``human_words_in_accepted`` are the other words of accepted model ideas plus every
    word of accepted human ideas; ``model_share_of_accepted`` is the first over their sum.
    ``accepted_as_is_share`` = accepted model ideas never revised / accepted model ideas.
    ``mean_edit_seconds`` averages `edit_seconds` over revised model ideas.
    """

    model_config = ConfigDict(frozen=True)

    ideas: int
    by_status: dict[str, int]
    by_author: dict[str, int]
    model_ideas: int
    human_ideas: int
    edited_model_ideas: int
    word_edit_rate: float | None
    char_edit_rate: float | None
    model_retention: float | None
    model_share: float | None
    accepted_model_ideas: int
    accepted_as_is: int
    accepted_as_is_share: float | None
    model_words_in_accepted: int
    human_words_in_accepted: int
    model_share_of_accepted: float | None
    revisions: int
    mean_edit_seconds: float | None


def aggregate(ideas: Iterable[IdeaMetrics]) -> SessionMetrics:
    """Combine per-idea figures (from one session or many) into `SessionMetrics`."""
    # As every count a person sees: the model's ideas by status, and people's own apart.
    by_status = {status.value: 0 for status in Status} | {"yours": 0}
    by_author = {author.value: 0 for author in Author}
    n_ideas = model_ideas = edited = 0
    w_edits = c_edits = c_len = n_original = n_final = n_kept = 0
    accepted_model = as_is = model_words = human_words = revisions = 0
    seconds_total = 0.0
    seconds_count = 0
    for m in ideas:
        n_ideas += 1
        by_status["yours" if m.author is Author.HUMAN else m.status.value] += 1
        by_author[m.author.value] += 1
        accepted = m.status is Status.ACCEPTED
        if m.word_edits is None or m.char_edits is None:  # human-authored
            if accepted:
                human_words += m.final_words
            continue
        model_ideas += 1
        w_edits += m.word_edits
        c_edits += m.char_edits
        c_len += max(m.original_chars, m.final_chars)
        n_original += m.original_words
        n_final += m.final_words
        n_kept += m.kept_words
        revisions += m.revisions
        if m.revisions:
            edited += 1
        if m.edit_seconds is not None:
            seconds_total += m.edit_seconds
            seconds_count += 1
        if accepted:
            accepted_model += 1
            as_is += m.accepted_as_is
            model_words += m.kept_words
            human_words += m.final_words - m.kept_words
    has_model = model_ideas > 0
    return SessionMetrics(
        ideas=n_ideas,
        by_status=by_status,
        by_author=by_author,
        model_ideas=model_ideas,
        human_ideas=n_ideas - model_ideas,
        edited_model_ideas=edited,
        word_edit_rate=_edit_ratio(w_edits, n_final) if has_model else None,
        char_edit_rate=(c_edits / c_len if c_len else 0.0) if has_model else None,
        model_retention=_share(n_kept, n_original, other=n_final) if has_model else None,
        model_share=_share(n_kept, n_final, other=n_original) if has_model else None,
        accepted_model_ideas=accepted_model,
        accepted_as_is=as_is,
        accepted_as_is_share=as_is / accepted_model if accepted_model else None,
        model_words_in_accepted=model_words,
        human_words_in_accepted=human_words,
        model_share_of_accepted=(
            model_words / (model_words + human_words) if model_words + human_words else None
        ),
        revisions=revisions,
        mean_edit_seconds=seconds_total / seconds_count if seconds_count else None,
    )


def session_metrics(session: Session) -> SessionMetrics:
    """Figures for one session (every idea, hidden ones included). To show the per-idea
    figures too, call `session_idea_metrics` once and `aggregate` its values instead."""
    return aggregate(idea_metrics(idea) for idea in session.ideas.values())


def overall_metrics(sessions: Iterable[Session]) -> SessionMetrics:
    """Figures across sessions, as if all their ideas were one session."""
    return aggregate(idea_metrics(idea) for s in sessions for idea in s.ideas.values())


def _group_of(session: Session, idea: Idea, key: GroupKey) -> str:
    if key == "technique":
        return idea.technique or session.technique or UNKNOWN_GROUP
    if idea.author is Author.HUMAN:
        return HUMAN_GROUP
    return idea.model or UNKNOWN_GROUP


def group_metrics(sessions: Iterable[Session], key: GroupKey) -> dict[str, SessionMetrics]:
    """Figures per model or per technique across sessions, sorted by group name.

    By ``"model"``: model ideas group under the model that wrote them (else the session's
    model); ideas a person wrote form their own ``"(human)"`` group. By ``"technique"``: each
    idea groups under its own technique, else its session's (so a person's ideas count under the
    technique they were brainstorming with). Missing names group under ``"(none)"``.
    """
    groups: dict[str, list[IdeaMetrics]] = {}
    for session in sessions:
        for idea in session.ideas.values():
            groups.setdefault(_group_of(session, idea, key), []).append(idea_metrics(idea))
    return {name: aggregate(groups[name]) for name in sorted(groups)}
