"""The PDF engine: A4 pages, embedded CJK fonts, repeated table headers, QR codes, same bytes, cache."""

from __future__ import annotations

import datetime
import hashlib
import logging
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from weasyprint.text import ffi

from site_builder.render import pdf

URL = "https://example.org/fenghuang/juwu/dibao-2026-q4/"
TITLE = "凤凰社区2026年第四季度低保审核结果公示"
ORG = "凤凰社区居民委员会"
CREATED = datetime.date(2026, 11, 9)
REPO = Path(__file__).resolve().parents[2]

# 堃 is not in GB 2312: the faces cut to the common characters lack it, the full face prints it.
HOUSEHOLDS = ["张建国", "李秀英", "王德堃", "刘桂兰", "陈志强", "杨玉珍", "赵国华", "黄淑芬"]
CHANGES = ["新增", "保持", "增发", "保持", "减发", "停发"]


def notice_html(rows: int = 5, *, draft: bool = False, extra: str = "") -> str:
    """A 低保 公示 as the core renders it: title, table, 公示期, 监督电话, 落款, verification footer."""
    body = []
    for i in range(rows):
        change = CHANGES[i % len(CHANGES)]
        amount = "—" if change == "停发" else f"{(i % 4 + 1) * 630:,.2f}"
        body.append(
            f"<tr><td class='center'>{i + 1}</td><td>{HOUSEHOLDS[i % len(HOUSEHOLDS)]}{i + 1}</td>"
            f"<td class='center'>{i % 4 + 1}</td><td class='center'>{change}</td>"
            f"<td class='amount'>{amount}</td></tr>"
        )
    watermark = '<div class="draft" aria-hidden="true">草稿</div>' if draft else ""
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>页面标题不进 PDF</title>
<meta name="author" content="不应出现的作者"><meta name="description" content="内部说明"></head>
<body>{watermark}
<h1>{TITLE}</h1>
<p>经本人申请、入户调查、民主评议和社区审核，现将2026年第四季度最低生活保障审核结果公示如下，接受群众监督。</p>
<table><thead><tr><th>序号</th><th>户主姓名</th><th>家庭人口</th><th>变动情况</th><th>月保障金额（元）</th></tr></thead>
<tbody>{"".join(body)}</tbody>
<tfoot><tr><td colspan="4">合计（人民币大写：<span class="upper">伍仟零肆拾元整</span>）</td>
<td class="amount">5,040.00</td></tr></tfoot></table>
<p>如有异议，请在公示期内向社区居务监督委员会或街道办事处反映。</p>
<p class="notice-period">公示期：2026年11月10日至2026年11月16日（共7天）</p>
<p class="supervision">监督电话：0746-1234567（社区居务监督委员会）</p>
<div class="signature"><p>{ORG}</p><p>2026年11月9日</p></div>
<div class="verify-footer">{pdf.qr_svg(URL)}
<p>第 2 次修订 · 记录摘要 3f2a9c1e7b40 · 审计链 #128 ab12cd34ef56</p>
<p>扫描二维码或访问 {URL} 核对线上版本。</p></div>
{extra}
</body></html>"""


def render(html: str, base_dir: Path) -> bytes:
    """render_pdf with the sample's title, author and date."""
    return pdf.render_pdf(html, base_dir, title=TITLE, author=ORG, created=CREATED)


def job(html: str, base_dir: Path) -> pdf.PdfJob:
    """A PdfJob with the sample's title, author and date."""
    return pdf.PdfJob(html=html, base_dir=base_dir, title=TITLE, author=ORG, created=CREATED)


def tool(name: str) -> str:
    """Path of a command-line tool, or skip the test."""
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} not installed (poppler-utils / zbar-tools)")
    return found


def run(*args: str) -> str:
    """Run a command, return stdout."""
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def pdf_text(path: Path, page: int | None = None) -> str:
    """pdftotext of the whole file or of one page."""
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return run(tool("pdftotext"), *pages, str(path), "-")


