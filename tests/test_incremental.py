"""Rebuilds reuse what did not change, and their output is byte for byte what a cold build makes."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import LEDGER, NOTICE, run, write_site

AS_OF = "2026-11-26"
SECOND = NOTICE.replace("关于冬季消防安全的通知", "关于楼道堆物清理的通知").replace(
    "请各位居民注意用火安全。", "请清理楼道杂物。"
)
DRAFT = NOTICE.replace("关于冬季消防安全的通知", "停水通知草稿").replace("status: approved", "status: draft")


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def build(project: Path, *args: str) -> None:
    result = run(project, "build", "--as-of", AS_OF, *args)
    assert result.exit_code == 0, result.output


def cold_copy(project: Path, where: Path, *args: str) -> dict[str, bytes]:
    """The same content and trail built from scratch elsewhere: no output, no caches."""
    shutil.rmtree(where, ignore_errors=True)
    shutil.copytree(project / "content", where / "content")
    build(where, "--no-record", *args)
    return tree(where / "output")


def test_rebuilds_after_edits_additions_withdrawals_and_deletions_equal_cold_builds(tmp_path: Path) -> None:
    project = write_site(tmp_path / "site", {"caiwu/2026-11.yaml": LEDGER, "notice.md": NOTICE, "draft.md": DRAFT})
    content = project / "content"
    build(project, "--no-pdf")
    first = tree(project / "output")
    folder = (project / "output/public").stat().st_ino

    build(project, "--no-pdf")  # nothing changed: the output in place is kept as it is
    assert (project / "output/public").stat().st_ino == folder
    assert tree(project / "output") == first

    edited = NOTICE.replace("注意用火安全", "注意用火用电安全").replace(
        "status: approved", "status: approved\nchange_reason: 补充用电"
    )
    steps = [
        ("notice.md", edited, "r/notice.html", "用火用电安全"),  # an edit
        ("second.md", SECOND, "r/second.html", "楼道杂物"),  # an addition
        (
            "notice.md",
            NOTICE.replace("status: approved", "status: withdrawn\nchange_reason: 已过期"),
            "r/notice.html",
            "已撤回",
        ),
        ("draft.md", None, "index.html", "楼道堆物"),  # deletions: a draft, and the withdrawn notice
        ("notice.md", None, "index.html", "楼道堆物"),
    ]
    for name, text, page, expected in steps:
        if text is None:
            (content / name).unlink()
        else:
            (content / name).write_text(text, encoding="utf-8")
        build(project, "--no-pdf")
        assert expected in (project / "output/public" / page).read_text(encoding="utf-8")
        assert tree(project / "output") == cold_copy(project, tmp_path / "cold", "--no-pdf"), f"after changing {name}"
    assert not (project / "output/public/r/notice.html").exists()


def test_pdfs_reused_from_the_cache_equal_cold_renders(tmp_path: Path) -> None:
    project = write_site(tmp_path / "site", {"caiwu/2026-11.yaml": LEDGER, "notice.md": NOTICE})
    build(project)
    ledger_pdf = (project / "output/public/pdf/caiwu/2026-11.pdf").read_bytes()
    edited = NOTICE.replace("注意用火安全", "注意用电安全").replace(
        "status: approved", "status: approved\nchange_reason: 改正"
    )
    (project / "content/notice.md").write_text(edited, encoding="utf-8")
    build(project)
    assert (project / "output/public/pdf/caiwu/2026-11.pdf").read_bytes() == ledger_pdf
    assert tree(project / "output") == cold_copy(project, tmp_path / "cold")


def test_rebuild_after_a_template_change_is_not_skipped(tmp_path: Path) -> None:
    project = write_site(tmp_path / "site", {"notice.md": NOTICE})
    build(project, "--no-pdf")
    (project / "templates").mkdir()
    (project / "templates/search.html").write_text("<p>本社区暂不提供搜索</p>\n", encoding="utf-8")
    build(project, "--no-pdf")
    assert (project / "output/public/search.html").read_text(encoding="utf-8") == "<p>本社区暂不提供搜索</p>\n"
