"""PDF notices: WeasyPrint with print.css, embedded CJK fonts, reproducible bytes and a render cache."""

from __future__ import annotations

import atexit
import bisect
import contextlib
import ctypes
import ctypes.util
import datetime
import functools
import hashlib
import importlib.metadata
import io
import itertools
import json
import logging
import multiprocessing
import os
import re
import subprocess
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

import segno

from .parallel import worker_count

if TYPE_CHECKING:
    from multiprocessing.synchronize import Event

    from .fetcher import RootedFetcher

# WeasyPrint (seconds to import) and pikepdf are imported only where a PDF is typeset or assembled:
# a build whose PDFs all come from the cache never loads them.

LOGGER = logging.getLogger(__name__)

PRINT_CSS = Path(__file__).resolve().parent.parent / "static" / "print.css"

# Preference order: the faces GB/T 9704 names (installed on most office PCs), then the
# free stand-ins from Debian's fonts-noto-cjk and Adobe's Source Han.
SERIF_FAMILIES = (
    "FangSong_GB2312",
    "仿宋_GB2312",
    "FangSong",
    "仿宋",
    "STFangsong",
    "华文仿宋",
    "SimSun",
    "宋体",
    "NSimSun",
    "新宋体",
    "Noto Serif CJK SC",
    "Source Han Serif SC",
    "Source Han Serif CN",
    "思源宋体",
)
SANS_FAMILIES = (
    "SimHei",
    "黑体",
    "STHeiti",
    "华文黑体",
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "思源黑体",
    "Microsoft YaHei",
    "微软雅黑",
)
SERIF_FALLBACK = "Noto Serif CJK SC"
SANS_FALLBACK = "Noto Sans CJK SC"

NO_CJK_FONT = (
    "未找到中文字体，无法生成 PDF（否则文字会显示为方框）。请安装 fonts-noto-cjk：apt-get install fonts-noto-cjk"
)
NO_FONTCONFIG = (
    "未找到 fc-list（fontconfig），无法检查中文字体。"
    "请安装 fontconfig 和 fonts-noto-cjk：apt-get install fontconfig fonts-noto-cjk"
)
SLOW_SUBSET = (
    "未找到 HarfBuzz 子集化库 libharfbuzz-subset，WeasyPrint 将改用很慢的 fontTools 嵌入中文字体"
    "（每份 PDF 需数秒至数十秒）。请安装：apt-get install libharfbuzz-subset0"
)

# Archival and accessible: PDF/A-3u (fonts embedded, Unicode text) with a structure tree (tags).
PDF_OPTIONS: dict[str, Any] = {"pdf_variant": "pdf/a-3u", "pdf_tags": True}

# Only these may come in as data: URIs (QR codes and charts we generate ourselves).
DATA_URI_TYPES = frozenset({"image/svg+xml", "image/png"})
CONTENT_TYPES = {
    ".css": "text/css",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
    ".otf": "font/otf",
    ".ttf": "font/ttf",
    ".ttc": "font/collection",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
}


class PdfError(Exception):
    """A user-facing problem, message in Chinese (say what to install)."""


class ResourceRefusedError(Exception):
    """A resource the PDF may not load: network, outside the root, or an unknown data: type."""


@dataclass(frozen=True)
class FontChoice:
    """CSS font-family names actually installed: the body (serif) face and the heading (sans) face."""

    serif: str
    sans: str


@dataclass(frozen=True)
class PdfJob:
    """Everything render_pdf needs for one document."""

    html: str
    base_dir: Path
    title: str
    author: str
    created: datetime.date
    lang: str = "zh-CN"
    tagged: bool = True  # PDF/A-3u with a structure tree; False only for the running heads laid over a bundle


@dataclass(frozen=True)
class PlannedPdf:
    """A document known by a digest of its inputs, whose HTML is made only when the cache lacks it."""

    inputs: str  # digest of everything the document is made from (record, revision, templates, settings)
    base_dir: Path
    make: Callable[[], PdfJob]  # called where the document is typeset: in a worker, when workers fork
    weight: int = 0  # a guess at its length, so that the longest are typeset first


def planned(job: PdfJob) -> PlannedPdf:
    """A job whose HTML is already rendered: its inputs are the HTML and the metadata."""
    material = "\0".join([job.html, job.title, job.author, job.created.isoformat(), job.lang, str(job.tagged)])
    return PlannedPdf(hashlib.sha256(material.encode()).hexdigest(), job.base_dir, lambda: job, len(job.html))


@dataclass(frozen=True)
class Rendered:
    """A rendered PDF and the local files it read (path relative to base_dir -> sha256)."""

    pdf: bytes
    deps: dict[str, str] = field(default_factory=dict)


# -- fonts -------------------------------------------------------------------------------------


def _fc_list(*args: str) -> str:
    """Run fc-list with args and return its stdout."""
    try:
        done = subprocess.run(["fc-list", *args], capture_output=True, text=True, encoding="utf-8", check=True)
    except FileNotFoundError as exc:
        raise PdfError(NO_FONTCONFIG) from exc
    except subprocess.CalledProcessError as exc:
        raise PdfError(f"fc-list 运行失败：{exc.stderr.strip()}。{NO_FONTCONFIG}") from exc
    return done.stdout


