"""One pipeline at a time per warehouse.

Two runs writing one candidate would interleave their steps, and DuckDB allows one writing
process per file anyway. A run holds an exclusive `flock` on `<warehouse>.lock` from its
first step to its last; the kernel releases it when the process ends, however it ends, so a
killed run never leaves a lock behind that needs cleaning up. The file itself may stay.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from orchestration.lib.settings import ENV_PREFIX

WAIT_VARIABLE = ENV_PREFIX + "LOCK_WAIT_SECONDS"
# Locks this process holds: `onefunnel run` takes the lock before the Dagster run starts, and
# the run's resource asks for it again (flock would refuse a second descriptor of one process).
_HELD: set[Path] = set()


class RunLockedError(RuntimeError):
    """Another run holds the warehouse; the message says which."""


def lock_path(warehouse: Path) -> Path:
    stem = warehouse.name.removesuffix(warehouse.suffix)
    return warehouse.with_name(stem + ".lock")


def wait_seconds_from_environment() -> float:
    raw = os.environ.get(WAIT_VARIABLE, "")
    try:
        return max(float(raw), 0.0) if raw else 0.0
    except ValueError:
        return 0.0


def _holder(path: Path) -> str:
    try:
        holder = json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        return "another run"
    if not holder:
        return "another run"
    return f"run {holder.get('what', '?')} (pid {holder.get('pid')}, since {holder.get('since')})"


@contextmanager
def run_lock(warehouse: Path, what: str, wait_seconds: float | None = None) -> Iterator[None]:
    """Hold the warehouse's lock; wait up to `wait_seconds` (default: the environment's
    `ONEFUNNEL_LOCK_WAIT_SECONDS`, else refuse at once) for a run that holds it."""
    wait = wait_seconds_from_environment() if wait_seconds is None else wait_seconds
    path = lock_path(warehouse.absolute())
    if path in _HELD:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    waited = f" after waiting {wait:g} s" if wait else ""
                    raise RunLockedError(
                        f"{warehouse} is being written by {_holder(path)}{waited}; nothing was "
                        f"changed. Wait for it to finish (or set {WAIT_VARIABLE} to wait)."
                    ) from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.pwrite(
            fd,
            json.dumps(
                {
                    "what": what,
                    "pid": os.getpid(),
                    "since": f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC",
                }
            ).encode(),
            0,
        )
        _HELD.add(path)
        try:
            yield
        finally:
            _HELD.discard(path)
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
