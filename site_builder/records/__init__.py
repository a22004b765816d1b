"""The record types: one module each, registered here."""

from .base import AREAS, AUDIENCES, Record, RecordType, TypeRegistry
from .finance_ledger import FinanceLedger
from .notice import Notice

TYPES = TypeRegistry()
for _type in (Notice(), FinanceLedger()):
    TYPES.add(_type)

__all__ = ["AREAS", "AUDIENCES", "TYPES", "Record", "RecordType"]