def _split_families(line: str) -> list[str]:
    """Split one `fc-list family` line ("仿宋,FangSong") into unescaped names."""
    names = re.split(r"(?<!\\),", line.strip())
    return [re.sub(r"\\(.)", r"\1", name).strip() for name in names if name.strip()]


def installed_cjk_families() -> set[str]:
    """Every family name fontconfig knows that covers Chinese."""
    families: set[str] = set()
    for line in _fc_list(":lang=zh", "family").splitlines():
        families.update(_split_families(line))
    return families


def _first_available(preferred: Sequence[str], found: set[str]) -> str | None:
    """The first of preferred that is installed (family names compare case-insensitively)."""
    lowered = {name.casefold(): name for name in found}
    return next((lowered[name.casefold()] for name in preferred if name.casefold() in lowered), None)


def choose_fonts() -> FontChoice:
    """Pick the installed serif and sans CJK families, real 公文 faces first; PdfError if none."""
    found = installed_cjk_families()
    if not found:
        raise PdfError(NO_CJK_FONT)
    anything = sorted(found)[0]  # some CJK face beats tofu; sorted for a stable pick
    serif = _first_available(SERIF_FAMILIES, found) or _first_available(SANS_FAMILIES, found) or anything
    sans = _first_available(SANS_FAMILIES, found) or serif
    return FontChoice(serif=serif, sans=sans)


@functools.cache
def _charset(family: str) -> tuple[tuple[int, int], ...]:
    """The code points the installed face fontconfig matches for family covers, as ranges."""
    ranges = []
    for part in _fc_match(family, "%{charset}").split():
        low, _, high = part.partition("-")
        ranges.append((int(low, 16), int(high or low, 16)))
    return tuple(ranges)


def _fc_match(pattern: str, fmt: str) -> str:
    """What fc-match says of the face fontconfig picks for pattern, in fmt (PdfError: no fontconfig)."""
    try:
        done = subprocess.run(
            ["fc-match", f"--format={fmt}", pattern], capture_output=True, text=True, encoding="utf-8", check=True
        )
    except (FileNotFoundError, subprocess.CalledProcessError) as exc:
        raise PdfError(NO_FONTCONFIG) from exc
    return done.stdout


@functools.cache
def _any_font_has(code: int) -> bool:
    """True when some installed font draws this character (the renderer falls back to it)."""
    return bool(_fc_list(f":charset={code:x}", "family").strip())


@functools.cache
def _covered(fonts: FontChoice) -> tuple[list[int], list[int]]:
    """The chosen faces' code point ranges, merged and sorted: (first code points, last code points)."""
    lows: list[int] = []
    highs: list[int] = []
    for low, high in sorted(_charset(fonts.serif) + _charset(fonts.sans)):
        if highs and low <= highs[-1] + 1:
            highs[-1] = max(highs[-1], high)
        else:
            lows.append(low)
            highs.append(high)
    return lows, highs


def missing_glyphs(text: str, fonts: FontChoice) -> list[str]:
    """The characters of text no installed font can draw (they would print as boxes), in order of appearance."""
    lows, highs = _covered(fonts)
    missing = []
    for char in dict.fromkeys(text):
        code = ord(char)
        at = bisect.bisect_right(lows, code) - 1
        if char.isspace() or code < 0x20 or (at >= 0 and code <= highs[at]):
            continue
        if not _any_font_has(code):
            missing.append(char)
    return missing


def _css_string(name: str) -> str:
    """A CSS string literal for a family name."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _font_css(fonts: FontChoice, faces: Sequence[Face] = (), css_text: str = "") -> str:
    """Point print.css's font variables at the families choose_fonts found, each cut face just before the
    face it was cut from (a character the cut lacks falls through to the full face, and on to any other)."""
    cuts = {face.source: face.family for face in faces}

    def listed(names: Sequence[str]) -> str:
        with_cuts = [cut for name in names for cut in ([cuts[name]] if name in cuts else []) + [name]]
        return ", ".join(_css_string(name) for name in dict.fromkeys(with_cuts))

    own = {
        "serif": listed([fonts.serif, SERIF_FALLBACK]) + ", serif",
        "sans": listed([fonts.sans, SANS_FALLBACK]) + ", sans-serif",
    }
    for name, value in re.findall(r"--sanwu-(title|kai):\s*([^;]+);", css_text) if cuts else []:
        families = [part.strip().strip('"') for part in value.split(",")]
        own[name] = listed(families[:-1]) + ", " + families[-1]  # the last is the generic family
    faces_css = "".join(
        f"@font-face {{ font-family: {_css_string(face.family)}; font-weight: {'bold' if face.bold else 'normal'}; "
        f"src: url({_css_string(face.path.as_uri())}); }}\n"
        for face in faces
    )
    variables = " ".join(f"--sanwu-{name}: {value};" for name, value in own.items())
    return f"{faces_css}:root {{ {variables} }}\n"


def _font_identity(fonts: FontChoice) -> str:
    """A fingerprint of the installed CJK font files (path, size, mtime) and the choice."""
    files = sorted(set(_fc_list("--format=%{file}\\n", ":lang=zh").splitlines()) - {""})
    entries: list[list[Any]] = [[fonts.serif, fonts.sans]]
    for name in files:
        try:
            stat = os.stat(name)
        except OSError:
            continue
        entries.append([name, stat.st_size, stat.st_mtime_ns])
    return hashlib.sha256(json.dumps(entries, ensure_ascii=False).encode()).hexdigest()


# -- HarfBuzz and the native libraries (read with ctypes, so that a cached build never imports WeasyPrint) --


def _dlopen(*names: str) -> ctypes.CDLL | None:
    """The first of names that loads, as WeasyPrint's ffi tries them (a bare name through find_library)."""
    found = (ctypes.util.find_library(name) for name in names)  # only if no name loads: it runs ldconfig
    for candidate in itertools.chain(names, found):
        if candidate:
            try:
                return ctypes.CDLL(candidate)
            except OSError:
                continue
    return None


