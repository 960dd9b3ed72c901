"""YAML text -> plain Python data plus the line/column of every property.

Flows are read like Kestra reads them (a strict Jackson YAML mapper, YAML 1.2-ish scalars):
``yes``/``on`` and ``2019-01-01`` stay strings, only ``true``/``false`` are booleans, duplicate
keys are errors. The data is built from PyYAML's composed node tree (C parser when available)
so that every value keeps its position; errors are returned as ``Issue`` objects, never raised.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver

from lanner.errors import Issue

MAX_FLOW_BYTES = 2 * 1024 * 1024
MAX_NODES = 500_000  # alias expansion guard ("billion laughs")

PathKey = str | int
Path = tuple[PathKey, ...]
Position = tuple[int, int]

_PLAIN = "tag:lanner.dev,2025:plain"  # an untagged plain scalar, resolved here (YAML 1.2 core)
_STR = "tag:yaml.org,2002:str"
_INT_RE = re.compile(r"[-+]?[0-9]+")
_OCT_RE = re.compile(r"0o[0-7]+")
_HEX_RE = re.compile(r"0x[0-9a-fA-F]+")
_FLOAT_RE = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_INF_RE = re.compile(r"[-+]?\.(inf|Inf|INF)")
_NAN_RE = re.compile(r"\.(nan|NaN|NAN)")
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_TRUES = frozenset({"true", "True", "TRUE"})
_FALSES = frozenset({"false", "False", "FALSE"})
_SIMPLE_KEY = re.compile(r"[A-Za-z0-9_-]+")


class _Resolver(BaseResolver):
    """Tags untagged plain scalars so that we, not YAML 1.1's resolver, decide their type."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is ScalarNode and implicit[0]:
            return _PLAIN
        return super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]


try:
    from yaml.cyaml import CParser as _Parser  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml.composer import Composer
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Parser(Reader, Scanner, Parser, Composer):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            Composer.__init__(self)


class _Composer(_Parser, _Resolver):
    def __init__(self, stream: str) -> None:
        _Parser.__init__(self, stream)
        _Resolver.__init__(self)


@dataclass
class LoadedYaml:
    """The outcome of reading one YAML document.

    ``positions`` maps a property path to where its key starts (mapping entries) or where the
    item starts (sequence items); ``value_positions`` to where the value itself starts. The
    root path ``()`` is ``(1, 1)``. ``data`` is None when the text could not be read at all.
    """

    data: Any
    positions: dict[Path, Position] = field(default_factory=dict)
    value_positions: dict[Path, Position] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    text: str | None = None
    file: str | None = None

    @property
    def ok(self) -> bool:
        return not any(i.severity == "error" for i in self.issues)

    def locate(self, path: Path, *, value: bool = False) -> Position | None:
        """Position of ``path`` (its value when ``value``), else of its nearest ancestor."""
        probe = tuple(path)
        while True:
            if value and probe in self.value_positions:
                return self.value_positions[probe]
            if probe in self.positions:
                return self.positions[probe]
            if not probe:
                return None
            probe = probe[:-1]

    def issue(self, path: Path, message: str, hint: str | None = None, *, value: bool = False,
              severity: Any = "error") -> Issue:
        where = self.locate(path, value=value)
        return Issue(
            path=format_path(path), message=message, line=where[0] if where else None,
            column=where[1] if where else None, hint=hint, severity=severity, file=self.file,
        )


