"""The team flow on two real clones and a bare remote, driven by the CI script `sanwu init` writes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import LEDGER, NOTICE, REPO, run

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")

SANWU = f"{sys.executable} -m site_builder"  # the script splits it into words
SECOND = NOTICE.replace("关于冬季消防安全的通知", "关于春节值班安排的通知")


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=测试", "-c", "user.email=t@example.org", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def ci(clone: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "SANWU": SANWU, "BUILD_OPTIONS": "--no-pdf", "PYTHONPATH": str(REPO), **env}
    environment.pop("GITHUB_STEP_SUMMARY", None)
    return subprocess.run(["sh", "ci/sanwu-ci.sh", *args], cwd=clone, env=environment, capture_output=True, text=True)


def entries(clone: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (clone / "content/_audit/log.jsonl").read_text(encoding="utf-8").splitlines()]


def test_branch_review_merge_publish_and_concurrent_publish(tmp_path: Path) -> None:
    origin, a, b = tmp_path / "origin.git", tmp_path / "a", tmp_path / "b"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    git(tmp_path, "clone", "-q", str(origin), str(a))
    assert run(a, "init", str(a), "--community", "测试社区").exit_code == 0
    assert git(a, "config", "merge.sanwu-audit.driver")  # init registered the merge driver in this clone
    site_yaml = a / "content/site.yaml"
    site_yaml.write_text(site_yaml.read_text(encoding="utf-8").replace("example.org/site", "example.org/c"), "utf-8")
    (a / "content/notices/welcome.md").unlink()
    (a / "content/caiwu.yaml").write_text(LEDGER, encoding="utf-8")
    (a / "content/notice.md").write_text(NOTICE, encoding="utf-8")
    git(a, "add", "-A")
    git(a, "commit", "-qm", "开通网站")
    git(a, "push", "-q", "-u", "origin", "main")

    # First publication from main: recorded, trail committed and pushed by the CI script.
    published = ci(a, "publish")
    assert published.returncode == 0, published.stdout + published.stderr
    assert len(entries(a)) == 2 and "审计记录" in git(a, "log", "-1", "--format=%s")
    git(tmp_path, "clone", "-q", str(origin), str(b))
    assert run(b, "git-setup").exit_code == 0

    # A reviewer's branch: check + diff into the summary; a build there records nothing and shows 待发布.
    git(a, "switch", "-q", "-c", "fix")
    corrected = NOTICE.replace("请各位居民", "请全体居民").replace(
        "status: approved", "status: approved\nchange_reason: 措辞更正"
    )
    (a / "content/notice.md").write_text(corrected, encoding="utf-8")
    git(a, "commit", "-qam", "更正通知")
    review = ci(a, "pr", "main", SUMMARY=str(tmp_path / "summary.md"))
    assert review.returncode == 0, review.stdout + review.stderr
    assert "请全体居民" in (tmp_path / "summary.md").read_text(encoding="utf-8")
    preview = run(a, "build", "--no-pdf")
    assert preview.exit_code == 0 and "不是发布分支 main" in preview.output
    assert "待发布" in (a / "output/public/r/notice.html").read_text(encoding="utf-8")
    assert len(entries(a)) == 2

    # Merged and published from A, while B publishes its own change from main without pulling first.
    git(a, "switch", "-q", "main")
    git(a, "merge", "-q", "--no-ff", "fix", "-m", "合并：更正通知")
    assert ci(a, "publish").returncode == 0
    (b / "content/second.md").write_text(SECOND, encoding="utf-8")
    git(b, "add", "-A")
    git(b, "commit", "-qm", "新增通知")
    concurrent = ci(b, "publish")
    assert concurrent.returncode == 0, concurrent.stdout + concurrent.stderr
    trail = entries(b)
    assert [e["seq"] for e in trail] == [1, 2, 3, 4]  # A's revision 3 kept, B's re-chained after it
    assert [e["id"] for e in trail[2:]] == ["notice", "second"]
    git(a, "pull", "-q", "--no-rebase")
    assert entries(a) == trail
    assert run(a, "audit", "verify").exit_code == 0 and run(a, "check").exit_code == 0
