"""Working as a team: merged trails, the publishing branch, one address per audience, nothing private in git."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from site_builder import audit
from tests.conftest import LEDGER, NOTICE, SITE_YAML, run

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
SECOND = NOTICE.replace("关于冬季消防安全的通知", "关于春节值班安排的通知")


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=cwd, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def trail_of(site, tmp_path: Path, name: str, *steps: tuple[str, str, str]) -> Path:
    """A site whose files change and get recorded step by step: (path, text, as-of date)."""
    project = site({"caiwu/2026-11.yaml": LEDGER})
    target = tmp_path / name
    shutil.move(project, target)
    for path, text, day in steps:
        (target / "content" / path).write_text(text, encoding="utf-8")
        assert run(target, "build", "--no-pdf", "--as-of", day).exit_code == 0
    return target


def test_merged_logs_keep_their_side_and_rechain_ours(site, tmp_path: Path) -> None:
    base = trail_of(site, tmp_path, "base", ("notice.md", NOTICE, "2026-11-21"))
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    shutil.copytree(base, ours, symlinks=True)
    shutil.copytree(base, theirs, symlinks=True)
    corrected = NOTICE.replace("请各位", "请全体").replace("status: approved", "status: approved\nchange_reason: 更正")
    (theirs / "content/notice.md").write_text(corrected, encoding="utf-8")
    assert run(theirs, "build", "--no-pdf", "--as-of", "2026-11-23").exit_code == 0
    (ours / "content/second.md").write_text(SECOND, encoding="utf-8")
    (ours / "content/notice.md").write_text(corrected.replace("更正", "另一处更正"), encoding="utf-8")
    assert run(ours, "build", "--no-pdf", "--as-of", "2026-11-22").exit_code == 0
    log = "content/_audit/log.jsonl"
    merged = audit.merge_logs(*((p / log).read_bytes() for p in (base, ours, theirs)))
    their_lines = (theirs / log).read_bytes().splitlines()
    assert merged.splitlines()[: len(their_lines)] == their_lines  # nothing the other side has is rewritten
    (ours / log).write_bytes(merged)
    for snapshot in (theirs / "content/_audit/snapshots").iterdir():  # what git brings from their side
        shutil.copy(snapshot, ours / "content/_audit/snapshots")
    entries = audit.read_log(ours / "content/_audit")
    assert [(e.seq, e.id, e.rev, e.action) for e in entries[2:]] == [
        (3, "notice", 2, "changed"),  # theirs
        (4, "notice", 3, "changed"),  # ours, after theirs: revision numbers continue
        (5, "second", 1, "created"),
    ]
    assert entries[3].date == "2026-11-23"  # never earlier than the entry before it
    assert audit.verify(ours / "content/_audit") == []


def test_repair_resolves_conflict_markers_like_the_driver(site, tmp_path: Path) -> None:
    base = trail_of(site, tmp_path, "base", ("notice.md", NOTICE, "2026-11-21"))
    log = base / "content/_audit/log.jsonl"
    lines = log.read_bytes().splitlines()
    their = lines[-1].replace(b'"created"', b'"created" ')  # same entry, other bytes: a stand-in for "theirs"
    log.write_bytes(
        b"\n".join([lines[0], b"<<<<<<< HEAD", lines[1], b"=======", their, b">>>>>>> origin/main"]) + b"\n"
    )
    checked = run(base, "check")
    assert checked.exit_code == 1 and "content/_audit/log.jsonl:2:1:" in checked.output
    assert "sanwu audit repair" in checked.output
    result = run(base, "audit", "repair")
    assert result.exit_code == 0, result.output
    assert run(base, "audit", "verify").exit_code == 0 and run(base, "check").exit_code == 0


@needs_git
def test_only_the_publishing_branch_records(site) -> None:
    project = site({"caiwu/2026-11.yaml": LEDGER}, SITE_YAML + "publish_branch: release\n")
    git(project, "init", "-q", "-b", "main")
    result = run(project, "build", "--no-pdf", "--as-of", "2026-11-26")
    assert "当前在分支 main，不是发布分支 release" in result.output
    assert not (project / "content/_audit/log.jsonl").exists()
    assert "（待发布）" in (project / "output/public/r/caiwu/2026-11.html").read_text(encoding="utf-8")
    assert run(project, "build", "--no-pdf", "--as-of", "2026-11-26", "--record").exit_code == 0
    assert (project / "content/_audit/log.jsonl").exists()
    git(project, "switch", "-q", "-c", "release")
    assert "审计记录" not in run(project, "build", "--no-pdf", "--as-of", "2026-11-26").output  # nothing new


def test_each_audience_links_to_its_own_site_or_none(site) -> None:
    urls = "base_url:\n  public: https://example.org/gk/\n  party: https://intra.example.org/dy/\n"
    project = site({"caiwu/2026-11.yaml": LEDGER}, SITE_YAML.replace("base_url: https://example.org/test/\n", urls))
    assert run(project, "build", "--no-pdf", "--audience", "all", "--as-of", "2026-11-26").exit_code == 0
    out = project / "output"
    assert "<id>https://example.org/gk/feed.xml</id>" in (out / "public/feed.xml").read_text(encoding="utf-8")
    assert "<id>https://intra.example.org/dy/feed.xml</id>" in (out / "party/feed.xml").read_text(encoding="utf-8")
    committee = (out / "committee/feed.xml").read_text(encoding="utf-8")
    assert "https://" not in committee.replace("http://www.w3.org/2005/Atom", "")
    for audience in ("public", "party", "committee"):
        page = (out / audience / "404.html").read_text(encoding="utf-8")
        assert "页面不存在" in page


def test_the_init_placeholder_address_is_a_warning(site) -> None:
    project = site({"caiwu/2026-11.yaml": LEDGER}, SITE_YAML.replace("example.org/test/", "example.org/site/"))
    checked = run(project, "check")
    assert checked.exit_code == 0 and "警告: base_url: 网址还是 sanwu init 写入的示例" in checked.output
    assert run(project, "check", "--strict").exit_code == 1


@needs_git
def test_init_keeps_private_output_out_of_git_and_check_warns_when_tracked(tmp_path: Path) -> None:
    target = tmp_path / "new"
    git(tmp_path, "init", "-q", str(target))
    assert run(target, "init", str(target)).exit_code == 0
    ignored = (target / ".gitignore").read_text(encoding="utf-8")
    assert "output/" in ignored and ".sanwu-cache/" in ignored
    assert "merge=sanwu-audit" in (target / ".gitattributes").read_text(encoding="utf-8")
    site_yaml = target / "content/site.yaml"
    site_yaml.write_text(site_yaml.read_text(encoding="utf-8").replace("example.org/site", "example.org/c"), "utf-8")
    assert run(target, "build", "--no-pdf", "--audience", "all").exit_code == 0
    git(target, "add", "-A")
    assert "output/" not in git(target, "status", "--short") and ": 警告: " not in run(target, "check").output
    (target / ".gitignore").write_text("", encoding="utf-8")  # someone emptied it: `git add -A` takes output/ too
    git(target, "add", "-A")
    warned = run(target, "check").output
    assert "output/: 警告: output/ 中有" in warned and "个文件被 git 跟踪" in warned
    assert (
        "git rm -r --cached output，" in warned and warned.count("output/: 警告: ") == 1
    )  # one line, not one per file
    (target / "site-copy").mkdir()
    shutil.copytree(target / "output/committee/", target / "site-copy/committee")  # a committee build copied elsewhere
    git(target, "add", "-A")
    warned = run(target, "check").output
    assert warned.count("site-copy/committee/: 警告: site-copy/committee/ 中有") == 1, warned


def test_ci_files_written_by_init_pass_actionlint_and_parse(tmp_path: Path) -> None:
    import yaml

    actionlint = shutil.which("actionlint") or str(Path(sys.executable).with_name("actionlint"))
    assert run(tmp_path, "init", str(tmp_path)).exit_code == 0
    workflow = tmp_path / ".github/workflows/sanwu.yml"
    done = subprocess.run([actionlint, "-no-color", str(workflow)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    gitee = yaml.safe_load((tmp_path / ".workflow/sanwu.yml").read_text(encoding="utf-8"))
    assert gitee["version"] == "1.0" and "sh ci/sanwu-ci.sh" in str(gitee["stages"])
    script = (tmp_path / "ci/sanwu-ci.sh").read_text(encoding="utf-8")
    assert subprocess.run(["sh", "-n", str(tmp_path / "ci/sanwu-ci.sh")]).returncode == 0 and "publish)" in script


def test_verify_as_of_a_later_build_date(site) -> None:
    later = NOTICE.replace("status: approved", "status: approved\npublished_on: 2027-01-10")
    project = site({"later.md": later})
    assert run(project, "build", "--no-pdf", "--as-of", "2027-01-15").exit_code == 0
    assert run(project, "audit", "verify", "--as-of", "2027-01-15").exit_code == 0
    assert run(project, "audit", "verify", "--as-of", "2026-12-01").exit_code == 1  # not yet published then
