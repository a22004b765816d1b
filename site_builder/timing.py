"""Per-stage wall and CPU seconds of a build, for bench/ (written only where SANWU_TIMINGS points)."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TIMES: dict[str, list[float]] = {}  # stage -> [wall, cpu]


def cpu() -> float:
    """CPU seconds of this process and of the child processes it has waited for."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Add the block's wall and CPU time to the stage's total."""
    wall, used = time.perf_counter(), cpu()
    try:
        yield
    finally:
        total = TIMES.setdefault(name, [0.0, 0.0])
        total[0] += time.perf_counter() - wall
        total[1] += cpu() - used


def dump() -> None:
    """Write the totals as JSON to $SANWU_TIMINGS, if set."""
    target = os.environ.get("SANWU_TIMINGS")
    if target:
        Path(target).write_text(json.dumps(TIMES, indent=1), "utf-8")
