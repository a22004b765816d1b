"""Scale benchmark: sanwu and (when installed) Hugo on the same synthetic community, side by side.

    python bench/scale.py                           # 1,000 and 3,000 records
    python bench/scale.py --records 1000 3000 10000 --rounds 2
    python bench/scale.py --source /tmp/old-checkout  # another sanwu checkout (a "before" run)
    python bench/scale.py --compare /tmp/old-checkout # before and after in the same run, alternating

For each N: generate the community (bench/community.py) on tmpfs, record its audit trail with a
first build, then alternate cold builds of sanwu (`build --no-pdf --audience public`, output and
cache removed) and Hugo (`hugo --quiet`); then sanwu's incremental rebuilds and `check`. CPU is
user + system of the build and every process it waited for; peak RSS is the largest single
process (os.wait4). Each figure is the best of --rounds (the one-notice rebuild: a new
correction of the same notice each round). sanwu runs from compiled bytecode kept in the
temporary folder, as an installed copy does (with PYTHONDONTWRITEBYTECODE in the environment
every start would compile sanwu's modules again). Prints per-stage times (from SANWU_TIMINGS)
with their growth between sizes, and the side-by-side table. Not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from community import AS_OF, generate  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
BUILD = ["build", "--no-pdf", "--audience", "public", "--as-of", AS_OF]


@dataclass
class Run:
    """One measured process."""

    wall: float
    cpu: float
    rss_mb: float
    stages: dict[str, list[float]]


def measure(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> Run:
    """Run cmd to completion; wall, CPU (incl. children) and peak RSS from wait4."""
    timings = Path(tempfile.mktemp(prefix="sanwu-timings-", suffix=".json"))
    full_env = {**os.environ, **(env or {}), "SANWU_TIMINGS": str(timings)}
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err.decode(errors='replace')[-2000:]}")
    stages = json.loads(timings.read_text()) if timings.exists() else {}
    timings.unlink(missing_ok=True)
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, stages)


def best(runs: list[Run]) -> Run:
    """The least disturbed of several runs (noise only ever adds time)."""
    return Run(
        min(r.wall for r in runs),
        min(r.cpu for r in runs),
        min(r.rss_mb for r in runs),
        min(runs, key=lambda r: r.cpu).stages,
    )


def load() -> str:
    """The machine's load averages (1, 5, 15 min)."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


class Bench:
    """Builds of one generated community."""

    def __init__(self, root: Path, source: Path | None):
        self.root = root
        self.env = {"PYTHONPATH": str(source)} if source else {}
        self.env.update(PYTHONPYCACHEPREFIX=str(root.parent / "pycache"), PYTHONDONTWRITEBYTECODE="")

    def sanwu(self, *args: str) -> Run:
        return measure([sys.executable, "-m", "site_builder", "-C", str(self.root), *args], self.root, self.env)

    def cold(self) -> Run:
        shutil.rmtree(self.root / "output", ignore_errors=True)
        shutil.rmtree(self.root / ".sanwu-cache", ignore_errors=True)
        return self.sanwu(*BUILD)

    def hugo(self) -> Run:
        out = self.root / "hugo-out"
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(self.root / "hugo" / "resources", ignore_errors=True)
        return measure(["hugo", "--quiet", "-s", str(self.root / "hugo"), "-d", str(out)], self.root)

    def edit_notice(self, n: int) -> None:
        """The n-th correction of the first notice: its text and change reason change (a new revision)."""
        path = self.root / "content" / "notices" / "n00000.md"
        text = path.read_text("utf-8")
        if n > 1:
            text = text.replace(f"第{n - 1}次更正", f"第{n}次更正").replace(f"（更正{n - 1}）", f"（更正{n}）")
        else:
            text = text.replace("status: approved\n", "status: approved\nchange_reason: 第1次更正\n", 1)
            text = text.replace("请各位居民周知", "请各位居民周知（更正1）", 1)
        path.write_text(text, "utf-8")


