"""`sanwu import`: workbooks as staff make them (built here with openpyxl) become records `sanwu check` accepts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml

from site_builder import pipeline
from site_builder.sheets.layouts import LAYOUTS, normalize_header
from tests.conftest import run, write_site

APPROVAL = {"prepared_by": "李四", "approved_by": "王芳", "approved_on": "2026-12-03", "status": "approved"}


def workbook(
    path: Path, sheets: dict[str, list[list[Any]]], formats: dict[str, str] | None = None, merges: tuple[str, ...] = ()
) -> Path:
    """An .xlsx with the given rows per sheet; formats: {"Sheet!B5": "000"}."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
        for merge in merges:
            sheet.merge_cells(merge)
    for ref, fmt in (formats or {}).items():
        name, cell = ref.split("!")
        book[name][cell].number_format = fmt
    book.save(path)
    return path


def ledger_rows() -> list[list[Any]]:
    """A 党建经费 ledger as a community keeps it: title, 单位 line, opening row, 合计, signatures."""
    return [
        ["凤凰社区党建经费2026年11月收支明细表"],
        ["编制单位：凤凰社区居委会", None, None, None, None, None, "单位：元"],
        ["日期", "凭证号", "摘 要", "类别", "收入金额（元）", "支出金额（元）", "余额", "经手人", "联系人"],
        [None, None, "上月结余", None, None, None, 12500, None],
        [dt.datetime(2026, 11, 3), 1, "购买党员学习资料", "学习教育", None, 860, 11640, "李四", "王芳"],
        ["2026.11.5", 2, "街道拨付党建经费", "上级拨款", "¥20,000.00", None, 31640, "李四"],
        ["2026年11月18日", 3, "慰问困难党员", "走访慰问", None, "1,200元", 30440, "李四、王芳"],
        [dt.datetime(2026, 11, 25), 4, "订阅党报党刊", "学习教育", None, 1357.5, 29082.5, "李四"],
        ["合计", None, None, None, 20000, 3417.5, 29082.5],
        ["制表人：李四", None, None, "审核人：张三"],
    ]