@functools.cache
def _native() -> dict[str, ctypes.CDLL | None]:
    """Pango, HarfBuzz and HarfBuzz-subset under the names WeasyPrint 70 loads them by."""
    return {
        "pango": _dlopen("libpango-1.0-0", "pango-1.0-0", "pango-1.0", "libpango-1.0.so.0", "libpango-1.0.dylib"),
        "harfbuzz": _dlopen("libharfbuzz-0", "harfbuzz", "harfbuzz-0.0", "libharfbuzz.so.0", "libharfbuzz.0.dylib"),
        "subset": _dlopen(
            "libharfbuzz-subset-0",
            "harfbuzz-subset",
            "harfbuzz-subset-0.0",
            "libharfbuzz-subset.so.0",
            "libharfbuzz-subset.0.dylib",
            "libharfbuzz-subset-0.dll",
        ),
    }


def harfbuzz_subset_available() -> bool:
    """True when WeasyPrint will subset fonts with HarfBuzz rather than the slow fontTools path."""
    # Same test as weasyprint.pdf.fonts.Font.subset in WeasyPrint 70: the library loads and HarfBuzz >= 4.1.
    libs = _native()
    harfbuzz = libs["harfbuzz"]
    return libs["subset"] is not None and harfbuzz is not None and bool(harfbuzz.hb_version_atleast(4, 1, 0))


def slow_path_warning() -> str | None:
    """A Chinese warning naming libharfbuzz-subset0 when the slow fontTools path would be used."""
    return None if harfbuzz_subset_available() else SLOW_SUBSET


def _library_versions() -> str:
    """Versions of the native libraries whose output ends up in the PDF bytes."""
    libs = _native()
    pango = libs["pango"].pango_version() if libs["pango"] else "unknown"
    harfbuzz = "unknown"
    if libs["harfbuzz"]:
        libs["harfbuzz"].hb_version_string.restype = ctypes.c_char_p
        harfbuzz = libs["harfbuzz"].hb_version_string().decode()
    return f"pango {pango}; harfbuzz {harfbuzz}; subset {harfbuzz_subset_available()}"


# -- the common characters, cut once from each face (a subset of 8,000 glyphs is typeset far faster than the
# 65,000 of a CJK face; WeasyPrint subsets and compresses every face a document uses, for every document) --

# Bump when the cut changes (characters, flags): the cut files' names and the PDF cache keys follow this module.
CUT_CHARACTERS = (
    (0x20, 0x7E),  # ASCII
    (0xA0, 0x24F),  # Latin-1 and Latin Extended (pinyin with tones)
    (0x370, 0x3FF),  # Greek
    (0x400, 0x4FF),  # Cyrillic
    (0x2000, 0x206F),  # general punctuation (— … ‘’ “” ‰)
    (0x2100, 0x22FF),  # letterlike (℃ №), number forms (Ⅻ), arrows, mathematical operators (− × ÷ ≤)
    (0x2460, 0x27BF),  # ①–⑳, box drawing, shapes (■ □ ▲ ○ ●), symbols (★ ☆ ✓)
    (0x3000, 0x33FF),  # CJK punctuation (、。《》【】〔〕), kana, bopomofo, ㈠–㈩, ㎡ ㎏
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFF01, 0xFFEF),  # full-width forms (（）：；，０–９)
)
HB_SUBSET_FLAGS = 0x1 | 0x4  # no hinting (WeasyPrint drops it), desubroutinized (WeasyPrint does it per document)
# Kept whole: every layout feature (tabular figures, CJK spacing) and the BASE table, which places a line's
# baseline when a character falls through to the full face; HarfBuzz would drop both by default.
HB_SUBSET_SETS_NO_SUBSET_TABLE_TAG, HB_SUBSET_SETS_DROP_TABLE_TAG, HB_SUBSET_SETS_LAYOUT_FEATURE_TAG = 2, 3, 6
BASE_TABLE = int.from_bytes(b"BASE", "big")


@dataclass(frozen=True)
class Face:
    """A face cut to the common characters, declared with @font-face ahead of the full face it was cut from."""

    source: str  # the family it was cut from, e.g. "Noto Serif CJK SC"
    family: str  # the CSS family of the cut, e.g. "Noto Serif CJK SC Common"
    bold: bool
    path: Path


