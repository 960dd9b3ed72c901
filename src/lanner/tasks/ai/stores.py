"""Embedding stores at run time: the KV store (``KestraKVStore``) and PostgreSQL (``PGVector``).

Scores are LangChain4j's relevance scores: ``(cosine + 1) / 2``, in [0, 1]; ``minScore`` filters
on them.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from lanner.plugins.api import RunContext, TaskFailure

from .embeddings import EmbeddingStore, KestraKVStore, PGVector


@dataclass(frozen=True)
class Segment:
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Match:
    score: float
    segment: Segment


class VectorStore(Protocol):
    def add(self, segments: Sequence[Segment], vectors: Sequence[Sequence[float]]) -> None: ...

    def search(self, vector: Sequence[float], max_results: int, min_score: float) -> list[Match]: ...

    def finish(self) -> dict[str, Any]:
        """Persist what was added; returns the task's ``embeddingStoreOutputs``."""
        ...

    def close(self) -> None: ...


def open_store(ctx: RunContext, store: EmbeddingStore, *, drop: bool) -> VectorStore:
    if isinstance(store, KestraKVStore):
        return KVVectorStore(ctx, str(ctx.render(store.kvName)), drop=drop)
    if isinstance(store, PGVector):
        return PgVectorStore.connect(ctx, store, drop=drop)
    raise TaskFailure(f"embedding store {store.type} is not supported by Lanner yet "
                      "(supported: KestraKVStore, PGVector)")


def _dimension_error(stored: int, given: int) -> TaskFailure:
    return TaskFailure(f"the embedding store holds {stored}-dimensional embeddings but the embedding model "
                       f"returns {given}: use the same embedding model for ingestion and search, or "
                       "re-ingest with `drop: true`")


# ---- KV store ----------------------------------------------------------------------------------
class KVVectorStore:
    """Every entry in one KV value of the flow's namespace, as the JSON text of LangChain4j's
    ``InMemoryEmbeddingStore`` (``{"entries": [{id, embedding: {vector}, embedded: {text,
    metadata: {metadata}}}]}``) so that a store written by Kestra reads here and back."""

    def __init__(self, ctx: RunContext, key: str, *, drop: bool) -> None:
        self._ctx = ctx
        self.key = key
        self.entries: list[dict[str, Any]] = []
        if not drop:
            value = ctx.kv.get(key, ctx.namespace, error_on_missing=False)
            if value is not None:
                self.entries = self._parse(value)

    def _parse(self, value: Any) -> list[dict[str, Any]]:
        data = value
        if isinstance(value, str | bytes):
            try:
                data = json.loads(value)
            except ValueError:
                raise TaskFailure(f"the KV value {self.key!r} is not an embedding store (not JSON)") from None
        entries = data.get("entries") if isinstance(data, dict) else None
        if not isinstance(entries, list):
            raise TaskFailure(f"the KV value {self.key!r} is not an embedding store (no `entries`)")
        return entries

    @property
    def dimension(self) -> int | None:
        for entry in self.entries:
            vector = (entry.get("embedding") or {}).get("vector")
            if vector:
                return len(vector)
        return None

    def add(self, segments: Sequence[Segment], vectors: Sequence[Sequence[float]]) -> None:
        stored = self.dimension
        for segment, vector in zip(segments, vectors, strict=True):
            if stored is not None and len(vector) != stored:
                raise _dimension_error(stored, len(vector))
            metadata = {k: _jsonable(v) for k, v in segment.metadata.items()}
            self.entries.append({
                "id": str(uuid.uuid4()),
                "embedding": {"vector": [float(x) for x in vector]},
                "embedded": {"text": segment.text, "metadata": {"metadata": metadata}},
            })

    def search(self, vector: Sequence[float], max_results: int, min_score: float) -> list[Match]:
        import numpy as np

        usable = [e for e in self.entries if (e.get("embedding") or {}).get("vector")]
        if not usable:
            return []
        stored = self.dimension or 0
        if len(vector) != stored:
            raise _dimension_error(stored, len(vector))
        matrix = np.asarray([e["embedding"]["vector"] for e in usable], dtype=np.float64)
        query = np.asarray(vector, dtype=np.float64)
        norms = np.linalg.norm(matrix, axis=1) * (np.linalg.norm(query) or 1.0)
        cosine = matrix @ query / np.where(norms == 0, 1.0, norms)
        scores = (cosine + 1.0) / 2.0
        order = np.argsort(-scores, kind="stable")
        matches: list[Match] = []
        for index in order[:max(max_results, 0)]:
            score = float(scores[index])
            if score < min_score:
                break
            embedded = usable[index].get("embedded") or {}
            metadata = (embedded.get("metadata") or {}).get("metadata") or {}
            matches.append(Match(score, Segment(str(embedded.get("text") or ""), dict(metadata))))
        return matches

    def finish(self) -> dict[str, Any]:
        self._ctx.kv.set(self.key, json.dumps({"entries": self.entries}), self._ctx.namespace,
                         kv_type="STRING")
        return {"kvName": self.key}

    def close(self) -> None:
        return None


