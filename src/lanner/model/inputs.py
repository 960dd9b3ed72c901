"""Flow inputs (kestra-reference §1.3): one pydantic model per input type, and their resolution.

``resolve_inputs`` follows Kestra's ``FlowInputOutput``: submitted value, else ``defaults``;
``dependsOn`` gates; missing required -> error; the string forms an API receives are parsed to
typed values; every problem is reported (not just the first) as "Invalid input for `<id>`,
<message>, but received `<value>`". Resolved values are JSON-compatible (DATETIME as an ISO
string...), and dotted ids become nested maps (``a.b`` -> ``{"a": {"b": ...}}``).
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal

import yaml
from pydantic import ConfigDict, Field, TypeAdapter, model_validator

from lanner.errors import InputError, Issue
from lanner.model.flow import INPUT_ID_PATTERN, StrictModel

INPUT_TYPES = ("STRING", "ENUM", "SELECT", "MULTISELECT", "INT", "FLOAT", "BOOLEAN", "BOOL", "DATETIME",
               "DATE", "TIME", "DURATION", "FILE", "JSON", "YAML", "URI", "SECRET", "ARRAY", "EMAIL")
ItemType = Literal["STRING", "ENUM", "SELECT", "INT", "FLOAT", "BOOLEAN", "BOOL", "DATETIME", "DATE", "TIME",
                   "DURATION", "FILE", "JSON", "YAML", "URI", "SECRET", "ARRAY", "EMAIL", "MULTISELECT"]

URI_PATTERN = re.compile(r"^[a-z]+://(?:www\.)?[-a-zA-Z0-9@:%._+~#=]{1,256}\.[a-zA-Z0-9()]{1,6}\b"
                         r"(?:[-a-zA-Z0-9()@:%_+.~#?&/=]*)$")
EMAIL_PATTERN = re.compile(r"^$|^[a-zA-Z0-9_!#$%&'*+/=?{}~^.-]+@[a-zA-Z0-9.-]+$")
_EXPRESSION = re.compile(r"\{\{|\{%")

# value, variables ({"inputs": inputs resolved so far}) -> rendered value (a single {{ }} keeps its type)
RenderTyped = Callable[[Any, Mapping[str, Any]], Any]


class DependsOn(StrictModel):
    inputs: list[str] = Field(default_factory=list, description="Ids of the inputs this one depends on.")
    condition: str | None = Field(default=None, description="Expression that must render `true` for this "
                                                            "input to be shown and resolved.")


class InputBase(StrictModel):
    """Properties every input has."""

    model_config = ConfigDict(defer_build=True)  # built on first use: most flows use 1-2 types

    id: str = Field(pattern=INPUT_ID_PATTERN, description="The input id; dots make nested maps.")
    type: str
    name: str | None = Field(default=None, description="Deprecated: use `id`.")
    description: str | None = None
    displayName: str | None = Field(default=None, description="Label shown in forms instead of the id.")
    required: bool = Field(default=True, description="A required input without value fails the execution.")
    defaults: Any = Field(default=None,
                          description="Value used when none is submitted (may be an expression).")
    prefill: Any = Field(default=None, description="Initial value shown in forms (not a default).")
    dependsOn: DependsOn | None = None

    @model_validator(mode="before")
    @classmethod
    def _legacy_name(cls, data: Any) -> Any:
        if isinstance(data, dict) and "id" not in data and isinstance(data.get("name"), str):
            return {**data, "id": data["name"]}
        return data

    @model_validator(mode="after")
    def _defaults_or_prefill(self) -> InputBase:
        if self.defaults is not None and self.prefill is not None:
            raise ValueError("`defaults` and `prefill` cannot both be set")
        return self


class StringInput(InputBase):
    type: Literal["STRING"]
    validator: str | None = Field(default=None, description="Regular expression the whole value must match.")

    @model_validator(mode="after")
    def _regex(self) -> StringInput:
        if self.validator is not None:
            try:
                re.compile(self.validator)
            except re.error as exc:
                raise ValueError(f"`validator` is not a valid regular expression: {exc}") from None
        return self


class SelectInput(InputBase):
    type: Literal["SELECT"]
    values: list[Any] | None = Field(default=None, description="The allowed values (strings, or "
                                                                "{label, value} items).")
    expression: str | None = Field(default=None, description="Expression rendering the list of values.")
    allowCustomValue: bool = False
    isRadio: bool = False
    autoSelectFirst: bool = False

    @model_validator(mode="after")
    def _values_or_expression(self) -> SelectInput:
        if self.values is None and self.expression is None:
            raise ValueError("a SELECT input needs `values` or `expression`")
        return self


class EnumInput(InputBase):
    """Deprecated: use SELECT."""

    type: Literal["ENUM"]
    values: list[str]


class MultiselectInput(InputBase):
    type: Literal["MULTISELECT"]
    values: list[Any] | None = None
    options: list[str] | None = Field(default=None, description="Deprecated: use `values`.")
    expression: str | None = None
    itemType: ItemType = "STRING"
    allowCustomValue: bool = False
    autoSelectFirst: bool = False

    @model_validator(mode="after")
    def _values(self) -> MultiselectInput:
        if self.values is not None and self.options is not None:
            raise ValueError("you can't define both `values` and `options`")
        if self.values is None and self.options is None and self.expression is None:
            raise ValueError("a MULTISELECT input needs `values` or `expression`")
        return self


class IntInput(InputBase):
    type: Literal["INT"]
    min: int | None = None
    max: int | None = None


class FloatInput(InputBase):
    type: Literal["FLOAT"]
    min: float | None = None
    max: float | None = None


class BooleanInput(InputBase):
    type: Literal["BOOLEAN"]


class BoolInput(InputBase):
    type: Literal["BOOL"]


class DateTimeInput(InputBase):
    type: Literal["DATETIME"]
    after: str | None = None
    before: str | None = None


class DateInput(InputBase):
    type: Literal["DATE"]
    after: str | None = None
    before: str | None = None


class TimeInput(InputBase):
    type: Literal["TIME"]
    after: str | None = None
    before: str | None = None


class DurationInput(InputBase):
    type: Literal["DURATION"]
    min: str | None = None
    max: str | None = None


class FileInput(InputBase):
    type: Literal["FILE"]
    extension: str | None = Field(default=None, description="Deprecated file extension hint.")
    allowedFileExtensions: list[str] | None = None

    @model_validator(mode="after")
    def _no_defaults(self) -> FileInput:
        if self.defaults is not None:
            raise ValueError("no `defaults` can be set for inputs of type 'FILE'")
        return self


class JsonInput(InputBase):
    type: Literal["JSON"]


class YamlInput(InputBase):
    type: Literal["YAML"]


class UriInput(InputBase):
    type: Literal["URI"]


class SecretInput(InputBase):
    type: Literal["SECRET"]
    validator: str | None = None


SECRET_MASK = "******"


def secret_input_ids(inputs: Sequence[Any]) -> frozenset[str]:
    """The ids of a flow's SECRET inputs (``Flow.inputs``)."""
    return frozenset(str(i.id) for i in inputs if getattr(i, "type", None) == "SECRET")


