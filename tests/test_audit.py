"""Tests for site_builder.audit: revisions, the hash chain, tamper detection, purge and field diffs."""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from site_builder import audit
from site_builder.audit import Change

NOV26 = date(2026, 11, 26)
NOV27 = date(2026, 11, 27)


def ledger(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "type": "finance-ledger",
        "title": "党建经费2026年11月收支明细公示",
        "account": "党建经费",
        "period": "2026-11",
        "opening_balance": "12500.00",
        "entries": [
            {"date": "2026-11-03", "voucher": "2026-11-001", "summary": "学习资料", "expense": "860.00"},
            {"date": "2026-11-05", "voucher": "2026-11-002", "summary": "上级拨款", "income": "20000.00"},
            {"date": "2026-11-06", "voucher": "2026-11-003", "summary": "主题党日", "expense": "1200.00"},
        ],
        "closing_balance": "30440.00",
        "reviewed_by": ["张三"],
        "status": "approved",
    }
    data.update(changes)
    return data


def low_income(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "type": "low-income-review",
        "title": "2026年第四季度低保审核公示",
        "period": "2026-Q4",
        "notice_period": {"from": "2026-11-10", "to": "2026-11-16"},
        "households": [
            {
                "head": "张三",
                "id_number": "430102199001011234",
                "size": 3,
                "change": "新增",
                "monthly_amount": "1260.00",
                "address": "3栋2单元401",
                "reason": "因病致贫",
            },
        ],
        "status": "approved",
    }
    data.update(changes)
    return data


def record(rid: str, data: dict[str, Any], reason: str = "") -> dict[str, Any]:
    if reason:
        data = {**data, "change_reason": reason}
    return {"id": rid, "type": data["type"], "data": data, "status": data["status"], "change_reason": reason}


def build(audit_dir: Path, current: list[dict[str, Any]], as_of: date = NOV26) -> list[audit.Entry]:
    """What `sanwu build` does: plan, stop on problems, append."""
    pending, problems = audit.plan_revisions(audit.read_log(audit_dir), audit_dir, current, as_of)
    assert problems == []
    return audit.append(audit_dir, pending)


def problems_of(audit_dir: Path, current: list[dict[str, Any]], as_of: date = NOV26) -> list[audit.AuditProblem]:
    return audit.plan_revisions(audit.read_log(audit_dir), audit_dir, current, as_of)[1]


def log_lines(audit_dir: Path) -> list[str]:
    return (audit_dir / "log.jsonl").read_text(encoding="utf-8").splitlines()


def write_lines(audit_dir: Path, lines: list[str]) -> None:
    (audit_dir / "log.jsonl").write_text("".join(line + "\n" for line in lines), encoding="utf-8")


@pytest.fixture
def audit_dir(tmp_path: Path) -> Path:
    return tmp_path / "content" / "_audit"


@pytest.fixture
def three_revisions(audit_dir: Path) -> Path:
    """A log of three entries: two records created, then the ledger changed."""
    build(audit_dir, [record("caiwu/2026-11", ledger()), record("dibao/2026-q4", low_income())])
    changed = ledger(closing_balance="30390.00")
    changed["entries"] = copy.deepcopy(changed["entries"])
    changed["entries"][2]["expense"] = "1250.00"
    build(
        audit_dir,
        [
            record("caiwu/2026-11", changed, "凭证 2026-11-003 金额录入错误"),
            record("dibao/2026-q4", low_income()),
        ],
        NOV27,
    )
    return audit_dir


# --- recording revisions ------------------------------------------------------------------------


def test_new_record_is_revision_1_with_a_snapshot(audit_dir: Path) -> None:
    [entry] = build(audit_dir, [record("caiwu/2026-11", ledger())])
    assert (entry.seq, entry.rev, entry.action, entry.reason, entry.date) == (
        1,
        1,
        "created",
        "",
        "2026-11-26",
    )
    assert entry.prev == "0" * 64
    assert audit.read_log(audit_dir) == [entry]
    assert audit.load_snapshot(audit_dir, 1) == ledger()
    assert audit.head([entry]) == (1, entry.hash[:16])
    assert audit.verify(audit_dir, [record("caiwu/2026-11", ledger())]) == []


