"""The audit trail end to end: publish, correct with a reason, withdraw, verify, tamper, purge, git diff."""

from __future__ import annotations

import json
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from site_builder import audit
from tests.conftest import LEDGER, NOTICE, REPO, run

CORRECTED = LEDGER.replace("expense: 860.00", "expense: 960.00").replace("31640.00", "31540.00")
CORRECTED += "change_reason: 发票金额录入错误，更正为 960.00 元\n"


def log_lines(project: Path) -> list[dict]:
    path = project / "content/_audit/log.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def page(project: Path, rel: str, audience: str = "public") -> str:
    return (project / "output" / audience / rel).read_text(encoding="utf-8")


def test_publish_records_once_and_nothing_when_unchanged(site) -> None:
    project = site({"caiwu/2026-11.yaml": LEDGER, "n.md": NOTICE})
    result = run(project, "build", "--no-pdf", "--as-of", "2026-11-26")
    assert "新增 2 条修订" in result.output
    assert [(e["id"], e["rev"], e["action"]) for e in log_lines(project)] == [
        ("caiwu/2026-11", 1, "created"),
        ("n", 1, "created"),
    ]
    run(project, "build", "--no-pdf", "--as-of", "2026-11-27")
    assert len(log_lines(project)) == 2
    assert "审计链 2:" in page(project, "index.html")


def test_no_record_and_drafts_never_record(site) -> None:
    project = site({"caiwu/2026-11.yaml": LEDGER})
    run(project, "build", "--no-pdf", "--as-of", "2026-11-26", "--no-record")
    run(project, "build", "--no-pdf", "--as-of", "2026-11-26", "--drafts")
    assert log_lines(project) == []


def test_correction_needs_a_new_reason_and_shows_field_diff(site) -> None:
    project = site({"caiwu/2026-11.yaml": LEDGER})
    run(project, "build", "--no-pdf", "--as-of", "2026-11-26")
    ledger = project / "content/caiwu/2026-11.yaml"
    ledger.write_text(CORRECTED.replace("change_reason: 发票金额录入错误，更正为 960.00 元\n", ""), encoding="utf-8")
    result = run(project, "build", "--no-pdf", "--as-of", "2026-11-27")
    assert result.exit_code == 1
    assert "修改已公开的记录需要填写新的 change_reason" in result.output or "change_reason" in result.output
    ledger.write_text(CORRECTED, encoding="utf-8")
    assert run(project, "build", "--no-pdf", "--as-of", "2026-11-27").exit_code == 0
    entries = log_lines(project)
    assert [(e["rev"], e["action"]) for e in entries] == [(1, "created"), (2, "changed")]
    html = page(project, "r/caiwu/2026-11.html")
    assert "凭证 2026-11-001（购买党员学习资料）支出：860.00 → 960.00" in html
    assert "发票金额录入错误" in html
    assert "凭证 2026-11-001（购买党员学习资料）支出" in page(project, "changes.html")
    feed = page(project, "feed.xml")
    assert "发票金额录入错误" in feed and "支出：860.00 → 960.00" in feed and "expense" not in feed
    # the same reason again for a further change is refused
    again = CORRECTED.replace("expense: 960.00", "expense: 970.00").replace("31540.00", "31530.00")
    ledger.write_text(again, encoding="utf-8")
    assert run(project, "build", "--no-pdf", "--as-of", "2026-11-28").exit_code == 1


def test_deleting_a_published_file_is_an_error_until_withdrawn(site) -> None:
    project = site({"n.md": NOTICE, "m.md": NOTICE.replace("消防", "用电")})
    run(project, "build", "--no-pdf", "--as-of", "2026-11-26")
    (project / "content/n.md").unlink()
    result = run(project, "build", "--no-pdf", "--as-of", "2026-11-27")
    assert result.exit_code == 1 and "已公开的记录 n 的文件被删除" in result.output
    withdrawn = NOTICE.replace("status: approved", "status: withdrawn\nchange_reason: 通知内容有误，已重新发布")
    (project / "content/n.md").write_text(withdrawn, encoding="utf-8")
    assert run(project, "build", "--no-pdf", "--as-of", "2026-11-27").exit_code == 0
    assert log_lines(project)[-1]["action"] == "withdrawn"
    html = page(project, "r/n.html")
    assert "已撤回" in html and "通知内容有误" in html


def test_changed_notice_must_be_noticed_again(site) -> None:
    noticed = NOTICE.replace("status: approved", "status: approved\nnotice_period: {from: 2026-11-10, to: 2026-11-20}")
    project = site({"n.md": noticed})
    run(project, "build", "--no-pdf", "--as-of", "2026-11-12")
    changed = noticed.replace("请各位居民", "请全体居民") + ""
    changed = changed.replace("status: approved", "status: approved\nchange_reason: 补充说明")
    (project / "content/n.md").write_text(changed, encoding="utf-8")
    result = run(project, "build", "--no-pdf", "--as-of", "2026-11-14")
    assert result.exit_code == 1 and "重新公示" in result.output
    (project / "content/n.md").write_text(changed.replace("from: 2026-11-10", "from: 2026-11-14"), encoding="utf-8")
    assert run(project, "build", "--no-pdf", "--as-of", "2026-11-14").exit_code == 0