def mask_secret_inputs(body: dict[str, Any], secret_ids: frozenset[str]) -> dict[str, Any]:
    """An execution's API form (``Execution.to_api()``) with its SECRET input values masked,
    dotted ids (nested maps) included: whatever shows an execution must not show them."""
    inputs = body.get("inputs")
    if not secret_ids or not isinstance(inputs, dict):
        return body
    return {**body, "inputs": _masked(inputs, [i.split(".") for i in secret_ids])}


def _masked(values: dict[str, Any], paths: list[list[str]]) -> dict[str, Any]:
    out = dict(values)
    for key, value in values.items():
        if value is None:
            continue
        if [key] in paths:
            out[key] = SECRET_MASK
        elif isinstance(value, dict):
            deeper = [p[1:] for p in paths if len(p) > 1 and p[0] == key]
            if deeper:
                out[key] = _masked(value, deeper)
    return out


class ArrayInput(InputBase):
    type: Literal["ARRAY"]
    itemType: ItemType

    @model_validator(mode="after")
    def _item_type(self) -> ArrayInput:
        if self.itemType == "ARRAY":
            raise ValueError("`itemType` cannot be `ARRAY`")
        return self


class EmailInput(InputBase):
    type: Literal["EMAIL"]


Input = Annotated[
    StringInput | SelectInput | EnumInput | MultiselectInput | IntInput | FloatInput | BooleanInput
    | BoolInput | DateTimeInput | DateInput | TimeInput | DurationInput | FileInput | JsonInput
    | YamlInput | UriInput | SecretInput | ArrayInput | EmailInput,
    Field(discriminator="type"),
]
INPUT_CLASSES: dict[str, type[InputBase]] = {
    "STRING": StringInput, "SELECT": SelectInput, "ENUM": EnumInput, "MULTISELECT": MultiselectInput,
    "INT": IntInput, "FLOAT": FloatInput, "BOOLEAN": BooleanInput, "BOOL": BoolInput,
    "DATETIME": DateTimeInput, "DATE": DateInput, "TIME": TimeInput, "DURATION": DurationInput,
    "FILE": FileInput, "JSON": JsonInput, "YAML": YamlInput, "URI": UriInput, "SECRET": SecretInput,
    "ARRAY": ArrayInput, "EMAIL": EmailInput,
}
_ADAPTER: list[TypeAdapter[Any]] = []


