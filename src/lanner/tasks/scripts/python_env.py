"""Python environments of the python script tasks: ``dependencies`` installed once into cached
virtual environments, keyed by a hash of (sorted dependencies, Python version).

Where: ``tasks.python-cache`` in Lanner's configuration if set, else
``$LANNER_HOME/cache/python-envs`` (``LANNER_HOME`` defaults to ``~/.lanner``). Each environment is
``<root>/<hash>/``; it counts as built only once its ``.lanner-complete`` marker exists.

How: ``uv venv`` + ``uv pip install`` when uv is available (on PATH or as ``python -m uv``), else
``python -m venv`` + ``pip``. Building holds an exclusive ``flock`` on ``<root>/<hash>.lock`` so two
tasks (threads or processes) never build the same environment at once. A failed build is removed;
a crashed one (no marker) is removed and rebuilt by the next task. Virtual environments are not
relocatable (console scripts carry absolute paths), hence the marker instead of build-then-rename.

Without dependencies (and no other pythonVersion found) the task uses the Python that runs Lanner.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import deque
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lanner.plugins.api import RunContext, TaskFailure
from lanner.tasks._config import config_value, lanner_home

from .process import run_process

COMPLETE_MARKER = ".lanner-complete"
_TAIL_LINES = 25


@dataclass(frozen=True, slots=True)
class PythonEnv:
    """The interpreter a python task runs with; ``bin_dir`` goes first on PATH."""

    python: Path
    bin_dir: Path
    venv: Path | None = None

    def environ(self) -> dict[str, str]:
        extra = {"PATH": str(self.bin_dir)}
        if self.venv is not None:
            extra["VIRTUAL_ENV"] = str(self.venv)
        return extra


def cache_root(config: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> Path:
    configured = config_value(config, "tasks", "python-cache")
    if configured:
        return Path(str(configured)).expanduser()
    return lanner_home(config, environ) / "cache" / "python-envs"


@contextmanager
def python_env(
    ctx: RunContext,
    dependencies: list[str],
    python_version: str | None,
    *,
    use_uv: bool = True,
    cached: bool = True,
) -> Iterator[PythonEnv]:
    """The environment to run with; a non-cached one is removed when the block ends."""
    interpreter = _interpreter(ctx, python_version)
    if not dependencies and interpreter == Path(sys.executable):
        yield PythonEnv(python=interpreter, bin_dir=interpreter.parent)
        return
    version = _version_of(interpreter)
    if not cached:
        with tempfile.TemporaryDirectory(prefix="lanner-pyenv-") as tmp:
            venv = Path(tmp) / "venv"
            ctx.logger.info(f"Installing Python dependencies {dependencies} (cache disabled)")
            _build(ctx, venv, interpreter, dependencies, use_uv)
            yield _env_of(venv)
        return
    key = environment_key(dependencies, version)
    root = cache_root(ctx.config)
    venv = root / key
    if (venv / COMPLETE_MARKER).exists():
        ctx.logger.info(f"Using cached Python environment {venv} ({_describe(dependencies, version)})")
        yield _env_of(venv)
        return
    root.mkdir(parents=True, exist_ok=True)
    with _exclusive(ctx, root / f"{key}.lock"):
        if (venv / COMPLETE_MARKER).exists():  # built by another task while we waited
            ctx.logger.info(f"Using cached Python environment {venv} ({_describe(dependencies, version)})")
        else:
            if venv.exists():
                ctx.logger.debug(f"Removing the unfinished Python environment {venv}")
                shutil.rmtree(venv, ignore_errors=True)
            ctx.logger.info(f"Creating Python environment {venv} ({_describe(dependencies, version)})")
            try:
                _build(ctx, venv, interpreter, dependencies, use_uv)
                marker = {"dependencies": dependencies, "python": version, "interpreter": str(interpreter)}
                (venv / COMPLETE_MARKER).write_text(json.dumps(marker), encoding="utf-8")
            except BaseException:
                shutil.rmtree(venv, ignore_errors=True)
                raise
    yield _env_of(venv)


def environment_key(dependencies: list[str], python_version: str) -> str:
    payload = json.dumps({"dependencies": sorted(d.strip() for d in dependencies), "python": python_version})
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


def _describe(dependencies: list[str], version: str) -> str:
    return f"Python {version}, dependencies: {', '.join(sorted(dependencies)) or 'none'}"


def _env_of(venv: Path) -> PythonEnv:
    return PythonEnv(python=venv / "bin" / "python", bin_dir=venv / "bin", venv=venv)


@contextmanager
def _exclusive(ctx: RunContext, lock_path: Path) -> Iterator[None]:
    with lock_path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            ctx.logger.info("Waiting for another task building the same Python environment")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# --- interpreters -----------------------------------------------------------------------------

def _interpreter(ctx: RunContext, python_version: str | None) -> Path:
    current = Path(sys.executable)
    if not python_version:
        return current
    wanted = python_version.strip()
    if _version_of(current) == wanted or _version_of(current).startswith(wanted + "."):
        return current
    parts = wanted.split(".")
    for name in (f"python{wanted}", f"python{'.'.join(parts[:2])}"):
        found = shutil.which(name)
        if found and _version_of(Path(found)).startswith(wanted):
            return Path(found)
    ctx.logger.warn(f"pythonVersion {wanted} is not installed on this worker: using Python "
                    f"{_version_of(current)} ({current})")
    return current


_VERSIONS: dict[Path, str] = {}


def _version_of(interpreter: Path) -> str:
    if interpreter == Path(sys.executable):
        return ".".join(str(part) for part in sys.version_info[:3])
    if interpreter not in _VERSIONS:
        try:
            out = subprocess.run(
                [str(interpreter), "-c", "import sys; print('.'.join(map(str, sys.version_info[:3])))"],
                capture_output=True, text=True, timeout=30, check=True,
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            out = ""
        _VERSIONS[interpreter] = out
    return _VERSIONS[interpreter]


# --- building ---------------------------------------------------------------------------------

def _uv_command() -> list[str] | None:
    found = shutil.which("uv")
    if found:
        return [found]
    if importlib.util.find_spec("uv") is not None:
        return [sys.executable, "-m", "uv"]
    return None


def _build(ctx: RunContext, venv: Path, interpreter: Path, dependencies: list[str], use_uv: bool) -> None:
    uv = _uv_command() if use_uv else None
    python = venv / "bin" / "python"
    if uv is not None:
        # --seed: pip inside the venv, so `pip install` in beforeCommands lands in it too.
        steps = [[*uv, "venv", "--seed", "--quiet", "--python", str(interpreter), str(venv)]]
        if dependencies:
            steps.append([*uv, "pip", "install", "--python", str(python), *dependencies])
        tool = "uv"
    else:
        steps = [[str(interpreter), "-m", "venv", str(venv)]]
        if dependencies:
            steps.append([str(python), "-m", "pip", "install", "--disable-pip-version-check",
                          "--no-input", *dependencies])
        tool = "pip"
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_ROOT_USER_ACTION": "ignore"}
    env.pop("VIRTUAL_ENV", None)  # uv would otherwise target the venv running Lanner
    for argv in steps:
        tail: deque[str] = deque(maxlen=_TAIL_LINES)

        def on_line(line: str, _stderr: bool, tail: deque[str] = tail) -> None:
            tail.append(line)
            ctx.logger.debug(line)

        try:
            result = run_process(argv, cwd=venv.parent, env=env, on_line=on_line, is_killed=ctx.is_killed)
        except OSError as exc:
            raise TaskFailure(f"Unable to create the Python environment with {tool}: {exc}") from None
        if result.killed:
            raise TaskFailure("Killed while installing the Python dependencies")
        if result.exit_code != 0:
            raise TaskFailure(_install_error(tool, dependencies, list(tail), result.exit_code))


def _install_error(tool: str, dependencies: list[str], tail: list[str], exit_code: int) -> str:
    text = _normalise("\n".join(tail))
    culprits = [dep for dep in dependencies if _normalise(_name_of(dep)) in text]
    if culprits:
        head = f"Failed to install the Python package{'s' if len(culprits) > 1 else ''} " + ", ".join(
            f"'{dep}'" for dep in culprits)
    else:
        head = f"Failed to install the Python dependencies {dependencies}"
    output = "\n".join(tail).strip() or "(no output)"
    return f"{head} ({tool} exit code {exit_code}):\n{output}"


def _name_of(requirement: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    return match.group(1) if match else requirement


def _normalise(text: str) -> str:
    return re.sub(r"[-_.]+", "-", text.lower())