def row(label: str, run: Run | None) -> str:
    if run is None:
        return f"| {label} | — | — | — |"
    return f"| {label} | {run.cpu:.2f} s | {run.wall:.2f} s | {run.rss_mb:.0f} MB |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, nargs="+", default=[1000, 3000])
    parser.add_argument("--rounds", type=int, default=1, help="alternating cold builds per generator (best kept)")
    parser.add_argument("--source", type=Path, help="run sanwu from this checkout instead")
    parser.add_argument("--compare", type=Path, help="also build with this checkout (before), alternating")
    parser.add_argument("--no-incremental", action="store_true", help="only cold builds and check")
    args = parser.parse_args()
    has_hugo = shutil.which("hugo") is not None
    tmp_base = "/dev/shm" if Path("/dev/shm").is_dir() else None
    results: dict[int, dict[str, Run | None]] = {}
    print(f"cores (affinity): {len(os.sched_getaffinity(0))}; load at start: {load()}", flush=True)
    for n in args.records:
        with tempfile.TemporaryDirectory(prefix=f"sanwu-bench-{n}-", dir=tmp_base) as tmp:
            bench = Bench(Path(tmp) / "after", args.source)
            generate(bench.root, n)
            before = Bench(Path(tmp) / "before", args.compare) if args.compare else None
            if before:
                generate(before.root, n)
                before.sanwu(*BUILD)
            first = bench.sanwu(*BUILD)
            sanwu_runs, hugo_runs, before_runs = [], [], []
            for _ in range(args.rounds):
                if before:
                    before_runs.append(before.cold())
                sanwu_runs.append(bench.cold())
                if has_hugo:
                    hugo_runs.append(bench.hugo())
            res: dict[str, Run | None] = {"first": first, "cold": best(sanwu_runs)}
            res["hugo"] = best(hugo_runs) if hugo_runs else None
            if before:
                res["before: cold"] = best(before_runs)
                res["before: check"] = before.sanwu("check")
            if not args.no_incremental:
                res["unchanged"] = bench.sanwu(*BUILD)
                edits = []
                for correction in range(1, args.rounds + 1):
                    bench.edit_notice(correction)
                    edits.append(bench.sanwu(*BUILD))
                res["one notice"] = best(edits)
            res["check"] = bench.sanwu("check")
            results[n] = res
            print(f"\n{n:,} records (load now {load()})", flush=True)
            print("| build | CPU | wall | peak RSS |\n|---|---|---|---|")
            for label, run in res.items():
                print(row(label, run))
    print_stages(results)
    print_side_by_side(results)
    print(f"\nload at end: {load()}")


def print_stages(results: dict[int, dict[str, Run | None]]) -> None:
    """Per-stage CPU seconds of the cold build at each N, and how fast each grows."""
    sizes = sorted(results)
    stages: list[str] = []
    for n in sizes:
        cold = results[n]["cold"]
        for name in cold.stages if cold else {}:
            if name not in stages:
                stages.append(name)
    if not stages:
        return
    print("\nCold build, per stage (wall s / CPU s of the stage; growth = CPU ratio ÷ record ratio, 1.0 = linear)")
    head = " | ".join(f"{n:,}" for n in sizes)
    growth = " | ".join(f"{a:,}→{b:,}" for a, b in zip(sizes, sizes[1:]))
    print(f"| stage | {head} | {growth} |\n|---|" + "---|" * (2 * len(sizes) - 1))
    for name in stages:
        cells, cpus = [], []
        for n in sizes:
            cold = results[n]["cold"]
            wall, used = cold.stages.get(name, [0.0, 0.0]) if cold else [0.0, 0.0]
            cells.append(f"{wall:.2f} / {used:.2f}")
            cpus.append(used)
        factors = [
            f"{(b / a) / (nb / na):.2f}" if a > 0.005 else "—"
            for (a, b, na, nb) in zip(cpus, cpus[1:], sizes, sizes[1:])
        ]
        print(f"| {name} | " + " | ".join(cells + factors) + " |")


def print_side_by_side(results: dict[int, dict[str, Run | None]]) -> None:
    """The table of issue 13: cold public build without PDFs, sanwu and Hugo."""
    print(
        "\n| N records | sanwu CPU | Hugo CPU | CPU ratio | sanwu wall | Hugo wall | wall ratio | sanwu peak RSS |"
        " Hugo peak RSS | unchanged / cold (CPU, wall) | one notice / cold (CPU, wall) | check (CPU, wall) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for n, res in sorted(results.items()):
        s, h = res["cold"], res["hugo"]
        assert s is not None
        cells = [f"{n:,}", f"{s.cpu:.2f} s"]
        cells += [f"{h.cpu:.2f} s", f"{s.cpu / h.cpu:.1f}×"] if h else ["—", "—"]
        cells += [f"{s.wall:.2f} s"]
        cells += [f"{h.wall:.2f} s", f"{s.wall / h.wall:.1f}×"] if h else ["—", "—"]
        cells += [f"{s.rss_mb:.0f} MB", f"{h.rss_mb:.0f} MB" if h else "—"]
        for key in ("unchanged", "one notice"):
            r = res.get(key)
            cells.append(f"{r.cpu / s.cpu:.2f}×, {r.wall / s.wall:.2f}×" if r else "—")
        c = res["check"]
        cells.append(f"{c.cpu:.2f} s, {c.wall:.2f} s" if c else "—")
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