def test_rebuilding_unchanged_records_nothing(audit_dir: Path) -> None:
    build(audit_dir, [record("caiwu/2026-11", ledger())])
    before = (audit_dir / "log.jsonl").read_bytes()
    assert build(audit_dir, [record("caiwu/2026-11", ledger())], NOV27) == []
    assert (audit_dir / "log.jsonl").read_bytes() == before


def test_editing_only_the_change_reason_is_not_a_revision(audit_dir: Path) -> None:
    build(audit_dir, [record("caiwu/2026-11", ledger())])
    assert build(audit_dir, [record("caiwu/2026-11", ledger(), "随便写的")]) == []


def test_change_without_a_reason_is_an_error(audit_dir: Path) -> None:
    build(audit_dir, [record("caiwu/2026-11", ledger())])
    [problem] = problems_of(audit_dir, [record("caiwu/2026-11", ledger(closing_balance="1.00"))])
    assert (problem.id, problem.field) == ("caiwu/2026-11", "change_reason")
    assert "修改已公开的记录需要填写 change_reason" in problem.zh


def test_change_with_the_last_reason_again_is_an_error(three_revisions: Path) -> None:
    data = ledger(closing_balance="99.00")
    [problem] = problems_of(
        three_revisions,
        [
            record("caiwu/2026-11", data, "凭证 2026-11-003 金额录入错误"),
            record("dibao/2026-q4", low_income()),
        ],
    )
    assert problem.zh == "修改已公开的记录需要填写新的 change_reason（上次：凭证 2026-11-003 金额录入错误）"
    assert problem.en.startswith("changing a published record needs a new change_reason")


def test_change_with_a_new_reason_is_the_next_revision(three_revisions: Path) -> None:
    entries = audit.read_log(three_revisions)
    last = entries[-1]
    assert (last.seq, last.id, last.rev, last.action) == (3, "caiwu/2026-11", 2, "changed")
    assert last.reason == "凭证 2026-11-003 金额录入错误"
    assert last.changed_fields == 2  # the expense and the closing balance
    assert last.prev == entries[1].hash
    [_, second] = audit.history(three_revisions, entries, "caiwu/2026-11")
    assert [audit.format_change(c) for c in second.changes or ()] == [
        "entries[2026-11-003].expense: 1200.00 → 1250.00",
        "closing_balance: 30440.00 → 30390.00",
    ]


def test_withdrawing_records_an_entry_and_needs_a_reason(audit_dir: Path) -> None:
    build(audit_dir, [record("caiwu/2026-11", ledger())])
    withdrawn = ledger(status="withdrawn")
    [problem] = problems_of(audit_dir, [record("caiwu/2026-11", withdrawn)])
    assert "撤回已公开的记录需要填写 change_reason" in problem.zh
    [entry] = build(audit_dir, [record("caiwu/2026-11", withdrawn, "重复公示，以 2026-11 第二版为准")])
    assert (entry.rev, entry.action, entry.reason) == (2, "withdrawn", "重复公示，以 2026-11 第二版为准")
    # once withdrawn, the file may go without an error
    assert problems_of(audit_dir, []) == []


def test_withdrawn_record_edited_then_republished(audit_dir: Path) -> None:
    build(audit_dir, [record("dibao/2026-q4", low_income())], date(2026, 11, 10))
    build(audit_dir, [record("dibao/2026-q4", low_income(status="withdrawn"), "撤回重审")], date(2026, 11, 20))
    edited = low_income(status="withdrawn", title="2026年第四季度低保审核公示（已撤回）")
    [problem] = problems_of(audit_dir, [record("dibao/2026-q4", edited, "撤回重审")])
    assert problem.zh == "撤回已公开的记录需要填写新的 change_reason（上次：撤回重审）"
    [entry] = build(audit_dir, [record("dibao/2026-q4", edited, "标题注明已撤回")])
    assert (entry.rev, entry.action, entry.changed_fields) == (3, "withdrawn", 1)
    # back to publication: a new reason and a fresh notice period
    again = low_income()
    [problem] = problems_of(audit_dir, [record("dibao/2026-q4", again, "重审后重新公示")])
    assert problem.field == "notice_period.from"
    again["notice_period"] = {"from": "2026-11-26", "to": "2026-12-02"}
    [entry] = build(audit_dir, [record("dibao/2026-q4", again, "重审后重新公示")])
    assert (entry.rev, entry.action) == (4, "changed")
    assert audit.verify(audit_dir, [record("dibao/2026-q4", again)]) == []


