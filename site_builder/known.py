"""Results of slow pure functions of one text (大写 amounts, pinyin), kept from build to build.

cn2an and pypinyin each take half a second to import; a rebuild whose amounts and names were all seen
before imports neither. The results are kept in .sanwu-cache/ under a digest of sanwu's code and those
libraries' versions (see incremental.known_results), so a new version of either is asked again.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
RESULTS: dict[tuple[str, str], str] = {}  # (function, argument as text) -> result
ADDED: list[int] = [0]  # results made since they were loaded


def remembered(fn: Callable[[T], str]) -> Callable[[T], str]:
    """fn, its results kept by the text of its argument (fn must be pure and its argument's text say all of it)."""
    name = fn.__qualname__

    @functools.wraps(fn)
    def wrapper(arg: T) -> str:
        key = (name, str(arg))
        found = RESULTS.get(key)
        if found is None:
            found = RESULTS[key] = fn(arg)
            ADDED[0] += 1
        return found

    return wrapper


def load(results: Any) -> None:
    """Start from kept results (anything but a mapping of text to text is ignored)."""
    if isinstance(results, dict):
        RESULTS.update(
            (k, v)
            for k, v in results.items()
            if isinstance(k, tuple) and len(k) == 2 and all(isinstance(x, str) for x in k) and isinstance(v, str)
        )
    ADDED[0] = 0


@remembered
def pinyin(text: str) -> str:
    """The text's pinyin, without tones or spaces: 凤凰社区 -> fenghuangshequ."""
    from pypinyin import lazy_pinyin  # its dictionaries take half a second to load: only for text not seen before

    return "".join(lazy_pinyin(text))
