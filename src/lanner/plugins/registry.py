"""One registry for built-in and third-party plugin types (tasks, triggers, typed sub-objects).

Built-ins come from the static table in ``builtin.py`` and are imported on first use. Third-party
packages declare entry points in the groups ``lanner.tasks`` / ``lanner.triggers`` /
``lanner.objects`` (name = Kestra type string, value = ``module:Class``); entry points are read
only when a type is not found in the table, so validating one flow stays fast.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from pydantic import BaseModel

from lanner.plugins import builtin
from lanner.plugins.api import Task, Trigger

Kind = Literal["task", "trigger", "object"]
ENTRY_POINT_GROUPS: dict[str, Kind] = {"lanner.tasks": "task", "lanner.triggers": "trigger",
                                       "lanner.objects": "object"}


class Registry:
    """Type string -> plugin class, with aliases, deprecations and did-you-mean."""

    def __init__(
        self,
        tables: Mapping[Kind, Mapping[str, str]],
        aliases: Mapping[str, str] | None = None,
        deprecated: Iterable[str] = (),
        removed: Mapping[str, str] | None = None,
        removed_prefixes: Mapping[str, str] | None = None,
        *,
        use_entry_points: bool = True,
    ) -> None:
        self._paths: dict[str, tuple[Kind, str]] = {}
        for kind, table in tables.items():
            for type_name, path in table.items():
                self._paths[type_name] = (kind, path)
        self._aliases = dict(aliases or {})
        self._deprecated = set(deprecated)
        self._removed = dict(removed or {})
        self._removed_prefixes = dict(removed_prefixes or {})
        self._loaded: dict[str, type[BaseModel]] = {}
        self._errors: dict[str, str] = {}
        self._use_entry_points = use_entry_points
        self._entry_points: dict[str, tuple[Kind, Any]] | None = None
        self._packages: set[str] | None = None
        self._lock = threading.RLock()

    # ---- lookups ---------------------------------------------------------------------------
    def canonical(self, type_name: str) -> str | None:
        """The current name of a known type (aliases resolved), else None."""
        if type_name in self._paths or type_name in self._loaded:
            return type_name
        if type_name in self._aliases:
            return self._aliases[type_name]
        if self._entry_point(type_name) is not None:
            return type_name
        return None

    def kind(self, type_name: str) -> Kind | None:
        name = self.canonical(type_name)
        if name is None:
            return None
        if name in self._paths:
            return self._paths[name][0]
        found = self._entry_point(name)
        if found is not None:
            return found[0]
        cls = self._loaded.get(name)
        return _kind_of(cls) if cls is not None else None

    def resolve_plugin(self, type_name: str) -> type[BaseModel] | None:
        """The class of any plugin type (task, trigger, runner, provider...), imported lazily."""
        name = self.canonical(type_name)
        if name is None:
            return None
        with self._lock:
            cls = self._loaded.get(name)
            if cls is not None:
                return cls
            if name in self._errors:
                return None
            try:
                if name in self._paths:
                    cls = _import(self._paths[name][1])
                else:
                    found = self._entry_point(name)
                    cls = found[1].load() if found is not None else None
            except Exception as exc:  # a broken plugin must not break validation of other types
                self._errors[name] = f"{type(exc).__name__}: {exc}"
                return None
            if cls is None:
                return None
            self._loaded[name] = cls
            for alias in (*getattr(cls, "aliases", ()), *getattr(cls, "deprecated_aliases", ())):
                self._aliases.setdefault(alias, name)
            for alias in getattr(cls, "deprecated_aliases", ()):
                self._deprecated.add(alias)
            return cls

    def resolve(self, type_name: str) -> type[Task] | None:
        """The task class of a type string (aliases accepted), or None."""
        cls = self.resolve_plugin(type_name)
        return cls if cls is not None and issubclass(cls, Task) else None

    def resolve_trigger(self, type_name: str) -> type[Trigger] | None:
        cls = self.resolve_plugin(type_name)
        return cls if cls is not None and issubclass(cls, Trigger) else None

    def load_error(self, type_name: str) -> str | None:
        """Why a known type could not be imported (a broken or missing module), if it failed."""
        name = self.canonical(type_name)
        return self._errors.get(name) if name else None

    def is_deprecated(self, type_name: str) -> bool:
        return type_name in self._deprecated or (self.canonical(type_name) or "") in self._deprecated

    def removed_hint(self, type_name: str) -> str | None:
        """For a legacy type Kestra no longer accepts: exactly what to write instead."""
        if type_name in self._removed:
            return self._removed[type_name]
        for prefix, hint in self._removed_prefixes.items():
            if type_name.startswith(prefix):
                return hint
        return None

    def all_types(self, kind: Kind | None = None) -> list[str]:
        """Every current type name (no aliases), sorted; optionally only one kind."""
        names = {n for n, (k, _) in self._paths.items() if kind is None or k == kind}
        for name, (k, _) in self._scan_entry_points().items():
            if kind is None or k == kind:
                names.add(name)
        for name, cls in self._loaded.items():
            if kind is None or _kind_of(cls) == kind:
                names.add(name)
        return sorted(names)

    def suggest(self, type_name: str, kind: Kind | None = None) -> list[str]:
        """Close type names (did-you-mean), best first; compares full names and class names."""
        import difflib  # only needed when a type is unknown

        short = type_name.rsplit(".", 1)[-1].lower()
        scored: list[tuple[float, str]] = []
        for name in self.all_types(kind):
            name_short = name.rsplit(".", 1)[-1].lower()
            whole = difflib.SequenceMatcher(None, type_name.lower(), name.lower()).ratio()
            part = 1.0 if name_short == short else difflib.SequenceMatcher(None, short, name_short).ratio()
            if part >= 0.75 and (whole >= 0.6 or part == 1.0):
                scored.append((whole + part, name))
        scored.sort(key=lambda item: -item[0])
        return [name for _, name in scored[:4]]

    def register(self, cls: type[BaseModel], type_name: str | None = None) -> None:
        """Add a class at run time (tests, embedding applications)."""
        name = type_name or str(getattr(cls, "kestra_type", ""))
        if not name:
            raise ValueError(f"{cls.__name__} has no kestra_type")
        with self._lock:
            self._loaded[name] = cls
            self._errors.pop(name, None)
            for alias in (*getattr(cls, "aliases", ()), *getattr(cls, "deprecated_aliases", ())):
                self._aliases[alias] = name
            for alias in getattr(cls, "deprecated_aliases", ()):
                self._deprecated.add(alias)

    # ---- entry points ----------------------------------------------------------------------
    def _entry_point(self, type_name: str) -> tuple[Kind, Any] | None:
        if not self._use_entry_points or type_name in self._paths or self._is_builtin_package(type_name):
            return None
        return self._scan_entry_points().get(type_name)

    def _is_builtin_package(self, type_name: str) -> bool:
        """A pluginDefaults prefix such as ``io.kestra.plugin.jdbc.postgresql`` (a package of
        built-in types), or a word such as an input's ``type: SELECT``: never a plugin type (those
        are dotted class names), so no need to read every installed package's metadata."""
        if "." not in type_name:
            return True
        if self._packages is None:
            self._packages = {name.rsplit(".", depth)[0] for name in self._paths
                              for depth in range(1, name.count(".") + 1)}
        return type_name in self._packages

    def _scan_entry_points(self) -> dict[str, tuple[Kind, Any]]:
        if not self._use_entry_points:
            return {}
        with self._lock:
            if self._entry_points is None:
                from importlib.metadata import entry_points

                found: dict[str, tuple[Kind, Any]] = {}
                installed = entry_points()  # one pass over the installed packages for all groups
                for group, kind in ENTRY_POINT_GROUPS.items():
                    for point in installed.select(group=group):
                        found.setdefault(point.name, (kind, point))
                self._entry_points = found
            return self._entry_points


