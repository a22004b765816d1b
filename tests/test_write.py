"""Output goes live in one switch for all audiences: kills at every step, signals, a full disk, Windows."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from site_builder import write
from tests.conftest import LEDGER, NOTICE, REPO, run

AUDIENCES = ("public", "party", "committee")


def publish(out: Path, text: str, audiences: tuple[str, ...] = AUDIENCES) -> None:
    with write.staged(out) as stage:
        for audience in audiences:
            (stage(audience) / "index.html").write_text(f"{text} {audience}")


def served(out: Path) -> dict[str, str]:
    """What a web server pointed at output/<audience>/ would send."""
    return {a: (out / a / "index.html").read_text() for a in AUDIENCES if (out / a / "index.html").exists()}


def leftovers(out: Path) -> list[str]:
    live = write.live_build(out)
    builds = sorted(p.name for p in (out / write.BUILDS).iterdir() if live is None or p != live)
    return builds + sorted(p.name for p in out.iterdir() if p.name.startswith((".current.", ".staging-")))


def test_all_audiences_switch_together_and_unbuilt_ones_carry_over(tmp_path: Path) -> None:
    out = tmp_path / "output"
    publish(out, "old")
    publish(out, "new", ("public",))
    assert served(out) == {"public": "new public", "party": "old party", "committee": "old committee"}
    assert all((out / a).is_symlink() for a in AUDIENCES)  # output/<audience> never changes; the pointer does
    assert leftovers(out) == []


CHILD = """
import os, signal, sys
sys.path.insert(0, {repo!r})
from pathlib import Path
from site_builder import write
calls = 0
kill_at = int(sys.argv[1])
def counted(real):
    def call(*args, **kwargs):
        global calls
        calls += 1
        if calls == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(*args, **kwargs)
    return call
with write.staged(Path(sys.argv[2])) as stage:
    for audience in ("public", "party", "committee"):
        (stage(audience) / "index.html").write_text("new " + audience)
    os.replace, os.symlink, os.link = counted(os.replace), counted(os.symlink), counted(os.link)
    write.shutil.rmtree = counted(write.shutil.rmtree)
print(calls)
"""


def test_a_kill_at_any_step_of_the_switch_leaves_the_old_site_or_the_new(tmp_path: Path) -> None:
    out = tmp_path / "output"
    script = tmp_path / "child.py"
    script.write_text(CHILD.format(repo=str(REPO)))
    old = {a: f"old {a}" for a in AUDIENCES}
    new = {a: f"new {a}" for a in AUDIENCES}
    publish(out, "old")
    dry = subprocess.run([sys.executable, str(script), "0", str(out)], capture_output=True, text=True, check=True)
    steps = int(dry.stdout)  # renames, links and removals the switch makes
    assert steps >= 4 and served(out) == new
    outcomes = []
    for step in range(1, steps + 1):
        publish(out, "old")
        proc = subprocess.run([sys.executable, str(script), str(step), str(out)], capture_output=True)
        assert proc.returncode == -signal.SIGKILL
        assert served(out) in (old, new), f"a mix after a kill at step {step}: {served(out)}"
        outcomes.append("new" if served(out) == new else "old")
        publish(out, "next")  # the next build cleans up what the kill left
        assert leftovers(out) == [] and served(out) == {a: f"next {a}" for a in AUDIENCES}
    assert outcomes[0] == "old" and outcomes[-1] == "new"


def test_without_symbolic_links_each_audience_is_swapped_by_renames(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(write, "symlinks_work", lambda folder: False)  # as on Windows without Developer Mode
    out = tmp_path / "output"
    publish(out, "one")
    publish(out, "two")
    assert served(out) == {a: f"two {a}" for a in AUDIENCES}
    assert sorted(p.name for p in out.iterdir()) == sorted(AUDIENCES)
    assert not any((out / a).is_symlink() for a in AUDIENCES)


def test_write_imports_without_a_c_library(tmp_path: Path) -> None:
    # On Windows ctypes finds no libc; the writer must not need one (nor anything platform-specific) at import.
    code = (
        "import ctypes.util, sys; ctypes.util.find_library = lambda name: None; import site_builder.write; print('ok')"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert done.stdout.strip() == "ok", done.stderr


SITE = {"caiwu/2026-11.yaml": LEDGER, "notice.md": NOTICE}


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_a_signal_stops_a_build_quickly_leaving_no_debris(site, signum: int) -> None:
    project = site(SITE)
    assert run(project, "build", "--no-pdf", "--as-of", "2026-11-26").exit_code == 0
    before = served_tree(project / "output/public")
    builds = project / "output" / write.BUILDS
    proc = subprocess.Popen(
        [sys.executable, "-m", "site_builder", "-C", str(project), "build", "--as-of", "2026-11-27"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
    )
    while proc.poll() is None and not any(p.name.startswith(write.STAGING_PREFIX) for p in builds.iterdir()):
        time.sleep(0.01)  # wait for the build to start writing (not a timing assertion)
    assert proc.poll() is None, "the build ended before it could be interrupted"
    proc.send_signal(signum)
    started = time.monotonic()
    _, err = proc.communicate(timeout=10)
    stopped_in = time.monotonic() - started
    assert stopped_in < 2.0, f"took {stopped_in:.1f} s to stop"
    assert proc.returncode != 0 and b"Traceback" not in err
    assert served_tree(project / "output/public") == before
    assert [p.name for p in builds.iterdir()] == [os.readlink(project / "output/.current").split("/")[-1]]


def served_tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_full_disk_is_a_message_and_the_cache_is_emptied(site, monkeypatch: pytest.MonkeyPatch) -> None:
    project = site(SITE)
    assert run(project, "build", "--no-pdf", "--as-of", "2026-11-26").exit_code == 0
    before = served_tree(project / "output/public")
    cache = project / ".sanwu-cache/pdf"
    cache.mkdir(parents=True, exist_ok=True)
    (cache / "big.pdf").write_bytes(b"%PDF" + b"0" * 4096)

    def full(root: Path, files: dict[str, bytes]) -> None:
        (root / "index.html").write_bytes(b"half")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(root / "index.html"))

    monkeypatch.setattr("site_builder.pipeline.write_files", full)
    result = run(project, "build", "--no-pdf", "--as-of", "2026-11-27")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "磁盘空间已满" in result.output and "原有的 output/ 未改动" in result.output
    assert not (cache / "big.pdf").exists()  # the cache gives its space back
    assert served_tree(project / "output/public") == before
