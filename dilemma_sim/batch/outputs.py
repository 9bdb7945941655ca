"""Per-run output files: CSV, JSON Lines and Parquet, written chunk by chunk and atomically.

One row per run, as `batch.layout` names its columns. Rows are appended chunk by chunk, so a million
runs never sit in memory as text. The file is written under a temporary name next to the target and
moved into place by `os.replace` when it is closed, so a reader never sees half a file; an interrupted
batch still produces a complete file whose metadata says `complete: false` and how many runs it holds.
The temporary name carries the writer's pid (`dilemma_sim.files`): a writer removes the temporary files
that writers which died left next to its target, and any failure (a full disk, Ctrl-C during close)
removes its own, so no file claiming completeness is ever left. Refusals of the file system are
`EnvironmentProblem`s.

Metadata: CSV starts with `# key: value` lines whose values are JSON (so a newline or a quote in a
scenario's version cannot forge a header line), JSON Lines with one `{"metadata": {...}}` line,
Parquet stores it as JSON under the file's key-value metadata key `dilemma_sim`
(`pyarrow.parquet.read_metadata(path).metadata`), written in the footer at close. `read_metadata`
parses all three strictly and raises `OutputFileError` for anything else.
"""

from __future__ import annotations

import atexit
import contextlib
import csv
import io
import json
import os
import re
import weakref
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn

import numpy as np

from dilemma_sim import __version__
from dilemma_sim.batch.layout import Layout, RunRows, run_columns
from dilemma_sim.errors import EnvironmentProblem, InvalidInput, MissingDependency
from dilemma_sim.files import remove_stale_temps, temp_path, uninterrupted

if TYPE_CHECKING:
    import pyarrow.parquet as pq


FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}
"""File extension -> format."""
PARQUET_SLICE = 8192
"""Rows converted to Arrow and written as one row group at a time (bounds the copy a chunk costs)."""
_RUNS_WIDTH = 12
"""Digits reserved for the run count in text headers, so the header is patched in place at close."""
_KEY = re.compile(r"^[a-z_][a-z0-9_]*$")
"""Metadata keys: identifiers, so a key can never hold `: ` or a newline."""
_HEADER = re.compile(r"^[a-z_][a-z0-9_.]*(,|\r?\n|$)")
"""A CSV column header starts with a column name (`run`, `point`)."""
_CSV_META = re.compile(r"^# ([a-z_][a-z0-9_]*): (.*)$")


class OutputFileError(InvalidInput):
    """A per-run output file whose metadata is not what `RunWriter` writes."""

    title = "unreadable output file"


