"""Loading the documents of ``IngestDocument``: inline, from the working directory or the
namespace files, from internal storage and from URLs. Text only (TXT, Markdown, HTML -> text),
like Kestra's ``TextDocumentParser``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from lanner.plugins.api import RunContext, TaskFailure

DOWNLOAD_TIMEOUT = 60.0


@dataclass
class Document:
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)


def _decode(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TaskFailure(f"{where} is not a text document: only text, Markdown and HTML can be "
                          "ingested") from None


def _looks_like_html(text: str, content_type: str = "") -> bool:
    head = text.lstrip()[:200].lower()
    return "html" in content_type.lower() or head.startswith(("<!doctype html", "<html"))


def from_url(url: str) -> Document:
    import httpx

    try:
        response = httpx.get(url, follow_redirects=True, timeout=DOWNLOAD_TIMEOUT)
    except httpx.HTTPError as exc:
        raise TaskFailure(f"cannot download {url}: {exc}") from None
    if response.status_code >= 400:
        raise TaskFailure(f"cannot download {url}: HTTP {response.status_code}")
    text = _decode(response.content, url)
    if _looks_like_html(text, response.headers.get("content-type", "")):
        text = html_to_text(text)
    return Document(text, {"url": url})


def from_path(ctx: RunContext, path: str) -> list[Document]:
    """Files under ``path`` in the working directory (recursively); else namespace files whose
    path starts with it. Paths may not leave the working directory."""
    root = ctx.working_dir().resolve()
    target = (root / path).resolve()
    if not target.is_relative_to(root):
        raise TaskFailure(f"fromPath {path!r} leaves the task's working directory")
    if target.exists():
        files = [target] if target.is_file() else sorted(p for p in target.rglob("*") if p.is_file())
        return [_file_document(file) for file in files]
    prefix = path.strip("/")
    documents = [Document(_text_of(name, _decode(data, name)),
                          {"file_name": Path(name).name, "namespace_file": name})
                 for name, data in ctx.storage.namespace_files()
                 if name.strip("/") == prefix or name.strip("/").startswith(prefix.rstrip("/") + "/")]
    if not documents:
        raise TaskFailure(f"fromPath {path!r}: no such file in the working directory nor in the "
                          "namespace files")
    return documents


def _file_document(file: Path) -> Document:
    text = _decode(file.read_bytes(), str(file))
    return Document(_text_of(file.name, text), {"file_name": file.name,
                                                "absolute_directory_path": str(file.parent)})


def _text_of(name: str, text: str) -> str:
    return html_to_text(text) if name.lower().endswith((".html", ".htm")) else text


def from_internal_uri(ctx: RunContext, uri: str) -> Document:
    try:
        with ctx.storage.open(uri) as handle:
            data = handle.read()
    except FileNotFoundError:
        raise TaskFailure(f"{uri} does not exist in internal storage") from None
    text = _decode(data, uri)
    return Document(html_to_text(text) if _looks_like_html(text) else text)


def inline(ctx: RunContext, content: str, metadata: Mapping[str, Any] | None) -> Document:
    text = ctx.render(content)
    meta = ctx.render(dict(metadata or {}))
    return Document(str(text), dict(meta) if isinstance(meta, Mapping) else {})


# ---- HTML -> text ------------------------------------------------------------------------------
_BLOCKS = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
           "section", "article", "header", "footer", "pre", "blockquote", "hr", "dt", "dd"}
_SKIPPED = {"script", "style", "noscript", "template", "head"}


def _is_paragraph(tag: str) -> bool:
    return tag in ("p", "div", "section", "article", "table", "pre", "blockquote") or tag[:1] == "h"


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self._skipping += 1
        elif tag in _BLOCKS:
            self.chunks.append("\n\n" if _is_paragraph(tag) else "\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED and self._skipping:
            self._skipping -= 1
        elif tag in _BLOCKS and _is_paragraph(tag):
            self.chunks.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.chunks.append(data)


def html_to_text(html: str) -> str:
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    lines = [" ".join(line.split()) for line in "".join(extractor.chunks).splitlines()]
    text = "\n".join(lines)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip()
