"""Resolving `extends:`: finding the base scenario, deep-merging it under the overriding file, and
keeping every merged key and value marked with the file and position it was written at."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dilemma_sim.scenario import registry
from dilemma_sim.scenario.diagnostics import Diagnostic
from dilemma_sim.scenario.suggestions import close_match
from dilemma_sim.scenario.yamlio import Document, Marks, YamlPath, iter_paths, read_yaml

MAX_EXTENDS = 16
"""Longest accepted chain of `extends:`."""


def resolve_extends(
    document: Document, base_dir: Path, filename: str, chain: tuple[Path, ...]
) -> tuple[Any, Marks, list[Diagnostic], set[YamlPath]]:
    """The document's data with its `extends:` chain merged in, its marks, diagnostics and bad paths."""
    data, marks = document.data, document.marks
    diagnostics = list(document.diagnostics)
    bad = set(document.bad_paths)
    if not isinstance(data, dict) or not isinstance(data.get("extends"), str):
        return data, marks, diagnostics, bad
    ref = data["extends"]
    mark = marks.value(("extends",))
    line, column = (mark.line, mark.column) if mark else (1, 1)
    target = _extends_target(ref, base_dir)
    if target is None:
        known = sorted(registry.builtin_ids() | {p.stem for p in base_dir.glob("*.y*ml")})
        diagnostics.append(
            Diagnostic(
                filename,
                line,
                column,
                "E109",
                "error",
                f"extends: '{ref}' is neither a file next to this one nor a built-in scenario",
                close_match(ref, known),
            )
        )
        bad.add(("extends",))
        return data, marks, diagnostics, bad
    resolved = target.resolve()
    if resolved in chain or len(chain) >= MAX_EXTENDS:
        names = [p.name for p in chain] + [resolved.name]
        reason = "extends cycle" if resolved in chain else f"extends chain longer than {MAX_EXTENDS}"
        diagnostics.append(
            Diagnostic(filename, line, column, "E108", "error", f"{reason}: {' -> '.join(names)}")
        )
        bad.add(("extends",))
        return data, marks, diagnostics, bad
    target_name = str(target)
    base_doc = read_yaml(target, target_name)
    base_data, base_marks, base_diags, base_bad = resolve_extends(
        base_doc, target.parent, target_name, (*chain, resolved)
    )
    diagnostics.extend(base_diags)
    if not isinstance(base_data, dict):
        if base_doc.ok:
            diagnostics.append(
                Diagnostic(
                    target_name, 1, 1, "E202", "error", "an extended scenario must be a mapping of keys"
                )
            )
        return data, marks, diagnostics, bad
    base_data = {k: v for k, v in base_data.items() if k != "extends"}
    merged = deep_merge(base_data, data)
    merged_marks = _merge_marks(merged, base_marks, marks)
    return merged, merged_marks, diagnostics, bad | base_bad


def _extends_target(ref: str, base_dir: Path) -> Path | None:
    candidates = [base_dir / ref]
    if not ref.endswith((".yaml", ".yml")):
        candidates.append(base_dir / f"{ref}.yaml")
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    builtin = registry.builtin_path(ref)
    return builtin if builtin is not None and builtin.is_file() else None


def _switches_form(base: Mapping[str, Any], override: Mapping[str, Any]) -> bool:
    """Whether `override` gives another `kind` (policy, decision, state variable) or `dist` than `base`:
    it then describes another thing, whose fields must not mix with the base's."""
    return any(key in override and override[key] != base.get(key) for key in ("kind", "dist"))


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """`override` on top of `base`: mappings merge key by key, other values replace, `null` deletes;
    a mapping that changes `kind` or `dist` replaces the base's whole (a `rules` policy becomes `fixed`)."""
    merged = dict(base)
    for key, value in override.items():
        if value is None:
            merged.pop(key, None)
        elif (
            isinstance(value, dict)
            and isinstance(merged.get(key), dict)
            and not _switches_form(merged[key], value)
        ):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _merge_marks(merged: Any, base: Marks, override: Marks) -> Marks:
    # Every path of the merged data was written either in the overriding file or in the base.
    result = Marks()
    for path in iter_paths(merged):
        value = override.values.get(path) or base.values.get(path)
        if value is not None:
            result.values[path] = value
        key = override.keys.get(path) or base.keys.get(path)
        if key is not None:
            result.keys[path] = key
    return result