def ledger_book(tmp_path: Path, rows: list[list[Any]] | None = None) -> Path:
    return workbook(
        tmp_path / "台账.xlsx",
        {"11月": rows or ledger_rows()},
        formats={f"11月!B{r}": '"2026-11-"000' for r in range(5, 9)},
        merges=("A1:I1",),
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_site(tmp_path / "site", {})


def read_record(project: Path, rel: str) -> dict[str, Any]:
    return yaml.safe_load((project / "content" / rel).read_text("utf-8"))


def test_realistic_ledger_imports_and_passes_check_once_approved(project: Path, tmp_path: Path) -> None:
    book = ledger_book(tmp_path)
    out = project / "content" / "财务" / "2026-11.yaml"
    result = run(
        project,
        "import",
        str(book),
        "--type",
        "finance-ledger",
        "--out",
        str(out),
        "--set",
        "account=党建经费",
        "--set",
        "reviewed_by=张三、赵六",
    )
    assert result.exit_code == 0, result.output
    assert "未使用的列：I 列“联系人”" in result.output
    record = read_record(project, "财务/2026-11.yaml")
    assert record["title"] == "凤凰社区党建经费2026年11月收支明细表"
    assert record["status"] == "draft"
    assert str(record["period"]) == "2026-11"
    assert [e["voucher"] for e in record["entries"]] == ["2026-11-001", "2026-11-002", "2026-11-003", "2026-11-004"]
    assert [str(e["date"]) for e in record["entries"]] == ["2026-11-03", "2026-11-05", "2026-11-18", "2026-11-25"]
    assert record["entries"][1]["income"] == 20000
    assert record["entries"][2]["expense"] == 1200
    assert record["entries"][2]["handler"] == ["李四", "王芳"]
    assert len(record["entries"]) == 4  # neither 上月结余, 合计 nor 制表人 became an entry
    text = (project / "content" / "财务" / "2026-11.yaml").read_text("utf-8")
    assert "opening_balance: 12500.00" in text and "closing_balance: 29082.50" in text
    assert "# 期末余额" in text  # commented like `sanwu new`

    checked = pipeline.check(project)
    assert [p.format() for p in checked.problems.sorted() if p.severity == "error"] == []
    for key, value in APPROVAL.items():
        text = (
            text.replace(f"\n{key}:", f"\n{key}: {value}", 1)
            if key != "status"
            else text.replace("status: draft", "status: approved")
        )
    out.write_text(text, "utf-8")
    checked = pipeline.check(project)
    assert [p.format() for p in checked.problems.sorted() if p.severity == "error"] == []
    (rec,) = checked.catalog.records
    assert rec.status == "approved" and str(rec.get("closing_balance")) == "29082.50"


def test_errors_name_sheet_and_cell_and_nothing_is_written(project: Path, tmp_path: Path) -> None:
    rows = ledger_rows()
    rows[6][6] = 30000  # a 余额 that does not follow from the rows
    rows[8][5] = 3400  # a 合计 that is not the sum
    rows[5][0] = "2026-11-31"
    out = project / "content" / "ledger.yaml"
    result = run(project, "import", str(ledger_book(tmp_path, rows)), "--type", "finance-ledger", "--out", str(out))
    assert result.exit_code == 1
    assert "台账.xlsx: 11月!A6: 错误: 日期: 日期 2026-11-31 不存在（2026年11月只有 30 天）" in result.output
    assert "台账.xlsx: 11月!G7: 错误: 余额: 余额应为" in result.output
    assert "台账.xlsx: 11月!F9: 错误: 支出金额（元）: 合计行写的是 3400.00，上面各行相加是 3417.50" in result.output
    assert "没有写入任何文件" in result.output
    assert not out.exists()


def test_id_number_stored_as_number_is_refused_at_its_cell(project: Path, tmp_path: Path) -> None:
    book = workbook(
        tmp_path / "名单.xlsx",
        {
            "审核名单": [
                ["2026年第四季度城市居民最低生活保障审核公示"],
                ["序号", "户主姓名", "身份证号码", "家庭人口", "变动情况", "月保障金额（元）", "家庭住址"],
                [1, "张三", "430102199001011238", 3, "新增", 1260, "3栋2单元401"],
                [2, "李四", 430102198505052345, 2, "保持", "¥840", "5栋101"],
                ["合计", None, None, 5, None, 2100],
            ]
        },
    )
    out = project / "content" / "低保.yaml"
    result = run(project, "import", str(book), "--type", "low-income-review", "--out", str(out))
    assert result.exit_code == 1
    assert "名单.xlsx: 审核名单!C4: 错误: 身份证号码: 这一格是数字 430102198505052000" in result.output
    assert "请把“身份证号码”这一列设置为“文本”格式" in result.output
    assert "Traceback" not in result.output and not out.exists()


def test_low_income_list_with_header_variants(project: Path, tmp_path: Path) -> None:
    book = workbook(
        tmp_path / "名单.xlsx",
        {
            "说明": [["本工作簿用于低保审核"]],
            "审核名单": [
                ["户主", "身份证号", "保障人数", "变动类型", "保障金额", "住址", "致贫原因"],
                ["张三", "430102199001011238", "3人", "新增", 1260, "3栋2单元401", "因病致贫"],
                ["王五", "11010519491231002X", 1, "停发", None, "7栋302", "收入超标"],
            ],
        },
    )
    out = project / "content" / "低保.yaml"
    sets = ["--set", "period=2026-Q4", "--set", "decided_by=某某街道办事处"]
    result = run(project, "import", str(book), "--type", "low-income-review", "--out", str(out), *sets)
    assert result.exit_code == 0, result.output
    record = read_record(project, "低保.yaml")
    assert record["households"][0] == {
        "head": "张三",
        "id_number": "430102199001011238",
        "size": 3,
        "change": "新增",
        "monthly_amount": 1260,
        "address": "3栋2单元401",
        "reason": "因病致贫",
    }
    assert record["households"][1]["id_number"] == "11010519491231002X"
    checked = pipeline.check(project)
    errors = [(p.field, p.zh) for p in checked.problems.sorted() if p.severity == "error"]
    assert errors == [("notice_period", "必填字段不能为空")]  # the one thing the sheet did not say
    sets += ["--set", "notice_period=2026-11-10~2026-11-16", "--force"]
    again = run(project, "import", str(book), "--type", "low-income-review", "--out", str(out), *sets)
    assert again.exit_code == 0, again.output
    assert [p.format() for p in pipeline.check(project).problems.sorted() if p.severity == "error"] == []


def test_csv_in_gbk_and_utf8_bom(project: Path, tmp_path: Path) -> None:
    text = "巡逻排班表\n日期,时段,带班领导,值班单位,巡逻队员\n2026/11/1,上半夜,刘强,县直某单位,刘强、陈明、赵亮、孙伟、周平\n2026/11/1,下半夜,,,吴军 郑涛 王磊 冯刚\n"
    for encoding in ("gbk", "utf-8-sig"):
        source = tmp_path / f"排班-{encoding}.csv"
        source.write_bytes(text.encode(encoding))
        out = project / "content" / f"巡逻-{encoding}.yaml"
        result = run(project, "import", str(source), "--type", "patrol-schedule", "--out", str(out))
        assert result.exit_code == 0, result.output
        record = read_record(project, f"巡逻-{encoding}.yaml")
        assert record["title"] == "巡逻排班表" and str(record["period"]) == "2026-11"
        assert record["shifts"][1]["members"] == ["吴军", "郑涛", "王磊", "冯刚"]
        assert record["shifts"][0]["leader"] == "刘强"


def test_two_sheets_fill_two_lists(project: Path, tmp_path: Path) -> None:
    book = workbook(
        tmp_path / "志愿者.xlsx",
        {
            "队员名单": [
                ["姓名", "政治面貌", "特长", "手机号码"],
                ["张三", "中共党员", "治安巡逻", 13800138000],
                ["李四", "群众", "理发", "13800138001"],
            ],
            "活动记录": [
                ["活动日期", "服务时长（小时）", "活动内容", "参加人员"],
                [dt.datetime(2026, 11, 8), 4, "环境整治", "张三，李四"],
            ],
        },
    )
    out = project / "content" / "志愿者.yaml"
    result = run(
        project,
        "import",
        str(book),
        "--type",
        "volunteer-team",
        "--out",
        str(out),
        "--set",
        "kind=党员志愿者",
        "--set",
        "leader=张三",
    )
    assert result.exit_code == 0, result.output
    record = read_record(project, "志愿者.yaml")
    assert record["members"][0] == {"name": "张三", "party_member": True, "skill": "治安巡逻", "phone": "13800138000"}
    assert record["members"][1]["party_member"] is False
    assert record["activities"] == [
        {"date": dt.date(2026, 11, 8), "hours": 4, "content": "环境整治", "participants": ["张三", "李四"]}
    ]


def test_sub_header_row_under_merged_amount(project: Path, tmp_path: Path) -> None:
    rows = [
        ["日期", "凭证编号", "事由", "金额", None, "结余"],
        [None, None, None, "收入", "支出", None],
        ["2026-11-03", "001", "购买学习资料", None, 860, 11640],
    ]
    book = workbook(tmp_path / "b.xlsx", {"Sheet1": rows}, merges=("D1:E1",))
    out = project / "content" / "b.yaml"
    result = run(project, "import", str(book), "--type", "finance-ledger", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "期初余额按第一行的余额倒推为 12500.00" in result.output
    record = read_record(project, "b.yaml")
    assert record["entries"] == [
        {"date": dt.date(2026, 11, 3), "voucher": "001", "summary": "购买学习资料", "expense": 860}
    ]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("坏.xlsx", b"PK\x03\x04 not really a zip", "不是有效的 .xlsx 工作簿"),
        ("空.csv", b"", "没有任何数据"),
        ("旧.xls", b"\xd0\xcf\x11\xe0", "另存为” .xlsx"),
        ("乱码.csv", b"\xff\x00\xfe\x01" * 10, "不是文本文件"),
        ("表.csv", "姓名,年龄\n张三,3\n".encode(), "找不到表头行"),
    ],
)
def test_odd_files_get_a_sentence_not_a_traceback(
    project: Path, tmp_path: Path, name: str, data: bytes, message: str
) -> None:
    source = tmp_path / name
    source.write_bytes(data)
    result = run(project, "import", str(source), "--type", "finance-ledger", "--out", str(project / "content/x.yaml"))
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    assert not (project / "content" / "x.yaml").exists()


