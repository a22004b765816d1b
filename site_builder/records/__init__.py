"""The record types: one module each in this package, found and registered here.

A module defines a RecordType subclass and exposes an instance as `TYPE`; adding a type is adding a module.
"""

import importlib
import pkgutil

from .base import AREAS, AUDIENCES, Record, RecordType, TypeRegistry

TYPES = TypeRegistry()
for _info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    _module = importlib.import_module(f"{__name__}.{_info.name}")
    if hasattr(_module, "TYPE"):
        TYPES.add(_module.TYPE)

__all__ = ["AREAS", "AUDIENCES", "TYPES", "Record", "RecordType"]
