"""Batch use of the engine: parallel runners, per-run output files, summaries, sweeps, tournaments.

`runner` splits runs into block-aligned chunks and runs them here, in a local process pool or on
a Dask cluster; `outputs` writes per-run rows (CSV, JSON Lines, Parquet) atomically; `summary`
accumulates statistics chunk by chunk; `sweep`, `tournament` and `explore` answer questions about a
scenario by running it many times.
"""