def input_adapter() -> TypeAdapter[Any]:
    """A TypeAdapter of the whole ``Input`` union (built on first use: it is slow to build)."""
    if not _ADAPTER:
        _ADAPTER.append(TypeAdapter(Input))
    return _ADAPTER[0]


def parse_input(data: Any) -> InputBase:
    """One input declaration -> its model (raises pydantic's ``ValidationError``); the class is
    picked by ``type`` so that only the input types a flow uses are ever built."""
    kind = data.get("type") if isinstance(data, Mapping) else None
    cls = INPUT_CLASSES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        parsed: InputBase = input_adapter().validate_python(data)
        return parsed
    return cls.model_validate(data)


# ---- resolution --------------------------------------------------------------------------------


class _Invalid(Exception):
    """An input value is invalid; the message is Kestra's middle part."""


def resolve_inputs(
    inputs: Sequence[InputBase],
    submitted: Mapping[str, Any],
    *,
    render_typed: RenderTyped | None = None,
) -> dict[str, Any]:
    """Typed execution inputs from submitted values (strings from forms/API, or typed values).

    Raises ``InputError`` carrying one issue per invalid input (path ``inputs.<id>``).
    ``render_typed(value, {"inputs": ...})`` renders expressions in ``defaults``,
    ``dependsOn.condition`` and SELECT/MULTISELECT ``expression``; without it they cannot be used.
    """
    declared = {i.id: i for i in inputs}
    issues: list[Issue] = []
    flat: dict[str, Any] = {}
    disabled: set[str] = set()
    failed: set[str] = set()
    for item in _dependency_order(inputs, issues):
        deps = item.dependsOn.inputs if item.dependsOn else []
        if any(d in disabled or d in failed or d not in declared for d in deps):
            (failed if any(d in failed for d in deps) else disabled).add(item.id)
            continue
        try:
            context = {"inputs": nest(flat)}
            if item.dependsOn and item.dependsOn.condition and not _condition(item, context, render_typed):
                disabled.add(item.id)
                continue
            value = submitted.get(item.id)
            if value is None and item.defaults is not None:
                value = _render(item.defaults, context, render_typed, item.id, "defaults")
            if value is None:
                if item.required:
                    raise _Invalid("missing required input")
                flat[item.id] = None
                continue
            flat[item.id] = _typed(item, value, context, render_typed)
        except _Invalid as exc:
            failed.add(item.id)
            shown = submitted.get(item.id, item.defaults)
            if item.type == "SECRET" and shown is not None:
                shown = SECRET_MASK  # the error goes to the terminal, the API and the UI
            issues.append(Issue(f"inputs.{item.id}",
                                f"Invalid input for `{item.id}`, {exc}, but received `{java_text(shown)}`"))
    if issues:
        raise InputError(issues, summary="Invalid inputs")
    return nest(flat)