def test_deleting_a_published_file_is_an_error(audit_dir: Path) -> None:
    build(audit_dir, [record("caiwu/2026-11", ledger()), record("dibao/2026-q4", low_income())])
    [problem] = problems_of(audit_dir, [record("dibao/2026-q4", low_income())])
    assert problem.id == "caiwu/2026-11"
    assert "已公开的记录 caiwu/2026-11 的文件被删除" in problem.zh
    assert "status: withdrawn" in problem.zh


def test_a_published_record_cannot_go_back_to_draft(audit_dir: Path) -> None:
    build(audit_dir, [record("caiwu/2026-11", ledger())])
    [problem] = problems_of(audit_dir, [record("caiwu/2026-11", ledger(status="draft"))])
    assert problem.field == "status"
    assert "已公开的记录不能改回 draft" in problem.zh


def test_changed_notice_must_be_noticed_again_from_the_revision_date(audit_dir: Path) -> None:
    build(audit_dir, [record("dibao/2026-q4", low_income())], date(2026, 11, 10))
    households = [{**low_income()["households"][0], "monthly_amount": "1300.00"}]
    stale = low_income(households=households)
    [problem] = problems_of(audit_dir, [record("dibao/2026-q4", stale, "补发金额更正")])
    assert problem.field == "notice_period.from"
    assert problem.zh.startswith("公示内容变更后需要重新公示：notice_period 的开始日期应不早于 2026年11月26日")
    renoticed = low_income(households=households, notice_period={"from": "2026-11-26", "to": "2026-12-02"})
    [entry] = build(audit_dir, [record("dibao/2026-q4", renoticed, "补发金额更正")])
    assert entry.rev == 2


def test_extending_only_the_notice_period_needs_no_new_notice(audit_dir: Path) -> None:
    build(audit_dir, [record("dibao/2026-q4", low_income())], date(2026, 11, 10))
    longer = low_income(notice_period={"from": "2026-11-10", "to": "2026-11-20"})
    [entry] = build(audit_dir, [record("dibao/2026-q4", longer, "公示期延长至11月20日")])
    assert entry.changed_fields == 1


def test_revisions_cannot_be_backdated(audit_dir: Path) -> None:
    build(audit_dir, [record("caiwu/2026-11", ledger())])
    [problem] = problems_of(audit_dir, [record("caiwu/2026-11", ledger()), record("x/y", ledger())], date(2026, 1, 1))
    assert "早于审计日志最后一条修订的日期 2026年11月26日" in problem.zh


def test_a_plan_made_before_another_build_appended_is_refused(audit_dir: Path) -> None:
    build(audit_dir, [record("caiwu/2026-11", ledger())])
    current = [record("caiwu/2026-11", ledger(title="新标题"), "标题更正")]
    stale, _ = audit.plan_revisions(audit.read_log(audit_dir), audit_dir, current, NOV26)
    build(audit_dir, current)
    with pytest.raises(audit.AuditError, match="已被另一个构建改动"):
        audit.append(audit_dir, stale)
    assert len(log_lines(audit_dir)) == 2


def test_log_holds_no_personal_data(audit_dir: Path) -> None:
    data = low_income()
    build(audit_dir, [record("dibao/2026-q4", data)])
    build(audit_dir, [record("dibao/2026-q4", {**data, "status": "withdrawn"}, "审批结果有误，撤回重审")])
    log = (audit_dir / "log.jsonl").read_text(encoding="utf-8")
    for secret in ("430102199001011234", "张三"):
        assert secret not in log
        for encoded in (
            secret.encode(),
            json.dumps(secret).encode(),
            json.dumps(secret, ensure_ascii=False).encode(),
        ):
            assert hashlib.sha256(encoded).hexdigest() not in log
    # nor a plain hash of the record data itself
    assert hashlib.sha256(audit.canonical(data)).hexdigest() not in log


def test_a_second_build_cannot_append_while_the_lock_is_held(audit_dir: Path) -> None:
    pending, _ = audit.plan_revisions([], audit_dir, [record("caiwu/2026-11", ledger())], NOV26)
    with audit.lock(audit_dir), pytest.raises(audit.AuditLocked, match="另一个构建正在写入审计记录"):
        audit.append(audit_dir, pending)
    assert audit.read_log(audit_dir) == []
    assert len(audit.append(audit_dir, pending)) == 1  # released afterwards
    assert (audit_dir / ".gitignore").read_text(encoding="utf-8").splitlines() == [".lock", "*.tmp"]


