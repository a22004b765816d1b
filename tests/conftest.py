"""Shared fixtures: build a site from a dict of files in tmp_path, run the CLI."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner, Result

from site_builder.cli import main

if TYPE_CHECKING:
    from tests.hostile_matrix import Matrix

REPO = Path(__file__).resolve().parent.parent
SITE_YAML = """\
community: 测试社区
org: 中共测试社区委员会
base_url: https://example.org/test/
supervision_phone: "0746-7654321"
"""

LEDGER = """\
type: finance-ledger
title: 党建经费2026年11月收支明细公示
account: 党建经费
period: 2026-11
opening_balance: 12500.00
entries:
  - {date: 2026-11-03, voucher: "2026-11-001", summary: 购买党员学习资料, category: 学习教育, expense: 860.00, handler: 李四, approver: 王芳}
  - {date: 2026-11-05, voucher: "2026-11-002", summary: 街道拨付党建经费, category: 上级拨款, income: 20000.00, handler: 李四}
closing_balance: 31640.00
reviewed_by: [张三, 赵六]
approved_by: 王芳
approved_on: 2026-11-20
status: approved
"""

NOTICE = """\
---
type: notice
title: 关于冬季消防安全的通知
area: residents
approved_by: 王芳
approved_on: 2026-11-10
status: approved
---

请各位居民注意用火安全。
"""


def write_site(root: Path, files: dict[str, str | bytes], site_yaml: str | None = SITE_YAML) -> Path:
    """Write content files (paths relative to content/) and a site.yaml."""
    content = root / "content"
    content.mkdir(parents=True, exist_ok=True)
    if site_yaml is not None:
        (content / "site.yaml").write_text(site_yaml, encoding="utf-8")
    for rel, text in files.items():
        path = content / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


@pytest.fixture
def site(tmp_path: Path) -> Callable[..., Path]:
    """site({"a.yaml": "..."}) -> a project folder."""

    def make(files: dict[str, str | bytes], site_yaml: str | None = SITE_YAML) -> Path:
        return write_site(tmp_path / "site", files, site_yaml)

    return make


def run(project: Path, *args: str) -> Result:
    """Run the sanwu CLI in a project folder."""
    return CliRunner().invoke(main, ["-C", str(project), *args], catch_exceptions=False)


EXAMPLE_AS_OF = "2026-11-26"


@pytest.fixture(scope="session")
def example_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example community (content/) built once per session for every audience, PDFs included."""
    project = tmp_path_factory.mktemp("example") / "site"
    shutil.copytree(REPO / "content", project / "content")
    result = run(project, "build", "--audience", "all", "--as-of", EXAMPLE_AS_OF)
    assert result.exit_code == 0, result.output
    return project


@pytest.fixture(scope="session")
def hostile_matrix() -> Matrix:
    """The hostile-input records (tests/hostile_matrix.py): every corpus payload in every free-text field."""
    from tests.hostile_matrix import CORPORA, build_matrix, corpus_payloads

    if not CORPORA.is_dir():
        pytest.skip("../shared/corpora not available")
    return build_matrix(corpus_payloads(CORPORA))


@pytest.fixture(scope="session")
def hostile_site(hostile_matrix: Matrix, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hostile matrix built once per session for every audience (test_hostile and the browser trap share it)."""
    from tests.hostile_matrix import build_site

    return build_site(hostile_matrix, tmp_path_factory.mktemp("hostile"))
