"""The command line people expect: fast help, --version, -q, options, exit codes, Tab completion."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from site_builder import cli, serve
from site_builder.records import TYPES
from tests.conftest import LEDGER, NOTICE, REPO, run

SITE = {"caiwu/2026-11.yaml": LEDGER, "notice.md": NOTICE}
HEAVY = ("weasyprint", "site_builder.records", "site_builder.pipeline", "cn2an", "jinja2", "markdown")


def test_help_loads_no_heavy_library() -> None:
    # What makes `sanwu --help` and every Tab press slow is importing these; the benchmark is bench/bench_cli.py.
    code = f"import sys, site_builder.cli; print([m for m in {HEAVY!r} if m in sys.modules])"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert done.stdout.strip() == "[]"


def test_help_and_version_in_chinese() -> None:
    result = CliRunner().invoke(cli.main, ["--help"])
    assert result.exit_code == 0 and "三务公开网站生成器" in result.output
    version = CliRunner().invoke(cli.main, ["--version"])
    assert version.exit_code == 0 and version.output.startswith("sanwu 0.")


def test_every_help_and_a_mistyped_command_read_in_chinese() -> None:
    """What click itself prints (headings, the help option, usage errors) is Chinese too, in every command."""
    english = ("Show this message", "Usage:", "Options:", "Error:", "No such", "Try '", "Did you mean")
    outputs = [CliRunner().invoke(cli.main, [*name.split(), "--help"]).output for name in ("build", "audit verify")]
    mistakes = {
        ("bulid",): "没有命令 bulid。 是不是要输入 'build'？",
        ("build", "--pdff"): "没有选项 --pdff。",
        ("build", "--audience", "everyone"): "'--audience' 的值无效：'everyone' 不是可选的值之一",
        ("new",): "缺少参数 'TYPE'",
    }
    for args, words in mistakes.items():
        result = CliRunner().invoke(cli.main, list(args))
        assert result.exit_code == 2 and words in result.output and "错误: " in result.output, result.output
        outputs.append(result.output)
    for output in outputs:
        assert not [w for w in english if w in output], output
    assert "显示本帮助" in outputs[0] and "选项" in outputs[0] and "用法：" in outputs[1]


def test_tab_completion_offers_the_record_types_without_importing_them() -> None:
    assert cli.declared_type_names() == TYPES.names()
    env = {**os.environ, "_SANWU_COMPLETE": "bash_complete", "COMP_WORDS": "sanwu new fin", "COMP_CWORD": "2"}
    done = subprocess.run([sys.executable, "-m", "site_builder"], env=env, capture_output=True, text=True, cwd=REPO)
    assert "finance-ledger" in done.stdout


def test_quiet_build_prints_nothing_and_errors_still_show(site) -> None:
    project = site(SITE)
    assert run(project, "-q", "build", "--no-pdf", "--as-of", "2026-11-26").output == ""
    (project / "content/notice.md").write_text(NOTICE.replace("approved_by: 王芳\n", ""), encoding="utf-8")
    result = run(project, "-q", "build", "--no-pdf", "--as-of", "2026-11-26")
    assert result.exit_code == 1 and "approved_by" in result.output


def test_quiet_build_leaves_out_the_compliance_findings(site) -> None:
    project = site(SITE)
    later = ("build", "--no-pdf", "--no-record", "--as-of", "2027-01-20")  # December's ledger is then overdue
    assert "合规提示" in run(project, *later).output
    assert run(project, "-q", *later).output == ""


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run(tmp_path, "check").exit_code == 2  # no content/
    assert run(tmp_path, "build").exit_code == 2
    assert run(tmp_path, "build", "--base-url", "ftp://x").exit_code == 2
    assert run(tmp_path, "diff", "HEAD").exit_code == 2  # not a git repository, so no such revision


def test_build_into_another_folder_with_its_own_address(site, tmp_path: Path) -> None:
    project = site(SITE)
    target = tmp_path / "elsewhere"
    result = run(
        project, "build", "--no-pdf", "--as-of", "2026-11-26", "--output", str(target), "--base-url", "https://x.cn/a"
    )
    assert result.exit_code == 0, result.output
    assert f"{target}/public/" in result.output and not (project / "output").exists()
    assert "<loc>https://x.cn/a/index.html</loc>" in (target / "public/sitemap.xml").read_text(encoding="utf-8")


def test_no_progress_bar_when_not_a_terminal(site) -> None:
    project = site(SITE)
    result = run(project, "build", "--no-pdf", "--as-of", "2026-11-26")
    assert "\r" not in result.output and "█" not in result.output


def test_progress_bar_draws_steps() -> None:
    progress = cli.Progress(enabled=False)
    progress("党员版：PDF", 2, 6)
    assert progress.line(12.4) == "████████░░░░░░░░░░░░░░░░ 2/6 党员版：PDF  12 秒"


def test_serve_binds_the_address_asked_for(site) -> None:
    preview = serve.Preview(site(SITE), "public", None, pdf=False)
    server = serve.make_server(preview, 0, "127.0.0.1")
    try:
        assert server.server_address[0] == "127.0.0.1" and server.server_address[1] > 0
    finally:
        server.server_close()
    result = run(site(SITE), "serve", "--bind", "256.1.1.1", "--port", "0")
    assert result.exit_code == 2 and "256.1.1.1" in result.output
