from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lanner.plugins.api import TaskFailure
from lanner.tasks.ai import documents
from lanner.tasks.ai.documents import html_to_text
from lanner.tasks.ai.embeddings import PGVector
from lanner.tasks.ai.splitters import Splitter
from lanner.tasks.ai.stores import KVVectorStore, PgVectorStore, Segment

TEXT = """First paragraph has two sentences. It is short.

Second paragraph is a much longer one that goes on. It has three sentences in it. The last one ends here.

Third."""


# ---- splitters ---------------------------------------------------------------------------------
def test_recursive_packs_paragraphs_and_splits_long_ones_into_sentences() -> None:
    assert Splitter("RECURSIVE", 60, 0).split(TEXT) == [
        "First paragraph has two sentences. It is short.",
        "Second paragraph is a much longer one that goes on.",
        "It has three sentences in it. The last one ends here.",
        "Third."]


def test_paragraphs_are_packed_together_when_they_fit() -> None:
    assert Splitter("PARAGRAPH", 500, 0).split(TEXT) == [TEXT]
    assert Splitter("LINE", 500, 0).split("a\nb\n\nc") == ["a\nb\nc"]


def test_every_segment_fits() -> None:
    for kind in ("RECURSIVE", "PARAGRAPH", "LINE", "SENTENCE", "WORD"):
        for size in (10, 25, 60):
            segments = Splitter(kind, size, 0).split(TEXT)
            assert segments and all(len(s) <= size for s in segments), (kind, size)


def test_overlap_repeats_whole_sentences() -> None:
    segments = Splitter("WORD", 60, 20).split(TEXT)
    assert segments[0].endswith("It is short. Second")
    assert segments[1].startswith("It is short. Second")


def test_characters_are_the_last_resort() -> None:
    assert Splitter("RECURSIVE", 10, 0).split("abcdefghijklmnopqrstuvwxyz short") == [
        "abcdefghij", "klmnopqrst", "uvwxyz", "short"]


# ---- documents ---------------------------------------------------------------------------------
def test_html_to_text() -> None:
    html = ("<!DOCTYPE html><html><head><title>x</title><script>var a = 1;</script></head><body>"
            "<h2>Apps</h2><p>Forms &amp; pages</p><ul><li>one</li><li>two</li></ul></body></html>")
    assert html_to_text(html) == "Apps\n\nForms & pages\n\none\ntwo"


class FakeStorage:
    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files

    def namespace_files(self, namespace: str | None = None) -> Iterator[tuple[str, bytes]]:
        yield from self.files.items()

    def open(self, uri: str) -> io.BytesIO:
        if uri not in self.files:
            raise FileNotFoundError(uri)
        return io.BytesIO(self.files[uri])


class FakeContext:
    def __init__(self, root: Path, files: dict[str, bytes] | None = None) -> None:
        self.root = root
        self.storage = FakeStorage(files or {})
        self.namespace = "company.ai"
        self.kv = FakeKV()
        self.config: dict[str, Any] = {}  # Lanner's configuration: the defaults

    def working_dir(self) -> Path:
        return self.root

    def render(self, value: Any, extra: Any = None) -> Any:
        return value

    def mask(self, value: str) -> None:
        self.masked = value


class FakeKV:
    def __init__(self) -> None:
        self.values: dict[tuple[str, str | None], Any] = {}

    def get(self, key: str, namespace: str | None = None, error_on_missing: bool = True) -> Any:
        return self.values.get((key, namespace))

    def set(self, key: str, value: Any, namespace: str | None = None, **options: Any) -> None:
        self.values[(key, namespace)] = value


def test_from_path_in_the_working_directory(tmp_path: Path) -> None:
    (tmp_path / "docs" / "sub").mkdir(parents=True)
    (tmp_path / "docs" / "a.md").write_text("# A")
    (tmp_path / "docs" / "sub" / "b.html").write_text("<p>B</p>")
    ctx: Any = FakeContext(tmp_path)
    loaded = documents.from_path(ctx, "docs")
    assert [(d.text, d.metadata["file_name"]) for d in loaded] == [("# A", "a.md"), ("B", "b.html")]
    with pytest.raises(TaskFailure, match="leaves the task's working directory"):
        documents.from_path(ctx, "../elsewhere")


