"""Copilot retrieval benchmark (issue: copilot): recall@8 of the task types a request needs.

The requests and the types a correct flow needs are in ``bench/copilot_prompts.yaml`` (at least
40). Measured in the same run: lexical retrieval (BM25 over the catalog), hybrid retrieval (BM25 +
the local all-MiniLM embeddings, when installed), and two baselines: BM25 without the catalog's
keyword table, and BM25 over type names only.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml

from bench.table import Row

PROMPTS = Path(__file__).with_name("copilot_prompts.yaml")
K = 8
GOAL = 0.9


def load_cases(path: Path = PROMPTS) -> list[tuple[str, list[str]]]:
    data = yaml.safe_load(path.read_text("utf-8"))
    return [(item["prompt"], list(item["types"])) for item in data["prompts"]]


def recall_at(search: Callable[[str], Sequence[str]], cases: list[tuple[str, list[str]]]) -> tuple[float, list[str]]:
    """Mean recall over the cases, and the misses (prompt: missing types) for the report."""
    total = 0.0
    misses = []
    for prompt, expected in cases:
        found = set(search(prompt))
        missing = [t for t in expected if not found.intersection(t.split("|"))]
        total += 1 - len(missing) / len(expected)
        if missing:
            misses.append(f"{prompt!r}: {', '.join(m.rsplit('.', 2)[-2] + '.' + m.rsplit('.', 1)[-1] for m in missing)}")
    return total / len(cases), misses


def measure(verbose: bool = False) -> dict[str, Any]:
    from lanner.copilot.catalog import catalog
    from lanner.copilot.retrieval import Retriever, local_embeddings

    cases = load_cases()
    docs = catalog()
    unknown = sorted({t for _, types in cases for any_of in types for t in any_of.split("|")}
                     - {d.type for d in docs})
    if unknown:
        raise SystemExit(f"bench/copilot_prompts.yaml names unknown types: {unknown}")
    lexical = Retriever(docs)
    no_keywords = Retriever(docs, keywords=False)
    names_only = Retriever([_name_only(d) for d in docs], keywords=False)
    results: dict[str, Any] = {"cases": len(cases), "types": len(docs)}
    for name, retriever in (("lexical", lexical), ("lexical, no keywords", no_keywords),
                            ("type names only", names_only)):
        start = time.perf_counter()
        results[name] = recall_at(lambda q, r=retriever: [h.type for h in r.search(q, K)], cases)
        results[name + " ms"] = (time.perf_counter() - start) * 1000 / len(cases)
    embeddings = local_embeddings()
    if embeddings is not None:
        hybrid = Retriever(docs, embeddings)
        hybrid.search("warm up", K)
        start = time.perf_counter()
        recall = recall_at(lambda q: [h.type for h in hybrid.search(q, K)], cases)
        if hybrid.mode == "hybrid":
            results["hybrid"] = recall
            results["hybrid ms"] = (time.perf_counter() - start) * 1000 / len(cases)
    if verbose:
        for name in ("lexical", "hybrid"):
            if name in results:
                print(f"{name} misses:", *results[name][1], sep="\n  ")
    return results


def _name_only(doc: Any) -> Any:
    from dataclasses import replace

    return replace(doc, description="", properties=(), examples=(), keywords="")


def rows() -> list[Row]:
    results = measure()
    baseline = results["type names only"][0]
    out = []
    for name in ("lexical", "hybrid"):
        if name not in results:
            out.append(Row(f"copilot retrieval recall@{K} ({name})", "n/a (no local embedding model)",
                           f"{baseline:.2f} (type names only)", 0.0, f">= {GOAL}", "", False))
            continue
        recall = results[name][0]
        out.append(Row(
            f"copilot retrieval recall@{K} ({name}, {results['cases']} requests, {results[name + ' ms']:.1f} ms)",
            f"{recall:.3f}", f"{baseline:.3f} (type names only); {results['lexical, no keywords'][0]:.3f} "
                             "(BM25 without keyword table)",
            recall / baseline if baseline else 0.0, f">= {GOAL}", "", recall >= GOAL))
    return out


if __name__ == "__main__":
    import json
    import sys

    data = measure(verbose="-v" in sys.argv)
    print(json.dumps({k: (v[0] if isinstance(v, tuple) else v) for k, v in data.items()}, indent=2))
