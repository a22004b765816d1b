"""One rule set: `sanwu check` refuses exactly what `sanwu build` refuses, with the same lines."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import LEDGER, NOTICE, SITE_YAML, run, write_site

NOTICED = NOTICE.replace("status: approved", "notice_period: {from: 2026-11-20, to: 2026-11-30}\nstatus: approved")
LOG = "content/_audit/log.jsonl"


def edit(path: str, old: str, new: str) -> Callable[[Path], None]:
    def change(project: Path) -> None:
        target = project / path
        text = target.read_text(encoding="utf-8")
        assert old in text
        target.write_text(text.replace(old, new, 1), encoding="utf-8")

    return change


def delete(path: str) -> Callable[[Path], None]:
    return lambda project: (project / path).unlink()


def log_lines(change: Callable[[list[str]], list[str]]) -> Callable[[Path], None]:
    def rewrite(project: Path) -> None:
        log = project / LOG
        log.write_text("\n".join(change(log.read_text(encoding="utf-8").splitlines())) + "\n", encoding="utf-8")

    return rewrite


def both(*changes: Callable[[Path], None]) -> Callable[[Path], None]:
    def apply(project: Path) -> None:
        for change in changes:
            change(project)

    return apply


CORRECTED = edit("content/notice.md", "请各位居民", "请全体居民")
WITH_REASON = edit("content/notice.md", "status: approved", "status: approved\nchange_reason: 措辞更正")

REFUSALS: dict[str, tuple[Callable[[Path], None], tuple[str, ...]]] = {
    "changed without change_reason": (CORRECTED, ()),
    "changed 公示 not noticed again": (
        both(
            edit("content/gongshi.md", "请各位居民", "请全体居民"),
            edit("content/gongshi.md", "status: approved", "status: approved\nchange_reason: 更正"),
        ),
        (),
    ),
    "published file deleted": (delete("content/notice.md"), ()),
    "published record back to draft": (edit("content/notice.md", "status: approved", "status: draft"), ()),
    "damaged audit log": (log_lines(lambda lines: [*lines[:1], "{not json", *lines[1:]]), ()),
    "conflicted audit log": (
        log_lines(lambda lines: ["<<<<<<< HEAD", *lines, "=======", lines[-1], ">>>>>>> other"]),
        (),
    ),
    "log entry with an unknown key": (log_lines(lambda lines: [lines[0][:-1] + ',"note":"x"}', *lines[1:]]), ()),
    "edited log entry and a new revision": (
        both(
            log_lines(lambda lines: [lines[0].replace('"changed_fields":0', '"changed_fields":5'), *lines[1:]]),
            CORRECTED,
            WITH_REASON,
        ),
        (),
    ),
    "revision dated before the log": (both(CORRECTED, WITH_REASON), ("--as-of", "2026-11-20")),
    "placeholder base_url, --strict": (
        edit("content/site.yaml", "https://example.org/test/", "https://example.org/site/"),
        ("--strict",),
    ),
    "a content error": (edit("content/caiwu/2026-11.yaml", "31640.00", "1.00"), ()),
}


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site whose ledger, notice and 公示 were published (recorded) on 2026-11-21."""
    project = write_site(
        tmp_path_factory.mktemp("parity") / "site",
        {"caiwu/2026-11.yaml": LEDGER, "notice.md": NOTICE, "gongshi.md": NOTICED},
        SITE_YAML,
    )
    assert run(project, "build", "--no-pdf", "--as-of", "2026-11-21").exit_code == 0
    return project


def error_lines(output: str) -> list[str]:
    return sorted(line for line in output.splitlines() if ": 错误: " in line)


@pytest.mark.parametrize("case", list(REFUSALS))
def test_check_refuses_what_build_refuses_with_the_same_lines(published: Path, tmp_path: Path, case: str) -> None:
    project = tmp_path / "site"
    shutil.copytree(published, project, symlinks=True)
    change, options = REFUSALS[case]
    change(project)
    as_of = [] if "--as-of" in options else ["--as-of", "2026-11-27"]
    log_before = (project / LOG).read_bytes()
    checked = run(project, "check", *as_of, *options)
    built = run(project, "build", "--no-pdf", *as_of, *options)
    assert checked.exit_code == built.exit_code == 1, (checked.output, built.output)
    assert error_lines(checked.output), checked.output
    assert error_lines(checked.output) == error_lines(built.output)
    assert "Traceback" not in built.output and "/tmp/" not in checked.output
    assert (project / LOG).read_bytes() == log_before  # neither command wrote anything


def test_check_passes_what_build_records(published: Path, tmp_path: Path) -> None:
    project = tmp_path / "site"
    shutil.copytree(published, project, symlinks=True)
    both(CORRECTED, WITH_REASON)(project)
    assert run(project, "check", "--as-of", "2026-11-27").exit_code == 0
    assert run(project, "build", "--no-pdf", "--as-of", "2026-11-27").exit_code == 0


def test_damaged_and_conflicted_logs_name_the_line_and_the_repair(published: Path, tmp_path: Path) -> None:
    project = tmp_path / "site"
    shutil.copytree(published, project, symlinks=True)
    REFUSALS["conflicted audit log"][0](project)
    assert f"{LOG}:1:1:" in run(project, "check").output and "sanwu audit repair" in run(project, "check").output
    shutil.copy(published / LOG, project / LOG)
    REFUSALS["damaged audit log"][0](project)
    text = run(project, "check").output
    assert (
        f"{LOG}:2:1: 错误: 审计日志第 2 行无法读取" in text and "git checkout HEAD -- content/_audit/log.jsonl" in text
    )
