"""``io.kestra.plugin.core.storage`` DeduplicateItems and FilterItems: row files, one item a line.

Row files are what query tasks store (``fetchType: STORE``): Ion text, one value per line
(JSON lines read the same, JSON being Ion). Each line is parsed to a map whose fields become
variables of the expression (``{{ customer_email }}``); kept lines are copied unchanged, so the
output has the input's format. The new file is named ``.ion`` as in Kestra.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from lanner.plugins.api import Prop, RunContext, RunnableTask, TaskFailure
from lanner.plugins.serde import IonSyntaxError, parse_ion

from ._support import render_text, to_text
from .line_split import lines
from .storage_files import render_uri

# Kestra's TruthUtils: these texts are false, anything else (not null) is true.
_FALSY = frozenset({"false", "0", "-0", ""})


def _item(line: str, number: int) -> Mapping[str, Any]:
    try:
        values = parse_ion(line)
    except (IonSyntaxError, ValueError) as error:
        raise TaskFailure(f"Line {number} is not an Ion or JSON item: {error}") from None
    if len(values) != 1 or not isinstance(values[0], Mapping):
        raise TaskFailure(f"Line {number} is not an Ion or JSON map: '{line[:200]}'")
    return {str(key): value for key, value in values[0].items()}


def _new_output(ctx: RunContext) -> Path:
    return ctx.working_dir() / f"{uuid.uuid4().hex}.ion"


class DeduplicateItems(RunnableTask):
    """Remove duplicate items from a row file (Ion or JSON lines), keeping the LAST item of each key.

    ``expr`` is rendered for each item, whose fields are variables (``{{ customer_email }}``);
    the result is the item's key. Items keep their order. The file is read twice rather than held
    in memory. Outputs: ``uri`` (the new file), ``numKeys`` (distinct keys),
    ``processedItemsTotal`` and ``droppedItemsTotal``.
    """

    kestra_type = "io.kestra.plugin.core.storage.DeduplicateItems"
    aliases = ("io.kestra.core.tasks.storages.DeduplicateItems",)
    examples = (
        """\
id: deduplicate_items
namespace: company.team

tasks:
  - id: orders
    type: io.kestra.plugin.core.storage.Write
    extension: .ion
    content: |
      {order_id:1,customer_email:"kelly@example.com",price:166.89}
      {order_id:2,customer_email:"mccarthylee@example.net",price:171.63}
      {order_id:3,customer_email:"kelly@example.com",price:166.89}

  - id: dedup
    type: io.kestra.plugin.core.storage.DeduplicateItems
    from: "{{ outputs.orders.uri }}"
    expr: "{{ customer_email }}"
""",
    )

    from_: Prop[str] = Field(alias="from", description="The `kestra://` URI of the row file. Rendered.")
    expr: str = Field(description="The expression giving each item's deduplication key; the item's "
                      "fields are variables.")

    def run(self, ctx: RunContext) -> dict[str, Any]:
        source = render_uri(ctx, self.from_, "from")
        last_offset: dict[str, int] = {}
        with ctx.storage.open(source) as handle:
            for offset, line in enumerate(lines(handle)):
                last_offset[self._key(ctx, line, offset + 1)] = offset
        processed = dropped = 0
        target = _new_output(ctx)
        with ctx.storage.open(source) as handle, target.open("w", encoding="utf-8", newline="\n") as out:
            for offset, line in enumerate(lines(handle)):
                if last_offset.get(self._key(ctx, line, offset + 1)) == offset:
                    out.write(line + "\n")
                else:
                    dropped += 1
                processed += 1
        return {
            "uri": ctx.storage.put_file(target, target.name),
            "numKeys": len(last_offset),
            "processedItemsTotal": processed,
            "droppedItemsTotal": dropped,
        }

    def _key(self, ctx: RunContext, line: str, number: int) -> str:
        rendered = ctx.render(self.expr, _item(line, number))
        return to_text(rendered)


FilterType = Literal["INCLUDE", "EXCLUDE"]


class FilterItems(RunnableTask):
    """Keep (or drop) the items of a row file (Ion or JSON lines) that match a condition.

    ``filterCondition`` is rendered for each item, whose fields are variables
    (``{{ (product_id | number) == 20 }}``); it matches unless it renders to ``false``, ``0``,
    ``-0`` or an empty text. ``filterType: INCLUDE`` keeps matching items, ``EXCLUDE`` drops them.
    When the condition cannot be rendered for an item (a missing field) or renders to null,
    ``errorOrNullBehavior`` decides: ``FAIL`` the task, ``INCLUDE`` or ``EXCLUDE`` the item.
    Outputs: ``uri`` (the new file), ``processedItemsTotal`` and ``droppedItemsTotal``.
    """

    kestra_type = "io.kestra.plugin.core.storage.FilterItems"
    aliases = ("io.kestra.core.tasks.storages.FilterItems",)
    examples = (
        """\
