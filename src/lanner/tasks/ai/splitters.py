"""Document splitters, after LangChain4j's (which Kestra's IngestDocument uses).

A splitter cuts text into parts (paragraphs, lines, sentences, words, characters) and packs as
many consecutive parts as fit into a segment of ``max_size`` characters; a part too long on its
own is split by the next finer splitter. Each new segment starts with the last whole sentences of
the previous one, up to ``max_overlap`` characters. RECURSIVE = paragraph > line > sentence >
word > character.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PARAGRAPH = re.compile(r"\s*(?:\r\n|\n|\r)\s*(?:\r\n|\n|\r)\s*")
_LINE = re.compile(r"\s*(?:\r\n|\n|\r)\s*")
# Sentence ends: . ! ? (and their CJK forms), then spaces. Good enough without a language model.
_SENTENCE = re.compile(r"(?<=[.!?\u3002\uff01\uff1f])\s+")
_WORD = re.compile(r"\s+")

# level -> (pattern or None for characters, join delimiter, next finer level)
_LEVELS: dict[str, tuple[re.Pattern[str] | None, str, str | None]] = {
    "PARAGRAPH": (_PARAGRAPH, "\n\n", "SENTENCE"),
    "LINE": (_LINE, "\n", "SENTENCE"),
    "SENTENCE": (_SENTENCE, " ", "WORD"),
    "WORD": (_WORD, " ", "CHARACTER"),
    "CHARACTER": (None, "", None),
}
_RECURSIVE_CHAIN = {"PARAGRAPH": "LINE", "LINE": "SENTENCE", "SENTENCE": "WORD", "WORD": "CHARACTER"}


@dataclass(frozen=True)
class Splitter:
    kind: str  # RECURSIVE | PARAGRAPH | LINE | SENTENCE | WORD
    max_size: int
    max_overlap: int = 0

    def split(self, text: str) -> list[str]:
        if self.kind == "RECURSIVE":
            return _split(text, "PARAGRAPH", self.max_size, self.max_overlap, recursive=True)
        return _split(text, self.kind, self.max_size, self.max_overlap, recursive=False)


def _parts(text: str, level: str, max_size: int) -> list[str]:
    pattern = _LEVELS[level][0]
    if pattern is None:
        return [text[i:i + max_size] for i in range(0, len(text), max_size)]
    return [part for part in (p.strip() for p in pattern.split(text)) if part]


def _finer(level: str, recursive: bool) -> str | None:
    return _RECURSIVE_CHAIN.get(level) if recursive else _LEVELS[level][2]


def _overlap(text: str, max_overlap: int) -> str:
    """The last whole sentences of ``text`` that fit in ``max_overlap`` characters."""
    if max_overlap <= 0:
        return ""
    kept: list[str] = []
    size = 0
    for sentence in reversed(_parts(text, "SENTENCE", max_overlap)):
        grown = size + len(sentence) + (1 if kept else 0)
        if grown > max_overlap:
            break
        kept.insert(0, sentence)
        size = grown
    return " ".join(kept)


def _split(text: str, level: str, max_size: int, max_overlap: int, *, recursive: bool) -> list[str]:
    joiner = _LEVELS[level][1]
    segments: list[str] = []
    current = ""
    overlap = ""

    def fits(extra: str) -> bool:
        return len(current) + (len(joiner) if current else 0) + len(extra) <= max_size

    def append(extra: str) -> None:
        nonlocal current
        current = f"{current}{joiner}{extra}" if current else extra

    for part in _parts(text, level, max_size):
        if fits(part):
            append(part)
            continue
        if current:
            if current != overlap:
                segments.append(current)
            overlap = _overlap(current, max_overlap)
            current = overlap
            if fits(part):
                append(part)
                continue
        finer = _finer(level, recursive)
        if finer is None:  # characters: cannot happen, parts are cut at max_size
            segments.append(part)
            current = overlap = ""
            continue
        pieces = _split(part, finer, max_size, max_overlap, recursive=recursive)
        segments.extend(pieces)
        overlap = _overlap(pieces[-1], max_overlap) if pieces else ""
        current = overlap
    if current and current != overlap:
        segments.append(current)
    return segments
