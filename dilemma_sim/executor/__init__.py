"""Running jobs of many runs: serially, in a local process pool or on a Dask cluster.

Only `dask_client` is here on this branch (connecting to a scheduler with clean errors); the
executor itself is written on the lead's branch.
"""