@functools.cache
def common_characters() -> tuple[int, ...]:
    """GB 2312 (6,763 汉字 with its punctuation and symbols) and the Latin and punctuation ranges above."""
    found = {code for low, high in CUT_CHARACTERS for code in range(low, high + 1)}
    for row in range(0xA1, 0xF8):
        for cell in range(0xA1, 0xFF):
            try:
                found.update(map(ord, bytes([row, cell]).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return tuple(sorted(found))


def font_cache_dir() -> Path:
    """Where the cut faces are kept for every project on this machine ($XDG_CACHE_HOME/sanwu/fonts; a relative
    $XDG_CACHE_HOME is ignored, as the XDG specification says: a font's place must be a file URI)."""
    given = Path(os.environ.get("XDG_CACHE_HOME") or "")
    return (given if given.is_absolute() else Path.home() / ".cache") / "sanwu" / "fonts"


def _replace_atomically(target: Path, data: bytes) -> None:
    """Write data to target through a temporary file beside it (a reader never sees half a file)."""
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem[:16]}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _match(family: str, bold: bool) -> tuple[str, int] | None:
    """The file and face index fontconfig picks for family in that weight, if it is a face of family."""
    pattern = f"{family}:weight={'bold' if bold else 'regular'}"
    try:
        said = _fc_match(pattern, "%{file}\n%{index}\n%{family}")
    except PdfError:
        return None
    path, index, names = (said.split("\n", 2) + ["", ""])[:3]
    if not path or family.casefold() not in {name.casefold() for name in _split_families(names)}:
        return None
    return path, int(index or 0)


def _cut(source: str, index: int, target: Path) -> bool:
    """Write face index of source, cut to the common characters, to target (atomically); False on failure."""
    libs = _native()
    harfbuzz, subset = libs["harfbuzz"], libs["subset"]
    if harfbuzz is None or subset is None or not harfbuzz_subset_available():
        return False
    pointer = ctypes.c_void_p
    harfbuzz.hb_blob_create_from_file.restype = pointer
    harfbuzz.hb_face_create.restype = pointer
    harfbuzz.hb_face_create.argtypes = [pointer, ctypes.c_uint]
    harfbuzz.hb_set_add.argtypes = [pointer, ctypes.c_uint32]
    harfbuzz.hb_set_del.argtypes = [pointer, ctypes.c_uint32]
    harfbuzz.hb_set_invert.argtypes = [pointer]
    harfbuzz.hb_set_clear.argtypes = [pointer]
    subset.hb_subset_input_set.restype = pointer
    subset.hb_subset_input_set.argtypes = [pointer, ctypes.c_int]
    harfbuzz.hb_face_reference_blob.restype = pointer
    harfbuzz.hb_face_reference_blob.argtypes = [pointer]
    harfbuzz.hb_blob_get_data.restype = ctypes.c_void_p
    harfbuzz.hb_blob_get_data.argtypes = [pointer, ctypes.POINTER(ctypes.c_uint)]
    harfbuzz.hb_blob_destroy.argtypes = [pointer]
    harfbuzz.hb_face_destroy.argtypes = [pointer]
    subset.hb_subset_input_create_or_fail.restype = pointer
    subset.hb_subset_input_unicode_set.restype = pointer
    subset.hb_subset_input_unicode_set.argtypes = [pointer]
    subset.hb_subset_input_set_flags.argtypes = [pointer, ctypes.c_uint]
    subset.hb_subset_input_destroy.argtypes = [pointer]
    subset.hb_subset_or_fail.restype = pointer
    subset.hb_subset_or_fail.argtypes = [pointer, pointer]

    blob = harfbuzz.hb_blob_create_from_file(os.fsencode(source))
    face = harfbuzz.hb_face_create(blob, index)
    request = subset.hb_subset_input_create_or_fail()
    unicodes = subset.hb_subset_input_unicode_set(request)
    for code in common_characters():
        harfbuzz.hb_set_add(unicodes, code)
    subset.hb_subset_input_set_flags(request, HB_SUBSET_FLAGS)
    features = subset.hb_subset_input_set(request, HB_SUBSET_SETS_LAYOUT_FEATURE_TAG)
    harfbuzz.hb_set_clear(features)
    harfbuzz.hb_set_invert(features)  # every feature, not only HarfBuzz's default list
    harfbuzz.hb_set_del(subset.hb_subset_input_set(request, HB_SUBSET_SETS_DROP_TABLE_TAG), BASE_TABLE)
    harfbuzz.hb_set_add(subset.hb_subset_input_set(request, HB_SUBSET_SETS_NO_SUBSET_TABLE_TAG), BASE_TABLE)
    cut = subset.hb_subset_or_fail(face, request)
    data = b""
    if cut:
        cut_blob = harfbuzz.hb_face_reference_blob(cut)
        length = ctypes.c_uint()
        address = harfbuzz.hb_blob_get_data(cut_blob, ctypes.byref(length))
        data = ctypes.string_at(address, length.value) if address else b""
        harfbuzz.hb_blob_destroy(cut_blob)
        harfbuzz.hb_face_destroy(cut)
    subset.hb_subset_input_destroy(request)
    harfbuzz.hb_face_destroy(face)
    harfbuzz.hb_blob_destroy(blob)
    if not data:
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    _replace_atomically(target, data)
    return True


@functools.cache
def common_faces(fonts: FontChoice) -> tuple[Face, ...]:
    """The chosen families' regular and bold faces cut to the common characters, cut on first use and kept in
    font_cache_dir() by the source file (path, index, size, time), HarfBuzz and the cut; () where they cannot be
    cut (the full faces then serve alone, only slower)."""
    faces = []
    try:
        folder = font_cache_dir()
    except RuntimeError:  # no home folder: nowhere to keep a cut
        return ()
    made_by = [_library_versions(), HB_SUBSET_FLAGS, hashlib.sha256(repr(common_characters()).encode()).hexdigest()]
    for family in dict.fromkeys([fonts.serif, fonts.sans]):
        sources: list[tuple[str, int]] = []
        for bold in (False, True):
            source = _match(family, bold)
            if source is None or source in sources:
                continue  # no such face (a bold is then drawn from the regular, as without the cut)
            sources.append(source)
            try:
                stat = os.stat(source[0])
            except OSError:
                continue
            cut = [*source, stat.st_size, stat.st_mtime_ns, *made_by]
            target = folder / f"{hashlib.sha256(json.dumps(cut).encode()).hexdigest()[:32]}.otf"
            try:
                if target.is_file() or _cut(*source, target):
                    faces.append(Face(family, f"{family} Common", bold, target))
            except OSError:
                LOGGER.info("PDF: cannot keep a cut of %s in %s; the full face is used", source[0], target.parent)
    return tuple(faces)


# -- resources ---------------------------------------------------------------------------------


def shorten(url: str, limit: int = 120) -> str:
    """Keep log lines short when a data: URI is refused."""
    return url if len(url) <= limit else url[:limit] + "…"


def make_url_fetcher(root: Path) -> RootedFetcher:
    """A WeasyPrint URL fetcher that serves only files inside root and our own data: images."""
    from .fetcher import RootedFetcher

    return RootedFetcher(root)


# -- QR code -----------------------------------------------------------------------------------


def qr_svg(url: str) -> str:
    """Inline <svg> of a QR code (error correction M) for url, without an XML declaration."""
    qr = segno.make(url, error="m", boost_error=False, micro=False)
    return qr.svg_inline(omitsize=True, svgclass="qr", lineclass=None, border=4)


# -- rendering ---------------------------------------------------------------------------------


def print_css() -> str:
    """The built-in print stylesheet text."""
    return PRINT_CSS.read_text(encoding="utf-8")


def paper_css(style: str = "") -> str:
    """print.css in a cascade layer, then style (the templates' rules), which wins over it whatever the selectors'
    specificity, as a document's own <style> would; one sheet, parsed once per process rather than per document."""
    return f"@layer print {{\n{print_css()}\n}}\n{style}"


def _pdf_identifier(job: PdfJob, css_text: str) -> bytes:
    """A /ID that depends on the content only, never on time or place."""
    material = "\0".join([job.html, css_text, job.title, job.author, job.created.isoformat(), job.lang])
    return hashlib.sha256(material.encode()).hexdigest()[:32].encode()


@dataclass
class Typesetter:
    """What every document of a build shares, made once per process: fonts, parsed stylesheets."""

    font_config: Any  # weasyprint.text.fonts.FontConfiguration
    stylesheets: list[Any]  # weasyprint.CSS
    fetcher: RootedFetcher  # what the stylesheets read (their local files are every document's dependencies)


@functools.lru_cache(maxsize=4)
def _typesetter(css_text: str, fonts: FontChoice, root: Path) -> Typesetter:
    """Parse print.css (and the templates' rules) and load the fonts once for every document of this process."""
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    fetcher = make_url_fetcher(root)
    base_url = fetcher.root.as_uri().rstrip("/") + "/"
    font_config = FontConfiguration()
    faces = common_faces(fonts)
    font_fetcher = make_url_fetcher(font_cache_dir()) if faces else None
    stylesheets = [
        weasyprint.CSS(string=css_text, base_url=base_url, url_fetcher=fetcher, font_config=font_config),
        weasyprint.CSS(string=_font_css(fonts, faces, css_text), url_fetcher=font_fetcher, font_config=font_config),
    ]
    return Typesetter(font_config, stylesheets, fetcher)


# WeasyPrint keeps the @font-face files in a temporary folder it removes when the FontConfiguration is
# collected: collect it before the interpreter winds down (else it warns and the folder stays).
atexit.register(_typesetter.cache_clear)


def _render_job(job: PdfJob, css_text: str, fonts: FontChoice) -> Rendered:
    """Render one job to PDF bytes; the unit of work of render_pdf and render_cached."""
    import weasyprint
    from weasyprint.pdf.metadata import DocumentMetadata

    options = PDF_OPTIONS if job.tagged else {}
    shared = _typesetter(css_text, fonts, Path(os.path.realpath(job.base_dir)))
    fetcher = make_url_fetcher(job.base_dir)
    base_url = fetcher.root.as_uri().rstrip("/") + "/"
    document_html = weasyprint.HTML(string=job.html, base_url=base_url, url_fetcher=fetcher)
    root = document_html.etree_element
    if not root.get("lang"):
        root.set("lang", job.lang)  # glyph shapes for Han follow the language (SC, not JP)
    document = document_html.render(font_config=shared.font_config, stylesheets=shared.stylesheets, **options)
    for page in document.pages:
        # A relative link resolves against the build folder: on paper it would carry the builder's local path.
        page.links = [link for link in page.links if not str(link[1]).startswith("file:")]
    # Metadata from the arguments only: nothing from <meta>, no <link rel=attachment>, no clock.
    day = job.created.isoformat()
    document.metadata = DocumentMetadata(
        title=job.title, authors=[job.author], created=day, modified=day, lang=job.lang
    )
    pdf = document.write_pdf(pdf_identifier=_pdf_identifier(job, css_text), **options)
    return Rendered(pdf=pdf, deps=dict(sorted({**shared.fetcher.served, **fetcher.served}.items())))


def render_pdf(
    html: str,
    base_dir: Path,
    *,
    title: str,
    author: str,
    created: datetime.date,
    lang: str = "zh-CN",
) -> bytes:
    """Render html (resources relative to base_dir) with print.css to reproducible PDF bytes."""
    job = PdfJob(html, base_dir, title, author, created, lang)
    return _render_job(job, paper_css(), choose_fonts()).pdf


# -- cache -------------------------------------------------------------------------------------


def _environment(fonts: FontChoice) -> str:
    """Fingerprint of the renderer: this module, WeasyPrint, pydyf, pikepdf, native libraries and fonts."""
    here = Path(__file__)  # this engine and the fetcher deciding what a PDF may read
    this_module = hashlib.sha256(here.read_bytes() + here.with_name("fetcher.py").read_bytes()).hexdigest()
    versions = [f"{name} {importlib.metadata.version(name)}" for name in ("weasyprint", "pydyf", "pikepdf")]
    return "; ".join([this_module, *versions, _library_versions(), _font_identity(fonts)])


def renderer_identity() -> str:
    """Fingerprint of the renderer and the fonts it would use (PdfError without CJK fonts)."""
    return _environment(choose_fonts())


class PdfCache:
    """Rendered PDFs in cache_dir, one file each, found by a digest of their inputs and the renderer."""

    def __init__(self, cache_dir: Path, style: str = "") -> None:
        self.dir = cache_dir
        self.css = paper_css(style)
        self.fonts = choose_fonts()
        self.environment = _environment(self.fonts)
        cache_dir.mkdir(parents=True, exist_ok=True)

    def key(self, inputs: str, base_dir: Path) -> str:
        """sha256 of everything that goes into the bytes except the local files read (checked apart)."""
        material = {
            "inputs": inputs,
            "base_dir": os.path.realpath(base_dir),
            "css": self.css,
            "environment": self.environment,
        }
        return hashlib.sha256(json.dumps(material, ensure_ascii=False, sort_keys=True).encode()).hexdigest()

    def read(self, key: str, base_dir: Path) -> bytes | None:
        """The cached PDF for key if present and every local file it read is unchanged."""
        try:
            with open(self.dir / f"{key}.bin", "rb") as stream:
                header = json.loads(stream.readline())
                pdf = stream.read()
        except (OSError, ValueError):
            return None
        if not isinstance(header, dict) or not pdf.startswith(b"%PDF-") or b"%%EOF" not in pdf[-1024:]:
            return None  # damaged (a cut-off copy, a hand edit): typeset again rather than fail on it
        root = Path(os.path.realpath(base_dir))
        for relative, digest in header.get("deps", {}).items():
            try:
                if hashlib.sha256((root / relative).read_bytes()).hexdigest() != digest:
                    return None
            except OSError:
                return None
        return pdf

    def write(self, key: str, rendered: Rendered) -> None:
        """Store a rendered PDF atomically: a temporary file, then os.replace."""
        header = json.dumps({"deps": rendered.deps}, sort_keys=True).encode() + b"\n"
        _replace_atomically(self.dir / f"{key}.bin", header + rendered.pdf)

    def render(self, jobs: Sequence[PdfJob | PlannedPdf], processes: int | None = None) -> list[bytes]:
        """Render jobs to PDF bytes, reusing the cache; misses render in parallel, largest first, and each
        reaches the cache as soon as it is done (an interrupted build keeps every finished PDF)."""
        press = Press(self, processes)
        # Longest documents first, so the last one to finish is a short one, not a long one running alone.
        plans = [job if isinstance(job, PlannedPdf) else planned(job) for job in jobs]
        for number in sorted(range(len(plans)), key=lambda n: -plans[n].weight):
            press.add(str(number), plans[number])
        results = dict(press)
        return [results[str(number)] for number in range(len(plans))]


def render_cached(jobs: Sequence[PdfJob | PlannedPdf], cache_dir: Path, processes: int | None = None) -> list[bytes]:
    """Render jobs to PDF bytes through the cache in cache_dir (see PdfCache.render)."""
    return PdfCache(cache_dir).render(jobs, processes) if jobs else []


class Press:
    """Typesets documents through a cache on as many processes as this one may use CPUs.

    Documents are typeset in the order they are added; iterating gives each document's name and bytes
    as soon as it is done (from the cache, else typeset and cached at once), and documents added
    meanwhile, say a cover made from finished notices, join the queue on the same workers. Workers fork
    when the first document is to be typeset, and make the HTML of the documents planned by then
    themselves; a document added later has its HTML made here (so do spawned workers).
    """

    def __init__(self, cache: PdfCache, processes: int | None = None) -> None:
        self.cache = cache
        self.processes = processes
        self.names: dict[str, list[str]] = {}  # key -> the names waiting for it
        self.plans: dict[str, PlannedPdf] = {}  # key -> plan, of those still to typeset
        self.queue: deque[str] = deque()  # keys to typeset, next first
        self.done: dict[str, bytes] = {}  # key -> bytes, of every document done
        self.ready: deque[tuple[str, bytes]] = deque()  # (name, bytes) not yet given out

    def add(self, name: str, job: PdfJob | PlannedPdf) -> None:
        """Ask for a document under name (the same document asked twice is typeset once)."""
        plan = job if isinstance(job, PlannedPdf) else planned(job)
        key = self.cache.key(plan.inputs, plan.base_dir)
        if key in self.done:
            self.ready.append((name, self.done[key]))
        elif key in self.names:
            self.names[key].append(name)
        else:
            self.names[key] = [name]
            cached = self.cache.read(key, plan.base_dir)
            if cached is not None:
                self._finished(key, cached)
            else:
                self.plans[key] = plan
                self.queue.append(key)

    def _finished(self, key: str, pdf: bytes) -> None:
        self.done[key] = pdf
        self.ready.extend((name, pdf) for name in self.names.pop(key))

    def _typeset(self, key: str, rendered: Rendered) -> None:
        self.cache.write(key, rendered)
        self.plans.pop(key)
        self._finished(key, rendered.pdf)

    def __iter__(self) -> Iterator[tuple[str, bytes]]:
        """(name, bytes) of each document as soon as it is done, until none is left to do."""
        while self.ready:
            yield self.ready.popleft()
        if not self.queue:
            return
        LOGGER.info("PDF: %d cached, %d to render", len(self.done), len(self.queue))
        css, fonts = self.cache.css, self.cache.fonts
        common_faces(fonts)  # cut once, before any worker starts
        workers = min(max(1, self.processes or worker_count()), len(self.queue))
        if workers <= 1:
            while self.queue:
                key = self.queue.popleft()
                self._typeset(key, _render_job(self.plans[key].make(), css, fonts))
                while self.ready:
                    yield self.ready.popleft()
            return
        yield from self._pooled(workers)

    def _pooled(self, workers: int) -> Iterator[tuple[str, bytes]]:
        """Typeset on workers, handing out a document only when a worker is about to be free (a spawned worker's
        HTML is made here, as late as it can be)."""
        css, fonts = self.cache.css, self.cache.fonts
        context = _pool_context()
        made: dict[str, PdfJob] = {}  # HTML made by the helper while this process loaded WeasyPrint
        if context.get_start_method() == "fork":
            _PLANNED.update(self.plans)  # before the pool forks its workers (at the first submit)
            helper = _HtmlHelper(list(self.queue))
            try:  # WeasyPrint imported, fonts and sheets loaded once, for every worker
                for root in {os.path.realpath(plan.base_dir) for plan in self.plans.values()}:
                    _typesetter(css, fonts, Path(root))
            finally:
                made = helper.collect()
        scratch = tempfile.TemporaryDirectory(prefix="sanwu-pdf-")
        pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=_worker_started, initargs=(scratch.name,)
        )
        running: dict[Future[Rendered], str] = {}
        try:
            while self.queue or running:
                while self.queue and len(running) <= workers:  # one waiting, for a worker that finishes
                    key = self.queue.popleft()
                    if key in _PLANNED and key not in made:
                        running[pool.submit(_typeset_planned, key, css, fonts)] = key
                    else:
                        job = made.pop(key) if key in made else self.plans[key].make()
                        running[pool.submit(_render_job, job, css, fonts)] = key
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    self._typeset(running.pop(future), future.result())
                while self.ready:
                    yield self.ready.popleft()
        finally:
            pool.shutdown(cancel_futures=True)  # interrupted: what has not started never will
            _PLANNED.clear()
            scratch.cleanup()