def test_out_stays_in_content_and_never_overwrites(project: Path, tmp_path: Path) -> None:
    book = ledger_book(tmp_path)
    outside = run(project, "import", str(book), "--type", "finance-ledger", "--out", str(tmp_path / "x.yaml"))
    assert outside.exit_code == 2 and "只能写到" in outside.output
    existing = project / "content" / "x.yaml"
    existing.write_text("keep", "utf-8")
    again = run(project, "import", str(book), "--type", "finance-ledger", "--out", str(existing))
    assert again.exit_code == 2 and "不会覆盖" in again.output and existing.read_text("utf-8") == "keep"
    forced = run(project, "import", str(book), "--type", "finance-ledger", "--out", str(existing), "--force")
    assert forced.exit_code == 0 and "entries:" in existing.read_text("utf-8")
    unknown = run(
        project, "import", str(book), "--type", "finance-ledger", "--out", str(existing), "--force", "--set", "acount=x"
    )
    assert unknown.exit_code == 2 and "是不是 account" in unknown.output


def test_every_layout_field_and_word_belongs_to_its_type() -> None:
    from site_builder.records import TYPES

    for type_name, tables in LAYOUTS.items():
        rtype = TYPES.types[type_name]
        for table in tables:
            item = rtype.schema.fields[table.field].kind.item  # type: ignore[attr-defined]
            for name in table.headers:
                outer, _, inner = name.partition(".")
                assert outer in item.fields, (type_name, name)
                assert not inner or inner in item.fields[outer].kind.fields, (type_name, name)
            words = [normalize_header(w) for ws in table.headers.values() for w in ws]
            assert len(words) == len(set(words)), f"{type_name}.{table.field}: one header word maps to two fields"


