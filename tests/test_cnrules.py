"""Tests for site_builder.cnrules: working days, ID numbers, party dues, money and dates."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from stdnum.cn import ric

from site_builder.cnrules import (
    WorkCalendar,
    check_id_number,
    expected_dues,
    expected_monthly_dues,
    fallback_warning,
    format_date_cn,
    format_money,
    id_check_digit,
    mask_id_number,
    mask_mobile,
    rmb_upper,
)

D = Decimal


def days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


# --- working days ----------------------------------------------------------

# 2026 National Day / Mid-Autumn, per chinesecalendar 1.11.0 (国办发明电〔2025〕7号):
# 中秋 9-25..9-27 off, 国庆 10-01..10-07 off, Saturday 10-10 is a make-up workday.
NATIONAL_DAY_2026 = {
    date(2026, 9, 25): False,  # Fri, 中秋
    date(2026, 9, 26): False,
    date(2026, 9, 27): False,
    date(2026, 9, 28): True,
    date(2026, 9, 29): True,
    date(2026, 9, 30): True,
    date(2026, 10, 1): False,  # Thu, 国庆
    date(2026, 10, 2): False,
    date(2026, 10, 3): False,
    date(2026, 10, 4): False,
    date(2026, 10, 5): False,  # Mon
    date(2026, 10, 6): False,
    date(2026, 10, 7): False,  # Wed
    date(2026, 10, 8): True,  # Thu
    date(2026, 10, 9): True,  # Fri
    date(2026, 10, 10): True,  # Sat, 调休上班
    date(2026, 10, 11): False,  # Sun
    date(2026, 10, 12): True,
}

# 2026 Spring Festival: 2-15 (Sun) .. 2-23 (Mon) off; Saturdays 2-14 and 2-28 are make-up workdays.
SPRING_FESTIVAL_2026 = {
    date(2026, 2, 13): True,  # Fri
    date(2026, 2, 14): True,  # Sat, 调休上班
    **dict.fromkeys(days(date(2026, 2, 15), date(2026, 2, 23)), False),
    date(2026, 2, 24): True,  # Tue
    date(2026, 2, 27): True,  # Fri
    date(2026, 2, 28): True,  # Sat, 调休上班
    date(2026, 3, 1): False,  # Sun
}


@pytest.mark.parametrize(("day", "working"), [*NATIONAL_DAY_2026.items(), *SPRING_FESTIVAL_2026.items()], ids=str)
def test_is_workday_follows_the_state_council_arrangement(day: date, working: bool) -> None:
    cal = WorkCalendar()
    assert cal.is_workday(day) is working
    assert cal.fallback_years == set()


def test_make_up_sunday_before_national_day_is_a_workday() -> None:
    assert WorkCalendar().is_workday(date(2026, 9, 20))  # Sun, 调休上班


def test_five_working_days_from_sep_29_end_on_the_make_up_saturday() -> None:
    cal = WorkCalendar()
    assert cal.add_workdays(date(2026, 9, 29), 5) == date(2026, 10, 10)
    assert cal.count_workdays(date(2026, 9, 29), date(2026, 10, 10)) == 5
    assert cal.add_workdays(date(2026, 9, 29), 6) == date(2026, 10, 12)  # skips Sunday 10-11


def test_national_day_notice_from_sep_29_to_oct_9_is_one_day_short() -> None:
    assert WorkCalendar().count_workdays(date(2026, 9, 29), date(2026, 10, 9)) == 4


def test_spring_festival_2026() -> None:
    cal = WorkCalendar()
    assert cal.add_workdays(date(2026, 2, 12), 3) == date(2026, 2, 14)  # Thu, Fri, make-up Sat
    assert cal.add_workdays(date(2026, 2, 13), 3) == date(2026, 2, 24)  # across the 9-day break
    assert cal.add_workdays(date(2026, 2, 15), 1) == date(2026, 2, 24)  # starts on a holiday
    # 2-09..2-13 (5) + 2-14 (1) + 2-24..2-27 (4) + 2-28 (1)
    assert cal.count_workdays(date(2026, 2, 9), date(2026, 2, 28)) == 11


def test_ordinary_week() -> None:
    cal = WorkCalendar()
    assert cal.count_workdays(date(2026, 11, 9), date(2026, 11, 13)) == 5  # Mon..Fri
    assert cal.count_workdays(date(2026, 11, 9), date(2026, 11, 15)) == 5  # weekend not counted
    assert cal.add_workdays(date(2026, 11, 9), 5) == date(2026, 11, 13)
    assert cal.add_workdays(date(2026, 11, 14), 1) == date(2026, 11, 16)  # Sat -> Mon
    assert cal.count_workdays(date(2026, 11, 9), date(2026, 11, 9)) == 1
    assert cal.count_workdays(date(2026, 11, 13), date(2026, 11, 9)) == 0
    assert cal.fallback_years == set()


def test_override_year_with_holiday_and_make_up_saturday() -> None:
    cal = WorkCalendar({2027: {"holidays": [date(2027, 5, 3)], "workdays": [date(2027, 5, 8)]}})
    assert not cal.is_workday(date(2027, 5, 3))  # Mon, listed holiday
    assert cal.is_workday(date(2027, 5, 4))  # Tue, ordinary
    assert cal.is_workday(date(2027, 5, 8))  # Sat, listed workday
    assert not cal.is_workday(date(2027, 5, 9))  # Sun, ordinary weekend
    assert cal.count_workdays(date(2027, 5, 3), date(2027, 5, 9)) == 5
    assert cal.add_workdays(date(2027, 5, 3), 1) == date(2027, 5, 4)
    assert cal.fallback_years == set()


def test_override_wins_over_the_library() -> None:
    cal = WorkCalendar({2026: {"holidays": [date(2026, 11, 9)]}})
    assert not cal.is_workday(date(2026, 11, 9))
    # The override replaces the library for the whole year: 10-10 is now an ordinary Saturday.
    assert not cal.is_workday(date(2026, 10, 10))


def test_unknown_year_falls_back_to_monday_to_friday_and_is_recorded() -> None:
    cal = WorkCalendar()
    assert cal.is_workday(date(2030, 1, 1))  # Tue; New Year's Day unknown, so a workday
    assert cal.count_workdays(date(2030, 1, 1), date(2030, 1, 7)) == 5
    assert not cal.is_workday(date(2030, 1, 5))  # Sat
    assert cal.fallback_years == {2030}


def test_fallback_warning_text() -> None:
    assert fallback_warning(2028) == (
        "2028 年的法定节假日未知，按周一至周五计算工作日；可在 site.yaml 的 calendar 中补充"
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({2027: {"holidays": [date(2028, 1, 1)]}}, "calendar.2027 中的日期 2028-01-01 不在 2027 年"),
        (
            {2027: {"holidays": [date(2027, 5, 3)], "workdays": [date(2027, 5, 3)]}},
            "calendar.2027 中的 2027-05-03 同时列为节假日和工作日",
        ),
        (
            {2027: {"holiday": [date(2027, 5, 3)]}},
            "calendar.2027 只能包含 holidays 和 workdays，得到 holiday",
        ),
    ],
)
def test_inconsistent_overrides_are_rejected(overrides: dict[int, dict[str, list[date]]], message: str) -> None:
    with pytest.raises(ValueError) as excinfo:
        WorkCalendar(overrides)
    assert str(excinfo.value) == message


def test_add_workdays_needs_a_positive_count() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        WorkCalendar().add_workdays(date(2026, 11, 9), 0)


# --- ID numbers ------------------------------------------------------------

# Synthetic numbers (area 430102, made-up birth dates and sequence numbers), check digits computed.
VALID_ID = "430102199001010024"
VALID_ID_X = "43010219900101018X"


@pytest.mark.parametrize(
    "number",
    [VALID_ID, VALID_ID_X, VALID_ID_X.lower(), "430102200002290019", "430102190001010015"],
)
def test_valid_id_numbers(number: str) -> None:
    assert check_id_number(number) is None


@pytest.mark.parametrize(
    "prefix",
    ["43010219900101002", "43010219900101018", "43010219850615002", "11010519491231002", "44030420261126999"],
)
def test_check_digit_agrees_with_stdnum(prefix: str) -> None:
    assert id_check_digit(prefix) == ric.calc_check_digit(prefix + "0")


@pytest.mark.parametrize(
    "number",
    [
        "",
        "43010219900101002",  # 17
        "4301021990010100244",  # 19
        "430102900101002",  # old 15-digit number
        "43010219900101002Y",
        "X30102199001010024",
        "４30102199001010024",  # full-width digit
        " 430102199001010024",
    ],
)
def test_id_number_with_wrong_length_or_characters(number: str) -> None:
    assert check_id_number(number) == "身份证号码应为 18 位（最后一位可为 X）"


@pytest.mark.parametrize(
    ("number", "birth"),
    [
        ("430102199002301237", "19900230"),
        ("430102199013010013", "19901301"),
        ("430102189912310010", "18991231"),
    ],
)
def test_id_number_with_invalid_birth_date(number: str, birth: str) -> None:
    # check digits are right, so only the date can be the reason
    assert id_check_digit(number[:17]) == number[17]
    assert check_id_number(number) == f"身份证号码中的出生日期 {birth} 无效"


def test_id_number_born_after_today() -> None:
    number = "430102203001010015"
    assert id_check_digit(number[:17]) == number[17]
    assert check_id_number(number, today=date(2026, 11, 26)) == (
        "身份证号码中的出生日期 20300101 无效：晚于 2026年11月26日"
    )
    assert check_id_number(number) is None  # no as-of date, no future check
    assert check_id_number(VALID_ID, today=date(1990, 1, 1)) is None  # born today is fine


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("430102199001010025", "身份证号码校验位错误：应为 4，填写的是 5"),
        ("430102199001010180", "身份证号码校验位错误：应为 X，填写的是 0"),
        ("43010219900101002x", "身份证号码校验位错误：应为 4，填写的是 x"),
        ("430102199001011234", "身份证号码校验位错误：应为 8，填写的是 4"),  # SPEC §3.3 example
    ],
)
def test_id_number_with_wrong_check_digit(number: str, message: str) -> None:
    assert check_id_number(number) == message


def test_mask_id_number() -> None:
    assert mask_id_number(VALID_ID) == "4301**********0024"
    assert mask_id_number(VALID_ID_X) == "4301**********018X"
    assert mask_id_number("12345678") == "********"


@pytest.mark.parametrize(
    "phone",
    [
        "13800138000",
        "138 0013 8000",
        "138-0013-8000",
        "+86 138 0013 8000",
        "+8613800138000",
        "008613800138000",
    ],
)
def test_mask_mobile(phone: str) -> None:
    assert mask_mobile(phone) == "138****8000"


@pytest.mark.parametrize(
    "phone",
    [
        "0746-1234567",
        "07461234567",
        "010-12345678",
        "400-123-4567",
        "12345678901",
        "1380013800",
        "138001380001",
        "",
    ],
)
def test_mask_mobile_leaves_other_numbers(phone: str) -> None:
    assert mask_mobile(phone) == phone


# --- party dues --------------------------------------------------------------


@pytest.mark.parametrize(
    ("category", "base", "monthly"),
    [
        ("在职", "0", "0.00"),
        ("在职", "3000.00", "15.00"),  # 0.5%
        ("在职", "3000.01", "30.00"),  # 1%
        ("在职", "2997", "14.99"),  # 14.985 rounds half up (half-even would give 14.98)
        ("在职", "5000", "50.00"),
        ("在职", "5000.01", "75.00"),  # 1.5%
        ("在职", "5600.00", "84.00"),
        ("在职", "10000", "150.00"),
        ("在职", "10000.01", "200.00"),  # 2%
        ("离退休", "4997", "24.99"),  # 0.5%, 24.985 half up
        ("离退休", "5000", "25.00"),
        ("离退休", "5000.01", "50.00"),  # 1%
        ("学生", "0", "0.20"),
        ("学生", "8000", "0.20"),
        ("下岗失业", "1500", "0.20"),
        ("低保", "0", "0.20"),
    ],
)
def test_expected_monthly_dues(category: str, base: str, monthly: str) -> None:
    result = expected_monthly_dues(category, D(base))
    assert str(result) == monthly


@pytest.mark.parametrize("category", ["普通居民", "流入", "农民", ""])
def test_unknown_category_has_no_rate(category: str) -> None:
    assert expected_monthly_dues(category, D("5600")) is None
    assert expected_dues(category, D("5600"), 3) is None


def test_expected_dues_for_several_months() -> None:
    assert str(expected_dues("在职", D("5600.00"), 3)) == "252.00"  # SPEC §3.3 example
    # rounded per month first: 33.33 × 3, not 3333.33 × 1% × 3 = 100.00
    assert str(expected_dues("在职", D("3333.33"), 3)) == "99.99"
    assert str(expected_dues("学生", D("0"), 12)) == "2.40"


def test_negative_base_is_rejected() -> None:
    with pytest.raises(ValueError, match="negative"):
        expected_monthly_dues("在职", D("-1"))


# --- money and dates ---------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "upper"),
    [
        ("19140", "壹万玖仟壹佰肆拾元整"),
        ("19140.00", "壹万玖仟壹佰肆拾元整"),
        ("1260", "壹仟贰佰陆拾元整"),
        ("1260.50", "壹仟贰佰陆拾元伍角"),
        ("1260.500", "壹仟贰佰陆拾元伍角"),
        ("0.05", "伍分"),
        ("0.50", "伍角"),
        ("1.05", "壹元零伍分"),
        ("10", "壹拾元整"),
        ("100100", "壹拾万零壹佰元整"),
        ("100000.07", "壹拾万元零柒分"),
        ("1234567890.12", "壹拾贰亿叁仟肆佰伍拾陆万柒仟捌佰玖拾元壹角贰分"),
        ("0", "零元整"),
        ("-0.00", "零元整"),
        ("-1260", "负壹仟贰佰陆拾元整"),
        ("-0.05", "负伍分"),
    ],
)
def test_rmb_upper(amount: str, upper: str) -> None:
    assert rmb_upper(D(amount)) == upper


@pytest.mark.parametrize(
    ("amount", "figures"),
    [
        ("1260", "1,260.00"),
        ("-1260", "-1,260.00"),
        ("1234567.5", "1,234,567.50"),
        ("999.99", "999.99"),
        ("0", "0.00"),
        ("-0.00", "0.00"),
        ("0.05", "0.05"),
    ],
)
def test_format_money(amount: str, figures: str) -> None:
    assert format_money(D(amount)) == figures


@pytest.mark.parametrize(
    ("amount", "reason"),
    [
        ("0.005", "at most two decimals"),
        ("1260.001", "at most two decimals"),
        ("NaN", "not a money amount"),
        ("Infinity", "not a money amount"),
    ],
)
def test_money_that_is_not_exact_cents_is_rejected(amount: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        rmb_upper(D(amount))
    with pytest.raises(ValueError, match=reason):
        format_money(D(amount))


def test_format_date_cn() -> None:
    assert format_date_cn(date(2026, 11, 26)) == "2026年11月26日"
    assert format_date_cn(date(2026, 1, 5)) == "2026年1月5日"
