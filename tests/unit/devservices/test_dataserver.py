import gzip
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from lanner.devservices.dataserver import GITHUB_PREFIX, DataServer
from lanner.devservices.taxidata import generate_release, header


def fetch(url: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), error.read()


@pytest.fixture
def release(tmp_path: Path) -> Path:
    generate_release(tmp_path, ["yellow"], ["2019-01"], rows=500)
    return tmp_path


def test_get_serves_the_file_with_its_length(release: Path) -> None:
    path = release / "yellow" / "yellow_tripdata_2019-01.csv.gz"
    with DataServer(release) as server:
        assert server.url.startswith("http://127.0.0.1:") and server.port > 0
        status, headers, body = fetch(server.url + "yellow/yellow_tripdata_2019-01.csv.gz")
    assert status == 200
    assert body == path.read_bytes()
    assert int(headers["Content-Length"]) == len(body)
    assert "Content-Encoding" not in headers  # wget must hand gunzip the gzip bytes
    assert gzip.decompress(body).decode().startswith(header("yellow") + "\n")


def test_head_has_length_and_no_body(release: Path) -> None:
    with DataServer(release) as server:
        status, headers, body = fetch(server.url + "yellow/yellow_tripdata_2019-01.csv.gz", "HEAD")
    assert status == 200 and body == b""
    size = (release / "yellow" / "yellow_tripdata_2019-01.csv.gz").stat().st_size
    assert int(headers["Content-Length"]) == size


def test_missing_files_are_404(release: Path) -> None:
    with DataServer(release) as server:
        assert fetch(server.url + "yellow/yellow_tripdata_2019-02.csv.gz")[0] == 404
        assert fetch(server.url + "../etc/passwd")[0] == 404
    assert not (release / "yellow" / "yellow_tripdata_2019-02.csv.gz").exists()


def test_the_github_path_works_too(release: Path) -> None:
    with DataServer(release) as server:
        course_url = GITHUB_PREFIX + "yellow/yellow_tripdata_2019-01.csv.gz"
        assert server.rewrite(course_url) == server.url + "yellow/yellow_tripdata_2019-01.csv.gz"
        status, _, _ = fetch(server.url + "DataTalksClub/nyc-tlc-data/releases/download/"
                             "yellow/yellow_tripdata_2019-01.csv.gz")
    assert status == 200


def test_missing_months_are_generated_on_request(tmp_path: Path) -> None:
    with DataServer(tmp_path, generate_missing=True, lazy_rows=1_000) as server:
        status, _, body = fetch(server.url + "green/green_tripdata_2019-07.csv.gz")
        assert status == 200
        lines = gzip.decompress(body).decode().splitlines()
        assert lines[0] == header("green") and len(lines) == 1_001
        assert fetch(server.url + "green/green_tripdata_2019-07.csv")[0] == 200  # plain too
        assert fetch(server.url + "green/yellow_tripdata_2019-07.csv.gz")[0] == 404  # wrong folder
        assert fetch(server.url + "green/green_tripdata_2019-13.csv.gz")[0] == 404
        assert fetch(server.url + "green/notes.txt")[0] == 404
    assert (tmp_path / "green" / "green_tripdata_2019-07.csv.gz").is_file()


def test_concurrent_requests_generate_once_and_agree(tmp_path: Path) -> None:
    bodies: list[bytes] = []
    with DataServer(tmp_path, generate_missing=True, lazy_rows=20_000) as server:
        url = server.url + "yellow/yellow_tripdata_2020-02.csv.gz"
        threads = [threading.Thread(target=lambda: bodies.append(fetch(url)[2])) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(bodies) == 4 and len(set(bodies)) == 1
    assert sorted(p.name for p in (tmp_path / "yellow").iterdir()) == ["yellow_tripdata_2020-02.csv.gz"]


def test_a_taken_port_is_a_clear_error(tmp_path: Path) -> None:
    from lanner.errors import ConfigurationError

    with DataServer(tmp_path) as first, pytest.raises(ConfigurationError, match="--port"):
        DataServer(tmp_path, port=first.port).start()
