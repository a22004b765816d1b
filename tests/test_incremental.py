"""Rebuilds reuse what did not change, and their output is byte for byte what a cold build makes."""

from __future__ import annotations

import datetime as dt
import os
import pickle
import shutil
from pathlib import Path

import pytest

from site_builder import pipeline
from site_builder.errors import SanwuError
from site_builder.records import AUDIENCES
from tests.conftest import LEDGER, NOTICE, SITE_YAML, run, write_site

AS_OF = "2026-11-26"
SECOND = NOTICE.replace("关于冬季消防安全的通知", "关于楼道堆物清理的通知").replace(
    "请各位居民注意用火安全。", "请清理楼道杂物。"
)
DRAFT = NOTICE.replace("关于冬季消防安全的通知", "停水通知草稿").replace("status: approved", "status: draft")


def tree(root: Path) -> dict[str, bytes]:
    """Every file as served: output/<audience>/… through the links, without output/.builds itself."""
    tops = [top for top in sorted(root.iterdir()) if not top.name.startswith(".")]
    return {
        p.relative_to(root).as_posix(): p.read_bytes() for top in tops for p in sorted(top.rglob("*")) if p.is_file()
    }


def build(project: Path, *args: str) -> None:
    result = run(project, "build", "--as-of", AS_OF, *args)
    assert result.exit_code == 0, result.output


def cold_copy(project: Path, where: Path, *args: str) -> dict[str, bytes]:
    """The same content and trail built from scratch elsewhere: no output, no caches."""
    shutil.rmtree(where, ignore_errors=True)
    shutil.copytree(project / "content", where / "content")
    build(where, "--no-record", *args)
    return tree(where / "output")


OCTOBER = (
    LEDGER.replace("2026年11月", "2026年10月")
    .replace("period: 2026-11", "period: 2026-10")
    .replace("2026-11-0", "2026-10-0")
    .replace("approved_on: 2026-11-20", "approved_on: 2026-11-02")
)
NOVEMBER = LEDGER.replace("opening_balance: 12500.00", "opening_balance: 31640.00").replace(
    "closing_balance: 31640.00", "closing_balance: 50780.00"
)
NOTICED = SECOND.replace("关于楼道堆物清理的通知", "低保对象公示").replace(
    "status: approved", "status: approved\nnotice_period: {from: 2026-11-20, to: 2026-11-30}"
)


ALL = ("--no-pdf", "--audience", "all")


def rebuild(project: Path, as_of: str = AS_OF) -> int:
    """An incremental build of every audience; how many pages and data files it rendered."""
    built = pipeline.build(project, list(AUDIENCES), as_of=dt.date.fromisoformat(as_of), pdf=False)
    return built.rendered


def test_rebuilds_after_edits_additions_withdrawals_and_deletions_equal_cold_builds(tmp_path: Path) -> None:
    files = {"caiwu/2026-11.yaml": NOVEMBER, "caiwu/2026-10.yaml": OCTOBER, "notice.md": NOTICE, "draft.md": DRAFT}
    project = write_site(tmp_path / "site", {**files, "noticed.md": NOTICED})
    content = project / "content"
    cold_count = rebuild(project)
    first = tree(project / "output")

    assert rebuild(project) == 0  # nothing changed: the output in place is kept as it is
    assert tree(project / "output") == first

    edited = NOTICE.replace("注意用火安全", "注意用火用电安全").replace(
        "status: approved", "status: approved\nchange_reason: 补充用电"
    )
    withdrawn = NOTICE.replace("status: approved", "status: withdrawn\nchange_reason: 已过期")
    corrected = NOVEMBER.replace("购买党员学习资料", "购买党员学习书籍").replace(
        "status: approved", "status: approved\nchange_reason: 摘要写错"
    )
    steps = [
        ("notice.md", edited, "r/notice.html", "用火用电安全"),  # an edit
        ("second.md", SECOND, "r/second.html", "楼道杂物"),  # an addition
        ("caiwu/2026-11.yaml", corrected, "r/caiwu/2026-11.html", "学习书籍"),  # a ledger its account's trend reads
        ("notice.md", withdrawn, "r/notice.html", "已撤回"),  # a withdrawal
        ("draft.md", None, "index.html", "楼道堆物"),  # deletions: a draft, and the withdrawn notice
        ("notice.md", None, "index.html", "楼道堆物"),
        ("site.yaml", SITE_YAML.replace("0746-7654321", "0746-7654000"), "index.html", "0746-7654000"),
    ]
    for name, text, page, expected in steps:
        if text is None:
            (content / name).unlink()
        else:
            (content / name).write_text(text, encoding="utf-8")
        rendered = rebuild(project)
        assert expected in (project / "output/public" / page).read_text(encoding="utf-8")
        assert tree(project / "output") == cold_copy(project, tmp_path / "cold", *ALL), f"after changing {name}"
        if name != "site.yaml":  # the pages of the unchanged records are not rendered again
            assert rendered < cold_count - 6, name
    assert not (project / "output/public/r/notice.html").exists()

    rebuild(project, "2026-12-05")  # a later day: the 公示 is over
    assert "公示中" not in (project / "output/public/r/noticed.html").read_text(encoding="utf-8")
    assert tree(project / "output") == cold_copy(project, tmp_path / "cold", *ALL, "--as-of", "2026-12-05")


