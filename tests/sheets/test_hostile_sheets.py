"""Odd workbooks: every import ends in a record or in sentences naming cells, never in a traceback."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from site_builder.sheets.layouts import LAYOUTS
from tests.conftest import run, write_site

ODD: list[Any] = [
    True,
    dt.time(8, 30),
    "#DIV/0!",
    "=A1+1",
    1e300,
    -5,
    3.14159,
    "\t制表符",
    "　",
    0,
    "x" * 5000,
    dt.datetime(1899, 12, 31),
    123456789012345678,
    "2026-13-45",
    "¥-1,2,3元",
    "张三、、、李四",
]


@pytest.mark.parametrize("type_name", sorted(LAYOUTS))
def test_odd_cells_in_every_column_give_sentences(type_name: str, tmp_path: Path) -> None:
    project = write_site(tmp_path / "site", {})
    book = openpyxl.Workbook()
    sheet = book.active
    for table in LAYOUTS[type_name]:
        headers = [words[0] for words in table.headers.values()]
        sheet.append(["标题"])
        sheet.append(headers)
        for n in range(len(ODD)):
            sheet.append([ODD[(n + c) % len(ODD)] for c in range(len(headers))])
        sheet.append(["合计", 1, "x"])
        sheet = book.create_sheet()
    book.save(tmp_path / "odd.xlsx")
    out = project / "content" / "odd.yaml"
    result = run(project, "import", str(tmp_path / "odd.xlsx"), "--type", type_name, "--out", str(out))
    assert "Traceback" not in result.output
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if ": 错误: " in line]
    assert lines and all(re.match(r"odd\.xlsx: Sheet1?![A-Z]+\d+: 错误: ", line) for line in lines), lines[:3]
    assert not out.exists()