def test_cash_journal_with_year_above_month_and_day_columns(project: Path, tmp_path: Path) -> None:
    """现金日记账: 2026年 over 月 | 日, 借方/贷方, a blank 月 continuing the month above, 承前页."""
    rows = [
        ["现金日记账"],
        ["2026年", None, "凭证字号", "摘要", "借方", "贷方", "余额"],
        ["月", "日", None, None, None, None, None],
        [None, None, None, "承前页", None, None, 500],
        [11, 3, "现付1", "购买办公用品", None, 120, 380],
        [None, "18日", "现收1", "收到拨款", 1000, None, 1380],
        ["12", 31, "现付2", "跨月的笔误", None, 80, 1300],
    ]
    book = workbook(tmp_path / "日记账.xlsx", {"现金": rows}, merges=("A2:B2",))
    out = project / "content" / "现金.yaml"
    result = run(project, "import", str(book), "--type", "finance-ledger", "--out", str(out))
    assert result.exit_code == 0, result.output
    record = read_record(project, "现金.yaml")
    assert [str(e["date"]) for e in record["entries"]] == ["2026-11-03", "2026-11-18", "2026-12-31"]
    assert [e.get("income") or -e["expense"] for e in record["entries"]] == [-120, 1000, -80]
    assert record["opening_balance"] == 500 and record["closing_balance"] == 1300
    assert "period" not in record or record["period"] is None  # two months: the person says which

    rows[4][1] = 31  # 11月31日
    bad = workbook(tmp_path / "坏.xlsx", {"现金": rows})
    failed = run(project, "import", str(bad), "--type", "finance-ledger", "--out", str(out), "--force")
    assert "坏.xlsx: 现金!B5: 错误: 日期: 日期 2026-11-31 不存在（2026年11月只有 30 天）" in failed.output