def test_malformed_line_names_the_file_and_line(three_revisions: Path) -> None:
    lines = log_lines(three_revisions)
    lines[1] = lines[1][:-5]
    write_lines(three_revisions, lines)
    with pytest.raises(audit.AuditError, match=r"log\.jsonl:2: 审计日志第 2 行无法读取"):
        audit.read_log(three_revisions)


def test_append_refuses_to_extend_a_broken_chain(three_revisions: Path) -> None:
    lines = log_lines(three_revisions)
    write_lines(three_revisions, [lines[0], lines[2]])
    with pytest.raises(audit.AuditError, match="审计日志校验未通过"):
        build(
            three_revisions,
            [record("caiwu/2026-11", ledger(), "恢复原值"), record("dibao/2026-q4", low_income())],
            NOV27,
        )


# --- verify: every kind of tampering ------------------------------------------------------------


def test_intact_trail_verifies(three_revisions: Path) -> None:
    report = audit.verify_report(three_revisions)
    assert report.problems == ()
    assert (report.entries, report.snapshots_checked, report.purged) == (3, 3, ())


def test_edited_entry_that_kept_its_hash_is_detected(three_revisions: Path) -> None:
    lines = log_lines(three_revisions)
    entry = json.loads(lines[1])
    entry["reason"] = "无"
    lines[1] = audit.canonical(entry).decode()
    write_lines(three_revisions, lines)
    assert any(":2: 第 2 条修订被改动过" in p for p in audit.verify(three_revisions))


def test_edited_entry_with_a_recomputed_hash_breaks_the_next_prev(three_revisions: Path) -> None:
    lines = log_lines(three_revisions)
    entry = json.loads(lines[1])
    entry["type"] = "notice"
    entry["hash"] = hashlib.sha256(audit.canonical({k: v for k, v in entry.items() if k != "hash"})).hexdigest()
    lines[1] = audit.canonical(entry).decode()
    write_lines(three_revisions, lines)
    problems = audit.verify(three_revisions)
    assert [p.split(": ", 1)[0].rsplit(":", 1)[1] for p in problems] == ["3"]
    assert "prev 与上一条的 hash 不符" in problems[0]


def test_deleted_entry_is_detected(three_revisions: Path) -> None:
    lines = log_lines(three_revisions)
    write_lines(three_revisions, [lines[0], lines[2]])
    problems = audit.verify(three_revisions)
    assert any("序号应为 2，实为 3" in p for p in problems)
    assert any("prev 与上一条的 hash 不符" in p for p in problems)


def test_swapped_entries_are_detected(three_revisions: Path) -> None:
    lines = log_lines(three_revisions)
    write_lines(three_revisions, [lines[0], lines[2], lines[1]])
    problems = audit.verify(three_revisions)
    assert any(":2: 序号应为 2，实为 3" in p for p in problems)


def test_truncated_log_is_detected_against_a_printed_head(three_revisions: Path) -> None:
    printed = audit.format_head(audit.head(audit.read_log(three_revisions)) or (0, ""))
    lines = log_lines(three_revisions)
    snapshot = audit.snapshot_file(three_revisions, 3)
    write_lines(three_revisions, lines[:-1])
    snapshot.unlink()  # a careful forger removes the snapshot too
    assert audit.verify(three_revisions) == []  # a clean cut is invisible without an outside copy
    [problem] = audit.verify(three_revisions, expected_head=audit.parse_head(printed))
    assert f"日志只到第 2 条修订，但链头 {printed} 表明至少应有 3 条：日志被截断" in problem


def test_truncation_leaving_its_snapshot_behind_is_detected(three_revisions: Path) -> None:
    snapshot = audit.snapshot_file(three_revisions, 3)
    write_lines(three_revisions, log_lines(three_revisions)[:-1])
    [problem] = audit.verify(three_revisions)
    assert f"{snapshot.name}: 快照没有对应的日志条目" in problem


def test_rewritten_log_is_detected_against_a_printed_head(three_revisions: Path) -> None:
    assert audit.verify(three_revisions, expected_head=(3, "0badc0de")) == [
        (
            f"{three_revisions / 'log.jsonl'}: 第 3 条修订的 hash 为 "
            f"{audit.read_log(three_revisions)[2].hash[:16]}，与链头 3:0badc0de 不符：日志被改写"
        )
    ]
    # an older printed head is still a valid prefix of a longer log
    first = audit.read_log(three_revisions)[0]
    assert audit.verify(three_revisions, expected_head=(1, first.hash[:8])) == []


