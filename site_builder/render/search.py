"""Chinese full-text search: a Pagefind index of the record pages of one audience's build.

Pagefind runs on the staged output, so each audience's index holds only what that audience's pages
show. Searching needs JavaScript (and a web server: browsers block it on file://); every other page
works without it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ..errors import SanwuError


def index_site(root: Path) -> None:
    """Write root/pagefind/ for the pages under root (only elements marked data-pagefind-body)."""
    cmd = [sys.executable, "-m", "pagefind", "--site", str(root), "--output-subdir", "pagefind", "--silent"]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SanwuError(f"生成搜索索引失败：{exc}") from None
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip()[-500:]
        hint = "（请安装：pip install 'pagefind[extended]'）" if "No module named" in detail else ""
        raise SanwuError(f"生成搜索索引失败{hint}：{detail}")
