"""notice — 通用公告 for any area; the body is Markdown."""

from __future__ import annotations

from ..schema import Choice, F
from .base import RecordType


class Notice(RecordType):
    """A general announcement with a Markdown body."""

    name = "notice"
    label = "公告"
    markdown = True
    fields = {
        "area": F(
            Choice("party", "residents", "finance"),
            True,
            "领域：party 党务 / residents 居务 / finance 财务",
            see="public",
        )
    }
    example = """\
---
# 通用公告：上面是信息块，下面 --- 之后是正文（Markdown）。
type: notice
title: 关于开展冬季消防安全检查的通知
area: residents                  # party 党务 · residents 居务 · finance 财务
audience: public                 # public 向社会公开 · party 党内公开 · committee 限委员
notice_period: {from: 2026-12-01, to: 2026-12-07}   # 需要公示时填写，否则删除本行
prepared_by: 李四                 # 经办
reviewed_by: 张三                 # 审核（含保密审查）
approved_by: 王芳                 # 审批
approved_on: 2026-11-30
status: draft                    # 审批后改为 approved
---

正文从这里开始。可以使用 **加粗**、列表和表格：

- 第一项
- 第二项
"""


TYPE = Notice()
