"""Golden sites: built output compared file by file with the committed expected output.

Regenerate only on purpose — SANWU_REGEN=1 pytest tests/test_golden.py — and review the diff like code.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import run

SITES = sorted(p for p in (Path(__file__).parent / "fixtures" / "sites").iterdir() if p.is_dir())


def tree(root: Path) -> dict[str, bytes]:
    """Every output file, the search index included."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("case", SITES, ids=[s.name for s in SITES])
def test_golden_site(case: Path, tmp_path: Path) -> None:
    project = tmp_path / case.name
    shutil.copytree(case / "content", project / "content")
    result = run(project, "build", "--audience", "all", "--as-of", "2026-11-26", "--no-pdf", "--no-record")
    assert result.exit_code == 0, result.output
    built = tree(project / "output")
    expected_dir = case / "expected"
    if os.environ.get("SANWU_REGEN"):
        shutil.rmtree(expected_dir, ignore_errors=True)
        shutil.copytree(project / "output", expected_dir)
    expected = tree(expected_dir)
    assert sorted(built) == sorted(expected)
    changed = [name for name in built if built[name] != expected[name]]
    assert changed == [], f"differs from the golden output: {changed[:10]}"
