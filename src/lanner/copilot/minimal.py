"""Keep an edit minimal: the parts of a proposed flow that mean the same as in the current flow
are taken, byte for byte, from the current flow.

A model asked to change one task often re-indents, re-quotes or drops the comments of the rest.
Here the proposal is cut into top-level entries and, inside task/trigger lists, into items
(matched by ``id``); each piece whose data equals the current one is replaced by the current text.
The result must read back as exactly the proposed data, else the proposal is returned unchanged.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from lanner.copilot.yamltext import Source, compose, entries, indent_of


def keep_unchanged(current: str, proposed: str) -> str:
    current_root, proposed_root = compose(current), compose(proposed)
    if not (_block_map(current_root) and _block_map(proposed_root)):
        return proposed
    assert isinstance(current_root, MappingNode) and isinstance(proposed_root, MappingNode)
    old, new = Source(current), Source(proposed)
    old_parts = _segments([k for k, _ in entries(current_root)], lambda k: old.entry_lines(k)[1])
    new_parts = _segments([k for k, _ in entries(proposed_root)], lambda k: new.entry_lines(k)[1])
    old_entries = {k.value: (v, span) for (k, v), span in zip(entries(current_root), old_parts, strict=True)}
    pieces = []
    for (key, value), span in zip(entries(proposed_root), new_parts, strict=True):
        text = _restyled(new, span, value, _file_dash(old, current_root))
        previous = old_entries.get(key.value)
        if previous is not None and _data(previous[0]) == _data(value):
            pieces.append(old.slice_lines(*previous[1]))
        elif previous is not None:
            pieces.append(_merge_items(old, previous[1][0], previous[0], new, value) or text)
        else:
            pieces.append(text)
    tail = old.slice_lines(old.entry_lines(list(entries(current_root))[-1][0])[1], len(old.lines))
    result = "".join(pieces) + (tail if not tail.strip() or tail.lstrip().startswith("#") else "")
    if not result.endswith("\n"):
        result += "\n"
    try:
        same = yaml.safe_load(result) == yaml.safe_load(proposed)
    except yaml.YAMLError:
        same = False
    return result if same else proposed


def _block_map(node: Node | None) -> bool:
    return isinstance(node, MappingNode) and not node.flow_style and bool(node.value)


def _data(node: Node) -> Any:
    return yaml.safe_load(yaml.serialize(node))


def _segments(nodes: list[Any], end_of: Any, start: int = 0) -> list[tuple[int, int]]:
    """Contiguous line ranges, one per node: from the end of the previous one (blank lines and
    comments above included) to the end of this entry or item."""
    spans = []
    for node in nodes:
        end = end_of(node)
        spans.append((start, end))
        start = end
    return spans


def _merge_items(old: Source, old_start: int, old_value: Node, new: Source, new_value: Node) -> str | None:
    """A changed list of tasks/triggers: unchanged items (same id, same data) keep their text."""
    if not (_block_list(old_value) and _block_list(new_value)):
        return None
    assert isinstance(old_value, SequenceNode) and isinstance(new_value, SequenceNode)
    old_by_id = {}
    first_item = old_value.value[0].start_mark.line
    old_spans = _segments(old_value.value, lambda item: old.item_lines(item)[1], first_item)
    for item, span in zip(old_value.value, old_spans, strict=True):
        item_id = _id_of(item)
        if item_id is not None:  # (data, whole text, the blank lines and comments above it)
            old_by_id[item_id] = (_data(item), old.slice_lines(*span),
                                  old.slice_lines(span[0], item.start_mark.line))
    old_dash = _dash_column(old, old_value.value[0])
    new_dash = _dash_column(new, new_value.value[0])
    header = old.slice_lines(old_start, first_item)
    new_spans = _segments(new_value.value, lambda item: new.item_lines(item)[1],
                          new.comments_above(new_value.value[0].start_mark.line))
    pieces = [header]
    for item, span in zip(new_value.value, new_spans, strict=True):
        text = new.slice_lines(*span)
        previous = old_by_id.get(_id_of(item) or "")
        if previous is not None and previous[0] == _data(item):
            pieces.append(previous[1])
            continue
        if previous is not None:  # a changed item keeps the spacing and comments above it
            text = previous[2] + new.slice_lines(item.start_mark.line, span[1])
        shifted = _shift(text, old_dash - new_dash)
        if shifted is None:
            return None
        pieces.append(shifted)
    return "".join(pieces)


def _file_dash(source: Source, root: MappingNode) -> int | None:
    """How far this file indents list items under a top-level key (None: no such list)."""
    for _, value in entries(root):
        if _block_list(value):
            assert isinstance(value, SequenceNode)
            return _dash_column(source, value.value[0])
    return None


def _restyled(source: Source, span: tuple[int, int], value: Node, dash: int | None) -> str:
    """A new top-level entry, its list items indented the way this file indents them."""
    text = source.slice_lines(*span)
    if dash is None or not _block_list(value):
        return text
    assert isinstance(value, SequenceNode)
    first = value.value[0].start_mark.line
    shifted = _shift(source.slice_lines(first, span[1]), dash - _dash_column(source, value.value[0]))
    return text if shifted is None else source.slice_lines(span[0], first) + shifted


def _block_list(node: Node) -> bool:
    return isinstance(node, SequenceNode) and not node.flow_style and bool(node.value)


def _id_of(item: Node) -> str | None:
    if isinstance(item, MappingNode):
        for key, value in entries(item):
            if key.value == "id" and isinstance(value, ScalarNode):
                return str(value.value)
    return None


def _dash_column(source: Source, item: Node) -> int:
    return indent_of(source.lines[item.start_mark.line])


def _shift(text: str, by: int) -> str | None:
    """Re-indent lines by ``by`` columns (None when a line has too little indentation)."""
    if by == 0:
        return text
    out = []
    for line in text.splitlines(keepends=True):
        if not line.strip():
            out.append(line)
        elif by > 0:
            out.append(" " * by + line)
        elif indent_of(line) >= -by:
            out.append(line[-by:])
        else:
            return None
    return "".join(out)