def tamper(project: Path, edit) -> None:
    path = project / "content/_audit/log.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(edit(lines)), encoding="utf-8")


@pytest.mark.parametrize(
    "name, edit",
    [
        ("edited", lambda ls: [ls[0], ls[1].replace('"rev":1', '"rev":7'), *ls[2:]]),
        ("deleted", lambda ls: [ls[0], *ls[2:]]),
        ("reordered", lambda ls: [ls[1], ls[0], *ls[2:]]),
    ],
)
def test_verify_detects_tampering(site, name: str, edit) -> None:
    project = site({"caiwu/2026-11.yaml": LEDGER, "n.md": NOTICE, "m.md": NOTICE.replace("消防", "用电")})
    run(project, "build", "--no-pdf", "--as-of", "2026-11-26")
    assert run(project, "audit", "verify").exit_code == 0
    tamper(project, edit)
    result = run(project, "audit", "verify")
    assert result.exit_code == 1, name


def test_verify_against_a_printed_head_detects_truncation(site) -> None:
    project = site({"caiwu/2026-11.yaml": LEDGER, "n.md": NOTICE})
    run(project, "build", "--no-pdf", "--as-of", "2026-11-26")
    head = log_lines(project)[-1]
    printed = f"{head['seq']}:{head['hash'][:16]}"
    assert printed in page(project, "index.html")
    snapshot = audit.snapshot_file(project / "content/_audit", head["seq"])
    tamper(project, lambda ls: ls[:-1])
    (project / "content/n.md").unlink()  # hide the truncation: the record is gone too
    snapshot.unlink()
    assert run(project, "audit", "verify", "--head", printed).exit_code == 1
    assert run(project, "audit", "verify", "--head", "x").exit_code == 2


def test_verify_detects_content_that_differs_from_its_record(site) -> None:
    project = site({"caiwu/2026-11.yaml": LEDGER})
    run(project, "build", "--no-pdf", "--as-of", "2026-11-26")
    snapshot = audit.snapshot_file(project / "content/_audit", 1)
    snapshot.write_text(snapshot.read_text(encoding="utf-8").replace("860.00", "86.00"), encoding="utf-8")
    assert run(project, "audit", "verify").exit_code == 1


def test_purge_keeps_verification_and_marks_history(site) -> None:
    project = site({"caiwu/2026-11.yaml": LEDGER})
    run(project, "build", "--no-pdf", "--as-of", "2026-11-26")
    (project / "content/caiwu/2026-11.yaml").write_text(CORRECTED, encoding="utf-8")
    run(project, "build", "--no-pdf", "--as-of", "2026-11-27")
    first = audit.snapshot_file(project / "content/_audit", 1)
    result = run(project, "audit", "purge", "--before", "2026-11-27")
    assert "已删除 1 份" in result.output
    assert not first.exists()
    assert run(project, "audit", "verify").exit_code == 0
    run(project, "build", "--no-pdf", "--as-of", "2026-11-28")
    assert "已按保留期限删除" in page(project, "r/caiwu/2026-11.html")


def test_log_holds_no_personal_data(site) -> None:
    project = site({"caiwu/2026-11.yaml": LEDGER})
    run(project, "build", "--no-pdf", "--as-of", "2026-11-26")
    log = (project / "content/_audit/log.jsonl").read_text(encoding="utf-8")
    assert "李四" not in log and "王芳" not in log and "860.00" not in log and "购买" not in log


def test_log_command(site) -> None:
    project = site({"caiwu/2026-11.yaml": LEDGER})
    run(project, "build", "--no-pdf", "--as-of", "2026-11-26")
    out = run(project, "log", "caiwu/2026-11").output
    assert "caiwu/2026-11" in out and "第1版 发布" in out


def git(project: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(project), *args], check=True, capture_output=True)


