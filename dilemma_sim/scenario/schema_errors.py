"""Turning pydantic validation errors into diagnostics: each error is followed back to the YAML
key or value it concerns and reworded for a scenario author, with a suggestion where one is close."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ValidationError

from dilemma_sim.scenario import models
from dilemma_sim.scenario.diagnostics import Diagnostic
from dilemma_sim.scenario.models import Scenario
from dilemma_sim.scenario.suggestions import close_match
from dilemma_sim.scenario.yamlio import Mark, Marks, YamlPath

_TYPE_WORDS = {
    "float_type": "a number",
    "float_parsing": "a number",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "string_type": "text",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "list_type": "a list",
    "tuple_type": "a list",
}
_CONSTRAINTS = {
    "greater_than": ("gt", "must be greater than"),
    "greater_than_equal": ("ge", "must be at least"),
    "less_than": ("lt", "must be less than"),
    "less_than_equal": ("le", "must be at most"),
}
_PATTERN_HINTS = {
    "id": "must be a slug: lower-case letters, digits, '-' and '_', e.g. pakistan-ttp",
    "start": "must look like 2023, 2023-Q1 or 2023-01",
    "period": "must look like 2023, 2023-Q2, 2023-05 or a span 2022-Q3..2023-Q2",
}
_VALUE_ERROR_CODES = (
    ("needs at least one option", "E408"),
    ("at least two levels", "E408"),
    ("probabilit", "E407"),
)
_DISTRIBUTIONS = ("uniform", "normal", "beta", "triangular")


def value_kind(value: Any) -> str:
    """The kind of a YAML value in words: null, boolean, number, text, list or mapping."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "text"
    return "list" if isinstance(value, list) else "mapping"


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"the number {value:g}"
    if isinstance(value, str):
        short = value if len(value) <= 40 else value[:37] + "..."
        return f"the text '{short}'"
    return f"a {value_kind(value)}"


def _yaml_path(
    data: Any, loc: tuple[int | str, ...], missing_type: bool
) -> tuple[YamlPath, str | int | None]:
    """Follow `loc` through the data, dropping union tags; returns the path and a missing key, if any."""
    current = data
    path: list[str | int] = []
    missing: str | int | None = None
    for i, segment in enumerate(loc):
        in_dict = isinstance(current, dict) and isinstance(segment, str) and segment in current
        if in_dict or (
            isinstance(current, list) and isinstance(segment, int) and 0 <= segment < len(current)
        ):
            current = current[segment]
            path.append(segment)
        elif missing_type and i == len(loc) - 1:
            missing = segment
    return tuple(path), missing


def _get(data: Any, path: YamlPath) -> Any:
    for part in path:
        if isinstance(data, dict) and isinstance(part, str):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return None
    return data


def _models() -> list[type[BaseModel]]:
    found: list[type[BaseModel]] = []
    stack: list[type[BaseModel]] = [models.StrictModel]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            stack.append(sub)
            if not sub.__name__.startswith("_"):
                found.append(sub)
    return found


def _literal_values(model: type[BaseModel], name: str) -> tuple[Any, ...]:
    info = model.model_fields.get(name)
    return getattr(info.annotation, "__args__", ()) if info is not None else ()


_TAG_MODELS: dict[str, tuple[type[BaseModel], ...]] = {
    "fixed": (models.Fixed, models.FixedPolicy),
    "spec": (models.EffectSpec,),
    "uniform": (models.Uniform,),
    "normal": (models.Normal,),
    "beta": (models.Beta,),
    "triangular": (models.Triangular,),
    "mixed": (models.MixedPolicy,),
    "rules": (models.RulesPolicy,),
    "best_response": (models.BestResponsePolicy,),
    "logit": (models.LogitPolicy,),
    "default": (models.DefaultPolicy,),
}
"""Union tags pydantic puts in error locations, and the models they stand for."""
_COLLECTION_MODELS: dict[str, type[BaseModel]] = {
    "state": models.StateVar,
    "actors": models.Actor,
    "decisions": models.Decision,
    "options": models.Option,
    "levels": models.Level,
    "sources": models.Source,
    "strategies": models.Strategy,
    "interactions": models.Interaction,
    "dynamics": models.Influence,
    "events": models.Event,
    "endings": models.Ending,
    "rules": models.Rule,
}
"""Fields holding a mapping (or list) of one model, by field name."""


def _model_for(mapping: Any, path: YamlPath, loc: tuple[int | str, ...]) -> type[BaseModel]:
    """The model a mapping at `path` stands for, judged by its location and, failing that, its keys."""
    if not path:
        return Scenario
    if path == ("calendar",):
        return models.Calendar
    tag = loc[-2] if len(loc) >= 2 else None
    candidates: tuple[type[BaseModel], ...]
    if isinstance(tag, str) and tag in _TAG_MODELS and (len(path) < 2 or tag != path[-1]):
        candidates = _TAG_MODELS[tag]
    elif len(path) >= 2 and isinstance(path[-2], str) and path[-2] in _COLLECTION_MODELS:
        return _COLLECTION_MODELS[path[-2]]
    else:
        candidates = tuple(_models())
    keys = set(mapping) if isinstance(mapping, dict) else set()
    best: tuple[int, type[BaseModel]] = (-1, candidates[0])
    for model in candidates:
        score = len(keys & set(model.model_fields))
        for name in ("kind", "dist"):
            if (
                isinstance(mapping, dict)
                and name in mapping
                and mapping[name] in _literal_values(model, name)
            ):
                score += 10
        if score > best[0]:
            best = (score, model)
    return best[1]