def test_altered_snapshot_is_detected(three_revisions: Path) -> None:
    path = audit.snapshot_file(three_revisions, 2)
    snapshot = json.loads(path.read_text(encoding="utf-8"))
    snapshot["data"]["households"][0]["monthly_amount"] = "2260.00"
    path.write_text(json.dumps(snapshot, ensure_ascii=False), encoding="utf-8")
    [problem] = audit.verify(three_revisions)
    assert f"{path.name}: 快照内容与日志第 2 条记录的 content_hash 不符" in problem


def test_current_content_differing_from_its_record_is_detected(three_revisions: Path) -> None:
    recorded = audit.load_snapshot(three_revisions, 3)
    assert recorded is not None
    current = [record("caiwu/2026-11", recorded), record("dibao/2026-q4", low_income())]
    assert audit.verify(three_revisions, current) == []
    current[1] = record("dibao/2026-q4", low_income(title="改过的标题"))
    [problem] = audit.verify(three_revisions, current)
    assert problem.startswith("记录 dibao/2026-q4: 内容与审计日志第 2 条记录的 content_hash 不符")


def test_unrecorded_and_missing_records_are_reported(three_revisions: Path) -> None:
    problems = audit.verify(three_revisions, [record("new/one", ledger())])
    assert problems == [
        "记录 new/one: 已发布，但还没有记入审计日志（运行 sanwu build 记录）",
        "记录 caiwu/2026-11: 已公开，但文件不存在，审计日志里也没有撤回记录",
        "记录 dibao/2026-q4: 已公开，但文件不存在，审计日志里也没有撤回记录",
    ]


def test_parse_head_needs_12_hex_digits() -> None:
    assert audit.parse_head(" 12：A1B2C3D4E5F6 ") == (12, "a1b2c3d4e5f6")
    for garbage in ("twelve", "12:a1b2c3d4", "12:a1b2c3d4e5f", "0:a1b2c3d4e5f60718"):
        with pytest.raises(audit.AuditError, match="至少 12 位十六进制"):
            audit.parse_head(garbage)


def test_log_entries_with_unknown_keys_fail_verification(three_revisions: Path) -> None:
    lines = log_lines(three_revisions)
    entry = json.loads(lines[1])
    entry["note"] = "added by hand"
    entry["hash"] = hashlib.sha256(audit.canonical({k: v for k, v in entry.items() if k != "hash"})).hexdigest()
    write_lines(three_revisions, [lines[0], audit.canonical(entry).decode(), *lines[2:]])
    problems = audit.verify(three_revisions)
    assert problems[0].endswith("log.jsonl:2: 审计日志第 2 行无法读取：含有未知的键 note；" + audit.REPAIR_DAMAGED)


# --- purge --------------------------------------------------------------------------------------


def test_purge_removes_superseded_snapshots_and_verify_still_passes(three_revisions: Path) -> None:
    recorded = audit.load_snapshot(three_revisions, 3)
    assert recorded is not None
    current = [record("caiwu/2026-11", recorded), record("dibao/2026-q4", low_income())]
    assert audit.purge(three_revisions, date(2026, 11, 26)) == 0  # nothing dated before the 26th
    assert audit.purge(three_revisions, date(2026, 12, 31)) == 1
    assert audit.load_snapshot(three_revisions, 1) is None  # superseded ledger revision
    assert audit.load_snapshot(three_revisions, 2) is not None  # latest 低保 revision
    assert audit.load_snapshot(three_revisions, 3) is not None  # latest ledger revision
    report = audit.verify_report(three_revisions, current)
    assert report.problems == ()
    assert report.purged == (1,)
    # the history still shows the revision, without a diff it can no longer compute
    [first, second] = audit.history(three_revisions, audit.read_log(three_revisions), "caiwu/2026-11")
    assert (first.changes, second.changes) == ((), None)
    # and the build still sees nothing new
    assert build(three_revisions, current, NOV27) == []