id: filter_items
namespace: company.team

tasks:
  - id: orders
    type: io.kestra.plugin.core.storage.Write
    extension: .ion
    content: |
      {order_id:1,product_id:20,price:166.89}
      {order_id:2,product_id:14,price:171.63}
      {order_id:3,product_id:20,price:12.5}

  - id: filter
    type: io.kestra.plugin.core.storage.FilterItems
    from: "{{ outputs.orders.uri }}"
    filterCondition: "{{ product_id == 20 }}"
    filterType: INCLUDE
""",
    )

    from_: Prop[str] = Field(alias="from", description="The `kestra://` URI of the row file. Rendered.")
    filterCondition: str = Field(
        description="The condition rendered for each item (its fields are variables): true unless it "
        "renders to `false`, `0`, `-0` or an empty text."
    )
    filterType: Prop[FilterType] = Field(
        default="INCLUDE", description="`INCLUDE` keeps the items that match, `EXCLUDE` drops them."
    )
    errorOrNullBehavior: Prop[Literal["FAIL", "INCLUDE", "EXCLUDE"]] = Field(
        default="FAIL",
        description="When the condition fails to render or renders to null: `FAIL` the task, "
        "`INCLUDE` or `EXCLUDE` the item.",
    )

    def run(self, ctx: RunContext) -> dict[str, Any]:
        source = render_uri(ctx, self.from_, "from")
        action = self._choice(ctx, self.filterType, "filterType", ("INCLUDE", "EXCLUDE"))
        on_error = self._choice(ctx, self.errorOrNullBehavior, "errorOrNullBehavior",
                                ("FAIL", "INCLUDE", "EXCLUDE"))
        processed = dropped = 0
        target = _new_output(ctx)
        with ctx.storage.open(source) as handle, target.open("w", encoding="utf-8", newline="\n") as out:
            for number, line in enumerate(lines(handle), start=1):
                if self._keeps(ctx, line, number, action, on_error):
                    out.write(line + "\n")
                else:
                    dropped += 1
                processed += 1
        return {
            "uri": ctx.storage.put_file(target, target.name),
            "processedItemsTotal": processed,
            "droppedItemsTotal": dropped,
        }

    def _keeps(self, ctx: RunContext, line: str, number: int, action: str, on_error: str) -> bool:
        item = _item(line, number)
        try:
            rendered = ctx.render(self.filterCondition, item)
        except Exception as error:  # a user expression: its failure is the item's, see below
            if on_error == "FAIL":
                raise TaskFailure(f"Unable to evaluate `{self.filterCondition}` on line {number}: "
                                  f"{error}") from None
            return on_error == "INCLUDE"
        if rendered is None:
            if on_error == "FAIL":
                raise TaskFailure(f"Expression `{self.filterCondition}` return `null` on item `{line}`")
            return on_error == "INCLUDE"
        matches = to_text(rendered).strip() not in _FALSY
        return matches == (action == "INCLUDE")

    @staticmethod
    def _choice(ctx: RunContext, value: str, what: str, allowed: tuple[str, ...]) -> str:
        rendered = (render_text(ctx, value) or "").strip().upper()
        if rendered not in allowed:
            raise TaskFailure(f"Invalid {what} '{rendered}': expected one of {', '.join(allowed)}")
        return rendered