def pdf_info(path: Path) -> dict[str, str]:
    """pdfinfo as a dict."""
    info = run(tool("pdfinfo"), "-isodates", str(path))
    return {key.strip(): value.strip() for key, _, value in (line.partition(":") for line in info.splitlines())}


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _render_logged(html: str, base_dir: Path) -> tuple[bytes, list[str]]:
    """Render and return the WeasyPrint warnings and errors logged meanwhile."""
    handler = _Collect()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        data = render(html, base_dir)
    finally:
        logger.removeHandler(handler)
    return data, [record.getMessage() for record in handler.records]


@pytest.fixture(scope="module")
def notice(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """The sample notice rendered once: its path and the WeasyPrint warnings logged."""
    folder = tmp_path_factory.mktemp("notice")
    data, warnings = _render_logged(notice_html(), folder)
    path = folder / "notice.pdf"
    path.write_bytes(data)
    return path, warnings


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A draft notice with an 80-row table."""
    folder = tmp_path_factory.mktemp("ledger")
    path = folder / "ledger.pdf"
    path.write_bytes(render(notice_html(80, draft=True), folder))
    return path


# -- the printed notice ------------------------------------------------------------------------


def test_notice_is_one_a4_page(notice: tuple[Path, list[str]]) -> None:
    info = pdf_info(notice[0])
    assert info["Pages"] == "1"
    width, height = map(float, re.findall(r"[\d.]+", info["Page size"])[:2])
    assert (round(width, 1), round(height, 1)) == (595.3, 841.9)  # 210 x 297 mm


def test_fonts_are_embedded_cjk_subsets(notice: tuple[Path, list[str]]) -> None:
    rows = run(tool("pdffonts"), str(notice[0])).splitlines()[2:]
    assert rows, "no fonts in the PDF"
    for row in rows:
        _name, *_, emb, sub, uni, _obj, _gen = row.split()
        assert (emb, sub, uni) == ("yes", "yes", "yes"), row
    assert any("CJK" in row.split()[0] for row in rows), rows


def test_text_has_title_period_phone_and_page_number(notice: tuple[Path, list[str]]) -> None:
    text = pdf_text(notice[0])
    for expected in (
        TITLE,
        "公示期：2026年11月10日至2026年11月16日",
        "监督电话：0746-1234567",
        ORG,
        "2026年11月9日",
        "— 1 —",
        "王德堃3",
    ):
        assert expected in text


def test_metadata_comes_from_the_arguments_only(notice: tuple[Path, list[str]]) -> None:
    info = pdf_info(notice[0])
    assert info["Title"] == TITLE
    assert info["Author"] == ORG
    assert info["CreationDate"].startswith("2026-11-09")
    assert info["ModDate"].startswith("2026-11-09")
    assert "Subject" not in info  # <meta name=description> stays out


def test_sample_notice_logs_no_weasyprint_warning(notice: tuple[Path, list[str]]) -> None:
    assert notice[1] == []


def test_long_table_repeats_its_header_on_every_page(ledger: Path) -> None:
    pages = int(pdf_info(ledger)["Pages"])
    assert pages >= 2
    second = pdf_text(ledger, 2)
    assert "户主姓名" in second and "月保障金额（元）" in second
    assert "— 2 —" in second


def test_draft_watermark_is_on_every_page(ledger: Path) -> None:
    pages = int(pdf_info(ledger)["Pages"])
    for page in range(1, pages + 1):
        text = pdf_text(ledger, page)
        assert "草" in text and "稿" in text, page  # rotated: extracted as two words


def test_totals_row_is_printed_once_at_the_end(ledger: Path) -> None:
    pages = int(pdf_info(ledger)["Pages"])
    with_total = [page for page in range(1, pages + 1) if "合计" in pdf_text(ledger, page)]
    assert len(with_total) == 1


def test_qr_code_scans_to_the_online_page(notice: tuple[Path, list[str]], tmp_path: Path) -> None:
    zbarimg = tool("zbarimg")
    run(tool("pdftoppm"), "-r", "200", "-png", "-f", "1", "-l", "1", str(notice[0]), str(tmp_path / "page"))
    (image,) = tmp_path.glob("page*.png")
    assert run(zbarimg, "--raw", "-q", str(image)).strip() == URL


def test_qr_svg_is_inline_markup_and_deterministic() -> None:
    markup = pdf.qr_svg(URL)
    assert markup.startswith("<svg") and "<?xml" not in markup
    assert markup == pdf.qr_svg(URL)
    assert markup != pdf.qr_svg(URL + "x")


# -- reproducible bytes ------------------------------------------------------------------------


def test_two_renders_give_identical_bytes(notice: tuple[Path, list[str]], tmp_path: Path) -> None:
    assert render(notice_html(), tmp_path) == notice[0].read_bytes()


def test_another_process_gives_identical_bytes(notice: tuple[Path, list[str]], tmp_path: Path) -> None:
    script = (
        "import sys, datetime; from pathlib import Path; sys.path.insert(0, sys.argv[1]);"
        "import test_pdf_engine as t;"
        "sys.stdout.buffer.write(t.render(t.notice_html(), Path(sys.argv[2])))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "4242", "TZ": "Pacific/Auckland", "PYTHONPATH": str(REPO)}
    env["SOURCE_DATE_EPOCH"] = "1"  # WeasyPrint ignores it; the date comes from the arguments
    done = subprocess.run(
        [sys.executable, "-c", script, str(Path(__file__).parent), str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        check=True,
    )
    assert hashlib.sha256(done.stdout).hexdigest() == hashlib.sha256(notice[0].read_bytes()).hexdigest()


# -- resources ---------------------------------------------------------------------------------


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A root folder with one image inside, a secret beside it and a symlink pointing out."""
    root = tmp_path / "content"
    (root / "img").mkdir(parents=True)
    (root / "img" / "seal.png").write_bytes(b"\x89PNG-inside")
    (tmp_path / "secret.txt").write_text("secret")
    (root / "img" / "escape.png").symlink_to(tmp_path / "secret.txt")
    return root


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/x.png",
        "https://example.com/x.png",
        "ftp://example.com/x.png",
        "file:///etc/passwd",
        "data:text/html,<script>alert(1)</script>",
    ],
)
def test_fetcher_refuses_network_and_foreign_files(site: Path, url: str) -> None:
    with pytest.raises(pdf.ResourceRefusedError):
        pdf.make_url_fetcher(site)(url)