def test_a_rebuild_shares_the_files_it_would_write_the_same_and_never_writes_into_the_live_ones(
    tmp_path: Path,
) -> None:
    project = write_site(tmp_path / "site", {"caiwu/2026-11.yaml": NOVEMBER, "notice.md": NOTICE})
    build(project, "--no-pdf")
    live = project / "output/public"
    kept = tmp_path / "kept"  # the live build's files themselves (hard links), to see whether any changed
    shutil.copytree(live.resolve(), kept, copy_function=os.link)
    before = tree(kept)
    edited = NOTICE.replace("注意用火安全", "注意用电安全").replace(
        "status: approved", "status: approved\nchange_reason: 改正"
    )
    (project / "content/notice.md").write_text(edited, encoding="utf-8")
    build(project, "--no-pdf")  # a new revision: the chain head on every page moves

    assert (live / "data/caiwu/2026-11.csv").samefile(kept / "data/caiwu/2026-11.csv")  # not written again
    assert not (live / "r/caiwu/2026-11.html").samefile(kept / "r/caiwu/2026-11.html")
    assert tree(kept) == before  # the old build's files hold what they held
    assert tree(project / "output") == cold_copy(project, tmp_path / "cold", "--no-pdf")

    (live / "data/caiwu/2026-11.csv").unlink()  # a file lost from the live build is made again
    (project / "content/notice.md").write_text(edited.replace("用电", "用气").replace("改正", "再改"), encoding="utf-8")
    build(project, "--no-pdf")
    assert tree(project / "output") == cold_copy(project, tmp_path / "cold", "--no-pdf")


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


def test_a_second_check_reports_the_same_problems_from_the_kept_records(tmp_path: Path) -> None:
    phone = NOTICE.replace("请各位居民注意用火安全。", "有事请打 13812345678。")
    project = write_site(tmp_path / "site", {"notice.md": phone, "bad.yaml": LEDGER.replace("860.00", "八百")})
    first = run(project, "check")
    assert first.exit_code != 0
    assert "138****5678" in first.output and "bad.yaml" in first.output
    assert (project / ".sanwu-cache/memo/records").is_dir()
    again = run(project, "check")
    assert (again.exit_code, again.output) == (first.exit_code, first.output)


def test_a_snapshot_damaged_after_a_build_is_still_caught_though_unchanged_records_are_not_compared_again(
    tmp_path: Path,
) -> None:
    project = write_site(tmp_path / "site", {"caiwu/2026-11.yaml": LEDGER, "notice.md": NOTICE}, SITE_YAML)
    build(project, "--no-pdf")
    assert run(project, "check", "--as-of", AS_OF).exit_code == 0  # both found unchanged, and remembered so
    [snapshot, *_] = sorted((project / "content/_audit/snapshots").glob("*.json"))
    snapshot.write_text("{", encoding="utf-8")
    again = run(project, "check", "--as-of", AS_OF)
    assert again.exit_code != 0
    assert f"{snapshot.name}: 审计快照不是有效的 JSON" in again.output


def test_damaged_caches_are_rebuilt_not_a_traceback(tmp_path: Path) -> None:
    """Every remembered file cut short or overwritten with junk: the next build makes everything again, the same."""
    project = write_site(tmp_path / "site", {"caiwu/2026-11.yaml": LEDGER, "notice.md": NOTICE}, SITE_YAML)
    build(project, *ALL)
    before = tree(project / "output")
    cache = [p for p in sorted((project / ".sanwu-cache").rglob("*")) if p.is_file()]
    assert len(cache) > 10
    for number, path in enumerate(cache):
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2] if number % 2 else pickle.dumps(("a result of the wrong shape",)))
    assert rebuild(project) > 0  # nothing damaged was taken for a result
    assert tree(project / "output") == before == cold_copy(project, tmp_path / "cold", *ALL)


def test_work_done_in_a_forked_copy_gives_its_result_and_its_errors_as_if_done_here() -> None:
    assert pipeline.in_background(lambda: {"pending": [1, 2], "problems": ("甲",)})() == {
        "pending": [1, 2],
        "problems": ("甲",),
    }

    def broken() -> None:
        raise SanwuError("审计日志无法读取")

    with pytest.raises(SanwuError, match="审计日志无法读取"):
        pipeline.in_background(broken)()
