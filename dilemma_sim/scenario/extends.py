"""Resolving `extends:`: finding the base scenario, deep-merging it under the overriding file, and
keeping every merged key and value marked with the file and position it was written at.

Confinement: a scenario file is untrusted input, so `extends:` may only name a `.yaml`/`.yml` file
inside the folder tree of the scenario being loaded, or a built-in scenario, or a file under a
folder listed in `DILEMMA_SIM_EXTENDS_PATH` (os.pathsep-separated). Absolute paths, `~`, `..` that
climbs out of the tree and symbolic links that point out of it are refused (E110) before the
file is opened, and the refusal never shows anything of the file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dilemma_sim.scenario import registry
from dilemma_sim.scenario.diagnostics import Diagnostic
from dilemma_sim.scenario.suggestions import close_match
from dilemma_sim.scenario.yamlio import Document, Marks, YamlPath, iter_paths, read_yaml

MAX_EXTENDS = 16
"""Longest accepted chain of `extends:`."""
EXTENDS_PATH_ENV = "DILEMMA_SIM_EXTENDS_PATH"
"""Extra folders (separated by os.pathsep) whose files `extends:` may name, besides the scenario's
own folder tree and the built-in scenarios."""


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
    refusal = _confinement_refusal(ref, base_dir, chain[0].parent if chain else base_dir)
    if refusal is not None:
        diagnostics.append(Diagnostic(filename, line, column, "E110", "error", refusal))
        bad.add(("extends",))
        return data, marks, diagnostics, bad
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


def allowed_roots(top: Path) -> list[Path]:
    """Folders `extends:` may reach from a scenario loaded from folder `top`."""
    roots = [top, registry.builtin_dir()]
    extra = os.environ.get(EXTENDS_PATH_ENV, "")
    roots += [Path(p).expanduser() for p in extra.split(os.pathsep) if p.strip()]
    return roots


def _inside(path: Path, roots: list[Path]) -> bool:
    return any(path == root or root in path.parents for root in roots)


def _confinement_refusal(ref: str, base_dir: Path, top: Path) -> str | None:
    """Why `extends: ref` may not be followed (E110), or None when it stays where it may."""
    where = "the scenario's folder, the built-in scenarios or DILEMMA_SIM_EXTENDS_PATH"
    if not ref.strip() or any(c in ref for c in "\0\n\r"):
        return "extends: is not a file name"
    if ref.startswith("~") or Path(ref).is_absolute() or Path(ref).drive:
        return f"extends: '{ref}' is an absolute path; name a file inside {where}"
    candidate = _candidate(ref, base_dir)
    roots = [r.resolve() for r in allowed_roots(top)]
    # `..` is judged on the path as written, from the real folder of the file being read
    lexical = Path(os.path.normpath(base_dir.resolve() / _file_name(ref)))
    if not _inside(lexical, roots):
        return f"extends: '{ref}' climbs out of the scenario's folder; name a file inside {where}"
    if (candidate.is_symlink() or candidate.exists()) and not _inside(candidate.resolve(), roots):
        return f"extends: '{ref}' is a link to a file outside {where}"
    return None


def _file_name(ref: str) -> str:
    """`ref` as a scenario file name: `.yaml` added unless it ends in `.yaml` or `.yml`."""
    return ref if ref.endswith((".yaml", ".yml")) else f"{ref}.yaml"


def _candidate(ref: str, base_dir: Path) -> Path:
    """The file `extends: ref` names next to the file being read."""
    return base_dir / _file_name(ref)


def _extends_target(ref: str, base_dir: Path) -> Path | None:
    candidate = _candidate(ref, base_dir)
    if candidate.is_file():  # a regular `.yaml`/`.yml` file: never a FIFO or a device that would hang
        return candidate
    builtin = registry.builtin_path(ref)
    return builtin if builtin is not None and builtin.is_file() else None


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """`override` on top of `base`: mappings merge key by key, other values replace, `null` deletes."""
    merged = dict(base)
    for key, value in override.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
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