def test_diff_between_git_revisions_matches_rows_by_voucher(site) -> None:
    if shutil.which("git") is None:
        pytest.skip("git not installed")
    project = site({"caiwu/2026-11.yaml": LEDGER})
    git(project, "init", "-q")
    git(project, "-c", "user.name=t", "-c", "user.email=t@example.org", "add", ".")
    git(project, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "one")
    inserted = LEDGER.replace(
        '  - {date: 2026-11-05, voucher: "2026-11-002"',
        '  - {date: 2026-11-04, voucher: "2026-11-009", summary: 新增一行, expense: 100.00}\n'
        '  - {date: 2026-11-05, voucher: "2026-11-002"',
    ).replace("31640.00", "31540.00")
    (project / "content/caiwu/2026-11.yaml").write_text(inserted, encoding="utf-8")
    text = run(project, "diff", "HEAD").output
    assert (
        "新增 凭证 2026-11-009（新增一行）：日期 2026年11月4日，凭证号 2026-11-009，摘要 新增一行，支出 100.00" in text
    )
    assert "期末余额：31,640.00 → 31,540.00" in text
    assert text.count("凭证 ") == 1  # one added row, not a cascade
    git(project, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qam", "two")
    markdown = run(project, "diff", "HEAD~1", "HEAD", "--format", "markdown").output
    assert "| 期末余额 | 31,640.00 | 31,540.00 |" in markdown
    doc = json.loads(run(project, "diff", "HEAD~1", "HEAD", "--format", "json").output)
    assert doc[0]["id"] == "caiwu/2026-11" and {c["kind"] for c in doc[0]["changes"]} == {"added", "changed"}
    assert run(project, "diff", "no-such-rev").exit_code == 2  # a usage error


def test_example_community_sequence(tmp_path: Path) -> None:
    """publish, correct with a reason, withdraw, verify, tamper, purge — on the example community."""
    project = tmp_path / "example"
    shutil.copytree(REPO / "content", project / "content", ignore=shutil.ignore_patterns("_audit"))
    assert run(project, "build", "--no-pdf", "--as-of", "2026-11-26").exit_code == 0
    published = len(log_lines(project))
    assert published >= 10
    ledger = next((project / "content").rglob("2026-10.yaml"))
    text = ledger.read_text(encoding="utf-8")
    ledger.write_text(text + "change_reason: 民主理财小组复核后补充说明\n", encoding="utf-8")
    assert run(project, "build", "--no-pdf", "--as-of", "2026-11-27").exit_code == 0
    assert len(log_lines(project)) == published  # a reason alone is not a change
    notice = next((project / "content").rglob("*垃圾分类*.md"))
    notice.write_text(
        notice.read_text(encoding="utf-8").replace(
            "status: approved", "status: withdrawn\nchange_reason: 投放点调整，另行通知"
        ),
        encoding="utf-8",
    )
    assert run(project, "build", "--no-pdf", "--as-of", "2026-11-28").exit_code == 0
    assert log_lines(project)[-1]["action"] == "withdrawn"
    assert run(project, "audit", "verify").exit_code == 0
    purged = run(project, "audit", "purge", "--before", "2026-11-28")
    # the superseded first version of the 垃圾分类 notice, and the only one of the notice withdrawn from the start
    assert "已删除 2 份" in purged.output
    assert run(project, "audit", "verify").exit_code == 0
    tamper(project, lambda ls: [ls[0].replace('"rev":1', '"rev":2'), *ls[1:]])
    assert run(project, "audit", "verify").exit_code == 1


def test_diff_for_the_public_masks_like_the_page(site) -> None:
    if shutil.which("git") is None:
        pytest.skip("git not installed")
    team = """\
    type: volunteer-team
    title: 党员志愿服务队
    kind: 党员志愿者
    leader: 张三
    members:
      - {name: 张三, party_member: true, phone: "13800001234"}
    approved_by: 王芳
    approved_on: 2026-11-10
    status: approved
    """
    project = site({"team.yaml": team})
    git(project, "init", "-q")
    git(project, "-c", "user.name=t", "-c", "user.email=t@example.org", "add", ".")
    git(project, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "one")
    (project / "content/team.yaml").write_text(
        textwrap.dedent(team).replace("13800001234", "13900005678"), encoding="utf-8"
    )
    full = run(project, "diff", "HEAD").output
    assert "13800001234 → 13900005678" in full
    public = run(project, "diff", "HEAD", "--audience", "public").output
    assert "138****1234 → 139****5678" in public and "13900005678" not in public


def test_lowering_the_audience_never_reveals_what_the_record_said_before(site) -> None:
    inner = NOTICE.replace("area: residents", "area: party\naudience: committee").replace(
        "请各位居民注意用火安全。", "请各位居民注意用火安全。\n\n内部名单：李某某甲乙丙。"
    )
    project = site({"n.md": inner})
    run(project, "build", "--no-pdf", "--as-of", "2026-11-20")
    public = inner.replace("audience: committee", "audience: public\nchange_reason: 删去内部内容后向社会公开")
    (project / "content/n.md").write_text(public.replace("\n\n内部名单：李某某甲乙丙。", ""), encoding="utf-8")
    assert run(project, "build", "--no-pdf", "--audience", "all", "--as-of", "2026-11-26").exit_code == 0
    for audience in ("public", "party"):
        for rel in ("r/n.html", "changes.html", "feed.xml"):
            text = page(project, rel, audience)
            assert "甲乙丙" not in text, (audience, rel)
    assert "删去内部内容后向社会公开" in page(project, "r/n.html")
    assert "甲乙丙" in page(project, "r/n.html", "committee")  # the committee still sees the whole history


def test_change_lists_show_dates_and_money_as_pages_do() -> None:
    from site_builder.words import fmt_value

    assert fmt_value("2026-11-03") == "2026年11月3日"
    assert fmt_value("1250.00") == "1,250.00"
    assert fmt_value("2026-13-45") == "2026-13-45"
