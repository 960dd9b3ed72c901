"""``io.kestra.plugin.core.storage`` Write, Concat, Size and Delete: one file of internal storage."""

from __future__ import annotations

import json
import shutil
import uuid
from typing import Any

from pydantic import Field

from lanner.plugins.api import Prop, RunContext, RunnableTask, TaskFailure

from ._support import render_bool, render_text


def temp_name(extension: str | None) -> str:
    """A fresh stored-file name as Kestra's ``createTempFile`` makes one: random, then the
    extension exactly as given (``.txt``), ``.tmp`` when there is none."""
    return f"{uuid.uuid4().hex}{'.tmp' if extension is None else extension}"


def render_uri(ctx: RunContext, value: Any, what: str) -> str:
    uri = (render_text(ctx, value) or "").strip()
    if not uri:
        raise TaskFailure(f"Invalid {what}: it rendered to an empty string")
    return uri


class Write(RunnableTask):
    """Write a text to a new file of internal storage.

    Use it to turn a value (an output, a rendered template) into a file that later tasks read
    through its URI. Output ``uri``: the stored file's ``kestra:///`` URI.
    """

    kestra_type = "io.kestra.plugin.core.storage.Write"
    examples = (
        """\
id: write
namespace: company.team

tasks:
  - id: write
    type: io.kestra.plugin.core.storage.Write
    content: Hello World
    extension: .txt

  - id: show
    type: io.kestra.plugin.core.log.Log
    message: "{{ read(outputs.write.uri) }}"
""",
    )

    content: Prop[str] = Field(description="The file content (UTF-8). Rendered.")
    extension: Prop[str] | None = Field(
        default=None, description="The file extension, dot included (`.txt`); `.tmp` when not set. Rendered."
    )

    def run(self, ctx: RunContext) -> dict[str, Any]:
        content = render_text(ctx, self.content)
        if content is None:
            raise TaskFailure("Invalid content: it rendered to null")
        name = temp_name(render_text(ctx, self.extension))
        return {"uri": ctx.storage.put_bytes(content.encode("utf-8"), name)}


class Concat(RunnableTask):
    """Concatenate files of internal storage, in order, into a new file.

    ``files`` is a list of ``kestra://`` URIs, or a string rendering to such a list (JSON, or an
    expression such as ``{{ outputs.split.uris }}``). ``separator`` is written after each file
    (the last one included, as Kestra does). Output ``uri``: the concatenated file.
    """

    kestra_type = "io.kestra.plugin.core.storage.Concat"
    examples = (
        """\
id: concat_example
namespace: company.team

tasks:
  - id: first
    type: io.kestra.plugin.core.storage.Write
    content: Hello John
    extension: .txt

  - id: second
    type: io.kestra.plugin.core.storage.Write
    content: Hello Jane
    extension: .txt

  - id: concat
    type: io.kestra.plugin.core.storage.Concat
    separator: "\\n"
    extension: .txt
    files:
      - "{{ outputs.first.uri }}"
      - "{{ outputs.second.uri }}"
""",
    )

    files: list[str] | str = Field(
        description="The `kestra://` URIs to concatenate: a list, or a string rendering to a list "
        "(JSON or an expression). Rendered."
    )
    separator: Prop[str] | None = Field(
        default=None, description="Written after each file; nothing when not set. Rendered."
    )
    extension: Prop[str] = Field(
        default=".tmp", description="The extension of the created file. Rendered."
    )

    def run(self, ctx: RunContext) -> dict[str, Any]:
        uris = _uri_list(ctx, self.files)
        separator = render_text(ctx, self.separator)
        target = ctx.working_dir() / temp_name(render_text(ctx, self.extension))
        with target.open("wb") as out:
            for uri in uris:
                with ctx.storage.open(uri) as source:
                    shutil.copyfileobj(source, out, 1024 * 1024)
                if separator is not None:
                    out.write(separator.encode("utf-8"))
        return {"uri": ctx.storage.put_file(target, target.name)}


def _uri_list(ctx: RunContext, raw: list[str] | str) -> list[str]:
    if isinstance(raw, list):
        return [render_uri(ctx, item, "file URI") for item in raw]
    rendered = ctx.render_typed(raw)
    if isinstance(rendered, str):
        try:
            rendered = json.loads(rendered)
        except ValueError:
            raise TaskFailure(
                f"Invalid files: expected a list of URIs or a JSON list, got '{rendered}'") from None
    if not isinstance(rendered, list):
        raise TaskFailure(f"Invalid files: expected a list of URIs, got {type(rendered).__name__}")
    return [render_uri(ctx, item, "file URI") for item in rendered]


class Size(RunnableTask):
    """Get the size, in bytes, of a file of internal storage (output ``size``)."""

    kestra_type = "io.kestra.plugin.core.storage.Size"
    aliases = ("io.kestra.core.tasks.storages.Size",)
    examples = (
        """\
id: file_size
namespace: company.team

tasks:
  - id: write
    type: io.kestra.plugin.core.storage.Write
    content: Hello World

  - id: size
    type: io.kestra.plugin.core.storage.Size
    uri: "{{ outputs.write.uri }}"
""",
    )

    uri: Prop[str] = Field(description="The `kestra://` URI of the file. Rendered.")

    def run(self, ctx: RunContext) -> dict[str, Any]:
        return {"size": ctx.storage.size(render_uri(ctx, self.uri, "uri"))}


class Delete(RunnableTask):
    """Delete a file of internal storage.

    Outputs ``uri`` (the file) and ``deleted`` (false when it did not exist). A missing file is
    not an error unless ``errorOnMissing`` is true. A task may delete the files it may read:
    those of its execution, its flow and its namespace.
    """

    kestra_type = "io.kestra.plugin.core.storage.Delete"
    aliases = ("io.kestra.core.tasks.storages.Delete",)
    examples = (
        """\
id: delete_file
namespace: company.team

tasks:
  - id: write
    type: io.kestra.plugin.core.storage.Write
    content: temporary data

  - id: delete
    type: io.kestra.plugin.core.storage.Delete
    uri: "{{ outputs.write.uri }}"
    errorOnMissing: true
""",
    )

    uri: Prop[str] = Field(description="The `kestra://` URI of the file to delete. Rendered.")
    errorOnMissing: Prop[bool] = Field(
        default=False, description="Fail the task when the file does not exist."
    )

    def run(self, ctx: RunContext) -> dict[str, Any]:
        uri = render_uri(ctx, self.uri, "uri")
        deleted = ctx.storage.delete(uri)
        if not deleted and render_bool(ctx, self.errorOnMissing):
            raise TaskFailure(f"Unable to find file '{uri}'")
        return {"uri": uri, "deleted": deleted}