def _pool_context() -> multiprocessing.context.BaseContext:
    """fork while single-threaded (fast, no re-import of __main__), else spawn (fork could deadlock)."""
    # WeasyPrint leaves no native threads behind, so a single-threaded `sanwu build` forks safely;
    # `sanwu serve` has server threads, and its spawned workers need the usual __main__ guard.
    if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


_PLANNED: dict[str, PlannedPdf] = {}  # the misses being typeset, for forked workers to make their own HTML


def _worker_started(scratch: str) -> None:
    """A worker's temporary files (WeasyPrint's copies of the fonts) go to scratch, which the build removes:
    a worker ends with os._exit, so nothing of its own would."""
    tempfile.tempdir = scratch


class _HtmlHelper:
    """A process forked while this one loads WeasyPrint, fonts and sheets (about a second on one CPU, the first
    time) that makes the HTML of the first documents to typeset meanwhile, so that the other CPU is not idle."""

    def __init__(self, keys: list[str]) -> None:
        fork = multiprocessing.get_context("fork")
        self.reader, writer = fork.Pipe(duplex=False)
        self.enough = fork.Event()
        self.process = fork.Process(target=_make_planned, args=(keys, self.enough, writer), daemon=True)
        self.process.start()
        writer.close()

    def collect(self) -> dict[str, PdfJob]:
        """What it has made (it stops after the document it is making)."""
        self.enough.set()
        made: dict[str, PdfJob] = {}
        with contextlib.suppress(EOFError):  # it failed: the workers make every document
            made = self.reader.recv()
        self.reader.close()
        self.process.join()
        return made


