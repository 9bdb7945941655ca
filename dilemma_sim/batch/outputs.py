"""Per-run output files: CSV, JSON Lines and Parquet, written chunk by chunk and atomically.

One row per run: run index, seed, the sampled parameters, each actor's total and discounted payoff,
the final state, each count variable's total over the run, the ending id and the turn it ended.
Rows are appended chunk by chunk, so a million runs never sit in memory as text. The file is
written under a temporary name next to the target and moved into place by `os.replace` when it is
closed, so a reader never sees half a file; an interrupted batch still produces a complete file
whose metadata says `complete: false` and how many runs it holds.

Metadata: CSV starts with `# key: value` lines, JSON Lines with one `{"metadata": {...}}` line,
Parquet stores it as JSON under the schema metadata key `dilemma_sim`.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

from dilemma_sim import __version__

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}
"""File extension -> format."""
_RUNS_WIDTH = 12
"""Digits reserved for the run count in text headers, so the header is patched in place at close."""


@dataclass(frozen=True)
class Layout:
    """Names of the per-run columns, in the order of the engine's arrays."""

    actors: tuple[str, ...]
    state: tuple[str, ...]
    counts: tuple[str, ...]
    parameters: tuple[str, ...]
    endings: tuple[str, ...]
    """Ending ids by ending code; the engine's code `len(endings)` (or -1) means `horizon`."""

    def columns(self) -> list[str]:
        """Column names of one row."""
        return [
            "run",
            "seed",
            *(param_column(p) for p in self.parameters),
            *(f"total.{a}" for a in self.actors),
            *(f"discounted.{a}" for a in self.actors),
            *(f"final.{s}" for s in self.state),
            *(f"count.{c}" for c in self.counts),
            "ending",
            "ended_turn",
        ]

    def ending_names(self, codes: np.ndarray) -> np.ndarray:
        """Ending ids for an array of ending codes (`horizon` for any code that is not an ending)."""
        names = np.array([*self.endings, "horizon"], dtype=object)
        codes = np.asarray(codes)
        if codes.dtype.kind in "OUS":
            return codes.astype(object)
        idx = codes.astype(np.int64)
        idx = np.where((idx < 0) | (idx >= len(self.endings)), len(self.endings), idx)
        return names[idx]


def param_column(path: str) -> str:
    """Column of a sampled parameter: `param.<name>` for named parameters, `param.<path>` otherwise."""
    return "param." + path.removeprefix("parameters.")


def layout_of(cs: Any) -> Layout:
    """The column layout of a compiled scenario's batch results."""
    endings = tuple(cs.ending_ids)
    return Layout(
        actors=tuple(cs.actors),
        state=tuple(cs.state_names),
        counts=tuple(cs.state_names[int(i)] for i in cs.count_idx),
        parameters=tuple(path for path, _ in cs.param_specs),
        endings=endings[:-1] if endings and endings[-1] == "horizon" else endings,
    )


def scenario_facts(cs: Any) -> dict[str, Any]:
    """Identity of a compiled scenario as written into output metadata."""
    sc = cs.scenario
    return {
        "scenario": cs.scenario_id,
        "hash": cs.scenario_hash,
        "version": sc.version,
        "turns": int(cs.turns),
        "turns_per_year": sc.calendar.turns_per_year(),
    }


def run_columns(result: Any, layout: Layout, *, first_run: int, seed: int) -> dict[str, np.ndarray]:
    """The rows of one chunk as columns: name -> array of shape (runs,).

    `result` holds `totals (N, A)`, `discounted (N, A)`, `final_state (N, S)`,
    `counts_per_turn (N, T, C)`, `endings (N,)`, `ended_turn (N,)` and `params (N, P)`.
    """
    totals = np.asarray(result.totals, dtype=np.float64)
    n = totals.shape[0]
    cols: dict[str, np.ndarray] = {
        "run": np.arange(first_run, first_run + n, dtype=np.int64),
        "seed": np.full(n, seed, dtype=np.int64),
    }
    params = np.asarray(result.params, dtype=np.float64).reshape(n, -1)
    for j, name in enumerate(layout.parameters):
        cols[param_column(name)] = params[:, j]
    discounted = np.asarray(result.discounted, dtype=np.float64)
    for j, name in enumerate(layout.actors):
        cols[f"total.{name}"] = totals[:, j]
    for j, name in enumerate(layout.actors):
        cols[f"discounted.{name}"] = discounted[:, j]
    final = np.asarray(result.final_state, dtype=np.float64)
    for j, name in enumerate(layout.state):
        cols[f"final.{name}"] = final[:, j]
    count_totals = np.asarray(result.counts_per_turn, dtype=np.float64).sum(axis=1)
    for j, name in enumerate(layout.counts):
        cols[f"count.{name}"] = count_totals[:, j]
    cols["ending"] = layout.ending_names(result.endings)
    cols["ended_turn"] = np.asarray(result.ended_turn, dtype=np.int64)
    return cols


