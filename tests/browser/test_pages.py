"""Every page of every audience in a real browser at 390 px: no sideways scroll, no axe violation, no console
error, chart labels of at least 12 px, no short table cell broken over lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page

from site_builder.records import AUDIENCES
from tests.browser.conftest import CSP, axe_violations, broken_short_cells, horizontal_overflow, smallest_chart_text
from tests.conftest import REPO


def pages_of(output: Path, audience: str) -> list[str]:
    """Every HTML page of an audience's build, as paths under output/."""
    return sorted(p.relative_to(output).as_posix() for p in (output / audience).rglob("*.html"))


@pytest.mark.parametrize("audience", AUDIENCES)
def test_every_page_fits_a_phone_and_passes_axe(audience: str, example_site: Path, served: str, phone: Page) -> None:
    pages = pages_of(example_site / "output", audience)
    assert len(pages) > 20
    failures: list[str] = []
    for path in pages:
        del phone.problems[:]  # type: ignore[attr-defined]
        phone.goto(served + path, wait_until="load")
        wider = horizontal_overflow(phone)
        if wider > 0:
            failures.append(f"{path}: {wider} px wider than a 390 px phone")
        smallest = smallest_chart_text(phone)
        if smallest < 12:
            failures.append(f"{path}: chart text {smallest:.1f} px (under 12 px)")
        failures += [f"{path}: 表格单元格 {cell} 被折成多行" for cell in broken_short_cells(phone)]
        failures += [f"{path}: axe {line}" for line in axe_violations(phone)]
        failures += [f"{path}: {line}" for line in phone.problems]  # type: ignore[attr-defined]
    assert failures == [], "\n".join(failures)


def test_the_deploy_guide_gives_the_policy_the_pages_are_tested_under() -> None:
    assert f"Content-Security-Policy: {CSP}" in (REPO / "docs/deploy.md").read_text(encoding="utf-8")
