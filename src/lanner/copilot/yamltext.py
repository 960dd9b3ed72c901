"""Surgical edits of YAML text: change a few values, keys or entries and leave every other byte
(comments, order, quoting, indentation) as it was.

Positions come from PyYAML's node tree (``start_mark``/``end_mark``). A block-style entry spans
its key's line and every following line that is blank or indented deeper than the key (the YAML
block rule), and owns the comment lines just above it. Used by ``lanner flow fix`` (legacy
rewrites) and by the copilot to keep an edit of an existing flow minimal.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode


def compose(text: str) -> Node | None:
    """The node tree of one YAML document, or None when it cannot be read."""
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None


def entries(node: Node) -> Iterator[tuple[ScalarNode, Node]]:
    """``(key, value)`` of a mapping node, keys that are not plain text skipped."""
    if isinstance(node, MappingNode):
        for key, value in node.value:
            if isinstance(key, ScalarNode):
                yield key, value


def get(node: Node, name: str) -> tuple[ScalarNode, Node] | None:
    return next(((k, v) for k, v in entries(node) if k.value == name), None)


def scalar(node: Node | None, name: str) -> str | None:
    """The text of a scalar property of a mapping node."""
    found = get(node, name) if node is not None else None
    return found[1].value if found and isinstance(found[1], ScalarNode) else None


def indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def is_blank_or_comment(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


@dataclass
class Source:
    text: str
    lines: list[str] = field(init=False)  # with their line ends

    def __post_init__(self) -> None:
        self.lines = self.text.splitlines(keepends=True)

    def block_end(self, first_line: int, column: int, *, entry: bool = True) -> int:
        """The line after a block starting at ``first_line`` whose own column is ``column``:
        following lines belong to it while blank or indented deeper (or, for a mapping entry,
        items of an indentless sequence ``- ...`` at its column). Trailing blank lines and the
        comments at its level are left to what follows."""
        end = first_line + 1
        last = end
        while end < len(self.lines):
            line = self.lines[end]
            stripped = line.strip()
            if stripped and indent_of(line) <= column:
                dash = stripped == "-" or stripped.startswith("- ")
                if not (entry and dash and indent_of(line) == column):
                    break
            end += 1
            if stripped:
                last = end
        return last

    def comments_above(self, line: int) -> int:
        """The first line of the comment lines directly above ``line`` (not across blank lines)."""
        start = line
        while start > 0 and self.lines[start - 1].strip().startswith("#"):
            start -= 1
        return start

    def entry_lines(self, key: Node, *, with_comments: bool = False) -> tuple[int, int]:
        """Lines ``[start, end)`` of the mapping entry whose key node is ``key``."""
        first = key.start_mark.line
        end = self.block_end(first, key.start_mark.column)
        return (self.comments_above(first) if with_comments else first), end

    def item_lines(self, item: Node, *, with_comments: bool = False) -> tuple[int, int]:
        """Lines of a block sequence item (from its dash)."""
        first = item.start_mark.line
        dash = self.lines[first].find("-")
        column = dash if 0 <= dash < item.start_mark.column else item.start_mark.column
        end = self.block_end(first, column, entry=False)
        return (self.comments_above(first) if with_comments else first), end

    def offset(self, line: int) -> int:
        return sum(len(text) for text in self.lines[:line])

    def slice_lines(self, start: int, end: int) -> str:
        return "".join(self.lines[start:end])


class EditConflict(ValueError):
    """Two edits touch the same text."""


@dataclass
class Editor:
    """Collects replacements of ``[start, end)`` character ranges, applied all at once."""

    source: Source
    edits: list[tuple[int, int, str]] = field(default_factory=list)

    @classmethod
    def of(cls, text: str) -> Editor:
        return cls(Source(text))

    def replace(self, start: int, end: int, text: str) -> None:
        self.edits.append((start, end, text))

    def replace_scalar(self, node: ScalarNode, value: str) -> None:
        """A new value for a scalar, in the same quoting style when it was quoted."""
        if node.style == '"':
            text = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        elif node.style == "'":
            text = "'" + value.replace("'", "''") + "'"
        else:
            text = plain(value)
        self.replace(node.start_mark.index, node.end_mark.index, text)

    def rename_key(self, key: ScalarNode, name: str) -> None:
        self.replace(key.start_mark.index, key.end_mark.index, name)

    def delete_entry(self, key: ScalarNode) -> bool:
        """Remove a block mapping entry; False when it cannot be done line-wise (the key shares
        its line with a sequence dash or a flow mapping)."""
        start, end = self.source.entry_lines(key)
        if self.source.lines[start][: key.start_mark.column].strip():
            return False
        self.replace(self.source.offset(start), self.source.offset(end), "")
        return True

    def insert_lines(self, line: int, lines: list[str]) -> None:
        """Insert whole lines before line number ``line`` (0-based; len(lines) = at the end)."""
        at = self.source.offset(line)
        before = self.source.text[:at]
        prefix = "" if not before or before.endswith("\n") else "\n"
        self.replace(at, at, prefix + "".join(text + "\n" for text in lines))

    def insert_after_entry(self, key: ScalarNode, lines: list[str]) -> None:
        """New entries right after the entry of ``key``, at its indentation."""
        _, end = self.source.entry_lines(key)
        pad = " " * key.start_mark.column
        self.insert_lines(end, [pad + text if text else text for text in lines])

    def apply(self) -> str:
        text = self.source.text
        ordered = sorted(self.edits, key=lambda e: (e[0], e[1]))
        for (_, end_a, _), (start_b, _, _) in itertools.pairwise(ordered):
            if start_b < end_a:
                raise EditConflict("overlapping edits")
        for start, end, replacement in reversed(ordered):
            text = text[:start] + replacement + text[end:]
        return text


def plain(value: str) -> str:
    """A scalar as YAML text: plain when that reads back as the same string, else quoted."""
    dumped = yaml.safe_dump(value, default_flow_style=True, width=10**6, allow_unicode=True)
    return dumped.removesuffix("\n...\n").removesuffix("\n")


def dump_block(data: object, indent: int = 0) -> list[str]:
    """``data`` as block-style YAML lines, indented by ``indent`` spaces (sequence items indented
    under their key, Kestra's usual layout)."""
    text = yaml.dump(data, Dumper=_IndentedDumper, sort_keys=False, default_flow_style=False,
                     allow_unicode=True, width=10**6)
    return [(" " * indent + line) if line else line for line in text.rstrip("\n").split("\n")]


class _IndentedDumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def is_block(node: Node) -> bool:
    return isinstance(node, MappingNode | SequenceNode) and not node.flow_style
