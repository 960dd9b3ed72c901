"""Copilot retrieval benchmark (issue: copilot): recall@8 of the task types a request needs.

The requests and the types a correct flow needs are in ``bench/copilot_prompts.yaml`` (50, plus
12 held out: written after the retrieval was settled, never used to tune it). Measured in the same
run: lexical retrieval (BM25 over the catalog), hybrid retrieval (BM25 + the local all-MiniLM
embeddings through ``lanner.llm``, when installed), and two baselines: BM25 over type names only,
and BM25 without the catalog's keyword table. ``python -m bench.copilot -v`` lists the misses.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from bench.table import Row

PROMPTS = Path(__file__).with_name("copilot_prompts.yaml")
K = 8
GOAL = 0.9
Cases = list[tuple[str, list[str]]]


def load_cases(path: Path = PROMPTS, section: str = "prompts") -> Cases:
    """``(request, types)``; a type written ``a|b`` is found when either is retrieved."""
    data = yaml.safe_load(path.read_text("utf-8"))
    return [(item["prompt"], list(item["types"])) for item in data.get(section) or ()]


def recall_at(search: Callable[[str], Sequence[str]], cases: Cases) -> tuple[float, list[str]]:
    """Mean recall over the cases, and the misses (request: missing types) for the report."""
    total = 0.0
    misses = []
    for prompt, expected in cases:
        found = set(search(prompt))
        missing = [t for t in expected if not found.intersection(t.split("|"))]
        total += 1 - len(missing) / len(expected)
        if missing:
            short = (".".join(m.rsplit(".", 2)[-2:]) for m in missing)
            misses.append(f"{prompt!r}: {', '.join(short)}")
    return total / len(cases), misses


def _measure(retriever: Any, cases: Cases, heldout: Cases) -> dict[str, Any]:
    def search(query: str) -> list[str]:
        return [hit.type for hit in retriever.search(query, K)]

    start = time.perf_counter()
    recall, misses = recall_at(search, cases)
    elapsed = (time.perf_counter() - start) * 1000 / len(cases)
    held, held_misses = recall_at(search, heldout) if heldout else (float("nan"), [])
    return {"recall": recall, "heldout": held, "ms": elapsed, "misses": misses + held_misses,
            "mode": retriever.mode}


def measure(verbose: bool = False) -> dict[str, Any]:
    from lanner.copilot.catalog import catalog
    from lanner.copilot.retrieval import Retriever, local_embeddings

    cases, heldout = load_cases(), load_cases(section="heldout")
    docs = catalog()
    unknown = sorted({t for _, types in cases + heldout for any_of in types for t in any_of.split("|")}
                     - {d.type for d in docs})
    if unknown:
        raise SystemExit(f"bench/copilot_prompts.yaml names unknown types: {unknown}")
    names_only = [replace(d, description="", properties=(), examples=(), keywords="") for d in docs]
    results: dict[str, Any] = {
        "cases": len(cases), "heldout cases": len(heldout), "types": len(docs),
        "lexical": _measure(Retriever(docs), cases, heldout),
        "lexical, no keywords": _measure(Retriever(docs, keywords=False), cases, heldout),
        "type names only": _measure(Retriever(names_only, keywords=False), cases, heldout),
    }
    embeddings = local_embeddings()
    if embeddings is not None:
        hybrid = Retriever(docs, embeddings)
        hybrid.search("warm up: embed the catalog", K)
        measured = _measure(hybrid, cases, heldout)
        if measured["mode"] == "hybrid":  # the model really answered
            results["hybrid"] = measured
    if verbose:
        for name in ("lexical", "hybrid"):
            if name in results:
                print(f"{name} misses:", *results[name]["misses"], sep="\n  ")
    return results


def rows() -> list[Row]:
    results = measure()
    names, plain = results["type names only"], results["lexical, no keywords"]
    baseline = f"{names['recall']:.3f} type names only; {plain['recall']:.3f} BM25 without keyword table"
    out = []
    for name in ("lexical", "hybrid"):
        found = results.get(name)
        metric = f"copilot retrieval recall@{K}, {name} ({results['cases']} requests"
        if found is None:
            out.append(Row(f"{metric})", "n/a: no local embedding model", baseline, 0.0, f">= {GOAL}", "",
                           False))
            continue
        out.append(Row(
            f"{metric}, {found['ms']:.1f} ms each)",
            f"{found['recall']:.3f} (held-out {results['heldout cases']}: {found['heldout']:.3f})", baseline,
            found["recall"] / names["recall"] if names["recall"] else 0.0, f">= {GOAL}", "",
            found["recall"] >= GOAL))
    return out


if __name__ == "__main__":
    import json
    import sys

    data = measure(verbose="-v" in sys.argv)
    summary = {k: ({key: v[key] for key in ("recall", "heldout", "ms")} if isinstance(v, dict) else v)
               for k, v in data.items()}
    print(json.dumps(summary, indent=2))
