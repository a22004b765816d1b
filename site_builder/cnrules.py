"""Chinese domain rules: working days, ID numbers, party-dues rates, money and dates in Chinese.

Pure helpers: no I/O, no clock, no imports from other site_builder modules (but `known`, which keeps the
results of the slow ones from build to build).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import chinese_calendar  # type: ignore[import-untyped]

from .known import remembered

# ---------------------------------------------------------------------------
# Working days (工作日, with 调休 make-up days)
# ---------------------------------------------------------------------------

_OVERRIDE_KEYS = ("holidays", "workdays")


def fallback_warning(year: int) -> str:
    """The warning to show when a year's holidays are unknown and Monday–Friday is assumed."""
    return f"{year} 年的法定节假日未知，按周一至周五计算工作日；可在 site.yaml 的 calendar 中补充"


class WorkCalendar:
    """China's working days: site.yaml overrides, then chinese_calendar, then Monday–Friday."""

    def __init__(self, overrides: Mapping[int, Mapping[str, Iterable[date]]] | None = None) -> None:
        """Take `calendar:` from site.yaml: {year: {holidays: [dates], workdays: [dates]}}."""
        self._holidays: set[date] = set()
        self._workdays: set[date] = set()
        self._override_years: set[int] = set()
        self.fallback_years: set[int] = set()
        for year, lists in (overrides or {}).items():
            self._add_override_year(year, lists)

    def _add_override_year(self, year: int, lists: Mapping[str, Iterable[date]]) -> None:
        unknown = sorted(set(lists) - set(_OVERRIDE_KEYS))
        if unknown:
            raise ValueError(f"calendar.{year} 只能包含 holidays 和 workdays，得到 {', '.join(unknown)}")
        holidays = set(lists.get("holidays", ()))
        workdays = set(lists.get("workdays", ()))
        for d in sorted(holidays | workdays):
            if d.year != year:
                raise ValueError(f"calendar.{year} 中的日期 {d.isoformat()} 不在 {year} 年")
        both = sorted(holidays & workdays)
        if both:
            raise ValueError(f"calendar.{year} 中的 {both[0].isoformat()} 同时列为节假日和工作日")
        self._override_years.add(year)
        self._holidays |= holidays
        self._workdays |= workdays

    def is_workday(self, d: date) -> bool:
        """Whether people work on `d` (a make-up Saturday is a workday, a holiday Monday is not)."""
        if d.year in self._override_years:
            if d in self._holidays:
                return False
            return d in self._workdays or d.weekday() < 5
        try:
            return bool(chinese_calendar.is_workday(d))
        except NotImplementedError:
            # chinese_calendar raises this for any year outside its data (before 2004 or
            # after its last State Council notice); the caller turns this into a warning.
            self.fallback_years.add(d.year)
            return d.weekday() < 5

    def count_workdays(self, start: date, end: date) -> int:
        """Number of working days from `start` to `end`, both inclusive (0 if end < start)."""
        count = 0
        d = start
        while d <= end:
            count += self.is_workday(d)
            d += timedelta(days=1)
        return count

    def add_workdays(self, start: date, n: int) -> date:
        """The n-th working day counting from `start` inclusive (a working `start` is day 1)."""
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        d = start
        while True:
            if self.is_workday(d):
                n -= 1
                if n == 0:
                    return d
            d += timedelta(days=1)


# ---------------------------------------------------------------------------
# 居民身份证号码 (GB 11643-1999)
# ---------------------------------------------------------------------------

_ID_PATTERN = re.compile(r"[0-9]{17}[0-9Xx]")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # 2**(17-i) mod 11
_ID_CHECK_CHARS = "10X98765432"  # indexed by (weighted sum mod 11), ISO 7064 MOD 11-2
_EARLIEST_BIRTH_YEAR = 1900


def id_check_digit(first17: str) -> str:
    """The GB 11643 check character ('0'–'9' or 'X') for the first 17 digits of an ID number."""
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


def check_id_number(s: str, today: date | None = None) -> str | None:
    """None if `s` is a well-formed 18-digit ID number, else the reason in Chinese.

    The birth date must be a real date from 1900 on and, when `today` is given, not after it.
    The area code is not checked: code tables lag behind real (re)districting.
    """
    if not _ID_PATTERN.fullmatch(s):
        return "身份证号码应为 18 位（最后一位可为 X）"
    birth = s[6:14]
    try:
        born = date(int(birth[:4]), int(birth[4:6]), int(birth[6:]))
    except ValueError:
        return f"身份证号码中的出生日期 {birth} 无效"
    if born.year < _EARLIEST_BIRTH_YEAR:
        return f"身份证号码中的出生日期 {birth} 无效"
    if today is not None and born > today:
        return f"身份证号码中的出生日期 {birth} 无效：晚于 {format_date_cn(today)}"
    # The date is checked first: a mistyped date digit also breaks the check digit, and
    # "should be 4" would then send the user to fix the wrong character.
    expected = id_check_digit(s[:17])
    if s[17].upper() != expected:
        return f"身份证号码校验位错误：应为 {expected}，填写的是 {s[17]}"
    return None