def test_fetcher_refuses_dot_dot_and_symlink_escapes(site: Path) -> None:
    fetch = pdf.make_url_fetcher(site)
    with pytest.raises(pdf.ResourceRefusedError):
        fetch(site.as_uri() + "/img/../../secret.txt")
    with pytest.raises(pdf.ResourceRefusedError):
        fetch((site / "img" / "escape.png").as_uri())


def test_fetcher_serves_files_inside_root_and_our_data_images(site: Path) -> None:
    fetch = pdf.make_url_fetcher(site)
    response = fetch((site / "img" / "seal.png").as_uri())
    assert response.read() == b"\x89PNG-inside"
    assert response.content_type == "image/png"
    svg = fetch("data:image/svg+xml;base64,PHN2Zy8+")
    assert svg.read() == b"<svg/>"


def test_render_skips_remote_resources_without_fetching(tmp_path: Path) -> None:
    extra = '<img src="http://example.com/x.png"><img src="../../../etc/passwd">'
    data, logged = _render_logged(notice_html(extra=extra), tmp_path)
    assert data.startswith(b"%PDF-")
    assert len(logged) == 2 and all("ResourceRefusedError" in message for message in logged), logged


# -- cache -------------------------------------------------------------------------------------


def test_cache_hit_does_not_render(tmp_path: Path, typeset: list[pdf.PdfJob]) -> None:
    jobs = [job(notice_html(3), tmp_path), job(notice_html(4), tmp_path)]
    first = pdf.render_cached(jobs, tmp_path / "cache", processes=1)
    assert len(typeset) == 2
    second = pdf.render_cached(jobs, tmp_path / "cache", processes=1)
    assert len(typeset) == 2
    assert second == first
    assert not list((tmp_path / "cache").glob(".*.tmp"))


def test_cache_renders_only_the_changed_job(tmp_path: Path, typeset: list[pdf.PdfJob]) -> None:
    jobs = [job(notice_html(3), tmp_path), job(notice_html(4), tmp_path)]
    before = pdf.render_cached(jobs, tmp_path / "cache", processes=1)
    changed = [jobs[0], job(notice_html(5), tmp_path)]
    after = pdf.render_cached(changed, tmp_path / "cache", processes=1)
    assert [j.html for j in typeset[2:]] == [notice_html(5)]
    assert after[0] == before[0] and after[1] != before[1]


