"""Tables back to Excel: .xlsx downloads that re-import to the same rows, and templates to fill in."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from site_builder import pipeline
from site_builder.project import View, project_catalog
from site_builder.render.data import record_xlsx, table_rows
from site_builder.schema import to_plain
from site_builder.sheets.importer import column_labels, import_sheet
from site_builder.sheets.layouts import LAYOUTS, header_index
from tests.conftest import REPO, run, write_site


@pytest.fixture(scope="module")
def committee_views() -> list[View]:
    """The example community as the committee sees it (everything), one check for the whole module."""
    checked = pipeline.check(REPO)
    return project_catalog(checked.catalog, "committee", dt.date(2026, 12, 31), True, checked.site)


def cells(data: bytes, tmp_path: Path, name: str = "x.xlsx") -> list[list[Any]]:
    path = tmp_path / name
    path.write_bytes(data)
    return [list(row) for row in openpyxl.load_workbook(path).worksheets[0].iter_rows(values_only=True)]


def test_ledger_download_is_typed_like_a_ledger_and_reimports_to_the_same_record(
    committee_views: list[View], tmp_path: Path
) -> None:
    view = next(v for v in committee_views if v.rtype.name == "finance-ledger")
    data = record_xlsx(view)
    assert data == record_xlsx(view)  # reproducible: no timestamps inside
    rows = cells(data, tmp_path)
    assert rows[0][0] == view.title
    assert rows[1] == [c.label for c in view.rtype.columns]
    assert rows[2][2] == "上月结余" and rows[-1][0] == "合计"
    book = openpyxl.load_workbook(tmp_path / "x.xlsx").worksheets[0]
    voucher, amount = book.cell(row=4, column=2), book.cell(row=4, column=6)
    assert voucher.data_type == "s"  # voucher stays text
    assert book.cell(row=4, column=1).is_date
    money = next(book.cell(row=r, column=c) for r in range(4, 6) for c in (5, 6) if book.cell(row=r, column=c).value)
    assert isinstance(money.value, (int, float)) and money.number_format == "#,##0.00"
    assert amount is not None

    again = import_sheet(tmp_path / "x.xlsx", "finance-ledger", None, [])
    assert again.errors == []
    assert again.data["opening_balance"] == f"{view.data['opening_balance']:.2f}"
    assert again.data["closing_balance"] == f"{view.data['closing_balance']:.2f}"
    assert again.data["title"] == view.title and again.data["period"] == view.data["period"].key
    assert again.data["entries"] == [plain_item(e) for e in view.data["entries"]]


def plain_item(value: Any) -> Any:
    """A typed value as the importer writes it: text, names and months as lists of text."""
    if isinstance(value, dict):
        return {k: plain_item(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain_item(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(to_plain(value)) if isinstance(value, (int, Decimal)) else to_plain(value)


def test_every_exported_table_reimports_to_its_rows(committee_views: list[View], tmp_path: Path) -> None:
    """What a download shows comes back as the same list items (the columns a download has)."""
    seen = set()
    for view in committee_views:
        if view.rtype.name not in LAYOUTS or view.rtype.name in seen:
            continue
        seen.add(view.rtype.name)
        path = tmp_path / f"{view.rtype.name}.xlsx"
        path.write_bytes(record_xlsx(view))
        table = LAYOUTS[view.rtype.name][0]
        result = import_sheet(path, view.rtype.name, None, [])
        index = header_index(table, column_labels(view.rtype, table))
        shown = {(index.field_of(c.label) or "").split(".")[0] for c in view.rtype.columns}
        required = [n for n, f in item_fields(view, table.field).items() if f.required and n not in shown]
        if required:  # a download without a required column (低保: no ID numbers in any download) says so
            assert len(result.errors) == len(required) and all("表头里没有这一列" in e for e in result.errors)
            continue
        assert result.errors == [], (view.id, result.errors)
        for original, back in zip(view.data[table.field], result.data[table.field], strict=True):
            expected = {k: v for k, v in plain_item(original).items() if k in shown}
            if "party_member" in expected and expected["party_member"] == "false":
                expected.pop("party_member")  # a blank 党员 cell: not a party member, nothing written
            assert back == expected, view.id
    assert len(seen) == len(LAYOUTS)  # the example community has every importable type


def item_fields(view: View, name: str) -> dict[str, Any]:
    return view.rtype.schema.fields[name].kind.item.fields  # type: ignore[attr-defined, no-any-return]


def test_public_download_carries_only_the_public_projection(committee_views: list[View], tmp_path: Path) -> None:
    checked = pipeline.check(REPO)
    public = project_catalog(checked.catalog, "public", dt.date(2026, 12, 31), False, checked.site)
    secrets = {
        str(v): view.id
        for view in committee_views
        if view.rtype.name == "low-income-review"
        for row in view.data["households"]
        for v in (row.get("id_number"), row.get("address"))
        if v
    }
    shown = [v for v in public if v.rtype.name == "low-income-review"]
    assert secrets and shown
    for view in shown:
        text = " ".join(str(c) for row in cells(record_xlsx(view), tmp_path) for c in row if c is not None)
        assert [s for s in secrets if s in text] == []
        assert all(row["head"] in text for row in table_rows(view))  # what the page shows, the sheet shows


def test_formula_like_text_stays_inert(tmp_path: Path) -> None:
    from site_builder.records.base import Column
    from site_builder.sheets.export import table_xlsx

    data = table_xlsx("t", [Column("a", "摘要")], [{"a": '=HYPERLINK("http://x")'}, {"a": "#N/A"}, {"a": "007"}])
    book = openpyxl.load_workbook(Path(tmp_path / "f.xlsx").write_bytes(data) and tmp_path / "f.xlsx").worksheets[0]
    assert [(c.value, c.data_type) for c in book["A"][2:]] == [
        ('=HYPERLINK("http://x")', "s"),
        ("#N/A", "s"),
        ("007", "s"),
    ]


def test_template_has_the_headers_import_reads_and_drop_downs(tmp_path: Path) -> None:
    project = write_site(tmp_path / "site", {})
    target = tmp_path / "低保模板.xlsx"
    result = run(project, "new", "low-income-review", "--xlsx", str(target))
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(target)
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[2]]
    assert headers[:4] == ["户主姓名", "身份证号码", "保障人数", "变动类型"]
    (choice,) = sheet.data_validations.dataValidation
    assert choice.formula1 == '"新增,增发,减发,停发,保持"' and str(choice.sqref).startswith("D3")
    assert sheet.column_dimensions["B"].number_format == "@"  # ID numbers typed here stay text
    assert "填写说明" in book.sheetnames
    again = run(project, "new", "low-income-review", "--xlsx", str(target))
    assert again.exit_code == 2 and "不会覆盖" in again.output

    # filled in the way a person would, the template imports
    sheet.append(["张三", "430102199001011238", 3, "新增", 1260, "3栋2单元401", "因病致贫"])
    book.save(target)
    back = import_sheet(target, "low-income-review", None, [])
    assert back.errors == [] and back.data["households"][0]["id_number"] == "430102199001011238"
