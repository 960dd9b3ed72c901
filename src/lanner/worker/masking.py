"""Secret masking: values obtained through ``secret()`` never appear in logs."""

from __future__ import annotations

import threading

MASK = "******"
# Shorter values would mask ordinary words everywhere in the logs.
_MIN_LENGTH = 3
_MIN_LINE_LENGTH = 8


class Masker:
    """Thread-safe set of values to hide; ``apply`` replaces each by ``******``.

    A multi-line secret (a JSON key file...) is also masked line by line, so a log showing
    part of it does not leak the rest.
    """

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._lock = threading.Lock()
        self._ordered: tuple[str, ...] = ()

    def add(self, value: str | None) -> None:
        if not value or len(value.strip()) < _MIN_LENGTH:
            return
        candidates = {value}
        if "\n" in value:
            candidates.update(
                line.strip() for line in value.splitlines() if len(line.strip()) >= _MIN_LINE_LENGTH
            )
        with self._lock:
            if candidates <= self._values:
                return
            self._values |= candidates
            # Longest first, so a secret containing another is masked whole.
            self._ordered = tuple(sorted(self._values, key=len, reverse=True))

    def apply(self, text: str) -> str:
        for value in self._ordered:
            if value in text:
                text = text.replace(value, MASK)
        return text
