"""The revision figures of one original/final text pair: word and character edits, kept
words, and the rates made of them (definitions in the `brainstorm.metrics` docstring).

Why RapidFuzz: its C++ bit-parallel Levenshtein / LCS work on strings *and* on lists of words
(any hashables), so word- and character-level distances cost microseconds per idea instead of
an O(n·m) Python loop — a 10,000-idea session stays well under a second
(``benchmarks/bench_metrics.py``).
"""

from __future__ import annotations

from typing import NamedTuple

from rapidfuzz.distance import LCSseq, Levenshtein


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
    return edit_ratio(word_edits(original, final), len(final.split()))


def char_edit_rate(original: str, final: str) -> float:
    """Normalized character Levenshtein distance: 0 identical … 1 nothing in common."""
    return Levenshtein.normalized_distance(original, final)


def model_retention(original: str, final: str) -> float:
    """Share of the original's words kept in the final (longest common subsequence)."""
    n_original = len(original.split())
    return share(kept_words(original, final), n_original, other=len(final.split()))


def model_share(original: str, final: str) -> float:
    """Share of the final's words that are the model's (kept words / final words)."""
    n_final = len(final.split())
    return share(kept_words(original, final), n_final, other=len(original.split()))


def edit_ratio(edits: int, denominator: int) -> float:
    """Edits per word of ``denominator``; with no words there, 1.0 if anything was edited."""
    if denominator:
        return edits / denominator
    return 1.0 if edits else 0.0


def share(kept: int, denominator: int, *, other: int) -> float:
    """Kept words per word of ``denominator``; with no words there, 1.0 only if ``other`` has
    none either (an untouched empty draft)."""
    if denominator:
        return kept / denominator
    return 0.0 if other else 1.0


class TextFigures(NamedTuple):
    """The counts behind one idea's rates (`text_figures`)."""

    word_edits: int
    original_words: int
    final_words: int
    kept_words: int
    char_edits: int
    original_chars: int
    final_chars: int


def text_figures(original: str, final: str) -> TextFigures:
    """Every count the rates need, in as few C++ calls as possible.

    Same results as the small functions above (the tests hold them to it); the score
    hints only pick RapidFuzz's faster banded algorithm, they never change a distance.
    """
    n_chars_o, n_chars_f = len(original), len(final)
    if original == final:  # untouched drafts are the common case: no distance to compute
        n = len(original.split())
        return TextFigures(0, n, n, n, 0, n_chars_o, n_chars_f)
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
    return TextFigures(w_edits, n_o, n_f, kept, c_edits, n_chars_o, n_chars_f)


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