def schema_diagnostics(
    error: ValidationError, data: Any, marks: Marks, filename: str, skip: frozenset[YamlPath]
) -> list[Diagnostic]:
    """One diagnostic per problem in `error`, at its YAML mark; paths under `skip` are left out."""
    located: list[tuple[YamlPath, str | int | None, dict[str, Any]]] = []
    for details in error.errors():
        entry: dict[str, Any] = dict(details)
        path, missing = _yaml_path(data, tuple(entry["loc"]), entry["type"] == "missing")
        if any(path[:i] in skip for i in range(len(path) + 1)):
            continue
        located.append((path, missing, entry))
    paths = {path for path, _, _ in located}
    out: list[Diagnostic] = []
    type_groups: dict[YamlPath, list[dict[str, Any]]] = {}
    for path, missing, entry in located:
        kind = entry["type"]
        if kind in _TYPE_WORDS and any(p[: len(path)] == path and len(p) > len(path) for p in paths):
            continue  # a union member's mismatch: the deeper error says more
        if kind in _TYPE_WORDS:
            type_groups.setdefault(path, []).append(entry)
        else:
            out.append(_entry_diagnostic(path, missing, entry, data, marks, filename))
    for path, entries in type_groups.items():
        words = list(dict.fromkeys(_TYPE_WORDS[e["type"]] for e in entries))
        value = _get(data, path)
        expected = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
        message = f"{_name(path)}: expected {expected}, got {_describe(value)}"
        if "text" in words and isinstance(value, int | float) and not isinstance(value, bool):
            message += f' (quote it: "{value}")'
        out.append(_at(marks, path, filename, "E202", message))
    return out


def _name(path: YamlPath) -> str:
    named = [p for p in path if isinstance(p, str)]
    if not path:
        return "scenario"
    last = path[-1]
    if isinstance(last, int):
        return f"item {last + 1} of '{named[-1] if named else 'list'}'"
    return f"'{last}'"


def _at(
    marks: Marks,
    path: YamlPath,
    filename: str,
    code: str,
    message: str,
    suggestion: str | None = None,
    key: bool = False,
) -> Diagnostic:
    mark: Mark | None = marks.nearest(path, prefer_key=key)
    line, column, file = (mark.line, mark.column, mark.file) if mark else (1, 1, filename)
    return Diagnostic(file, line, column, code, "error", message, suggestion)


def _entry_diagnostic(
    path: YamlPath, missing: str | int | None, entry: dict[str, Any], data: Any, marks: Marks, filename: str
) -> Diagnostic:
    kind: str = entry["type"]
    ctx: dict[str, Any] = entry.get("ctx") or {}
    value = _get(data, path)
    if kind == "extra_forbidden":
        parent = _get(data, path[:-1])
        model = _model_for(parent, path[:-1], tuple(entry["loc"]))
        allowed = [f for f in model.model_fields if not (isinstance(parent, dict) and f in parent)]
        key = str(path[-1])
        hint = close_match(key, allowed)
        message = f"unknown key '{key}'"
        if hint is None:
            message += f"; expected one of: {', '.join(allowed) or '(none left)'}"
        return _at(marks, path, filename, "E201", message, hint, key=True)
    if kind == "missing":
        if isinstance(missing, int):
            return _at(
                marks, path, filename, "E204", f"{_name(path)} needs at least {missing + 1} items", key=True
            )
        return _at(
            marks, path, filename, "E204", f"missing required key '{missing}' in {_name(path)}", key=True
        )
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        tag = str(ctx.get("discriminator", "'kind'")).strip("'")
        expected = re.findall(r"'([^']*)'", str(ctx.get("expected_tags", "")))
        if kind == "union_tag_not_found":
            return _at(
                marks,
                path,
                filename,
                "E204",
                f"missing required key '{tag}' ({', '.join(expected)})",
                key=True,
            )
        got = str(ctx.get("tag", ""))
        message = f"unknown {tag} '{got}'; expected one of: {', '.join(expected)}"
        return _at(marks, (*path, tag), filename, "E202", message, close_match(got, expected))
    if kind == "quantity":
        if isinstance(value, dict) and "dist" in value:
            got = str(value["dist"])
            message = f"unknown distribution '{got}'; expected one of: {', '.join(_DISTRIBUTIONS)}"
            return _at(marks, (*path, "dist"), filename, "E202", message, close_match(got, _DISTRIBUTIONS))
        message = f"{_name(path)}: expected a number, {{value: ...}} or {{dist: ...}}, got {_describe(value)}"
        return _at(marks, path, filename, "E202", message)
    if kind == "literal_error":
        expected = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        message = f"{_name(path)} must be one of {', '.join(expected)}; got {_describe(value)}"
        return _at(marks, path, filename, "E202", message, close_match(str(value), expected))
    if kind in _CONSTRAINTS:
        bound, words = _CONSTRAINTS[kind]
        return _at(
            marks, path, filename, "E203", f"{_name(path)} {words} {ctx.get(bound)}, got {_describe(value)}"
        )
    if kind == "string_pattern_mismatch":
        last = path[-1] if path else ""
        hint = _PATTERN_HINTS.get(str(last), f"must match {ctx.get('pattern')}")
        return _at(marks, path, filename, "E203", f"{_name(path)} {hint}, got {_describe(value)}")
    if kind == "finite_number":
        return _at(marks, path, filename, "E106", f"{_name(path)} must be a finite number")
    if kind in ("too_short", "too_long"):
        return _at(marks, path, filename, "E203", f"{_name(path)}: {entry['msg']}")
    if kind == "value_error":
        message = str(entry["msg"]).removeprefix("Value error, ")
        code = next((c for text, c in _VALUE_ERROR_CODES if text in message), "E205")
        return _at(marks, path, filename, code, f"{_name(path)}: {message}")
    return _at(marks, path, filename, "E205", f"{_name(path)}: {entry['msg']}")