def _dependency_order(inputs: Sequence[InputBase], issues: list[Issue]) -> list[InputBase]:
    """Inputs with their ``dependsOn.inputs`` first; cycles are reported and left out."""
    by_id = {i.id: i for i in inputs}
    ordered: list[InputBase] = []
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(item: InputBase, trail: list[str]) -> bool:
        mark = state.get(item.id)
        if mark == 2:
            return True
        if mark == 1:
            cycle = [*trail[trail.index(item.id):], item.id]
            issues.append(Issue(f"inputs.{item.id}", f"Cycle dependency detected for input with id "
                                                     f"'{item.id}': {cycle}"))
            return False
        state[item.id] = 1
        ok = True
        for dep in item.dependsOn.inputs if item.dependsOn else []:
            if dep in by_id and not visit(by_id[dep], [*trail, item.id]):
                ok = False
        state[item.id] = 2
        if ok:
            ordered.append(item)
        return ok

    for item in inputs:
        visit(item, [])
    return ordered


def _render(value: Any, context: Mapping[str, Any], render_typed: RenderTyped | None, input_id: str,
            what: str) -> Any:
    if not _has_expression(value):
        return value
    if render_typed is None:
        raise _Invalid(f"`{what}` is an expression and no renderer was given to resolve it")
    try:
        return render_typed(value, context)
    except Exception as exc:  # the renderer's own error text is what users need
        raise _Invalid(f"cannot render `{what}`: {exc}") from None


def _has_expression(value: Any) -> bool:
    if isinstance(value, str):
        return _EXPRESSION.search(value) is not None
    if isinstance(value, list):
        return any(_has_expression(v) for v in value)
    if isinstance(value, dict):
        return any(_has_expression(v) for v in value.values())
    return False


def _condition(item: InputBase, context: Mapping[str, Any], render_typed: RenderTyped | None) -> bool:
    assert item.dependsOn is not None and item.dependsOn.condition is not None
    result = _render(item.dependsOn.condition, context, render_typed, item.id, "dependsOn.condition")
    return result is True or str(result).strip().lower() == "true"


def _select_values(item: SelectInput | MultiselectInput | EnumInput, context: Mapping[str, Any],
                   render_typed: RenderTyped | None) -> list[str]:
    if not isinstance(item, EnumInput) and item.expression:
        rendered = _render(item.expression, context, render_typed, item.id, "expression")
        if isinstance(rendered, str):
            with contextlib.suppress(ValueError):
                rendered = json.loads(rendered)
        if not isinstance(rendered, list):
            raise _Invalid("Invalid expression result. Expected a list of strings, but received "
                           f"{type(rendered).__name__}")
        return [java_text(v) for v in rendered if v is not None]
    raw = item.values if item.values is not None else getattr(item, "options", None) or []
    return [java_text(v.get("value")) if isinstance(v, dict) else java_text(v) for v in raw]


def _typed(item: InputBase, value: Any, context: Mapping[str, Any], render_typed: RenderTyped | None) -> Any:
    if isinstance(item, SelectInput | EnumInput):
        text = _as_text(value)
        allowed = _select_values(item, context, render_typed)
        custom = isinstance(item, SelectInput) and item.allowCustomValue
        if item.required and not custom and text not in allowed:
            raise _Invalid(f"it must match the values `{java_text(allowed)}`")
        return text
    if isinstance(item, MultiselectInput):
        items = _as_list(value)
        allowed = _select_values(item, context, render_typed)
        typed = [_parse_item(item.itemType, v) for v in items]
        if not item.allowCustomValue:
            for text in (java_text(v) for v in items):
                if text not in allowed:
                    raise _Invalid(f"it must match the values `{java_text(allowed)}`")
        return typed
    if isinstance(item, ArrayInput):
        return [_parse_item(item.itemType, v) for v in _as_list(value)]
    parsed = parse_value(item.type, value)
    _check_bounds(item, parsed)
    return parsed


