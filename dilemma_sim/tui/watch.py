"""A cheap fingerprint of a file, polled to notice edits of the open scenario."""

from __future__ import annotations

from pathlib import Path

FileStamp = tuple[int, int]
"""(modification time in ns, size in bytes)."""


def file_stamp(path: Path) -> FileStamp | None:
    """The file's stamp, or None when it cannot be read (mid-save, deleted)."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size)
