"""Loading: text stays text, numbers-looking identifiers survive, hostile YAML is refused quickly."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from pathlib import Path

from site_builder import pipeline
from tests.conftest import LEDGER, NOTICE, run


def checked(site_dir: Path) -> pipeline.Checked:
    return pipeline.check(site_dir)


def test_yaml_11_surprises_do_not_happen(site) -> None:
    ledger = (
        LEDGER.replace('voucher: "2026-11-001"', "voucher: 007")
        .replace("summary: 购买党员学习资料", "summary: NO")
        .replace('voucher: "2026-11-002"', "voucher: 0746")
        .replace("summary: 街道拨付党建经费", "summary: 1:20")
    )
    project = site({"ledger.yaml": ledger})
    result = checked(project)
    assert result.problems.sorted() == []
    entries = result.catalog.records[0].data["entries"]
    assert [e["voucher"] for e in entries] == ["007", "0746"]
    assert [e["summary"] for e in entries] == ["NO", "1:20"]
    assert entries[0]["expense"] == Decimal("860.00")


def test_amounts_are_exact_decimals_from_their_text(site) -> None:
    ledger = LEDGER.replace("expense: 860.00", "expense: 0.10").replace("income: 20000.00", "income: 0.20")
    ledger = ledger.replace("closing_balance: 31640.00", "closing_balance: 12500.10")
    result = checked(site({"ledger.yaml": ledger}))
    assert result.problems.sorted() == []  # 0.1 + 0.2 is exactly 0.3 here


def test_utf8_bom_and_crlf_are_fine(site) -> None:
    data = ("\ufeff" + LEDGER.replace("\n", "\r\n")).encode("utf-8")
    result = checked(site({"ledger.yaml": data}))
    assert result.problems.sorted() == []


def test_alias_bomb_is_refused_quickly(site) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    project = site({"bomb.yaml": "\n".join(lines) + "\n"})
    start = time.perf_counter()
    result = run(project, "check")
    assert time.perf_counter() - start < 5  # a billion-laughs expansion would never finish
    assert result.exit_code == 1
    assert "content/bomb.yaml:2:" in result.stdout and "别名" in result.stdout


def test_python_tag_is_never_executed(site, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    project = site({"x.yaml": f'type: notice\ntitle: !!python/object/apply:os.system ["touch {marker}"]\n'})
    result = run(project, "check")
    assert result.exit_code == 1
    assert not marker.exists()
    assert "不支持的 YAML 标签" in result.stdout


def test_hidden_and_underscore_files_are_not_records(site) -> None:
    project = site(
        {"_audit/x.yaml": "not: a record", ".git/y.yaml": "[", "_drafts/z.md": "no front matter", "n.md": NOTICE}
    )
    result = checked(project)
    assert [r.path for r in result.catalog.records] == ["content/n.md"]


def test_symlink_out_of_content_is_not_read(site, tmp_path: Path) -> None:
    outside = tmp_path / "secret.yaml"
    outside.write_text("type: notice\n", encoding="utf-8")
    project = site({"n.md": NOTICE})
    (project / "content" / "link.yaml").symlink_to(outside)
    result = checked(project)
    assert [r.path for r in result.catalog.records] == ["content/n.md"]


def test_ids_come_from_paths_in_pinyin(site) -> None:
    project = site({"财务/十一月.md": NOTICE, "Party/Notice One.md": NOTICE})
    ids = sorted(r.id for r in checked(project).catalog.records)
    assert ids == ["caiwu/shiyiyue", "party/notice-one"]


def test_every_problem_in_every_file_in_one_run(site) -> None:
    bad_ledger = LEDGER.replace("closing_balance: 31640.00", "closing_balance: 31460.00")
    project = site(
        {
            "a.yaml": bad_ledger,
            "b.yaml": "type: notice\ntitle: [\n",
            "c.md": NOTICE.replace("area: residents", "area: x"),
        }
    )
    result = run(project, "check")
    assert result.exit_code == 1
    files = [line.split(":")[0] for line in result.stdout.splitlines()]
    assert files == ["content/a.yaml", "content/b.yaml", "content/c.md"]


def test_check_formats_and_english(site) -> None:
    project = site({"a.yaml": LEDGER.replace("closing_balance: 31640.00", "closing_balance: 31460.00")})
    github = run(project, "check", "--format", "github")
    assert github.stdout.startswith("::error file=content/a.yaml,line=9,col=1::closing_balance: 期末余额应为 31640.00")
    english = run(project, "check", "--lang", "en")
    assert "content/a.yaml:9:1: error: closing_balance: closing balance should be 31640.00" in english.stdout
    doc = json.loads(run(project, "check", "--format", "json").stdout)
    assert doc[0]["line"] == 9 and doc[0]["field"] == "closing_balance" and doc[0]["severity"] == "error"


def test_usage_errors_exit_2(site) -> None:
    project = site({"n.md": NOTICE})
    assert run(project, "build", "--audience", "everyone").exit_code == 2
    assert run(project, "build", "--as-of", "2026-02-30").exit_code == 2
    assert run(project, "new", "no-such-type").exit_code == 2