def _parse_item(item_type: str, element: Any) -> Any:
    try:
        return parse_value(item_type, element)
    except _Invalid:
        raise _Invalid(f"Unable to parse array element as `{item_type}` on `{java_text(element)}`") from None


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, str):
        try:
            loaded = json.loads(value)
        except ValueError as exc:
            raise _Invalid(f"Expected `ARRAY` but received `{value}` with errors:\n```\n{exc}\n```") from None
        if isinstance(loaded, list):
            return loaded
    raise _Invalid(f"Expected `ARRAY` but received `{java_text(value)}`")


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else java_text(value)


def parse_value(type_name: str, value: Any) -> Any:
    """Parse one value as the given input type; raises ``_Invalid`` with Kestra's text."""
    parser = _PARSERS.get(type_name)
    if parser is None:
        return value
    return parser(value)


def _parse_int(value: Any) -> int:
    if isinstance(value, bool):
        raise _Invalid(f'For input string: "{java_text(value)}"')
    if isinstance(value, int):
        result = value
    elif (isinstance(value, float) and value.is_integer()) or (
            isinstance(value, str) and re.fullmatch(r"[-+]?[0-9]+", value)):
        result = int(value)
    else:
        raise _Invalid(f'For input string: "{java_text(value)}"')
    if not -(2**31) <= result < 2**31:
        raise _Invalid(f'For input string: "{java_text(value)}"')
    return result


