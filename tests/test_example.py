"""The example community in content/: it checks, builds, links, prints and verifies."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from site_builder import pipeline
from site_builder.cnrules import format_money, rmb_upper
from site_builder.project import project_catalog
from site_builder.render.printing import printable, record_pdf_path
from tests.conftest import REPO, run
from tests.test_build import broken_links


@pytest.fixture
def example(example_site: Path) -> Path:
    return example_site


def test_check_passes_with_findings_and_strict_fails() -> None:
    result = run(REPO, "check")
    assert result.exit_code == 0
    assert "合规提示" in result.output and "错误:" not in result.output
    assert ": 警告: " not in result.output  # nothing staff cannot act on (the test sites' expected builds are ours)
    assert run(REPO, "check", "--strict").exit_code == 1


def test_committed_audit_trail_verifies_and_nothing_is_pending(example: Path) -> None:
    assert run(example, "audit", "verify").exit_code == 0
    log = (example / "content/_audit/log.jsonl").read_text(encoding="utf-8")
    assert log == (REPO / "content/_audit/log.jsonl").read_text(encoding="utf-8")  # the build recorded nothing new


def test_every_link_resolves(example: Path) -> None:
    broken, count = broken_links(example / "output")
    assert broken == [] and count > 500


def test_every_disclosed_record_has_a_pdf_with_embedded_fonts(example: Path) -> None:
    checked = pipeline.check(example)
    views = project_catalog(checked.catalog, "public", dt.date(2026, 11, 26), False, checked.site)
    expected = {record_pdf_path(v) for v in views if printable(v)}
    assert len(expected) >= 15
    for path in sorted(expected):
        assert (example / "output/public" / path).is_file(), path
    if shutil.which("pdffonts") is None:
        pytest.skip("poppler-utils not installed")
    for path in sorted(expected):
        fonts = subprocess.run(
            ["pdffonts", str(example / "output/public" / path)], capture_output=True, text=True
        ).stdout
        rows = [line for line in fonts.splitlines()[2:] if line.strip()]
        assert rows and all(" yes yes " in line for line in rows), f"{path}: font not embedded and subset\n{fonts}"


def test_public_history_shows_the_correction_and_the_withdrawal(example: Path) -> None:
    ledger = (example / "output/public/r/caiwu/dangjianjingfei/2026-10.html").read_text(encoding="utf-8")
    assert "凭证 2026-10-007（网格党支部书记培训资料费）支出：257.00 → 275.00" in ledger
    notice = (example / "output/public/r/juwu/2026-11-tingshuitongzhi.html").read_text(encoding="utf-8")
    assert "已撤回" in notice and "供水公司管网维修改期" in notice
    assert "状态：已批准 → 已撤回" in notice and "approved → withdrawn" not in notice
    last = json.loads((example / "content/_audit/log.jsonl").read_text(encoding="utf-8").splitlines()[-1])
    head = f"审计链 {last['seq']}:{last['hash'][:8]}"
    assert head in (example / "output/public/index.html").read_text(encoding="utf-8")
    assert head in (example / "output/public/r/juwu/dibao/2026-q4.html").read_text(encoding="utf-8")


def test_annual_report_totals_equal_the_sum_of_its_ledgers_to_the_fen(example: Path) -> None:
    checked = pipeline.check(example, dt.date(2026, 11, 26))
    views = project_catalog(checked.catalog, "public", dt.date(2026, 11, 26), False, checked.site)
    ledgers = sorted(
        (v for v in views if v.rtype.name == "finance-ledger" and v.data["account"] == "党建经费"),
        key=lambda v: v.data["period"],
    )
    assert [v.data["period"].key for v in ledgers] == ["2026-08", "2026-09", "2026-10"]
    income = sum((e.get("income") or Decimal(0) for v in ledgers for e in v.data["entries"]), Decimal(0))
    expense = sum((e.get("expense") or Decimal(0) for v in ledgers for e in v.data["entries"]), Decimal(0))
    opening, closing = ledgers[0].data["opening_balance"], ledgers[-1].data["closing_balance"]
    assert opening + income - expense == closing
    page = (example / "output/public/report/dangjianjingfei/2026.html").read_text(encoding="utf-8")
    for amount in (opening, income, expense, closing):
        assert f"{format_money(amount)} 元" in page and rmb_upper(amount) in page
    assert "与年末余额相符" in page
    assert "2026年7月、2026年11月、2026年12月" in page  # months missing
    assert page.count("<svg") == 1  # the trend chart
    finance = (example / "output/public/area/finance.html").read_text(encoding="utf-8")
    assert 'href="../report/dangjianjingfei/2026.html"' in finance
    report_pdf = example / "output/public/pdf/report/dangjianjingfei/2026.pdf"
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils not installed")
    text = subprocess.run(["pdftotext", str(report_pdf), "-"], capture_output=True, text=True).stdout
    assert "党建经费2026年度经费使用情况" in text and format_money(income) in text and rmb_upper(closing) in text


def test_a_notice_is_signed_by_its_own_issuing_body(example: Path) -> None:
    """The 民主理财小组's opinion is signed by the group, on the page and on paper; a branch's list by its branch."""
    opinion = "caiwu/2026-11-minzhulicaishenheyijian"
    page = (example / f"output/public/r/{opinion}.html").read_text(encoding="utf-8")
    assert "<dt>发布单位</dt><dd>凤凰社区民主理财小组</dd>" in page
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils not installed")

    def signature(path: str) -> list[str]:
        text = subprocess.run(["pdftotext", str(example / "output/public" / path), "-"], capture_output=True, text=True)
        lines = [line.strip() for line in text.stdout.splitlines() if line.strip()]
        at = next(i for i, line in enumerate(lines) if line.startswith("第 ") and " 版" in line)
        return lines[at - 2 : at]

    assert signature(f"pdf/{opinion}.pdf") == ["凤凰社区民主理财小组", "2026年11月5日"]
    assert signature("pdf/dangwu/fazhandangyuan/2026-11-diyiwanggefazhanduixiang.pdf")[0] == "第一网格党支部"
    assert signature("pdf/juwu/2026-11-lajifenlei.pdf")[0] == "中共凤凰社区委员会"
