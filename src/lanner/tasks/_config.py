"""Lanner's configuration as tasks read it (``RunContext.config``, the raw merged file).

Tasks may not import ``lanner.settings``, so the two lookups every task family needs live here:
a nested key in any case style, and the Lanner home directory.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def _norm(key: str) -> str:
    return key.replace("-", "").replace("_", "").lower()


def config_value(config: Mapping[str, Any] | None, *path: str) -> Any:
    """Nested lookup, kebab/camel/snake-case insensitive (``python-cache`` = ``pythonCache``)."""
    node: Any = config or {}
    for part in path:
        if not isinstance(node, Mapping):
            return None
        wanted = _norm(part)
        node = next((v for k, v in node.items() if _norm(str(k)) == wanted), None)
    return node


def lanner_home(config: Mapping[str, Any] | None, environ: Mapping[str, str] | None = None) -> Path:
    """``lanner-home`` of the configuration, else ``$LANNER_HOME``, else ``~/.lanner``."""
    environ = os.environ if environ is None else environ
    home = config_value(config, "lanner-home") or environ.get("LANNER_HOME") or Path.home() / ".lanner"
    return Path(str(home)).expanduser()
