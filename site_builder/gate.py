"""The free-text gate: personal numbers in any text a public or party build shows, and outside images.

An ID number (GB 11643, 18 or 15 digits), a bank card number (16–19 digits, Luhn-valid) or a personal
mobile in a title, a summary, a note, a Markdown body or an attachment name would be published as typed:
each is an error at its file, line and column, showing the value masked. Numbers residents are meant to
call (a `work_phone` field, site.yaml `public_phones`) pass. Markdown images from other hosts are refused
for every audience: each visitor's address would go to that host.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

from .cnrules import check_id_number, mask_mobile
from .config import SiteConfig
from .errors import Location, Problems
from .project import public_numbers
from .records import Record
from .records.base import audience_rank
from .schema import F, Kind, ListOf, Obj

FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789Xx")
ID18 = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")
ID15 = re.compile(r"(?<![0-9A-Za-z])[1-8]\d{14}(?![0-9A-Za-z])")
CARD = re.compile(r"(?<![0-9A-Za-z-])(?:\d{16,19}|\d{4}(?:([ -])\d{4}){3}(?:\1\d{1,3})?)(?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<![\d*])(?:\(?(?:\+|00)?86\)?[\s.\-]*)?(1[3-9](?:[\s.\-()]*\d){9})(?![\d*])")
IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)|!\[[^\]]*\]\[([^\]]*)\]")
REFERENCE = re.compile(r"^ {0,3}\[([^\]]+)\]:\s*<?(\S+?)>?(?:\s|$)", re.M)
EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.I)
PARTY = audience_rank("party")


def luhn(digits: str) -> bool:
    """The Luhn check digit of card numbers."""
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = int(c) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def id15(digits: str) -> bool:
    """A first-generation ID number: area, then a real birth date 19YYMMDD."""
    try:
        dt.date(1900 + int(digits[6:8]), int(digits[8:10]), int(digits[10:12]))
    except ValueError:
        return False
    return True


def personal_numbers(text: str, keep: frozenset[str]) -> Iterator[tuple[int, str, str]]:
    """(index, what, masked) of each ID number, bank card and personal mobile in a text."""
    plain = text.translate(FULL_WIDTH_DIGITS)
    taken: list[range] = []
    for m in ID18.finditer(plain):
        if check_id_number(m.group().upper()) is None:
            taken.append(range(m.start(), m.end()))
            yield m.start(), "身份证号码", m.group()[:4] + "*" * 10 + m.group()[-4:]
    for m in ID15.finditer(plain):
        if id15(m.group()):
            taken.append(range(m.start(), m.end()))
            yield m.start(), "身份证号码", m.group()[:4] + "*" * 7 + m.group()[-4:]
    for m in CARD.finditer(plain):
        digits = re.sub(r"\D", "", m.group())
        if 16 <= len(digits) <= 19 and luhn(digits) and not any(m.start() in r for r in taken):
            taken.append(range(m.start(), m.end()))
            yield m.start(), "银行卡号", digits[:4] + "*" * (len(digits) - 8) + digits[-4:]
    for m in MOBILE.finditer(plain):
        digits = re.sub(r"\D", "", m.group(1))
        if digits not in keep and not any(m.start(1) in r for r in taken):
            yield m.start(1), "手机号码", mask_mobile(digits)


def texts(fields: dict[str, F], data: dict[str, Any], path: str, shown: int) -> Iterator[tuple[str, str, bool]]:
    """(path, text, masked) of every text of a record that an audience up to the party sees, whole or masked."""
    for key, value in data.items():
        spec = fields.get(key)
        if spec is None:
            continue
        where = f"{path}.{key}" if path else key
        rank = max(shown, audience_rank(spec.see))
        if rank <= PARTY:
            yield from values(spec.kind, value, where, rank, key == "work_phone" or key.endswith("_work_phone"))
        elif spec.lower == "mask":
            yield from ((p, t, True) for p, t, _ in values(spec.kind, value, where, shown, False))


def values(kind: Kind, value: Any, path: str, shown: int, work: bool) -> Iterator[tuple[str, str, bool]]:
    if isinstance(value, str):
        yield path, value, work
    elif isinstance(kind, Obj) and isinstance(value, dict):
        yield from texts(kind.fields, value, path, shown)
    elif isinstance(value, list):
        item = kind.item if isinstance(kind, ListOf) else kind
        for i, v in enumerate(value, 1):
            yield from values(item, v, f"{path}[{i}]", shown, work)
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from values(kind, v, f"{path}.{k}", shown, work)


def report(problems: Problems, loc: Location, path: str, what: str, masked: str) -> None:
    if what == "手机号码":
        fix = (
            "个人手机号请删除或只写在仅委员可见的字段；"
            "对居民公开的服务电话请写在 work_phone 字段或列入 site.yaml 的 public_phones"
        )
    else:
        fix = f"请删除{what}，或只写在仅委员可见的字段（如 id_number）"
    problems.error(
        loc,
        path,
        f"含有{what} {masked}，公开版或党内版会原样显示：{fix}",
        f"contains a {'mobile number' if what == '手机号码' else 'card' if what == '银行卡号' else 'ID'} number "
        f"{masked} that a public or party build would show",
    )


def scan_record(rec: Record, site: SiteConfig, problems: Problems) -> None:
    """Every personal number in the texts of one record, and every outside image of its body."""
    keep = public_numbers(site)
    shown = audience_rank(rec.audience) if rec.audience in ("public", "party", "committee") else PARTY + 1
    if shown <= PARTY:
        for path, text, exempt in texts(rec.rtype.schema.fields, rec.data, "", shown):
            for _, what, masked in personal_numbers(text, keep):
                if not (exempt and what == "手机号码"):
                    report(problems, rec.loc(path), path, what, masked)
        for n, line in enumerate((rec.body or "").split("\n")):
            for col, what, masked in personal_numbers(line, keep):
                report(problems, Location(rec.path, rec.body_line + n, col + 1), "正文", what, masked)
    if rec.body:
        outside_images(rec, problems)


def outside_images(rec: Record, problems: Problems) -> None:
    """Markdown images that load from another host: refused, naming the URL."""
    body = rec.body or ""
    refs = {m.group(1).lower(): m.group(2) for m in REFERENCE.finditer(body)}
    for n, line in enumerate(body.split("\n")):
        for m in IMAGE.finditer(line):
            url = m.group(1) if m.group(1) is not None else refs.get((m.group(2) or "").lower(), "")
            if url and EXTERNAL.match(url):
                problems.error(
                    Location(rec.path, rec.body_line + n, m.start() + 1),
                    "正文",
                    f"外部图片 {url}：每位访问者的地址都会被发给那个网站。"
                    "请把图片放进 content/ 作为附件，用相对路径引用",
                    f"outside image {url}: every visitor's address would go to that host; attach the file instead",
                )
