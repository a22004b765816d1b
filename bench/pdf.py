"""PDF benchmark: cold throughput per core, 1 core against 2, a warm rebuild against --no-pdf, one notice changed.

    nice -n 10 python bench/pdf.py                 # 60 one-page notices in 3 months
    nice -n 10 python bench/pdf.py --notices 120
    nice -n 10 python bench/pdf.py --repeat 3      # cold runs on 1 and 2 cores alternating, best of each

A deterministic synthetic community of one-page notices (plus the month bundles) on tmpfs. Each
figure is one run: wall and CPU (user + system, children included) of `sanwu build --audience public`,
and the wall and CPU of its PDF stage (SANWU_TIMINGS). "new in cache" counts the files the build added
to the PDF cache (typeset notices, bundle covers and running heads, assembled bundles). Throughput is
notices / (PDF stage wall × CPUs allowed), and notices per CPU-second of the PDF stage (the fairer
figure on a shared machine). The fonts' one-off cut (kept for every later build on the machine) is made
before anything is timed. On a busy machine run --repeat: the best of each is compared, the spread shown.
Not a test; CI times nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
SANWU = [sys.executable, "-m", "site_builder"]
AS_OF = "2026-11-26"
SITE = (
    "community: 测试社区\norg: 中共测试社区委员会\nbase_url: https://example.org/x/\n"
    'supervision_phone: "0746-7654321"\n'
)
TOPICS = "垃圾分类 停车管理 加装电梯 消防通道 楼道照明 绿化养护 独居老人 助餐服务 志愿服务 路灯维修".split()


def notice(n: int, rng: random.Random, reason: str = "") -> str:
    """One notice that prints on one A4 page, published in September, October or November 2026."""
    body = "\n\n".join(
        f"第{p + 1}项：社区居民议事会讨论了{'、'.join(rng.sample(TOPICS, 3))}等事项，请各位居民周知。" for p in range(3)
    )
    day = f"2026-{9 + n % 3:02d}-{n % 25 + 1:02d}"
    front = (
        f"type: notice\ntitle: 关于{rng.choice(TOPICS)}的通知（第{n + 1}号）\narea: residents\n"
        f"approved_by: 王芳\napproved_on: {day}\nstatus: approved\n"
    )
    if reason:
        front += f"change_reason: {reason}\n"
    return f"---\n{front}---\n\n{body}\n"


def generate(root: Path, count: int) -> None:
    (root / "content/notices").mkdir(parents=True)
    (root / "content/site.yaml").write_text(SITE, "utf-8")
    rng = random.Random(20261129)
    for n in range(count):
        (root / f"content/notices/n{n:04d}.md").write_text(notice(n, rng), "utf-8")


@dataclass
class Run:
    wall: float
    cpu: float
    pdf_wall: float
    pdf_cpu: float
    typeset: int


def build(root: Path, *args: str, cpus: str | None = None) -> Run:
    """One `sanwu build`, output and last-build state removed first (the PDF cache is kept)."""
    shutil.rmtree(root / "output", ignore_errors=True)
    (root / ".sanwu-cache/last-build.pickle").unlink(missing_ok=True)
    cache = root / ".sanwu-cache/pdf"
    before = set(cache.glob("*.bin")) if cache.is_dir() else set()
    timings = root / "timings.json"
    prefix = ["taskset", "-c", cpus] if cpus else []
    cmd = [*prefix, *SANWU, "build", "--as-of", AS_OF, "--audience", "public", *args]
    env = {**os.environ, "SANWU_TIMINGS": str(timings), "PYTHONPATH": str(HERE.parent)}
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        sys.exit(f"{' '.join(cmd)} failed: {proc.stderr.read().decode() if proc.stderr else ''}")
    stages = json.loads(timings.read_text("utf-8"))
    typeset = len(set(cache.glob("*.bin")) - before) if cache.is_dir() else 0
    pdf_wall, pdf_cpu = stages.get("pdf", [0.0, 0.0])
    return Run(wall, usage.ru_utime + usage.ru_stime, pdf_wall, pdf_cpu, typeset)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notices", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=1, help="cold runs on 1 and on 2 cores, alternating")
    parser.add_argument("--root", type=Path, default=Path("/dev/shm/sanwu-bench-pdf"))
    args = parser.parse_args()
    if args.repeat < 1 or args.notices < 1:
        parser.error("--repeat and --notices must be at least 1")
    root = args.root
    shutil.rmtree(root, ignore_errors=True)
    generate(root, args.notices)
    build(root, "--no-pdf")  # records the audit trail once, so every later build has the same inputs
    cut = "from site_builder.render import pdf; pdf.common_faces(pdf.choose_fonts())"  # once per machine
    subprocess.run([sys.executable, "-c", cut], env={**os.environ, "PYTHONPATH": str(HERE.parent)}, check=True)
    print(f"{args.notices} one-page notices, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")

    def row(label: str, run: Run, cores: int | None = None) -> None:
        rate = ""
        if cores:
            rate = (
                f"{args.notices / run.pdf_wall / cores:5.2f} notices/s/core by wall, "
                f"{args.notices / run.pdf_cpu:5.2f} per CPU-second"
            )
        print(
            f"{label:<26} wall {run.wall:6.2f} s  CPU {run.cpu:6.2f} s  PDF stage wall {run.pdf_wall:6.2f} s "
            f"CPU {run.pdf_cpu:6.2f} s  new in cache {run.typeset:3d}  {rate}"
        )

    cold: dict[int, list[Run]] = {1: [], 2: []}
    for _ in range(args.repeat):
        for cpus, cores in (("0", 1), ("0,1", 2)):
            shutil.rmtree(root / ".sanwu-cache/pdf", ignore_errors=True)
            cold[cores].append(build(root, cpus=cpus))
            row(f"cold, taskset -c {cpus}", cold[cores][-1], cores)
    walls = {cores: sorted(run.pdf_wall for run in runs) for cores, runs in cold.items()}
    spread = ", ".join(f"{cores} CPU {times[0]:.2f}–{times[-1]:.2f} s" for cores, times in walls.items())
    print(f"2 cores / 1 core (PDF stage, best of {args.repeat}): {walls[1][0] / walls[2][0]:.2f}×  ({spread})")
    print(f"best 1 core: {args.notices / walls[1][0]:.2f} notices/s; load now {os.getloadavg()[0]:.2f}")
    no_pdf = build(root, "--no-pdf")
    warm = build(root)
    row("--no-pdf", no_pdf)
    row("warm (PDF cache kept)", warm)
    print(f"warm / --no-pdf: wall {warm.wall / no_pdf.wall:.2f}×, CPU {warm.cpu / no_pdf.cpu:.2f}×")
    first = root / "content/notices/n0000.md"
    first.write_text(notice(0, random.Random(7), reason="更正议事内容"), "utf-8")
    row("one notice changed", build(root))
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