def test_from_path_falls_back_to_namespace_files(tmp_path: Path) -> None:
    ctx: Any = FakeContext(tmp_path, {"kb/one.md": b"one", "kb/two.txt": b"two", "other.md": b"no"})
    assert [d.text for d in documents.from_path(ctx, "kb")] == ["one", "two"]
    with pytest.raises(TaskFailure, match="no such file"):
        documents.from_path(ctx, "missing")


def test_binary_documents_are_refused(tmp_path: Path) -> None:
    ctx: Any = FakeContext(tmp_path, {"kestra:///f.pdf": b"%PDF\xff\xfe\x00"})
    with pytest.raises(TaskFailure, match="not a text document"):
        documents.from_internal_uri(ctx, "kestra:///f.pdf")
    with pytest.raises(TaskFailure, match="does not exist"):
        documents.from_internal_uri(ctx, "kestra:///missing.md")


# ---- KV store ----------------------------------------------------------------------------------
def test_kv_store_search_scores_and_limits(tmp_path: Path) -> None:
    ctx: Any = FakeContext(tmp_path)
    store = KVVectorStore(ctx, "store", drop=True)
    store.add([Segment("x axis", {"n": 1}), Segment("y axis"), Segment("diagonal")],
              [[1.0, 0.0], [0.0, 1.0], [0.7071, 0.7071]])
    assert store.finish() == {"kvName": "store"}
    saved = json.loads(ctx.kv.values[("store", "company.ai")])
    assert saved["entries"][0]["embedded"] == {"text": "x axis", "metadata": {"metadata": {"n": 1}}}

    reloaded = KVVectorStore(ctx, "store", drop=False)
    matches = reloaded.search([1.0, 0.0], max_results=2, min_score=0.0)
    assert [m.segment.text for m in matches] == ["x axis", "diagonal"]
    assert matches[0].score == pytest.approx(1.0) and matches[1].score == pytest.approx(0.8536, abs=1e-3)
    assert [m.segment.text for m in reloaded.search([1.0, 0.0], 3, min_score=0.9)] == ["x axis"]
    # Orthogonal: cosine 0 -> relevance 0.5; opposite: cosine -1 -> 0.
    assert reloaded.search([0.0, 1.0], 3, 0.0)[-1].score == pytest.approx(0.5)
    assert KVVectorStore(ctx, "store", drop=True).entries == []


def test_kv_store_rejects_garbage(tmp_path: Path) -> None:
    ctx: Any = FakeContext(tmp_path)
    ctx.kv.values[("bad", "company.ai")] = "not json"
    with pytest.raises(TaskFailure, match="not an embedding store"):
        KVVectorStore(ctx, "bad", drop=False)
    ctx.kv.values[("bad", "company.ai")] = {"rows": []}
    with pytest.raises(TaskFailure, match="no `entries`"):
        KVVectorStore(ctx, "bad", drop=False)
    assert KVVectorStore(ctx, "empty", drop=False).search([1.0], 3, 0.0) == []


# ---- PGVector without the extension ------------------------------------------------------------
class NoVectorConnection:
    closed = False

    def execute(self, query: str, *args: Any) -> None:
        import psycopg

        raise psycopg.errors.FeatureNotSupported('extension "vector" is not available')

    def close(self) -> None:
        self.closed = True


def test_pgvector_without_the_extension_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import psycopg

    connection = NoVectorConnection()
    monkeypatch.setattr(psycopg, "connect", lambda **kwargs: connection)
    ctx: Any = FakeContext(tmp_path)
    store = PGVector(type=PGVector.kestra_type, host="db", port=5432, user="u", password="pw-secret",
                     database="d", table="t")
    with pytest.raises(TaskFailure) as caught:
        PgVectorStore.connect(ctx, store, drop=False)
    message = str(caught.value)
    assert "PostgreSQL server at db:5432 cannot enable the `vector` extension" in message
    assert "Install pgvector" in message and "KestraKVStore" in message
    assert connection.closed and ctx.masked == "pw-secret"
