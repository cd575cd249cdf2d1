"""The word diff of a model original against its final text, as chunks for UIs to colour."""

from __future__ import annotations

import re
from typing import Literal

from rapidfuzz.distance import LCSseq

DiffTag = Literal["equal", "insert", "delete"]
DiffOp = tuple[DiffTag, str]

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
