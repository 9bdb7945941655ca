"""Connecting to an existing Dask cluster, with clean errors instead of tracebacks or hangs.

`connect_scheduler(address)` returns a `distributed.Client`, or raises `MissingDependency` when
dask's `distributed` is not installed (exit 3), `InvalidInput` for an address that is not one,
and `EnvironmentProblem` (exit 4) when the scheduler cannot be reached within the timeout or has
no worker. Headless: Dask is imported only when a scheduler is asked for.
"""

from __future__ import annotations

import contextlib
import os
from typing import TYPE_CHECKING

from dilemma_sim.errors import EnvironmentProblem, InvalidInput, MissingDependency

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["DEFAULT_TIMEOUT", "TIMEOUT_ENV", "connect_scheduler"]

DEFAULT_TIMEOUT = 10.0
"""Seconds to wait for the scheduler to answer, and then for a first worker."""
TIMEOUT_ENV = "DILEMMA_SIM_SCHEDULER_TIMEOUT"
"""Environment variable overriding `DEFAULT_TIMEOUT` (seconds)."""
_HINT = "start one with `dask scheduler` and `dask worker ADDRESS`, or check the address and the network"


def _timeout(timeout: float | None) -> float:
    if timeout is not None:
        return float(timeout)
    text = os.environ.get(TIMEOUT_ENV)
    if not text:
        return DEFAULT_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise InvalidInput(f"{TIMEOUT_ENV} must be a positive number of seconds, not {text!r}")
    return value


def _check_address(address: str) -> None:
    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        scheme, location = parse_address(address)
        if scheme in ("tcp", "tls", "ws", "wss", "ucx"):
            parse_host_port(location)
    except ValueError as exc:
        raise InvalidInput(
            f"--scheduler {address!r} is not a scheduler address ({exc})",
            hint="give it as tcp://HOST:PORT, e.g. tcp://127.0.0.1:8786",
        ) from None


def connect_scheduler(address: str | Client, *, timeout: float | None = None, min_workers: int = 1) -> Client:
    """A client of the Dask scheduler at `address` (a `Client` is returned as it is).

    Waits at most `timeout` seconds (`DILEMMA_SIM_SCHEDULER_TIMEOUT`, default 10) for the scheduler,
    then as long again for `min_workers` workers. The caller closes the client.
    """
    try:
        from distributed import Client
    except ImportError:
        raise MissingDependency("distributed", "dask", "--scheduler (runs on a Dask cluster)") from None
    if isinstance(address, Client):
        return address
    address = str(address)
    _check_address(address)
    seconds = _timeout(timeout)
    try:
        client = Client(address, timeout=seconds, set_as_default=False)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as exc:
        raise EnvironmentProblem(
            f"cannot reach the Dask scheduler at {address} within {seconds:g} s ({exc})", hint=_HINT
        ) from None
    if min_workers > 0:
        try:
            client.wait_for_workers(min_workers, timeout=seconds)
        except (OSError, TimeoutError):
            with contextlib.suppress(Exception):
                client.close()  # type: ignore[no-untyped-call]
            raise EnvironmentProblem(
                f"the Dask scheduler at {address} has no worker after {seconds:g} s",
                hint="start workers with `dask worker ADDRESS`",
            ) from None
    return client
