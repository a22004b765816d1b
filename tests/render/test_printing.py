"""The printed notices of a built site: properties a 书记 pinning them up would check, not golden bytes."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from site_builder.render import pdf
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


def test_rebuild_is_byte_identical_and_a_change_typesets_only_its_notice(
    built: Path, tmp_path: Path, typeset: list[pdf.PdfJob]
) -> None:
    project = tmp_path / "copy"
    shutil.copytree(built / "content", project / "content", ignore=shutil.ignore_patterns("_audit"))
    shutil.copytree(built / "content/_audit", project / "content/_audit")
    run(project, "build", "--as-of", "2026-11-26")  # a cold build in another folder, no cache
    first = pdfs(project / "output/public")
    assert first == pdfs(built / "output/public")
    changed = NOTICE.replace("消防安全", "安全用电").replace("请各位居民", "请全体居民")
    changed = changed.replace("status: approved", "status: approved\nchange_reason: 文字修改")
    (project / "content/m.md").write_text(changed, encoding="utf-8")
    typeset.clear()
    run(project, "build", "--as-of", "2026-11-27")
    second = pdfs(project / "output/public")
    assert sorted(k for k in first if first[k] != second[k]) == ["pdf/bundle/2026-11.pdf", "pdf/m.pdf"]
    # The notice is typeset once; the bundle takes its new PDF as it is (cover and running heads are unchanged).
    assert [j.title for j in typeset] == ["关于冬季安全用电的通知"]
    bundle = "".join(text(project / "output/public/pdf/bundle/2026-11.pdf").split())
    assert bundle.count("请全体居民") == 1 and "关于冬季安全用电的通知" in bundle


@needs_poppler
def test_bundle_is_the_notices_own_pdfs_behind_a_cover_tagged_pdfa(built: Path) -> None:
    import pikepdf

    out = built / "output/public/pdf"
    bundle = out / "bundle/2026-11.pdf"
    notices = [out / "m.pdf", out / "n.pdf", out / "caiwu/2026-11.pdf"]  # by publication date, then id
    assert [int(n) for n in re.findall(r"(\d+)\s*页", text(bundle, 1))] == [pdf_pages(n) for n in notices]
    with pikepdf.open(bundle) as document:
        assert len(document.pages) == 1 + sum(pdf_pages(n) for n in notices)
        assert document.open_metadata().pdfa_status == "3U"
        assert document.Root.MarkInfo.Marked
        parts = document.Root.StructTreeRoot.K[0].K
        assert [str(p.S) for p in parts][1:] == ["/Art"] * 3  # the cover's section, then one article per notice
        keys = {int(k) for k in document.Root.StructTreeRoot.ParentTree.Nums[::2]}
        own = [int(page.StructParents) for page in document.pages]
        assert len(set(own)) == len(own) and set(own) <= keys  # every page's tagged content is found in the tree
    page = 2
    for number, notice in enumerate(notices, 1):
        for own in range(1, pdf_pages(notice) + 1):
            printed = "".join(text(bundle, page).split())
            assert printed.startswith(f"汇编第{number}件（共3件）")
            assert printed.removeprefix(f"汇编第{number}件（共3件）") == "".join(text(notice, own).split())
            page += 1


def pdf_pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(l for l in info.splitlines() if l.startswith("Pages:")).split()[-1])


def test_an_interrupted_cold_build_keeps_every_finished_pdf(
    site, monkeypatch: pytest.MonkeyPatch, typeset: list[pdf.PdfJob]
) -> None:
    class PowerCut(Exception):
        pass

    counting = pdf._render_job

    def cut_after_two(job: pdf.PdfJob, css_text: str, fonts: pdf.FontChoice) -> pdf.Rendered:
        if len(typeset) == 2:
            raise PowerCut
        return counting(job, css_text, fonts)

    project = site(FILES)
    # Revisions recorded first: a revision recorded by an interrupted build would get a new salt, so a new hash
    # to print, and its PDF is rightly typeset again.
    assert run(project, "build", "--no-pdf", "--as-of", "2026-11-26").exit_code == 0
    monkeypatch.setattr(pdf, "_render_job", cut_after_two)
    with pytest.raises(PowerCut):
        run(project, "build", "--as-of", "2026-11-26")
    cache = project / ".sanwu-cache/pdf"
    assert len(list(cache.glob("*.bin"))) == 2 and not list(cache.glob(".*"))  # whole files only
    finished = {j.title for j in typeset}
    monkeypatch.setattr(pdf, "_render_job", counting)
    assert run(project, "build", "--as-of", "2026-11-26").exit_code == 0
    again = {j.title for j in typeset[2:]}
    assert again and not finished & again  # what was finished is not typeset again


def test_missing_cjk_font_is_a_clear_error(site, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf, "installed_cjk_families", lambda: set())
    project = site({"n.md": NOTICE})
    result = run(project, "build", "--as-of", "2026-11-26")
    assert result.exit_code == 1 and "fonts-noto-cjk" in result.output
    assert not (project / "output/public").exists()
