"""pluginDefaults (kestra-reference §1.6): merged into every typed map of a flow, Kestra's way.

Every map with a string ``type`` key (tasks at any depth, triggers, task runners, AI providers,
conditions...) gets the values of the defaults whose ``type`` equals its type or is a plain
string prefix of it. Non-forced defaults sit *under* the map (explicit properties win; the first
declared default wins over later ones); forced defaults sit *over* it (first declared wins too).
Maps are merged deeply; lists are concatenated without repeats (``MapUtils.deepMerge``).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Default:
    type: str
    values: Mapping[str, Any]
    forced: bool = False


def deep_merge(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    """``b`` over ``a``: nested maps merged, lists concatenated (items of ``b`` not in ``a``),
    ``None`` in ``b`` keeps ``a``'s value. Inputs are not modified."""
    result: dict[str, Any] = copy.deepcopy(dict(a))
    for key, value_b in b.items():
        value_a = result.get(key)
        if value_b is None:
            continue
        if value_a is None:
            result[key] = copy.deepcopy(value_b)
        elif isinstance(value_a, Mapping) and isinstance(value_b, Mapping):
            result[key] = deep_merge(value_a, value_b)
        elif isinstance(value_a, list) and isinstance(value_b, list):
            result[key] = value_a + [copy.deepcopy(v) for v in value_b if v not in value_a]
        else:
            result[key] = copy.deepcopy(value_b)
    return result


def with_aliases(defaults: Sequence[Default], canonical: Callable[[str], str | None]) -> list[Default]:
    """Kestra adds a copy of each default under the current name of an aliased type."""
    extra = []
    for item in defaults:
        name = canonical(item.type)
        if name is not None and name != item.type:
            extra.append(Default(name, item.values, item.forced))
    return [*defaults, *extra]


def apply_defaults(data: Any, defaults: Sequence[Default],
                   canonical: Callable[[str], str | None] | None = None) -> Any:
    """A copy of ``data`` with the defaults merged into every typed map (the flow's own
    ``pluginDefaults``/``taskDefaults`` entries are left alone)."""
    if not defaults:
        return data
    normal = [d for d in defaults if not d.forced]
    forced = list(reversed([d for d in defaults if d.forced]))
    result = data
    if normal:
        result = _walk(result, normal, canonical, forced=False, top=True)
    if forced:
        result = _walk(result, forced, canonical, forced=True, top=True)
    return result


def _walk(value: Any, defaults: Sequence[Default], canonical: Callable[[str], str | None] | None,
          *, forced: bool, top: bool = False) -> Any:
    if isinstance(value, dict):
        walked = {
            key: item if top and key in ("pluginDefaults", "taskDefaults")
            else _walk(item, defaults, canonical, forced=forced)
            for key, item in value.items()
        }
        plugin_type = walked.get("type")
        if isinstance(plugin_type, str) and not top:
            walked = _merge(walked, plugin_type, defaults, canonical, forced)
        return walked
    if isinstance(value, list):
        return [_walk(item, defaults, canonical, forced=forced) for item in value]
    return value


def matches(default_type: str, plugin_type: str, canonical_type: str | None = None) -> bool:
    """Exact type or plain string prefix (``io.kestra.plugin.gcp`` matches every GCP task)."""
    names = (plugin_type,) if canonical_type in (None, plugin_type) else (plugin_type, canonical_type)
    return any(name == default_type or name.startswith(default_type) for name in names if name)


def _merge(plugin: dict[str, Any], plugin_type: str, defaults: Sequence[Default],
           canonical: Callable[[str], str | None] | None, forced: bool) -> dict[str, Any]:
    current = canonical(plugin_type) if canonical else None
    result = plugin
    for item in defaults:
        if matches(item.type, plugin_type, current):
            result = deep_merge(result, item.values) if forced else deep_merge(item.values, result)
    return result
