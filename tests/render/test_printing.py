"""The printed notices of a built site: properties a 书记 pinning them up would check, not golden bytes."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import LEDGER, NOTICE, run

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")

NOTICED = NOTICE.replace("status: approved", "status: approved\nnotice_period: {from: 2026-11-20, to: 2026-11-26}")
LONG = LEDGER.replace(
    "entries:\n",
    "entries:\n"
    + "".join(
        f'  - {{date: 2026-11-{d:02d}, voucher: "L-{d:03d}", summary: 第{d}笔支出, category: 办公用品, expense: 1.00}}\n'
        for d in range(1, 29)
    )
    * 1,
).replace("31640.00", "31612.00")
FILES = {"caiwu/2026-11.yaml": LONG, "n.md": NOTICED, "m.md": NOTICE.replace("消防安全", "安全用电")}


def text(pdf: Path, first: int | None = None) -> str:
    args = ["pdftotext", "-layout"] + (["-f", str(first), "-l", str(first)] if first else []) + [str(pdf), "-"]
    return subprocess.run(args, capture_output=True, check=True, text=True).stdout


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.conftest import write_site

    project = write_site(tmp_path_factory.mktemp("print") / "site", FILES)
    result = run(project, "build", "--as-of", "2026-11-26")
    assert result.exit_code == 0, result.output
    return project


@needs_poppler
def test_notice_pdf_has_what_a_bulletin_board_needs(built: Path) -> None:
    pdf = built / "output/public/pdf/n.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "A4" in info and "关于冬季消防安全的通知" in info and "中共测试社区委员会" in info
    body = "".join(text(pdf).split())  # ignore line breaks and layout spaces
    for expected in (
        "关于冬季消防安全的通知",
        "公示期：2026年11月20日至2026年11月26日",
        "监督电话：0746-7654321",
        "2026年11月10日",
        "—1—",
        "第1版",
        "审计链",
    ):
        assert expected in body, expected
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    cjk = [line for line in fonts.splitlines() if "CJK" in line]
    assert cjk and all(" yes yes " in line for line in cjk)  # embedded and subset


@needs_poppler
def test_ledger_pdf_totals_in_words_and_header_repeats(built: Path) -> None:
    pdf = built / "output/public/pdf/caiwu/2026-11.pdf"
    body = text(pdf)
    assert "叁万壹仟陆佰壹拾贰元整" in body and "31,612.00" in body
    assert "凭证号" in text(pdf, 2)  # the table header is repeated on page 2


@needs_poppler
def test_qr_code_decodes_to_the_record_page(built: Path, tmp_path: Path) -> None:
    if shutil.which("zbarimg") is None:
        pytest.skip("zbar-tools not installed")
    pdf = built / "output/public/pdf/n.pdf"
    pages = int(
        next(
            l
            for l in subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout.splitlines()
            if l.startswith("Pages")
        ).split()[-1]
    )
    subprocess.run(
        ["pdftoppm", "-r", "200", "-png", "-f", str(pages), "-l", str(pages), str(pdf), str(tmp_path / "p")], check=True
    )
    image = next(tmp_path.glob("p*.png"))
    decoded = subprocess.run(["zbarimg", "--raw", "-q", str(image)], capture_output=True, text=True).stdout.strip()
    assert decoded == "https://example.org/test/r/n.html"


def test_record_page_links_its_pdf_and_month_bundle_exists(built: Path) -> None:
    page = (built / "output/public/r/n.html").read_text(encoding="utf-8")
    assert 'href="../pdf/n.pdf"' in page
    assert (built / "output/public/pdf/bundle/2026-11.pdf").is_file()
    assert "pdf/bundle/2026-11.pdf" in (built / "output/public/period/2026-11.html").read_text(encoding="utf-8")


def pdfs(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.pdf"))}


def test_rebuild_is_byte_identical_and_a_change_rerenders_only_its_pdfs(built: Path, tmp_path: Path) -> None:
    project = tmp_path / "copy"
    shutil.copytree(built / "content", project / "content", ignore=shutil.ignore_patterns("_audit"))
    shutil.copytree(built / "content/_audit", project / "content/_audit")
    run(project, "build", "--as-of", "2026-11-26")  # a cold build in another folder, no cache
    first = pdfs(project / "output/public")
    assert first == pdfs(built / "output/public")
    cache = project / ".sanwu-cache/pdf"
    before = set(cache.iterdir())
    changed = NOTICE.replace("安全用电", "安全用电").replace("消防安全", "安全用电").replace("请各位居民", "请全体居民")
    changed = changed.replace("status: approved", "status: approved\nchange_reason: 文字修改")
    (project / "content/m.md").write_text(changed, encoding="utf-8")
    run(project, "build", "--as-of", "2026-11-27")
    second = pdfs(project / "output/public")
    assert sorted(k for k in first if first[k] != second[k]) == ["pdf/bundle/2026-11.pdf", "pdf/m.pdf"]
    assert len(set(cache.iterdir()) - before) == 2  # two renders; every other PDF came from the cache


def test_missing_cjk_font_is_a_clear_error(site, monkeypatch: pytest.MonkeyPatch) -> None:
    from site_builder.render import pdf

    monkeypatch.setattr(pdf, "installed_cjk_families", lambda: set())
    project = site({"n.md": NOTICE})
    result = run(project, "build", "--as-of", "2026-11-26")
    assert result.exit_code == 1 and "fonts-noto-cjk" in result.output
    assert not (project / "output/public").exists()
