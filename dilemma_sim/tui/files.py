"""Which paths the app may open, read and write: anything the user may in a terminal, a served folder
when the app is served to browsers.

A browser visitor is not the server's user: in a served game every scenario opened and every save read
or written is confined to the served folder (by default none: only the built-in scenarios and those the
server was started with). Paths are relative to that folder; an absolute path, a `..` step or a path
that resolves (through a symbolic link) outside the folder is refused with a message. No Textual here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dilemma_sim.scenario.registry import builtin_ids

ENV_SERVED = "DILEMMA_SIM_SERVED"
"""Set (to `1`) in the environment of a served app: confine its files."""
ENV_FOLDER = "DILEMMA_SIM_SERVED_FOLDER"
"""The served folder (absolute), or empty: none."""
ENV_SCENARIOS = "DILEMMA_SIM_SERVED_SCENARIOS"
"""The scenario files the server was started with, separated by `os.pathsep`."""


class PathRefused(Exception):
    """A path a served game may not use; the message says why."""

    title = "Not in the served folder"


@dataclass(frozen=True)
class FileRules:
    """Where scenarios and saves may be; `confined=False` (a terminal game) allows any path."""

    confined: bool = False
    folder: Path | None = None
    """The served folder (resolved), or None: no folder, so no saving or loading."""
    scenarios: tuple[Path, ...] = ()
    """Scenario files served besides the built-ins (resolved)."""

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> FileRules:
        """The rules a served app process was started with (unconfined without `ENV_SERVED`)."""
        env = os.environ if environ is None else environ
        if not env.get(ENV_SERVED):
            return cls()
        folder = env.get(ENV_FOLDER) or None
        scenarios = tuple(Path(p).resolve() for p in env.get(ENV_SCENARIOS, "").split(os.pathsep) if p)
        return cls(True, Path(folder).resolve() if folder else None, scenarios)

    def environment(self) -> dict[str, str]:
        """The environment variables that give a served app process these rules."""
        return {
            ENV_SERVED: "1",
            ENV_FOLDER: str(self.folder or ""),
            ENV_SCENARIOS: os.pathsep.join(str(p) for p in self.scenarios),
        }

    def file(self, text: str) -> Path:
        """The file `text` names, for a save or a transcript (read or written)."""
        text = text.strip()
        if not text:
            raise PathRefused("Give a file name.")
        if not self.confined:
            return Path(text).expanduser()
        if self.folder is None:
            raise PathRefused(
                "This served game has no folder for files: saving and loading are off "
                "(the server can give one with `serve --folder DIR`)."
            )
        return self._inside(text)

    def scenario(self, ref: str) -> str | Path:
        """What the picker may open for `ref`: a built-in id, a served scenario, or a file in the folder."""
        ref = ref.strip()
        if not self.confined:
            return Path(ref).expanduser() if Path(ref).expanduser().is_file() else ref
        if ref in builtin_ids():
            return ref
        path = Path(ref)
        if path.is_absolute() and ".." not in path.parts:
            resolved = path.resolve()
            if resolved in self.scenarios or (
                self.folder is not None and resolved.is_relative_to(self.folder)
            ):
                return resolved
        if self.folder is None:
            raise PathRefused(
                f"{ref}: a served game opens only the built-in scenarios and those it was started with."
            )
        return self._inside(ref)

    def _inside(self, text: str) -> Path:
        assert self.folder is not None
        path = Path(text)
        if path.is_absolute():
            raise PathRefused(f"{text}: give a path inside the served folder, not an absolute path.")
        if ".." in path.parts:
            raise PathRefused(f"{text}: `..` may not leave the served folder.")
        candidate = self.folder / path
        try:
            resolved = candidate.resolve()
        except (OSError, RuntimeError) as exc:
            raise PathRefused(f"{text}: {exc}") from exc
        if not resolved.is_relative_to(self.folder):
            raise PathRefused(f"{text}: it leads out of the served folder (through a symbolic link).")
        return candidate

    def listing_folder(self) -> Path | None:
        """The folder whose scenarios the picker lists beside the built-ins (None: the default)."""
        return self.folder if self.confined else None