def format_path(path: Path) -> str:
    """``("tasks", 1, "then", 0, "sql")`` -> ``tasks[1].then[0].sql``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _SIMPLE_KEY.fullmatch(part):
            text += f".{part}" if text else part
        else:
            text += f'["{part}"]'
    return text


def decode_source(source: str | bytes, file: str | None = None) -> tuple[str | None, list[Issue]]:
    """Bytes -> text, refusing binary, non-UTF-8 and oversized content with a clear issue."""
    size = len(source.encode("utf-8", errors="surrogatepass")) if isinstance(source, str) else len(source)
    if size > MAX_FLOW_BYTES:
        return None, [Issue("", f"the file is {_human_size(size)}, over the {_human_size(MAX_FLOW_BYTES)} "
                            "size limit of a flow", 1, 1, "a flow is a small YAML file; keep large data "
                            "in namespace files or internal storage", file=file)]
    if isinstance(source, str):
        text = source
    else:
        if b"\x00" in source[:8192]:
            return None, [Issue("", "the file is binary, not a YAML flow", 1, 1,
                                "give the path of a .yaml/.yml flow file", file=file)]
        try:
            text = source.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = source[: exc.start].count(b"\n") + 1
            column = exc.start - (source.rfind(b"\n", 0, exc.start) + 1) + 1
            return None, [Issue("", "the file is binary, not a YAML flow", line, column,
                                f"byte 0x{source[exc.start]:02x} at offset {exc.start} is not UTF-8; "
                                "save the flow as UTF-8 text", file=file)]
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        return None, [Issue("", "the file is binary, not a YAML flow", 1, 1,
                            "give the path of a .yaml/.yml flow file", file=file)]
    return text, []


def _human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MiB".replace(".0 MiB", " MiB")
    if size >= 1024:
        return f"{size / 1024:.1f} KiB".replace(".0 KiB", " KiB")
    return f"{size} bytes"


def load_yaml(source: str | bytes, file: str | None = None, *, expect_mapping: bool = True) -> LoadedYaml:
    """Read ONE YAML document. Problems are in ``.issues``; ``.data`` is None if unreadable."""
    text, issues = decode_source(source, file)
    if text is None:
        return LoadedYaml(None, issues=issues, file=file)
    result = LoadedYaml(None, text=text, file=file)
    try:
        found = list(_compose_all(text))
    except yaml.MarkedYAMLError as exc:
        result.issues.append(_syntax_issue(exc, file))
        return result
    except yaml.YAMLError as exc:  # a reader error without a mark
        result.issues.append(Issue("", f"invalid YAML: {exc}", 1, 1, file=file))
        return result
    nodes: list[Node] = [n for n in found if n is not None and not _empty_document(n)]
    if not nodes:
        result.issues.append(Issue("", "the file is empty: a flow needs at least `id`, `namespace` "
                                   "and `tasks`", 1, 1, file=file))
        return result
    if len(nodes) > 1:
        second = nodes[1].start_mark
        result.issues.append(Issue(
            "", f"the file holds {len(nodes)} YAML documents; one flow per file is expected",
            second.line + 1, second.column + 1,
            "split the documents (separated by `---`) into one file each", file=file))
        return result
    builder = _Builder(result)
    try:
        result.positions[()] = (nodes[0].start_mark.line + 1, nodes[0].start_mark.column + 1)
        result.value_positions[()] = result.positions[()]
        result.data = builder.build(nodes[0], ())
    except RecursionError:
        result.data = None
        result.issues.append(Issue("", "the YAML is nested too deeply", 1, 1, file=file))
    except _TooLarge:
        result.data = None
        result.issues.append(Issue("", f"the YAML expands to more than {MAX_NODES} values "
                                   "(aliases of aliases?)", 1, 1, file=file))
    if expect_mapping and result.data is not None and not isinstance(result.data, dict):
        line, column = result.positions[()]
        kind = "a list" if isinstance(result.data, list) else f"the value `{result.data}`"
        result.issues.append(Issue("", f"a flow must be a YAML mapping (`key: value` lines), found {kind}",
                                   line, column, "start the file with `id: my_flow`", file=file))
        result.data = None
    return result


def _empty_document(node: Node) -> bool:
    """A bare ``---`` (or ``---`` at the end of the file) makes an empty document: not a flow."""
    return isinstance(node, ScalarNode) and node.tag == _PLAIN and node.value == ""


def _compose_all(text: str) -> Iterator[Node | None]:
    composer = _Composer(text)
    try:
        while composer.check_node():
            yield composer.get_node()
    finally:
        composer.dispose()


_SYNTAX_HINTS: tuple[tuple[str, str], ...] = (
    ("mapping values are not allowed", "check the indentation, or quote a value that contains ': '"),
    ("cannot start any token", "YAML forbids tabs and some characters here: indent with spaces, "
                               "quote values starting with `@`, `` ` `` or `%`"),
    ("did not find expected key", "check the indentation: this line must line up with the other keys "
                                  "of its block"),
    ("expected <block end>", "check the indentation: this line must line up with the other items "
                             "of its block"),
    ("could not find expected ':'", "a `key: value` line is missing its colon, or a quoted value is "
                                    "not closed"),
    ("unexpected end of stream", "a quote or bracket is not closed"),
    ("found undefined alias", "an `*alias` is used before its `&anchor`"),
    ("did not find expected ','", "a `[` list or `{` map is not closed, or lacks a comma"),
    ("expected '-' indicator", "check the indentation: the `-` of this list item must line up with the "
                               "other items"),
    ("did not find expected node content", "a value is missing, or a list item is badly indented"),
    ("found duplicate anchor", "each `&anchor` name must be unique"),
    ("special characters are not allowed", "remove control characters from the file"),
)


def _syntax_issue(exc: yaml.MarkedYAMLError, file: str | None) -> Issue:
    mark = exc.problem_mark or exc.context_mark
    problem = (exc.problem or exc.context or "invalid YAML").strip()
    message = f"invalid YAML: {problem}"
    if exc.context and exc.problem and exc.context_mark is not None:
        message += f" ({exc.context} started at line {exc.context_mark.line + 1})"
    hint = next((h for key, h in _SYNTAX_HINTS if key in problem), "check the indentation and quoting")
    return Issue("", message, mark.line + 1 if mark else None, mark.column + 1 if mark else None,
                 hint, file=file)


class _TooLarge(Exception):
    pass


class _Builder:
    """Builds plain data from nodes, recording positions and key problems on the way."""

    def __init__(self, result: LoadedYaml) -> None:
        self.result = result
        self.count = 0

    def build(self, node: Node, path: Path) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooLarge
        self.result.value_positions.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if isinstance(node, ScalarNode):
            return self.scalar(node, path)
        if isinstance(node, SequenceNode):
            items: list[Any] = []
            for index, child in enumerate(node.value):
                child_path = (*path, index)
                self.result.positions.setdefault(
                    child_path, (child.start_mark.line + 1, child.start_mark.column + 1))
                items.append(self.build(child, child_path))
            return items
        if isinstance(node, MappingNode):
            return self.mapping(node, path)
        return None  # pragma: no cover - no other node kinds exist

    def mapping(self, node: MappingNode, path: Path) -> dict[str, Any]:
        data: dict[str, Any] = {}
        merges: list[Node] = []
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode) and key_node.tag == _PLAIN and key_node.value == "<<":
                merges.append(value_node)
                continue
            key = self.key(key_node, path)
            if key is None:
                continue
            child_path = (*path, key)
            where = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if key in data:
                self.result.issues.append(Issue(
                    format_path(child_path), f"Duplicate field '{key}'", where[0], where[1],
                    f"`{key}` is already set at line {self.result.positions[child_path][0]}; "
                    "keep only one", file=self.result.file))
                continue
            self.result.positions.setdefault(child_path, where)
            data[key] = self.build(value_node, child_path)
        for merge in merges:  # YAML merge keys: explicit keys win
            sources = merge.value if isinstance(merge, SequenceNode) else [merge]
            for source in sources:
                if not isinstance(source, MappingNode):
                    continue
                for key, value in self.mapping(source, path).items():
                    data.setdefault(key, value)
        return data

    def key(self, node: Node, path: Path) -> str | None:
        if isinstance(node, ScalarNode):
            return str(node.value)
        self.result.issues.append(Issue(
            format_path(path), "a mapping key must be a plain value, not a list or a map",
            node.start_mark.line + 1, node.start_mark.column + 1, file=self.result.file))
        return None

    def scalar(self, node: ScalarNode, path: Path) -> Any:
        text = str(node.value)
        tag = node.tag
        if tag == _PLAIN:
            return resolve_plain_scalar(text)
        if tag == _STR or not tag.startswith("tag:yaml.org,2002:"):
            return text
        kind = tag.rsplit(":", 1)[-1]
        value = resolve_plain_scalar(text)
        expected: Any = {"int": int, "float": (int, float), "bool": bool, "null": type(None)}.get(kind)
        if expected is None:
            return text  # !!binary, !!timestamp...: kept as text
        if isinstance(value, bool) and kind != "bool":
            value = text
        if not isinstance(value, expected):
            self.result.issues.append(Issue(
                format_path(path), f"`{text}` is not a valid !!{kind}",
                node.start_mark.line + 1, node.start_mark.column + 1, file=self.result.file))
            return text
        return float(value) if kind == "float" else value


def resolve_plain_scalar(text: str) -> Any:
    """YAML 1.2 core schema: null, true/false, ints, floats; everything else is a string."""
    if text in _NULLS:
        return None
    if text in _TRUES:
        return True
    if text in _FALSES:
        return False
    if _INT_RE.fullmatch(text):
        return int(text)
    if _OCT_RE.fullmatch(text):
        return int(text[2:], 8)
    if _HEX_RE.fullmatch(text):
        return int(text[2:], 16)
    if _FLOAT_RE.fullmatch(text):
        return float(text)
    if _INF_RE.fullmatch(text):
        return -math.inf if text.startswith("-") else math.inf
    if _NAN_RE.fullmatch(text):
        return math.nan
    return text