def _jsonable(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool) or value is None else str(value)


# ---- PostgreSQL + pgvector ---------------------------------------------------------------------
def _vector_literal(vector: Sequence[float]) -> str:
    return "[" + ",".join(repr(float(x)) for x in vector) + "]"


class PgVectorStore:
    """LangChain4j's table layout: ``embedding_id UUID, embedding vector(n), text TEXT, metadata
    JSON``; the table is created on the first ``add`` (its dimension is the model's)."""

    def __init__(self, conn: Any, table: str, use_index: bool) -> None:
        self._conn = conn
        self.table = table
        self._use_index = use_index

    @classmethod
    def connect(cls, ctx: RunContext, store: PGVector, *, drop: bool) -> PgVectorStore:
        import psycopg
        from psycopg import sql

        from lanner.tasks.jdbc._pg import connection_failure
        from lanner.tasks.jdbc.urls import PgTarget, hosts_config, map_host

        params = ctx.render(store.model_dump(exclude_none=True))
        password = str(params.get("password") or "")
        if password:
            ctx.mask(password)
        # The same `hosts` mapping as the JDBC tasks (`pgdatabase` is this machine by default).
        host, port = map_host(str(params["host"]), int(params["port"]), hosts_config(ctx.config or {}))
        target = PgTarget({"host": host, "port": port, "user": str(params["user"]), "password": password,
                           "dbname": str(params["database"])}, [(host, port or 5432)])
        table = str(params["table"])
        try:
            conn = psycopg.connect(**target.params, autocommit=True, connect_timeout=30)
        except psycopg.Error as exc:
            raise TaskFailure(f"PGVector: {connection_failure(target, exc)}") from None
        try:
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        except psycopg.Error as exc:
            conn.close()
            raise TaskFailure(
                f"PGVector: the PostgreSQL server at {host}:{port} cannot enable the `vector` extension "
                f"({str(exc).strip()}). Install pgvector on that server (Debian: "
                "postgresql-<version>-pgvector); Lanner's managed PostgreSQL does not include it, so "
                "use KestraKVStore there") from None
        if drop:
            conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(table)))
        use_index = str(params.get("useIndex", False)).lower() == "true"
        return cls(conn, table, use_index)

    def add(self, segments: Sequence[Segment], vectors: Sequence[Sequence[float]]) -> None:
        from psycopg import sql

        if not vectors:
            return
        table = sql.Identifier(self.table)
        self._conn.execute(sql.SQL(
            "CREATE TABLE IF NOT EXISTS {} (embedding_id UUID PRIMARY KEY, embedding vector({}), "
            "text TEXT NULL, metadata JSON NULL)").format(table, sql.Literal(len(vectors[0]))))
        with self._conn.cursor() as cursor:
            cursor.executemany(
                sql.SQL("INSERT INTO {} (embedding_id, embedding, text, metadata) "
                        "VALUES (%s, %s::vector, %s, %s::json)").format(table),
                [(str(uuid.uuid4()), _vector_literal(v), s.text, json.dumps(s.metadata, default=str))
                 for s, v in zip(segments, vectors, strict=True)])
        if self._use_index:
            # Built once, after the first rows are in: IVFFlat clusters the rows it sees, and
            # pgvector advises rows / 1000 lists (one list = exact search on small tables).
            rows = self._conn.execute(sql.SQL("SELECT count(*) FROM {}").format(table)).fetchone()[0]
            self._conn.execute(sql.SQL(
                "CREATE INDEX IF NOT EXISTS {} ON {} USING ivfflat (embedding vector_cosine_ops) "
                "WITH (lists = {})").format(sql.Identifier(f"{self.table}_ivfflat_index"), table,
                                            sql.Literal(max(1, int(rows) // 1000))))

    def search(self, vector: Sequence[float], max_results: int, min_score: float) -> list[Match]:
        import psycopg
        from psycopg import sql

        literal = _vector_literal(vector)
        query = sql.SQL(
            "SELECT (2 - (embedding <=> %s::vector)) / 2 AS score, text, metadata FROM {} "
            "ORDER BY embedding <=> %s::vector LIMIT %s").format(sql.Identifier(self.table))
        try:
            rows = self._conn.execute(query, (literal, literal, max_results)).fetchall()
        except psycopg.errors.UndefinedTable:
            raise TaskFailure(f"PGVector: table {self.table!r} does not exist: ingest documents "
                              "first") from None
        except psycopg.errors.DataException as exc:
            raise TaskFailure(f"PGVector: {exc}".strip()) from None
        matches = []
        for score, text, metadata in rows:
            if float(score) >= min_score:
                meta = metadata if isinstance(metadata, dict) else json.loads(metadata or "{}")
                matches.append(Match(float(score), Segment(text or "", meta)))
        return matches

    def finish(self) -> dict[str, Any]:
        return {}

    def close(self) -> None:
        self._conn.close()
