"""Which sheet columns fill which fields, per record type: the words people put in their header rows.

A type becomes importable with one entry here: its list field and, for each item field, the header
words (the first is the one `sanwu new --xlsx` writes). The labels of the type's download columns are
recognised too, so an exported .xlsx imports back. Headers are compared without spaces, line breaks and
bracketed units: “收入（元）”, “收 入” and “收入\\n(元)” are all 收入.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Ledger:
    """Balances of a ledger sheet: an opening row, a running 余额 column, the closing balance."""

    opening: str = "opening_balance"
    closing: str = "closing_balance"
    income: str = "income"
    expense: str = "expense"
    balance_headers: tuple[str, ...] = ("余额", "结余", "结存", "余额（元）", "账面余额")
    opening_words: tuple[str, ...] = ("上月结余", "上期结余", "期初余额", "上年结余", "上年结转", "承前页", "期初")


@dataclass(frozen=True)
class Table:
    """One list field of a record read from one sheet."""

    field: str
    headers: dict[str, tuple[str, ...]]  # item field (or "manager.name") -> header words
    ledger: Ledger | None = None
    ignored: tuple[str, ...] = ()  # columns that exports compute (星期, 人数): read by no one, not reported
    sheet_words: tuple[str, ...] = ()  # sheet names that hold this table, when a workbook has several


NAME = ("姓名", "名字")
NOTE = ("备注", "说明")
PHONE = ("联系电话", "电话", "手机", "手机号", "手机号码", "联系方式")
ID_NUMBER = ("身份证号码", "身份证号", "公民身份号码", "身份证")

LAYOUTS: dict[str, tuple[Table, ...]] = {
    "finance-ledger": (
        Table(
            "entries",
            {
                "date": ("日期", "时间", "记账日期", "发生日期", "业务日期"),
                "voucher": ("凭证号", "凭证编号", "凭证", "凭证字号", "凭证号码", "单据号"),
                "summary": ("摘要", "事由", "内容", "用途", "收支内容", "摘要说明"),
                "category": ("类别", "科目", "分类", "收支类别", "项目", "费用类别"),
                "income": ("收入", "收入金额", "借方", "借方金额", "收入额"),
                "expense": ("支出", "支出金额", "贷方", "贷方金额", "支出额"),
                "handler": ("经手人", "经办人", "报账人"),
                "approver": ("审批人", "批准人", "审批"),
                "note": NOTE,
            },
            ledger=Ledger(),
        ),
    ),
    "low-income-review": (
        Table(
            "households",
            {
                "head": ("户主姓名", "户主", "申请人", "申请人姓名", "姓名"),
                "id_number": ID_NUMBER + ("户主身份证号码", "户主身份证号"),
                "size": ("保障人数", "家庭人口", "家庭人数", "人口", "人数", "保障人口"),
                "change": ("变动类型", "变动情况", "类型", "变更类型", "审批类型", "类别"),
                "monthly_amount": ("月保障金额", "保障金额", "月保障金", "月补助金额", "补助金额", "低保金", "金额"),
                "address": ("住址", "地址", "家庭住址", "居住地址"),
                "reason": ("原因", "致贫原因", "变动原因", "理由", "申请理由"),
                "note": NOTE,
            },
        ),
    ),
    "member-development": (
        Table(
            "persons",
            {
                "name": NAME,
                "gender": ("性别",),
                "born": ("出生年月", "出生日期", "出生时间"),
                "ethnicity": ("民族",),
                "education": ("学历", "文化程度"),
                "workplace": ("工作单位及职务", "工作单位", "单位及职务"),
                "applied_on": ("递交入党申请书时间", "递交入党申请书日期", "申请入党时间", "入党申请时间"),
                "activist_on": ("确定为入党积极分子时间", "确定为积极分子时间", "列为入党积极分子时间"),
                "candidate_on": ("确定为发展对象时间", "列为发展对象时间"),
                "admitted_on": ("接收为预备党员时间", "吸收为预备党员时间", "入党时间"),
            },
        ),
    ),
    "party-dues": (
        Table(
            "members",
            {
                "name": NAME,
                "category": ("类别", "人员类别", "党员类别"),
                "monthly_base": ("月基数", "工资基数", "月工资", "计缴基数", "缴费基数", "交纳基数"),
                "months": ("交纳月份", "缴纳月份", "月份", "交纳月数"),
                "amount": ("实交", "实交金额", "交纳金额", "缴纳金额", "党费", "金额"),
                "note": NOTE,
            },
            ignored=("按标准应交", "差额"),
        ),
    ),
    "volunteer-team": (
        Table(
            "members",
            {
                "name": NAME + ("队员姓名", "志愿者姓名"),
                "party_member": ("党员", "是否党员", "政治面貌"),
                "skill": ("特长", "服务项目", "专长", "技能"),
                "phone": PHONE,
                "note": NOTE,
            },
            ignored=("参加活动", "服务时长"),
            sheet_words=("队员", "成员", "名单", "花名册"),
        ),
        Table(
            "activities",
            {
                "date": ("日期", "活动日期", "时间", "活动时间"),
                "hours": ("时长", "服务时长", "小时", "小时数", "活动时长"),
                "content": ("活动内容", "内容", "服务内容"),
                "place": ("地点", "活动地点"),
                "participants": ("参加队员", "参加人员", "参与人员", "参加人"),
            },
            sheet_words=("活动", "服务记录"),
        ),
    ),
    "patrol-schedule": (
        Table(
            "shifts",
            {
                "date": ("日期", "巡逻日期"),
                "slot": ("时段", "班次"),
                "leader": ("带班领导", "带班", "带班人", "带班人员"),
                "unit": ("值班单位", "单位", "责任单位"),
                "members": ("巡逻队员", "队员", "巡逻人员", "人员", "参加人员"),
                "note": NOTE,
            },
            ignored=("星期", "时间", "人数"),
        ),
    ),
    "grid-roster": (
        Table(
            "grids",
            {
                "id": ("编号", "网格编号"),
                "name": ("网格名称", "名称", "网格"),
                "level": ("层级", "网格层级", "级别"),
                "parent": ("上级网格", "上级网格编号", "上级"),
                "scope": ("网格范围", "范围", "管辖范围"),
                "households": ("户数", "总户数"),
                "population": ("人口", "人口数", "总人口"),
                "party_members": ("党员", "党员数", "党员人数"),
                "resident_reps": ("居民代表", "居民代表数"),
                "buildings": ("楼栋", "楼栋数"),
                "branch": ("网格党组织", "党组织", "党支部"),
                "manager.name": ("网格责任人", "责任人", "网格长"),
                "manager.phone": PHONE + ("责任人电话",),
                "staff": ("网格服务人员", "服务人员"),
            },
        ),
    ),
    "member-roster": (
        Table(
            "members",
            {
                "name": NAME,
                "gender": ("性别",),
                "born": ("出生年月", "出生日期"),
                "ethnicity": ("民族",),
                "education": ("学历", "文化程度"),
                "applied_on": ("申请入党日期", "递交入党申请书时间", "申请入党时间", "递交入党申请书日期"),
                "activist_on": ("确定为积极分子日期", "确定为入党积极分子时间", "确定为积极分子时间"),
                "joined_on": ("入党日期", "入党时间"),
                "category": ("人员类别", "类别"),
                "branch": ("所在支部", "所在党支部", "支部", "党支部"),
                "phone": PHONE,
                "id_number": ID_NUMBER,
                "flow_certificate": ("流动党员活动证", "流动党员活动证编号", "活动证编号"),
                "note": NOTE,
            },
        ),
    ),
}

MONTH_PART, DAY_PART = "date.月", "date.日"  # a date written in two columns
_NOISE = re.compile(r"[\s\u3000*＊:：]|[（(][^）)]*[）)]")


def normalize_header(text: str) -> str:
    """收入（元） · 收 入 · 收入\\n(元) · *收入： → 收入."""
    return _NOISE.sub("", text).lower()


@dataclass
class HeaderIndex:
    """Normalized header word -> item field, for one table."""

    table: Table
    words: dict[str, str] = field(default_factory=dict)
    ignored: set[str] = field(default_factory=set)

    def field_of(self, header: str) -> str | None:
        return self.words.get(normalize_header(header))


def header_index(table: Table, labels: list[tuple[str, str]]) -> HeaderIndex:
    """The table's words, plus other labels (key, label) of fields it reads; labels of others are skipped quietly."""
    index = HeaderIndex(table)
    for name, words in table.headers.items():
        for word in words:
            index.words.setdefault(normalize_header(word), name)
    for key, label in labels:
        if key in table.headers:
            index.words.setdefault(normalize_header(label), key)
        else:
            index.ignored.add(normalize_header(label))
    if "date" in table.headers:  # 现金日记账: the year above, 月 and 日 in two columns
        index.words.update({"月": MONTH_PART, "日": DAY_PART})
    index.ignored.update(normalize_header(w) for w in table.ignored + ("序号", "行号"))
    if table.ledger:
        index.ignored.update(normalize_header(w) for w in table.ledger.balance_headers)
    return index