def mask_id_number(s: str) -> str:
    """Keep the first 4 and last 4 characters, star the rest (all stars if 8 or fewer)."""
    if len(s) <= 8:
        return "*" * len(s)
    return s[:4] + "*" * (len(s) - 8) + s[-4:]


# A mainland mobile number anywhere in a text: an optional +86/0086/86 prefix (maybe in brackets), then
# 1[3-9] and nine more digits, with spaces, dots, hyphens or brackets allowed between the digits.
_MOBILE_PATTERN = re.compile(r"(?<!\d)(?:\(?(?:\+|00)?86\)?[\s.\-]*)?(1[3-9](?:[\s.\-()]*\d){9})(?!\d)")


def mask_mobile(s: str, keep: frozenset[str] = frozenset()) -> str:
    """Mask every mainland mobile number in a text as 138****8000; landlines, numbers in `keep` and other
    text unchanged.

    Full-width digits, separators and a +86 prefix are tolerated, so "手机 １３８-0013-8000（本人）" or two
    numbers separated by "/" cannot slip through unmasked.
    """
    text = unicodedata.normalize("NFKC", s)

    def masked(m: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", m.group(1))
        return m.group(0) if digits in keep else f"{digits[:3]}****{digits[-4:]}"

    out, count = _MOBILE_PATTERN.subn(masked, text)
    return out if count else s


# ---------------------------------------------------------------------------
# 党费 (中组发〔2008〕3号)
# ---------------------------------------------------------------------------

_CENT = Decimal("0.01")
_FLAT_MONTHLY_DUES = Decimal("0.20")
_FLAT_CATEGORIES = frozenset({"学生", "下岗失业", "低保"})
# (upper bound of the monthly base, inclusive; rate); None = no upper bound
_RATES: dict[str, tuple[tuple[Decimal | None, Decimal], ...]] = {
    "在职": (
        (Decimal(3000), Decimal("0.005")),
        (Decimal(5000), Decimal("0.01")),
        (Decimal(10000), Decimal("0.015")),
        (None, Decimal("0.02")),
    ),
    "离退休": (
        (Decimal(5000), Decimal("0.005")),
        (None, Decimal("0.01")),
    ),
}


def expected_monthly_dues(category: str, monthly_base: Decimal) -> Decimal | None:
    """The monthly party dues for a category and base, or None for a category without a rate."""
    if category in _FLAT_CATEGORIES:
        return _FLAT_MONTHLY_DUES
    brackets = _RATES.get(category)
    if brackets is None:
        return None
    if monthly_base < 0:
        raise ValueError(f"monthly_base must not be negative, got {monthly_base}")
    for upper, rate in brackets:
        if upper is None or monthly_base <= upper:
            return (monthly_base * rate).quantize(_CENT, rounding=ROUND_HALF_UP)
    raise AssertionError("the last bracket has no upper bound")


def expected_dues(category: str, monthly_base: Decimal, months: int) -> Decimal | None:
    """The dues for `months` months: the rounded monthly amount times the months."""
    monthly = expected_monthly_dues(category, monthly_base)
    return None if monthly is None else monthly * months


# ---------------------------------------------------------------------------
# Money and dates in Chinese
# ---------------------------------------------------------------------------


def _exact_cents(amount: Decimal) -> Decimal:
    """`amount` with exactly two decimals; more decimals are an error, never silently rounded."""
    if not amount.is_finite():
        raise ValueError(f"not a money amount: {amount}")
    cents = amount.quantize(_CENT)
    if cents != amount:
        raise ValueError(f"money has at most two decimals, got {amount}")
    return cents if cents else Decimal("0.00")  # drop the sign of -0


def rmb_upper(amount: Decimal) -> str:
    """人民币大写 per 《支付结算办法》: 壹仟贰佰陆拾元整, 壹仟贰佰陆拾元伍角, 壹拾万元零柒分.

    "整" follows 元 only; after 角 it is omitted (the rules allow either) and never follows 分.
    An amount under one yuan has no 元 (伍分). A negative amount gets 负 in front.
    """
    return _rmb_words(format(_exact_cents(amount), "f"))


@remembered
def _rmb_words(figures: str) -> str:
    import cn2an  # type: ignore[import-untyped]  # half a second to import: only for amounts not seen before

    return str(cn2an.an2cn(figures, "rmb"))


def format_money(amount: Decimal) -> str:
    """Figures with thousands separators and two decimals: 1,260.00 / -1,260.00."""
    return format(_exact_cents(amount), ",.2f")


def format_date_cn(d: date) -> str:
    """2026年11月26日 (no leading zeros)."""
    return f"{d.year}年{d.month}月{d.day}日"