def test_a_damaged_cached_pdf_is_typeset_again(tmp_path: Path, typeset: list[pdf.PdfJob]) -> None:
    """A cut-off cache file (a killed copy, a full disk) is a miss, never a PDF with a hole in it."""
    jobs = [job(notice_html(3), tmp_path)]
    first = pdf.render_cached(jobs, tmp_path / "cache", processes=1)
    (cached,) = (tmp_path / "cache").glob("*.bin")
    cached.write_bytes(cached.read_bytes()[:-2000])
    again = pdf.render_cached(jobs, tmp_path / "cache", processes=1)
    assert len(typeset) == 2 and again == first


def test_cache_notices_a_changed_image(tmp_path: Path, typeset: list[pdf.PdfJob]) -> None:
    (tmp_path / "chart.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
    jobs = [job(notice_html(extra='<img src="chart.svg">'), tmp_path)]
    pdf.render_cached(jobs, tmp_path / "cache")
    pdf.render_cached(jobs, tmp_path / "cache")
    assert len(typeset) == 1
    (tmp_path / "chart.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10"/>')
    pdf.render_cached(jobs, tmp_path / "cache")
    assert len(typeset) == 2


def test_parallel_misses_match_serial_renders(tmp_path: Path) -> None:
    jobs = [job(notice_html(rows), tmp_path) for rows in (2, 3, 4)]
    parallel = pdf.render_cached(jobs, tmp_path / "cache", processes=2)
    assert parallel == [render(j.html, tmp_path) for j in jobs]


# -- fonts and set-up --------------------------------------------------------------------------


def test_no_cjk_font_is_an_error_not_tofu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf, "_fc_list", lambda *args: "")
    with pytest.raises(pdf.PdfError, match="apt-get install fonts-noto-cjk"):
        pdf.choose_fonts()
    with pytest.raises(pdf.PdfError):
        render(notice_html(), Path())


def test_missing_fc_list_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(*args: object, **kwargs: object) -> None:
        raise FileNotFoundError("fc-list")

    monkeypatch.setattr(subprocess, "run", missing)
    with pytest.raises(pdf.PdfError, match="fontconfig"):
        pdf.choose_fonts()


def test_real_gongwen_faces_are_preferred(monkeypatch: pytest.MonkeyPatch) -> None:
    listing = "Noto Serif CJK SC\n仿宋,FangSong\nNoto Sans CJK SC\n黑体,SimHei\n"
    monkeypatch.setattr(pdf, "_fc_list", lambda *args: listing)
    assert pdf.choose_fonts() == pdf.FontChoice(serif="FangSong", sans="SimHei")


def test_noto_stands_in_for_the_gongwen_faces(monkeypatch: pytest.MonkeyPatch) -> None:
    listing = "Noto Sans CJK SC\nNoto Serif CJK JP\nNoto Serif CJK SC\n"
    monkeypatch.setattr(pdf, "_fc_list", lambda *args: listing)
    assert pdf.choose_fonts() == pdf.FontChoice(serif="Noto Serif CJK SC", sans="Noto Sans CJK SC")


def test_slow_subsetting_names_the_debian_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf, "harfbuzz_subset_available", lambda: False)
    warning = pdf.slow_path_warning()
    assert warning is not None and "libharfbuzz-subset0" in warning
    monkeypatch.setattr(pdf, "harfbuzz_subset_available", lambda: True)
    assert pdf.slow_path_warning() is None


def test_harfbuzz_subset_matches_what_weasyprint_loaded() -> None:
    assert pdf.harfbuzz_subset_available() == (ffi.harfbuzz_subset is not None)


def test_cut_fonts_go_to_an_absolute_folder_even_when_xdg_cache_home_is_relative(monkeypatch, tmp_path) -> None:
    # A relative folder cannot be a font's file URI: WeasyPrint would stop the build with a traceback.
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", ".cache")
    assert pdf.font_cache_dir() == tmp_path / ".cache" / "sanwu" / "fonts"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert pdf.font_cache_dir() == tmp_path / "xdg" / "sanwu" / "fonts"
