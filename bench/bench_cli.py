"""How long the command line takes to answer before any work: `sanwu --help`, a command's help, Tab completion.

    .venv/bin/python bench/bench_cli.py [--runs 20]

Each figure is the median wall time of a fresh process (what a user or a shell's completion pays per key
press). The goal is under 0.5 s; Hugo answers in about 0.04 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

SANWU = Path(sys.executable).with_name("sanwu")

CASES: list[tuple[str, list[str], dict[str, str]]] = [
    ("sanwu --help", ["--help"], {}),
    ("sanwu build --help", ["build", "--help"], {}),
    ("sanwu --version", ["--version"], {}),
    ("Tab: sanwu b<Tab>", [], {"_SANWU_COMPLETE": "bash_complete", "COMP_WORDS": "sanwu b", "COMP_CWORD": "1"}),
    (
        "Tab: sanwu new f<Tab>",
        [],
        {"_SANWU_COMPLETE": "bash_complete", "COMP_WORDS": "sanwu new f", "COMP_CWORD": "2"},
    ),
]


def once(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time, and CPU time (user + system: what the process costs whatever the machine's load)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([str(SANWU), *args], env={**os.environ, **env}, capture_output=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    load = os.getloadavg()[0]
    print(f"{'what':28} {'wall median':>11} {'wall min':>9} {'CPU median':>11}  (s; runs: {runs}; load {load:.1f})")
    for label, args, env in CASES:
        times = [once(args, env) for _ in range(runs)]
        wall = [t[0] for t in times]
        cpu = [t[1] for t in times]
        print(f"{label:28} {statistics.median(wall):11.3f} {min(wall):9.3f} {statistics.median(cpu):11.3f}")


if __name__ == "__main__":
    main()