def _parse_float(value: Any) -> float:
    if isinstance(value, bool):
        raise _Invalid(f'For input string: "{java_text(value)}"')
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and re.fullmatch(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?[fFdD]?\s*", value):
        return float(value.strip().rstrip("fFdD"))
    if isinstance(value, str) and value.strip() in ("NaN", "Infinity", "-Infinity", "+Infinity"):
        return float(value.strip().replace("Infinity", "inf"))
    raise _Invalid(f'For input string: "{java_text(value)}"')


def _parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return java_text(value).strip().lower() == "true"


def _expected(type_name: str, value: Any, error: str) -> _Invalid:
    shown = java_text(value)
    return _Invalid(f"Expected `{type_name}` but received `{shown}` with errors:\n```\n{error}\n```")


def _parse_datetime(value: Any) -> str:
    return java_instant(_to_datetime(value))


def _to_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        moment = value
    else:
        text = java_text(value)
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise _expected("DATETIME", value, f"Text '{text}' could not be parsed") from None
    if moment.tzinfo is None:
        raise _expected("DATETIME", value, f"Text '{java_text(value)}' could not be parsed: a date-time "
                                           "with an offset (Z or +01:00) is needed")
    return moment.astimezone(UTC)


def _to_date(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    text = java_text(value)
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise _expected("DATE", value, f"Text '{text}' could not be parsed")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _expected("DATE", value, f"Text '{text}' could not be parsed") from None


def _to_time(value: Any) -> time:
    if isinstance(value, time):
        return value
    text = java_text(value)
    if not re.fullmatch(r"\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?", text):
        raise _expected("TIME", value, f"Text '{text}' could not be parsed")
    try:
        return time.fromisoformat(text[:15])
    except ValueError:
        raise _expected("TIME", value, f"Text '{text}' could not be parsed") from None


_DURATION = re.compile(
    r"([-+]?)P(?:([-+]?\d+)D)?(?:T(?:([-+]?\d+)H)?(?:([-+]?\d+)M)?(?:([-+]?\d+)(?:[.,](\d{0,9}))?S)?)?",
    re.IGNORECASE,
)


def parse_java_duration(text: str) -> timedelta:
    """Java's ``Duration.parse``: ``PnDTnHnMn.nS`` (no years, months or weeks)."""
    match = _DURATION.fullmatch(text.strip())
    if not match or text.strip().upper().endswith("T") or not any(match.group(i) for i in range(2, 6)):
        raise ValueError(f"Text cannot be parsed to a Duration: {text}")
    sign, days, hours, minutes, seconds, fraction = match.groups()
    secs = int(seconds or 0)
    frac = int((fraction or "0").ljust(9, "0")) / 1e9
    total = timedelta(days=int(days or 0), hours=int(hours or 0), minutes=int(minutes or 0),
                      seconds=secs + (-frac if secs < 0 or (seconds or "").startswith("-") else frac))
    return -total if sign == "-" else total


def java_duration(delta: timedelta) -> str:
    """Java's ``Duration.toString``: ``PT15S``, ``PT1H30M``, ``PT48H``, ``PT0.5S``."""
    micros = round(delta.total_seconds() * 1_000_000)
    if micros == 0:
        return "PT0S"
    negative = micros < 0
    micros = abs(micros)
    hours, rem = divmod(micros, 3_600_000_000)
    minutes, rem = divmod(rem, 60_000_000)
    seconds, frac = divmod(rem, 1_000_000)
    sign = "-" if negative else ""
    text = "PT"
    if hours:
        text += f"{sign}{hours}H"
    if minutes:
        text += f"{sign}{minutes}M"
    if seconds or frac:
        text += f"{sign}{seconds}"
        if frac:
            text += "." + f"{frac:06d}".rstrip("0")
        text += "S"
    return text


def _to_duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    try:
        return parse_java_duration(java_text(value))
    except ValueError as exc:
        raise _expected("DURATION", value, str(exc)) from None


def _parse_file(value: Any) -> str:
    text = java_text(value)
    if not text.startswith("kestra://"):
        raise _Invalid("a FILE input takes a `kestra:///...` URI of an uploaded file")
    return text


def _parse_json(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError as exc:
        raise _expected("JSON", value, str(exc)) from None


def _parse_yaml(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return yaml.safe_load(value)
    except yaml.YAMLError as exc:
        raise _expected("YAML", value, str(exc)) from None


def _parse_uri(value: Any) -> str:
    text = java_text(value)
    if not URI_PATTERN.match(text):
        raise _Invalid(f"Expected `URI` but received `{text}`")
    return text


def _parse_email(value: Any) -> str:
    text = java_text(value)
    if not EMAIL_PATTERN.match(text):
        raise _Invalid("The input must be a valid email")
    return text


_PARSERS: dict[str, Callable[[Any], Any]] = {
    "STRING": _as_text, "SELECT": _as_text, "ENUM": _as_text, "SECRET": _as_text,
    "INT": _parse_int, "FLOAT": _parse_float, "BOOLEAN": _parse_bool, "BOOL": _parse_bool,
    "DATETIME": _parse_datetime,
    "DATE": lambda v: _to_date(v).isoformat(),
    "TIME": lambda v: java_time(_to_time(v)),
    "DURATION": lambda v: java_duration(_to_duration(v)),
    "FILE": _parse_file, "JSON": _parse_json, "YAML": _parse_yaml, "URI": _parse_uri, "EMAIL": _parse_email,
}


def _check_bounds(item: InputBase, parsed: Any) -> None:
    if isinstance(item, StringInput | SecretInput) and item.validator is not None:
        if not re.fullmatch(item.validator, parsed):
            raise _Invalid(f"it must match the pattern `{item.validator}`")
    elif isinstance(item, IntInput | FloatInput):
        if item.min is not None and parsed < item.min:
            raise _Invalid(f"it must be more than `{java_text(item.min)}`")
        if item.max is not None and parsed > item.max:
            raise _Invalid(f"it must be less than `{java_text(item.max)}`")
    elif isinstance(item, DurationInput):
        value = parse_java_duration(parsed)
        if item.min is not None and value < parse_java_duration(item.min):
            raise _Invalid(f"it must be more than `{item.min}`")
        if item.max is not None and value > parse_java_duration(item.max):
            raise _Invalid(f"it must be less than `{item.max}`")
    elif isinstance(item, DateTimeInput | DateInput | TimeInput):
        converters: dict[type[InputBase], Callable[[Any], Any]] = {
            DateTimeInput: _to_datetime, DateInput: _to_date, TimeInput: _to_time}
        convert = converters[type(item)]
        value = convert(parsed)
        if item.after is not None and not value > convert(item.after):
            raise _Invalid(f"it must be after `{item.after}`")
        if item.before is not None and not value < convert(item.before):
            raise _Invalid(f"it must be before `{item.before}`")


def check_input_definitions(inputs: Sequence[InputBase],
                            declared: Sequence[Any] | None = None) -> list[tuple[int, str, str]]:
    """Flow-level rules on declarations: (index, property, message) for each problem found.
    ``declared``: every id of the flow, including inputs that failed to parse."""
    problems: list[tuple[int, str, str]] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(inputs):
        if item.id in seen:
            problems.append((index, "id", f"Duplicate input with name [{item.id}]"))
        seen.setdefault(item.id, index)
    known = set(seen) | {d for d in declared or () if isinstance(d, str)}
    for index, item in enumerate(inputs):
        for dep in item.dependsOn.inputs if item.dependsOn else []:
            if dep not in known:
                problems.append((index, "dependsOn",
                                 f"Input with id '{item.id}' depends on a non-existent input '{dep}'."))
    cycle_issues: list[Issue] = []
    _dependency_order(inputs, cycle_issues)
    for issue in cycle_issues:
        input_id = issue.path.removeprefix("inputs.")
        problems.append((seen.get(input_id, 0), "dependsOn", issue.message))
    for index, item in enumerate(inputs):
        if item.defaults is None or _has_expression(item.defaults) or isinstance(item, FileInput):
            continue
        try:  # static defaults must be valid values of the type (Kestra checks them on save)
            if isinstance(item, ArrayInput | MultiselectInput):
                for element in _as_list(item.defaults):
                    _parse_item(item.itemType, element)
            elif not isinstance(item, SelectInput | EnumInput):
                _check_bounds(item, parse_value(item.type, item.defaults))
        except _Invalid as exc:
            problems.append((index, "defaults", f"Invalid input for `{item.id}`, {exc}, but received "
                                                f"`{java_text(item.defaults)}`"))
    return problems


# ---- Java-like text forms -------------------------------------------------------------------------


def java_text(value: Any) -> str:
    """How Java's ``toString`` shows a value in Kestra messages: ``[a, b]``, ``true``, ``null``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(java_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={java_text(v)}" for k, v in value.items()) + "}"
    return str(value)


def java_instant(moment: datetime) -> str:
    """Java's ``Instant.toString``: UTC, ``Z``, fraction only when non-zero."""
    moment = moment.astimezone(UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += "." + f"{moment.microsecond:06d}".rstrip("0")
        # Java prints milliseconds/micros in groups of three digits
        digits = len(text.rsplit(".", 1)[1])
        text += "0" * ((3 - digits % 3) % 3)
    return text + "Z"


def java_time(value: time) -> str:
    """Java's ``LocalTime.toString``: ``HH:mm`` when seconds are zero, else ``HH:mm:ss[.SSS]``."""
    text = f"{value.hour:02d}:{value.minute:02d}"
    if value.second or value.microsecond:
        text += f":{value.second:02d}"
    if value.microsecond:
        text += "." + (f"{value.microsecond // 1000:03d}" if value.microsecond % 1000 == 0
                       else f"{value.microsecond:06d}")
    return text


def nest(flat: Mapping[str, Any]) -> dict[str, Any]:
    """Dotted ids -> nested maps: ``{"a.b": 1, "c": 2}`` -> ``{"a": {"b": 1}, "c": 2}``."""
    result: dict[str, Any] = {}
    for key, value in flat.items():
        parts = key.split(".")
        target = result
        for part in parts[:-1]:
            child = target.get(part)
            if not isinstance(child, dict):
                child = {}
                target[part] = child
            target = child
        target.setdefault(parts[-1], value)
    return result
