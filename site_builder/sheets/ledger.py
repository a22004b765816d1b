"""A ledger sheet's balances: the 上月结余 row, the running 余额 column, the closing balance."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from ..schema import Bad, Money
from .cells import read_cell
from .importer import Columns, Result
from .read import Cell

OPENING = re.compile(r"(上月|上期|上季|上年|期初|年初)(结余|结存|结转|余额)(金额)?|期初|承前页|上页结转")


class Balances:
    """Follows the balance down a ledger sheet and reports the first cell where it goes wrong."""

    def __init__(self, columns: Columns, result: Result):
        assert columns.table.ledger is not None
        self.spec = columns.table.ledger
        self.columns = columns
        self.result = result
        self.opening: Decimal | None = None
        self.running: Decimal | None = None
        self.last: tuple[Decimal, Cell] | None = None  # the sheet's last 余额 and its cell
        self.income = self.expense = Decimal("0.00")
        self.wrong_rows = 0

    def amount(self, cell: Cell | None) -> Decimal | None:
        """A money cell (negative allowed: an overdrawn balance), or None when empty or wrong (reported)."""
        if cell is None or cell.empty:
            return None
        try:
            return Decimal(read_cell(cell, Money(allow_negative=True), "余额"))
        except Bad as exc:
            self.result.error(self.columns.grid.where(cell.ref), self.columns.headers.get(cell.col, ""), exc.zh)
            return None

    def opening_row(self, texts: list[str], by_col: dict[int, Cell]) -> bool:
        """上月结余 · 期初余额 · 承前页: the row's 余额 (or its only amount) opens the ledger."""
        if not any(OPENING.fullmatch(t) for t in texts):
            return False
        amounts = [c for c, n in self.columns.fields.items() if n in (self.spec.income, self.spec.expense)]
        for col in [self.columns.balance, *amounts]:
            value = self.amount(by_col.get(col)) if col else None
            if value is not None:
                self.opening = self.running = value
                break
        return True

    def add(self, item: dict[str, Any], by_col: dict[int, Cell]) -> None:
        """One entry: the running balance moves; the sheet's 余额 must follow it."""
        change = Decimal(item.get(self.spec.income) or 0) - Decimal(item.get(self.spec.expense) or 0)
        self.income += Decimal(item.get(self.spec.income) or 0)
        self.expense += Decimal(item.get(self.spec.expense) or 0)
        cell = by_col.get(self.columns.balance) if self.columns.balance else None
        shown = self.amount(cell)
        if self.running is None and shown is not None:
            self.opening = shown - change  # no opening row: the first balance tells it
            self.running = self.opening
            self.result.notes.append(f"表格没有“上月结余/期初余额”行，期初余额按第一行的余额倒推为 {self.opening:.2f}")
        if self.running is not None:
            self.running += change
        if shown is not None and cell is not None and self.running is not None:
            if shown != self.running:
                self.result.error(
                    self.columns.grid.where(cell.ref),
                    self.columns.headers[cell.col],
                    f"余额应为 {self.running:.2f}（上一行余额 + 收入 − 支出），表格里是 {shown:.2f}",
                )
                self.wrong_rows += 1
                self.running = shown  # one wrong cell is one error, not one for every row below it
            self.last = (shown, cell)

    def total_row(self, by_col: dict[int, Cell]) -> None:
        """The 合计 row's 余额, if any, is the sheet's last balance."""
        cell = by_col.get(self.columns.balance) if self.columns.balance else None
        shown = self.amount(cell)
        if shown is not None and cell is not None:
            self.last = (shown, cell)

    def finish(self, given: dict[str, Any]) -> None:
        """Opening and closing balance fields; the closing one computed, and compared with the sheet's."""
        spec, result = self.spec, self.result
        opening = Decimal(given[spec.opening]) if spec.opening in given else self.opening
        if opening is None:
            result.error(
                self.columns.grid.where(f"A{self.columns.header_row + 1}"),
                "期初余额",
                "表格里没有“上月结余”或“期初余额”行，也没有余额列；请用 --set opening_balance=金额 给出期初余额",
            )
            return
        closing = opening + self.income - self.expense
        result.data[spec.opening] = f"{opening:.2f}"
        result.data[spec.closing] = f"{closing:.2f}"
        if self.last and self.last[0] != closing and not self.wrong_rows:
            shown, cell = self.last
            result.error(
                self.columns.grid.where(cell.ref),
                self.columns.headers[cell.col],
                f"期末余额应为 {closing:.2f}（期初 {opening:.2f} + 收入 {self.income:.2f} − 支出 {self.expense:.2f}），"
                f"表格最后的余额是 {shown:.2f}",
            )
