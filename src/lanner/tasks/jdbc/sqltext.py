"""SQL text without a SQL parser: split a script into statements, bind ``:name`` parameters.

A small tokenizer knows what may hide a ``;`` or a ``:name``: quoted strings ('it''s', E'\\n'),
quoted identifiers ("a;b", `a`), comments (``--``, nested ``/* */``) and Postgres dollar quotes
(``$$...$$``, ``$fn$...$fn$``). The splitter follows Kestra's ``SqlSplitter`` and improves on it:
``BEGIN ... END`` blocks (SQLite triggers, ``BEGIN ATOMIC`` bodies) stay whole, ``CASE ... END``
inside them is understood, and a transaction ``BEGIN;`` does not start a block.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

_WORD = re.compile(r"\w+")
_DOLLAR_TAG = re.compile(r"\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$")
_SPACE = re.compile(r"\s+")

TokenKind = Literal["word", "string", "ident", "comment", "space", "punct"]

# Words after BEGIN that make it a transaction statement, not the start of a block.
_TRANSACTION_BEGIN = frozenset({"TRANSACTION", "WORK", "TRAN", "DEFERRED", "IMMEDIATE", "EXCLUSIVE",
                                "ISOLATION", "READ", "NOT"})
# ``END IF``/``END LOOP``... close procedural statements, not a BEGIN block.
_END_OF_STATEMENT = frozenset({"IF", "LOOP", "WHILE", "REPEAT", "FOR", "CASE"})


@dataclass(frozen=True, slots=True)
class Token:
    kind: TokenKind
    text: str


def sql_literal(text: str) -> str:
    """``text`` as an SQL string literal (single quotes doubled)."""
    return "'" + text.replace("'", "''") + "'"


def tokenize(sql: str) -> list[Token]:
    tokens: list[Token] = []
    pos, size = 0, len(sql)
    while pos < size:
        char = sql[pos]
        nxt = sql[pos + 1] if pos + 1 < size else ""
        if char.isspace():
            end = _SPACE.match(sql, pos).end()  # type: ignore[union-attr]
            tokens.append(Token("space", sql[pos:end]))
        elif char == "-" and nxt == "-":
            end = sql.find("\n", pos)
            end = size if end < 0 else end + 1
            tokens.append(Token("comment", sql[pos:end]))
        elif char == "/" and nxt == "*":
            end = _block_comment_end(sql, pos)
            tokens.append(Token("comment", sql[pos:end]))
        elif char == "'":
            backslashes = bool(tokens) and tokens[-1].kind == "word" and tokens[-1].text in ("E", "e")
            end = _quoted_end(sql, pos, "'", backslashes)
            tokens.append(Token("string", sql[pos:end]))
        elif char in '"`':
            end = _quoted_end(sql, pos, char, False)
            tokens.append(Token("ident", sql[pos:end]))
        elif char == "$" and (match := _DOLLAR_TAG.match(sql, pos)) and not _after_word(tokens):
            tag = match.group()
            close = sql.find(tag, match.end())
            end = size if close < 0 else close + len(tag)
            tokens.append(Token("string", sql[pos:end]))
        elif match := _WORD.match(sql, pos):
            end = match.end()
            tokens.append(Token("word", match.group()))
        else:
            end = pos + 1
            tokens.append(Token("punct", char))
        pos = end
    return tokens


def _after_word(tokens: list[Token]) -> bool:
    # ``a$b$`` is an identifier with dollars (Postgres allows them), not a dollar quote.
    return bool(tokens) and tokens[-1].kind == "word"


def _block_comment_end(sql: str, pos: int) -> int:
    depth, pos = 0, pos
    while pos < len(sql):
        if sql.startswith("/*", pos):
            depth += 1
            pos += 2
        elif sql.startswith("*/", pos):
            depth -= 1
            pos += 2
            if depth == 0:
                return pos
        else:
            pos += 1
    return len(sql)


def _quoted_end(sql: str, pos: int, quote: str, backslashes: bool) -> int:
    pos += 1
    while pos < len(sql):
        char = sql[pos]
        if backslashes and char == "\\":
            pos += 2
            continue
        if char == quote:
            if sql.startswith(quote, pos + 1):  # a doubled quote stands for itself
                pos += 2
                continue
            return pos + 1
        pos += 1
    return len(sql)


def _next_word(tokens: list[Token], index: int) -> str:
    for token in tokens[index + 1:]:
        if token.kind in ("space", "comment"):
            continue
        return token.text.upper() if token.kind == "word" else token.text
    return ""


def split_statements(sql: str) -> list[str]:
    """The statements of a script, trimmed, without their ``;``; empty ones are dropped."""
    tokens = tokenize(sql)
    statements: list[str] = []
    current: list[Token] = []
    blocks: list[str] = []  # open BEGIN / CASE words

    def flush() -> None:
        if any(t.kind not in ("space", "comment") for t in current):
            statements.append("".join(t.text for t in current).strip())
        current.clear()

    for index, token in enumerate(tokens):
        if token.kind == "word":
            word = token.text.upper()
            opens_block = word == "BEGIN" and _next_word(tokens, index) not in _TRANSACTION_BEGIN | {";", ""}
            if opens_block or (word == "CASE" and blocks):
                blocks.append(word)
            elif word == "END" and blocks and _next_word(tokens, index) not in _END_OF_STATEMENT - {"CASE"}:
                # ``END CASE`` (procedural) and plain ``END`` both close the innermost CASE.
                blocks.pop()
        if token.kind == "punct" and token.text == ";" and not blocks:
            flush()
            continue
        current.append(token)
    flush()
    return statements


PlaceholderStyle = Literal["pyformat", "dollar", "colon"]


def bind_named(sql: str, parameters: Mapping[str, Any], style: PlaceholderStyle) -> str:
    """Rewrite ``:name`` placeholders (names of ``parameters`` only, outside strings, comments
    and ``::`` casts) for a driver: ``%(name)s`` (psycopg, which also needs ``%`` doubled),
    ``$name`` (DuckDB) or ``:name`` (SQLite)."""
    tokens = tokenize(sql)
    out: list[str] = []
    skip_next = False
    for index, token in enumerate(tokens):
        if skip_next:
            skip_next = False
            continue
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        previous = tokens[index - 1] if index else None
        if (token.kind == "punct" and token.text == ":" and following is not None
                and following.kind == "word" and following.text in parameters
                and not (previous is not None and previous.kind == "punct" and previous.text == ":")):
            name = following.text
            out.append({"pyformat": f"%({name})s", "dollar": f"${name}", "colon": f":{name}"}[style])
            skip_next = True
            continue
        out.append(token.text.replace("%", "%%") if style == "pyformat" else token.text)
    return "".join(out)