def format_of(path: str | os.PathLike[str]) -> str:
    """The output format chosen by a file's extension; ValueError for an unknown one, MissingDependency
    for `.parquet` without pyarrow."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"unknown output extension {suffix!r}: use .csv, .jsonl or .parquet")
    fmt = FORMATS[suffix]
    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ModuleNotFoundError:
            raise MissingDependency("pyarrow", "parquet", "writing .parquet files") from None
    return fmt


_OPEN_WRITERS: weakref.WeakSet[RunWriter] = weakref.WeakSet()
"""Writers not closed yet: their temporary files are removed when the interpreter exits."""


@atexit.register
def _abort_open_writers() -> None:
    for writer in list(_OPEN_WRITERS):
        writer.abort()


class RunWriter:
    """Writes per-run rows chunk by chunk to a temporary file; `close` moves it into place.

    Use as a context manager: leaving the block by an exception removes the temporary file, unless
    `close` was called first (the interrupted-batch case: close with `complete=False`).
    """

    def __init__(self, path: str | os.PathLike[str], layout: Layout, metadata: Mapping[str, object]) -> None:
        self.path = Path(path)
        self.format = format_of(self.path)
        self.layout = layout
        self.metadata = {**metadata, "dilemma_sim_version": __version__}
        bad = [k for k in self.metadata if not isinstance(k, str) or not _KEY.match(k)]
        if bad:
            raise ValueError(f"metadata keys must be identifiers: {bad}")
        json.dumps(self.metadata, allow_nan=False)  # every value must be JSON (TypeError otherwise)
        self.runs = 0
        self.closed = False
        self._tmp = temp_path(self.path)
        self._header_at = 0
        self._header_len = 0
        self._parquet: pq.ParquetWriter | None = None
        self._file: IO[bytes] | None = None
        self._check_target()
        remove_stale_temps(self.path)
        _OPEN_WRITERS.add(self)
        if self.format == "parquet":
            self._probe()  # the parquet writer needs the first chunk's schema; check we may write now
            return
        with self._os_errors():
            self._file = open(self._tmp, "xb")  # noqa: SIM115  (closed in close/abort)
            self._write_header()

    def _check_target(self) -> None:
        """EnvironmentProblem now, not after the batch, for a target that cannot be written."""
        folder = self.path.parent
        if not folder.is_dir():
            what = "is not a folder" if folder.exists() else "does not exist"
            raise EnvironmentProblem(
                f"cannot write runs to {self.path}: the folder {str(folder)!r} {what}",
                hint="create the folder first, or write elsewhere",
            )
        try:
            name_max = os.pathconf(folder, "PC_NAME_MAX")
        except (OSError, ValueError, AttributeError):
            name_max = 255
        if len(os.fsencode(self.path.name)) > name_max:
            raise EnvironmentProblem(
                f"cannot write runs to {self.path}: its name is longer than {name_max} bytes",
                hint="use a shorter file name",
            )
        if self.path.is_dir():
            raise EnvironmentProblem(f"cannot write runs to {self.path}: it is a folder")

    def _probe(self) -> None:
        with self._os_errors(), open(self._tmp, "xb"):
            pass
        self._tmp.unlink()

    @contextlib.contextmanager
    def _os_errors(self) -> Iterator[None]:
        """Turn a refusal of the file system into an EnvironmentProblem, dropping the temporary file."""
        try:
            yield
        except OSError as error:
            self.abort()
            raise EnvironmentProblem.from_os_error(error, f"cannot write runs to {self.path}") from None

    # ------------------------------------------------------------------ header

    def _meta(self, complete: bool) -> dict[str, object]:
        return {**self.metadata, "complete": complete, "runs": self.runs}

    def _header_bytes(self, complete: bool) -> bytes:
        meta = self._meta(complete)
        runs_field = str(self.runs).ljust(_RUNS_WIDTH)
        complete_field = ("true" if complete else "false").ljust(5)
        if self.format == "csv":
            # values as JSON: a newline or `# runs:` inside a value stays inside its quotes
            lines = [
                f"# {k}: {json.dumps(v, ensure_ascii=True, allow_nan=False)}"
                for k, v in meta.items()
                if k not in ("complete", "runs")
            ]
            lines += [f"# complete: {complete_field}", f"# runs: {runs_field}"]
            return ("\n".join(lines) + "\n").encode()
        body = {k: v for k, v in meta.items() if k not in ("complete", "runs")}
        text = json.dumps({"metadata": body}, ensure_ascii=False)
        # complete and runs close the object with fixed widths, so close() can patch them in place
        text = text[:-2] + f', "complete": {complete_field}, "runs": {runs_field}}}}}'
        return (text + "\n").encode()

    def _write_header(self) -> None:
        assert self._file is not None
        head = self._header_bytes(False)
        self._header_len = len(head)
        self._file.write(head)
        if self.format == "csv":
            buf = io.StringIO()
            csv.writer(buf, lineterminator="\n").writerow(self.layout.columns())
            self._file.write(buf.getvalue().encode())

    # ------------------------------------------------------------------ rows

    def write(self, result: RunRows, *, first_run: int, seed: int) -> None:
        """Append the rows of one chunk."""
        cols = run_columns(result, self.layout, first_run=first_run, seed=seed)
        self.write_columns(cols)

    def write_columns(self, cols: Mapping[str, np.ndarray]) -> None:
        """Append rows given as columns (name -> array of shape (runs,))."""
        n = len(next(iter(cols.values())))
        if n == 0:
            return
        if self.closed:
            raise ValueError("the writer is closed")
        data = (
            None if self.format == "parquet" else (_csv_bytes if self.format == "csv" else _jsonl_bytes)(cols)
        )
        with uninterrupted(), self._os_errors():  # the rows and their count: one step, whatever Ctrl-C does
            if data is None:
                self._write_parquet(cols)
            else:
                assert self._file is not None
                self._file.write(data)
            self.runs += n

    def _write_parquet(self, cols: Mapping[str, np.ndarray]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        n = len(next(iter(cols.values())))
        if n > PARQUET_SLICE:  # convert and write a slice at a time: arrow copies strided columns
            for lo in range(0, n, PARQUET_SLICE):
                self._write_parquet({k: v[lo : lo + PARQUET_SLICE] for k, v in cols.items()})
            return
        arrays = [pa.array(v.astype(str) if v.dtype == object else v) for v in cols.values()]
        table = pa.Table.from_arrays(arrays, names=list(cols))
        if self._parquet is None:
            # dictionaries and statistics only where they pay: per float column (122 in pakistan-ttp)
            # they cost memory and time, and the footer keeps every row group's statistics until close
            text = [name for name, v in cols.items() if v.dtype == object]
            self._parquet = pq.ParquetWriter(
                self._tmp,
                table.schema,
                use_dictionary=text,  # type: ignore[arg-type]  # pyarrow takes column names; the stubs say bool
                write_statistics=["run", "ending"],
            )
        self._parquet.write_table(table)

    # ------------------------------------------------------------------ finish

    def close(self, *, complete: bool = True) -> Path:
        """Record `complete` and the run count, flush, and move the file into place.

        If that fails (a full disk, Ctrl-C), the temporary file is removed and nothing is moved
        into place: no file that claims completeness, and no leftover.
        """
        if self.closed:
            return self.path
        try:
            with uninterrupted(), self._os_errors():
                self._finish(complete)
        except BaseException:
            self.abort()
            raise
        self.closed = True
        _OPEN_WRITERS.discard(self)
        return self.path

    def _finish(self, complete: bool) -> None:
        if self.format == "parquet":
            if self._parquet is None:  # no rows: an empty table with the right columns
                empty = {
                    c: np.zeros(0, dtype=object if c == "ending" else float) for c in self.layout.columns()
                }
                self._write_parquet(empty)
            assert self._parquet is not None  # _write_parquet opened it
            # the metadata goes into the footer's key-value metadata, written at close: no second copy
            self._parquet.add_key_value_metadata(
                {"dilemma_sim": json.dumps(self._meta(complete), ensure_ascii=False)}
            )
            self._parquet.close()
            self._parquet = None
        else:
            assert self._file is not None
            head = self._header_bytes(complete)
            assert len(head) == self._header_len, "header width changed"
            self._file.seek(self._header_at)
            self._file.write(head)
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
        os.replace(self._tmp, self.path)

    def abort(self) -> None:
        """Drop the temporary file(s); the target is left untouched. Safe to call more than once."""
        if self.closed:
            return
        self.closed = True
        _OPEN_WRITERS.discard(self)
        with contextlib.suppress(Exception):
            if self._file is not None:
                self._file.close()
        with contextlib.suppress(Exception):
            if self._parquet is not None:
                self._parquet.close()
        self._parquet = None
        for leftover in (self._tmp, self._tmp.with_name(self._tmp.name + ".body")):
            with contextlib.suppress(OSError):
                leftover.unlink(missing_ok=True)

    def __enter__(self) -> RunWriter:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def _csv_bytes(cols: Mapping[str, np.ndarray]) -> bytes:
    """Rows as CSV text; floats in their shortest round-trip form (pyarrow's writer when installed)."""
    try:
        import pyarrow as pa
        import pyarrow.csv as pa_csv
    except ModuleNotFoundError:
        return _csv_bytes_python(cols)
    arrays = [pa.array(v.astype(str) if v.dtype == object else v) for v in cols.values()]
    buf = io.BytesIO()
    options = pa_csv.WriteOptions(include_header=False, quoting_style="needed")
    pa_csv.write_csv(pa.Table.from_arrays(arrays, names=list(cols)), buf, write_options=options)
    return buf.getvalue()


def _csv_bytes_python(cols: Mapping[str, np.ndarray]) -> bytes:
    """`_csv_bytes` without pyarrow (slower: one Python call per value)."""
    text_cols: list[Sequence[str]] = []
    for v in cols.values():
        if v.dtype.kind == "f":
            text_cols.append([repr(x) for x in v.tolist()])
        else:
            text_cols.append([str(x) for x in v.tolist()])
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(zip(*text_cols, strict=True))
    return buf.getvalue().encode()


def _jsonl_bytes(cols: Mapping[str, np.ndarray]) -> bytes:
    """One JSON object per row; NaN and infinities become null (JSON has none).

    Fast path: the CSV writer's cells are valid JSON values when every float is finite and every
    string is an identifier (ending ids are), so each row is one `%` format of a template.
    """
    finite = all(v.dtype.kind != "f" or bool(np.isfinite(v).all()) for v in cols.values())
    plain = all(
        v.dtype.kind != "O"
        or all(str(x).replace("_", "").replace("-", "").isalnum() for x in set(v.tolist()))
        for v in cols.values()
    )
    try:
        import pyarrow  # noqa: F401
    except ModuleNotFoundError:
        finite = False
    if not (finite and plain):
        return _jsonl_bytes_python(cols)
    template = "{" + ", ".join(f"{json.dumps(name)}: %s" for name in cols) + "}"
    text = _csv_bytes(cols).decode()
    return ("\n".join(template % tuple(line.split(",")) for line in text.splitlines()) + "\n").encode()


def _jsonl_bytes_python(cols: Mapping[str, np.ndarray]) -> bytes:
    """`_jsonl_bytes` one value at a time."""
    names = list(cols)
    lists = []
    for v in cols.values():
        if v.dtype.kind == "f":
            items: list[Any] = v.tolist()
            if not np.isfinite(v).all():
                items = [x if np.isfinite(x) else None for x in items]
            lists.append(items)
        else:
            lists.append(v.tolist())
    dumps = json.dumps
    lines = [
        dumps(dict(zip(names, row, strict=True)), ensure_ascii=False) for row in zip(*lists, strict=True)
    ]
    return ("\n".join(lines) + "\n").encode()


# --------------------------------------------------------------------------- reading back


def read_metadata(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The metadata of a file written by `RunWriter`, parsed strictly; OutputFileError otherwise.

    `complete` is a bool and `runs` a non-negative int in every valid file; a key given twice, a
    value that is not JSON, or a header line that is not `# key: value` is an error, never guessed at.
    """
    path = Path(path)
    fmt = format_of(path)
    try:
        if fmt == "parquet":
            import pyarrow.parquet as pq

            raw = (pq.read_metadata(path).metadata or {}).get(b"dilemma_sim")
            if raw is None:
                raise OutputFileError(f"{path}: no dilemma_sim metadata in the Parquet file")
            meta = _json_object(raw.decode("utf-8"), path, "the metadata")
        elif fmt == "jsonl":
            with open(path, encoding="utf-8") as f:
                first = _json_object(f.readline(), path, "line 1")
            if set(first) != {"metadata"} or not isinstance(first["metadata"], dict):
                raise OutputFileError(f'{path}: line 1 is not {{"metadata": {{...}}}}')
            meta = first["metadata"]
        else:
            meta = _csv_metadata(path)
    except (OSError, UnicodeDecodeError) as error:
        raise OutputFileError(f"{path}: cannot read the metadata: {error}") from None
    complete, runs = meta.get("complete"), meta.get("runs")
    if not isinstance(complete, bool):
        raise OutputFileError(f"{path}: `complete` must be true or false, not {complete!r}")
    if not isinstance(runs, int) or isinstance(runs, bool) or runs < 0:
        raise OutputFileError(f"{path}: `runs` must be a whole number of at least 0, not {runs!r}")
    return dict(meta)


def _json_object(text: str, path: Path, where: str) -> dict[str, Any]:
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise OutputFileError(f"{path}: {where} is not JSON") from None
    if not isinstance(value, dict):
        raise OutputFileError(f"{path}: {where} is not a JSON object")
    return value


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a number JSON allows")


def _csv_metadata(path: Path) -> dict[str, Any]:
    """The `# key: <JSON>` lines at the top of a CSV file, strictly, up to the column header."""
    meta: dict[str, Any] = {}
    with open(path, encoding="utf-8", newline="") as f:
        for number, line in enumerate(f, start=1):
            if not line.startswith("#"):
                if not _HEADER.match(line):  # column names, not a row of numbers
                    raise OutputFileError(f"{path}:{number}: expected the column header after the metadata")
                return meta
            m = _CSV_META.match(line.rstrip("\n"))
            if m is None:
                raise OutputFileError(f"{path}:{number}: a metadata line must be `# key: <JSON value>`")
            key, text = m.groups()
            if key in meta:
                raise OutputFileError(f"{path}:{number}: metadata key {key!r} given twice")
            try:
                meta[key] = json.loads(text, parse_constant=_no_constant)
            except (ValueError, RecursionError):
                raise OutputFileError(f"{path}:{number}: the value of {key!r} is not JSON") from None
    raise OutputFileError(f"{path}: no column header after the metadata")