def format_of(path: str | os.PathLike[str]) -> str:
    """The output format chosen by a file's extension; ValueError for an unknown one."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"unknown output extension {suffix!r}: use .csv, .jsonl or .parquet")
    fmt = FORMATS[suffix]
    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ModuleNotFoundError:
            raise ValueError("writing .parquet needs pyarrow: pip install 'dilemma-sim[parquet]'") from None
    return fmt


class RunWriter:
    """Writes per-run rows chunk by chunk to a temporary file; `close` moves it into place.

    Use as a context manager: leaving the block by an exception removes the temporary file, unless
    `close` was called first (the interrupted-batch case: close with `complete=False`).
    """

    def __init__(self, path: str | os.PathLike[str], layout: Layout, metadata: Mapping[str, Any]) -> None:
        self.path = Path(path)
        self.format = format_of(self.path)
        self.layout = layout
        self.metadata = {**metadata, "dilemma_sim_version": __version__}
        self.runs = 0
        self.closed = False
        self._tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        self._header_at = 0
        self._header_len = 0
        self._parquet: Any = None
        self._file: IO[bytes] | None = None
        if self.format == "parquet":
            return  # the parquet writer needs the first chunk's schema
        self._file = open(self._tmp, "wb")  # noqa: SIM115  (closed in close/abort)
        self._write_header()

    # ------------------------------------------------------------------ header

    def _meta(self, complete: bool) -> dict[str, Any]:
        return {**self.metadata, "complete": complete, "runs": self.runs}

    def _header_bytes(self, complete: bool) -> bytes:
        meta = self._meta(complete)
        runs_field = str(self.runs).ljust(_RUNS_WIDTH)
        complete_field = ("true" if complete else "false").ljust(5)
        if self.format == "csv":
            lines = [f"# {k}: {v}" for k, v in meta.items() if k not in ("complete", "runs")]
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

    def write(self, result: Any, *, first_run: int, seed: int) -> None:
        """Append the rows of one chunk."""
        cols = run_columns(result, self.layout, first_run=first_run, seed=seed)
        self.write_columns(cols)

    def write_columns(self, cols: Mapping[str, np.ndarray]) -> None:
        """Append rows given as columns (name -> array of shape (runs,))."""
        n = len(next(iter(cols.values())))
        if n == 0:
            return
        if self.format == "parquet":
            self._write_parquet(cols)
        elif self.format == "csv":
            assert self._file is not None
            self._file.write(_csv_bytes(cols))
        else:
            assert self._file is not None
            self._file.write(_jsonl_bytes(cols))
        self.runs += n

    def _write_parquet(self, cols: Mapping[str, np.ndarray]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        arrays = [pa.array(v.astype(str) if v.dtype == object else v) for v in cols.values()]
        table = pa.Table.from_arrays(arrays, names=list(cols))
        if self._parquet is None:
            self._parquet = pq.ParquetWriter(self._tmp, table.schema)
        self._parquet.write_table(table)

    # ------------------------------------------------------------------ finish

    def close(self, *, complete: bool = True) -> Path:
        """Record `complete` and the run count, flush, and move the file into place."""
        if self.closed:
            return self.path
        if self.format == "parquet":
            if self._parquet is None:  # no rows: an empty table with the right columns
                empty = {
                    c: np.zeros(0, dtype=object if c == "ending" else float) for c in self.layout.columns()
                }
                self._write_parquet(empty)
            self._parquet.close()
            self._parquet = None
            self._finish_parquet(json.dumps(self._meta(complete), ensure_ascii=False))
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
        self.closed = True
        return self.path

    def _finish_parquet(self, meta: str) -> None:
        """Copy the row groups into a file whose schema metadata holds `meta` (known only now)."""
        import pyarrow.parquet as pq

        body = self._tmp.with_name(self._tmp.name + ".body")
        os.replace(self._tmp, body)
        try:
            source = pq.ParquetFile(body)
            schema = source.schema_arrow.with_metadata({"dilemma_sim": meta})
            with pq.ParquetWriter(self._tmp, schema) as out:
                for i in range(source.num_row_groups):
                    out.write_table(source.read_row_group(i).replace_schema_metadata(schema.metadata))
        finally:
            body.unlink(missing_ok=True)

    def abort(self) -> None:
        """Drop the temporary file; the target is left untouched."""
        if self.closed:
            return
        self.closed = True
        if self._file is not None:
            self._file.close()
        if self._parquet is not None:
            self._parquet.close()
        self._tmp.unlink(missing_ok=True)

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
    """The metadata of a file written by `RunWriter` (for tests and tools)."""
    fmt = format_of(path)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        raw = pq.read_schema(path).metadata[b"dilemma_sim"]
        return dict(json.loads(raw))
    with open(path, encoding="utf-8") as f:
        if fmt == "jsonl":
            return dict(json.loads(f.readline())["metadata"])
        meta: dict[str, Any] = {}
        for line in f:
            if not line.startswith("#"):
                break
            key, _, value = line[2:].rstrip("\n").partition(": ")
            meta[key] = value.strip()
    meta["complete"] = meta.get("complete") == "true"
    meta["runs"] = int(meta.get("runs", 0))
    return meta