def _make_planned(keys: list[str], enough: Event, made: Connection) -> None:
    """In the helper: each document's HTML in turn until there is enough, then all of it at once."""
    jobs: dict[str, PdfJob] = {}
    with contextlib.suppress(BaseException):  # an error is reported by the worker that makes the document again
        for key in keys:
            if enough.is_set():
                break
            jobs[key] = _PLANNED[key].make()
    with contextlib.suppress(BaseException):  # the build was interrupted
        made.send(jobs)


def _typeset_planned(key: str, css_text: str, fonts: FontChoice) -> Rendered:
    """In a forked worker: make the document's HTML (templates, QR code) and typeset it."""
    return _render_job(_PLANNED[key].make(), css_text, fonts)


# -- bundles: assembled from the notices' own PDFs, never typeset again --------------------------


def page_shapes(pdf: bytes) -> list[bool]:
    """For each page of a PDF: True when it is landscape."""
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as document:
        return [float(page.trimbox[2]) > float(page.trimbox[3]) for page in document.pages]


def _parent_keys(nums: Any) -> int:
    """One past the largest key of a flat parent tree's /Nums."""
    return max((int(nums[i]) for i in range(0, len(nums), 2)), default=-1) + 1


def _copy(target: Any, value: Any) -> Any:
    """A foreign object copied into target: indirect objects through target's copier, direct ones member by member."""
    import pikepdf

    if value.is_indirect:
        return target.copy_foreign(value)
    if isinstance(value, pikepdf.Array):
        return pikepdf.Array([_copy(target, item) for item in value])
    return value


