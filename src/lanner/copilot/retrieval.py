"""Which plugin types a request needs: BM25 over the catalog, plus embeddings when available.

Lexical retrieval works offline and in microseconds: every type is a weighted bag of words (its
name and aliases, keywords, description, property names and descriptions, examples). When an
``EmbeddingProvider`` is given (the local all-MiniLM model through ``lanner.llm``), each type is
also embedded once and the two rankings are fused (reciprocal rank fusion). Any embedding failure
degrades to lexical retrieval: the copilot never fails because a model is missing.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from lanner.copilot.catalog import TypeDoc, catalog
from lanner.llm.api import EmbeddingProvider

_log = logging.getLogger("lanner.copilot")

Mode = Literal["lexical", "hybrid"]

# Weights of the parts of a type's document (term frequency is their weighted sum).
NAME, KEYWORD, DESCRIPTION, PROPERTY, EXAMPLE = 3.0, 2.0, 2.0, 1.0, 0.25
BM25_K1, BM25_B = 1.2, 0.75
RRF_K = 20  # small k: the first ranks of each list dominate (few candidates, short lists)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_STOP = _words("""a an the to of and or in on is are was were be been being it its this that these those
with as by at them their they my our your i we you me us he she his her please want need like so do does
did done can could should would will shall may might must using use used into from for about how many much
more most some any all no not only also just very than too there here what which who whom whose where why
has have had having one two three get gets got let lets flow flows task tasks io kestra plugin core""")
# "Create a flow that ...": the preamble of most requests, removed before anything else.
_PREAMBLE = re.compile(r"^\s*(?:please\s+)?(?:create|write|build|make|generate|give me|i need|i want)\s+"
                       r"(?:me\s+)?(?:an?\s+)?(?:kestra\s+|lanner\s+|new\s+)?(?:flow|pipeline|workflow)\b"
                       r"(?:\s+(?:that|which|to))?\s*", re.IGNORECASE)
# Words that name control flow: evidence only in a type's name and keywords ("if it exists" in a
# description says nothing about the If task).
_CONTROL = _words("if else otherwise when whenever each every then after before while loop parallel wait "
                  "until unless")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_WORD = re.compile(r"[A-Za-z0-9]+")


def tokenize(text: str, *, prose: bool = False) -> list[str]:
    """Lower-cased, camelCase split, stop words dropped, lightly stemmed words. ``prose``: a
    description or example, where control-flow words are noise."""
    words = []
    for raw in _WORD.findall(_CAMEL.sub(" ", text)):
        word = raw.lower()
        if word not in _STOP and not (prose and word in _CONTROL):
            words.append(stem(word))
    return words


def stem(word: str) -> str:
    """A light suffix stripper: the same on both sides, which is all BM25 needs."""
    for suffix in ("ing", "ed", "es", "ly", "s"):
        if len(word) - len(suffix) >= 3 and word.endswith(suffix) and not word.endswith("ss"):
            word = word[: -len(suffix)]
            break
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    return word


def document_terms(doc: TypeDoc, *, keywords: bool = True) -> dict[str, float]:
    """The weighted bag of words of one type."""
    terms: dict[str, float] = {}

    def add(text: str, weight: float, prose: bool = True) -> None:
        for token in tokenize(text, prose=prose):
            terms[token] = terms.get(token, 0.0) + weight

    add(doc.type.replace("io.kestra.plugin.", "") + " " + doc.short_name, NAME, prose=False)
    add(" ".join(alias.rsplit(".", 2)[-1] for alias in doc.aliases), 1.0, prose=False)
    if keywords:
        add(doc.keywords, KEYWORD, prose=False)
    add(doc.description, DESCRIPTION)
    for prop in doc.properties:
        add(prop.name, PROPERTY)
        add(prop.description, PROPERTY / 2)
    for example in doc.examples:
        add(_own_lines(example, doc.type), EXAMPLE)
    return terms


def _own_lines(example: str, type_name: str) -> str:
    """An example without the ``type:`` lines of OTHER types (a Log task in every example would
    otherwise make "log" match everything)."""
    return "\n".join(line for line in example.splitlines()
                     if not (line.strip().startswith("type:") and type_name not in line))


class Bm25:
    def __init__(self, documents: Sequence[dict[str, float]]) -> None:
        self.documents = documents
        self.lengths = [sum(doc.values()) for doc in documents]
        self.average = sum(self.lengths) / max(len(documents), 1)
        frequency: Counter[str] = Counter()
        for doc in documents:
            frequency.update(doc.keys())
        count = len(documents)
        self.idf = {term: math.log(1 + (count - n + 0.5) / (n + 0.5)) for term, n in frequency.items()}

    def scores(self, query: Iterable[str]) -> list[float]:
        terms = Counter(query)
        result = []
        for doc, length in zip(self.documents, self.lengths, strict=True):
            score = 0.0
            for term, times in terms.items():
                tf = doc.get(term, 0.0)
                if tf:
                    norm = tf * (BM25_K1 + 1) / (tf + BM25_K1 * (1 - BM25_B + BM25_B * length / self.average))
                    score += self.idf[term] * norm * times
            result.append(score)
        return result


@dataclass(frozen=True, slots=True)
class Hit:
    type: str
    score: float


def embedding_text(doc: TypeDoc) -> str:
    """What is embedded for a type: short (MiniLM reads 256 word pieces), most telling first."""
    props = ", ".join(p.name for p in doc.properties[:20])
    return f"{doc.short_name} ({doc.type}): {doc.description} {doc.keywords}. Properties: {props}"


class Retriever:
    """Rank the catalog's types for a request. ``mode`` says what is actually in use."""

    def __init__(self, docs: Sequence[TypeDoc] | None = None, embeddings: EmbeddingProvider | None = None,
                 *, keywords: bool = True) -> None:
        self.docs = tuple(docs if docs is not None else catalog())
        self.bm25 = Bm25([document_terms(doc, keywords=keywords) for doc in self.docs])
        self.embeddings = embeddings
        self._vectors: list[list[float]] | None = None

    @property
    def mode(self) -> Mode:
        return "hybrid" if self.embeddings is not None else "lexical"

    def search(self, query: str, k: int = 8) -> list[Hit]:
        """The ``k`` best types. A request with several steps ("download X, load it into Y every
        hour") is also split into clauses, each ranked on its own, and the rankings interleaved:
        one strong topic (SQL) cannot crowd out the other steps (the schedule, the log)."""
        query = _PREAMBLE.sub("", query) or query
        queries = [query, *clauses(query)]
        dense = self._dense_scores(queries)
        rankings: list[list[tuple[int, float]]] = []
        for index, text in enumerate(queries):
            lexical = self.bm25.scores(tokenize(text))
            if dense is None:
                ranking = [(i, lexical[i]) for i in _ranking(lexical) if lexical[i] > 0]
            else:
                ranking = _fuse([_ranking(lexical), _ranking(dense[index])])
            if ranking:
                rankings.append(ranking)
        return [Hit(self.docs[i].type, round(score, 4)) for i, score in _interleave(rankings, k)]

    def _dense_scores(self, queries: list[str]) -> list[list[float]] | None:
        if self.embeddings is None:
            return None
        try:
            if self._vectors is None:
                self._vectors = [_unit(v) for v in self.embeddings.embed(
                    [embedding_text(doc) for doc in self.docs], task="document")]
            query_vectors = [_unit(v) for v in self.embeddings.embed(queries, task="query")]
        except Exception as exc:  # degrade, never fail: lexical retrieval is enough to work
            _log.warning("embedding retrieval unavailable, using lexical retrieval only: %s", exc)
            self.embeddings = None
            return None
        return [[sum(a * b for a, b in zip(q, vector, strict=False)) for vector in self._vectors]
                for q in query_vectors]


