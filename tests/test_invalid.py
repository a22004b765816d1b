"""One folder per invalid case, with the exact error lines `sanwu check` must print (error text is API).

Regenerate on purpose only: SANWU_REGEN=1 pytest tests/test_invalid.py, then review the diff like code.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import run

CASES = sorted(p for p in (Path(__file__).parent / "fixtures" / "invalid").iterdir() if p.is_dir())


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_invalid_case_reports_exact_errors(case: Path) -> None:
    result = run(case, "check")
    expected_file = case / "expected.txt"
    if os.environ.get("SANWU_REGEN"):
        expected_file.write_text(result.stdout, encoding="utf-8")
    assert result.exit_code == 1
    assert result.stdout == expected_file.read_text(encoding="utf-8")
    assert "Traceback" not in result.output


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_invalid_case_does_not_build(case: Path, tmp_path: Path) -> None:
    result = run(case, "build", "--as-of", "2026-11-26", "--no-pdf")
    assert result.exit_code == 1
    assert not (case / "output" / "public").exists()