def test_purge_removes_a_withdrawn_records_data(audit_dir: Path) -> None:
    build(audit_dir, [record("dibao/2026-q4", low_income())])
    build(audit_dir, [record("dibao/2026-q4", low_income(status="withdrawn"), "撤回重审")], NOV27)
    assert audit.purge(audit_dir, date(2027, 1, 1)) == 2
    assert not list((audit_dir / "snapshots").glob("*.json"))
    assert audit.verify(audit_dir, []) == []


def test_a_deleted_latest_snapshot_is_not_taken_for_a_purge(three_revisions: Path) -> None:
    snapshot = audit.snapshot_file(three_revisions, 3)
    snapshot.unlink()
    [problem] = audit.verify(three_revisions)
    assert f"{snapshot.name}: 记录 caiwu/2026-11 最新修订的快照缺失" in problem


# --- field-level diff ---------------------------------------------------------------------------


def test_inserting_a_voucher_row_is_one_addition() -> None:
    old = ledger()
    new = ledger(
        entries=[
            *old["entries"][:1],
            {"date": "2026-11-04", "voucher": "2026-11-004", "summary": "报刊", "expense": "90.00"},
            *old["entries"][1:],
        ]
    )
    assert audit.diff(old, new) == [Change("entries[2026-11-004]", "added", None, new["entries"][1])]


def test_changed_amount_is_addressed_by_voucher() -> None:
    old = ledger()
    new = copy.deepcopy(old)
    new["entries"][2]["expense"] = "1250.00"
    [change] = audit.diff(old, new)
    assert change == Change("entries[2026-11-003].expense", "changed", "1200.00", "1250.00")
    assert (
        audit.format_change(change, lambda v: f"{float(v):,.2f}") == "entries[2026-11-003].expense: 1,200.00 → 1,250.00"
    )


def test_removed_row_and_nested_field() -> None:
    old = low_income()
    new = low_income(households=[], notice_period={"from": "2026-11-12", "to": "2026-11-16"})
    assert [audit.format_change(c) for c in audit.diff(old, new)] == [
        "notice_period.from: 2026-11-10 → 2026-11-12",
        (
            "- households[张三]: {head: 张三, id_number: 430102199001011234, size: 3, change: 新增, "
            "monthly_amount: 1260.00, address: 3栋2单元401, reason: 因病致贫}"
        ),
    ]


def test_shifts_are_matched_by_date_and_slot() -> None:
    old = {
        "shifts": [
            {"date": "2026-11-01", "slot": "上半夜", "members": ["刘强", "王五"]},
            {"date": "2026-11-01", "slot": "下半夜", "members": ["赵六"]},
        ]
    }
    new = {
        "shifts": [
            old["shifts"][1],
            {"date": "2026-11-01", "slot": "上半夜", "members": ["刘强", "王五", "孙七"]},
        ]
    }
    assert [audit.format_change(c) for c in audit.diff(old, new)] == [
        "shifts[2026-11-01 上半夜].members: [刘强, 王五] → [刘强, 王五, 孙七]",
    ]


def test_lists_of_names_compare_whole() -> None:
    [change] = audit.diff(ledger(), ledger(reviewed_by=["张三", "赵六"]))
    assert audit.format_change(change) == "reviewed_by: [张三] → [张三, 赵六]"


def test_duplicate_keys_fall_back_to_position() -> None:
    old = {"entries": [{"voucher": "1", "expense": "5.00"}, {"voucher": "1", "expense": "6.00"}]}
    new = {"entries": [{"voucher": "1", "expense": "5.00"}, {"voucher": "1", "expense": "7.00"}]}
    assert [c.path for c in audit.diff(old, new)] == ["entries[2].expense"]


def test_true_is_not_one() -> None:
    assert audit.diff({"party_member": True}, {"party_member": 1}) != []


def test_diff_order_is_deterministic_document_order() -> None:
    old = ledger()
    new = ledger(title="新标题", closing_balance="0.00", entries=[old["entries"][2], old["entries"][0]])
    new["entries"][0] = {**new["entries"][0], "expense": "1.00"}
    expected = [
        "title: 党建经费2026年11月收支明细公示 → 新标题",
        "entries[2026-11-003].expense: 1200.00 → 1.00",
        "entries[2026-11-002]",
        "closing_balance: 30440.00 → 0.00",
    ]
    for _ in range(3):
        changes = audit.diff(old, new)
        assert [audit.format_change(c).split(": {")[0].removeprefix("- ") for c in changes] == expected
        assert audit.diff(copy.deepcopy(old), copy.deepcopy(new)) == changes