def _import(path: str) -> type[BaseModel]:
    module_name, _, attribute = path.partition(":")
    module = importlib.import_module(module_name)
    cls = getattr(module, attribute)
    if not (isinstance(cls, type) and issubclass(cls, BaseModel)):
        raise TypeError(f"{path} is not a pydantic model class")
    return cls


def _kind_of(cls: type[BaseModel]) -> Kind:
    if issubclass(cls, Task):
        return "task"
    if issubclass(cls, Trigger):
        return "trigger"
    return "object"


REGISTRY = Registry(
    {"task": builtin.TASKS, "trigger": builtin.TRIGGERS, "object": builtin.OBJECTS},
    builtin.ALIASES,
    builtin.DEPRECATED,
    builtin.REMOVED,
    builtin.REMOVED_PREFIXES,
)


def resolve(type_name: str) -> type[Task] | None:
    return REGISTRY.resolve(type_name)


def resolve_trigger(type_name: str) -> type[Trigger] | None:
    return REGISTRY.resolve_trigger(type_name)


def resolve_plugin(type_name: str) -> type[BaseModel] | None:
    return REGISTRY.resolve_plugin(type_name)


def canonical(type_name: str) -> str | None:
    return REGISTRY.canonical(type_name)


def is_deprecated(type_name: str) -> bool:
    return REGISTRY.is_deprecated(type_name)


def all_types(kind: Kind | None = None) -> list[str]:
    return REGISTRY.all_types(kind)


def suggest(type_name: str, kind: Kind | None = None) -> list[str]:
    return REGISTRY.suggest(type_name, kind)


def removed_hint(type_name: str) -> str | None:
    return REGISTRY.removed_hint(type_name)


def load_error(type_name: str) -> str | None:
    return REGISTRY.load_error(type_name)
