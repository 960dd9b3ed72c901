"""A local stand-in for ``https://github.com/DataTalksClub/nyc-tlc-data/releases/download/``.

Serves a folder laid out like the release (``{taxi}/{taxi}_tripdata_{yyyy-MM}.csv.gz``) on
127.0.0.1 with the standard library's threaded HTTP server: GET and HEAD with Content-Length,
clean 404s. With ``generate_missing`` a request for a release file that is not on disk generates
it first (once, even under concurrent requests), so flows can ask for any month.

Flows keep their URLs; only the prefix changes. Both ``{url}/{taxi}/{file}`` and the GitHub path
``{url}/DataTalksClub/nyc-tlc-data/releases/download/{taxi}/{file}`` work.
"""

from __future__ import annotations

import logging
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from lanner.devservices import taxidata

GITHUB_PREFIX = "https://github.com/DataTalksClub/nyc-tlc-data/releases/download/"
_GITHUB_PATH = "/DataTalksClub/nyc-tlc-data/releases/download"
DEFAULT_LAZY_ROWS = 10_000

_log = logging.getLogger(__name__)


class _Generator:
    """Generates missing release files on demand, one lock per file."""

    def __init__(self, root: Path, rows: int, seed: int) -> None:
        self.root, self.rows, self.seed = root, rows, seed
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def ensure(self, url_path: str) -> None:
        parts = url_path.strip("/").split("/")
        if len(parts) != 2:
            return
        taxi, name = parts
        match = taxidata.RELEASE_FILE.match(name)
        if not match or match["taxi"] != taxi or not 1 <= int(match["month"]) <= 12:
            return
        target = self.root / taxi / name
        with self._guard:
            lock = self._locks.setdefault(name, threading.Lock())
        with lock:
            if not target.exists():
                _log.info("generating %s (%d rows)", target, self.rows)
                taxidata.generate(taxi, int(match["year"]), int(match["month"]), self.rows, out=target,
                                  seed=self.seed, gzip=bool(match["gz"]))


class _Handler(SimpleHTTPRequestHandler):
    generator: _Generator | None = None
    server_version = "LannerData/1"

    def __init__(self, *args: Any, generator: _Generator | None, **kwargs: Any) -> None:
        self.generator = generator
        super().__init__(*args, **kwargs)

    def translate_path(self, path: str) -> str:
        if path.startswith(_GITHUB_PATH + "/"):
            path = path[len(_GITHUB_PATH):]
        return super().translate_path(path)

    def send_head(self) -> Any:
        if self.generator is not None:
            route = self.path.split("?", 1)[0].split("#", 1)[0]
            if route.startswith(_GITHUB_PATH + "/"):
                route = route[len(_GITHUB_PATH):]
            try:
                self.generator.ensure(route)
            except Exception as exc:  # a broken request must not kill the server
                _log.exception("could not generate %s", route)
                self.send_error(500, f"could not generate {route}: {exc}")
                return None
        return super().send_head()

    def guess_type(self, path: Any) -> str:
        # GitHub serves release assets as octet-stream; never advertise a Content-Encoding.
        return "application/octet-stream" if str(path).endswith(".gz") else super().guess_type(path)

    def log_message(self, format: str, *args: Any) -> None:
        _log.debug("%s - %s", self.address_string(), format % args)


class DataServer:
    """``with DataServer(root) as server: server.url`` -> ``http://127.0.0.1:PORT/``."""

    def __init__(self, root: Path, *, port: int = 0, host: str = "127.0.0.1",
                 generate_missing: bool = False, lazy_rows: int = DEFAULT_LAZY_ROWS,
                 seed: int = taxidata.DEFAULT_SEED) -> None:
        self.root = Path(root)
        self.host = host
        self.requested_port = port
        self.generator = _Generator(self.root, lazy_rows, seed) if generate_missing else None
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the data server is not started")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """The prefix that replaces :data:`GITHUB_PREFIX` in flows (ends with ``/``)."""
        return f"http://{self.host}:{self.port}/"

    def rewrite(self, url: str) -> str:
        """A course URL pointed at this server."""
        return self.url + url[len(GITHUB_PREFIX):] if url.startswith(GITHUB_PREFIX) else url

    def start(self) -> DataServer:
        from lanner.errors import ConfigurationError

        self.root.mkdir(parents=True, exist_ok=True)
        handler = partial(_Handler, directory=str(self.root), generator=self.generator)
        try:
            self._server = ThreadingHTTPServer((self.host, self.requested_port), handler)
        except OSError as exc:
            raise ConfigurationError(
                f"cannot serve data on {self.host}:{self.requested_port}: {exc.strerror or exc}; "
                "pick another port with --port N (0 picks a free one)") from exc
        self._server.daemon_threads = True
        # A short poll interval: stop() (and so every test using the server) waits for one poll.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        name="lanner-data-server", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Block the calling thread (the CLI) until interrupted."""
        if self._thread is None:
            self.start()
        assert self._thread is not None
        while self._thread.is_alive():
            self._thread.join(0.5)

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = self._thread = None

    def __enter__(self) -> DataServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