def assemble(cover: bytes, heads: bytes, parts: Sequence[tuple[str, bytes]]) -> bytes:
    """One PDF: the cover's pages, then every part's pages with the running head of heads laid over each.

    The cover gives the catalog (PDF/A-3u metadata, output intent, language); each part's structure tree
    becomes an /Art element of the cover's /Document, its parent tree entries renumbered after the ones
    before it; the running heads are marked as artifacts (pagination, not content). An outline lists
    the parts by title. qpdf writes the same bytes for the same inputs (deterministic /ID).
    """
    import pikepdf

    out = pikepdf.open(io.BytesIO(cover))
    tree = out.Root.StructTreeRoot
    document = tree.K[0]
    nums = tree.ParentTree.Nums
    offset = _parent_keys(nums)
    head_pages = iter(pikepdf.open(io.BytesIO(heads)).pages)
    entries = [(str(out.docinfo.get("/Title", "")), 0)]
    for title, data in parts:
        source = pikepdf.open(io.BytesIO(data))
        entries.append((title, len(out.pages)))
        for page in source.pages:
            out.pages.append(page)
            copied = out.pages[-1]
            head = out.copy_foreign(next(head_pages).as_form_xobject())
            head.write(b"/Artifact BMC\n" + head.read_bytes() + b"\nEMC\n")
            # Named by page (not pikepdf's random names: the bytes must repeat); same page size, so drawn as is.
            name = copied.add_resource(head, pikepdf.Name.XObject, pikepdf.Name(f"/SanwuHead{len(out.pages)}"))
            copied.contents_add(b"q\n", prepend=True)
            copied.contents_add(b"\nQ\nq " + name.unparse() + b" Do Q\n")
            if "/StructParents" in copied.obj:
                copied.obj.StructParents = int(copied.obj.StructParents) + offset
            for annotation in copied.obj.get("/Annots", pikepdf.Array()):
                if "/StructParent" in annotation:
                    annotation.StructParent = int(annotation.StructParent) + offset
        source_tree = source.Root.StructTreeRoot
        source_nums = source_tree.ParentTree.Nums
        for i in range(0, len(source_nums), 2):
            nums.append(int(source_nums[i]) + offset)
            nums.append(_copy(out, source_nums[i + 1]))
        for element in source_tree.K if isinstance(source_tree.K, pikepdf.Array) else [source_tree.K]:
            part = out.copy_foreign(element)
            part.S = pikepdf.Name.Art
            part.P = document
            document.K.append(part)
        offset += _parent_keys(source_nums)
    tree.ParentTreeNextKey = offset
    with out.open_outline() as outline:
        outline.root.clear()
        outline.root.extend(pikepdf.OutlineItem(title, page) for title, page in entries)
    buffer = io.BytesIO()
    out.save(buffer, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return buffer.getvalue()