_SPLIT = re.compile(r"[,;.]|\b(?:and then|then|and|but|so that)\b|(?=\b(?:every|each|if|when|whenever|"
                    r"after|before|otherwise|unless)\b)", re.IGNORECASE)


def clauses(query: str) -> list[str]:
    """The steps of a request, when it has more than one (else nothing)."""
    parts = [p.strip() for p in _SPLIT.split(query) if p and len(tokenize(p)) > 0]
    return parts if len(parts) > 1 else []


def _fuse(rankings: list[list[int]]) -> list[tuple[int, float]]:
    """Reciprocal rank fusion of several rankings of the same documents."""
    fused: dict[int, float] = {}
    for ranking in rankings:
        for position, index in enumerate(ranking):
            fused[index] = fused.get(index, 0.0) + 1.0 / (RRF_K + position + 1)
    return sorted(fused.items(), key=lambda item: -item[1])


def _interleave(rankings: list[list[tuple[int, float]]], k: int) -> list[tuple[int, float]]:
    """Round-robin over the rankings (the whole request first): each round, every ranking adds
    its best type not chosen yet, up to ``k``."""
    chosen: dict[int, float] = {}
    cursors = [0] * len(rankings)
    while len(chosen) < k:
        added = False
        for number, ranking in enumerate(rankings):
            while cursors[number] < len(ranking) and ranking[cursors[number]][0] in chosen:
                cursors[number] += 1
            if cursors[number] < len(ranking) and len(chosen) < k:
                index, score = ranking[cursors[number]]
                chosen[index] = score
                added = True
        if not added:
            break
    return list(chosen.items())


def _ranking(scores: Sequence[float]) -> list[int]:
    """Indexes by decreasing score; ties keep catalog order (stable)."""
    return sorted(range(len(scores)), key=lambda i: -scores[i])


def _unit(vector: Sequence[float]) -> list[float]:
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    return [x / norm for x in vector]


def local_embeddings() -> EmbeddingProvider | None:
    """The local embedding model when installed (``lanner.llm``), else None (lexical only)."""
    try:
        from lanner.llm.api import embedding_provider_from_config

        return embedding_provider_from_config({"embeddings": "local"})
    except Exception as exc:  # not installed, no weights...: lexical retrieval
        _log.info("no local embedding model (%s): lexical retrieval only", exc)
        return None
