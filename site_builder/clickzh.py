"""click's own words in Chinese: usage lines, help headings and the errors for a mistyped command.

click looks its messages up through gettext at the moment it shows them. A system gettext catalog
would depend on the user's locale (Windows sets none), so sanwu gives click's modules a lookup of
its own instead: the messages below in Chinese, anything else as click wrote it.
"""

from __future__ import annotations

import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.termui
import click.types

WORDS = {
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Show this message and exit.": "显示本帮助",
    "Show the version and exit.": "显示版本号",
    "Try '{command} {option}' for help.": "运行 '{command} {option}' 查看帮助。",
    "Error: {message}": "错误: {message}",  # as sanwu's own errors read
    "No such option {name!r}.": "没有选项 {name}。",
    "No such command {name!r}.": "没有命令 {name}。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing command.": "缺少命令。",
    "Missing {param_type}": "缺少{param_type}",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Invalid value: {message}": "值无效：{message}",
    "Option {name!r} does not take a value.": "选项 {name} 不带值。",
    "Aborted!": "已取消。",
    "default: {default}": "默认：{default}",
    "{name} {filename!r} does not exist.": "{filename} 不存在。",
    "{name} {filename!r} is a directory.": "{filename} 是文件夹，应为文件。",
    "{name} {filename!r} is a file.": "{filename} 是文件，应为文件夹。",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的{number_type}。",
    "integer": "整数",
    "file": "文件",
    "directory": "文件夹",
    "path": "路径",
}
PLURALS = {  # click's singular: (Chinese for one, Chinese for several)
    "Got unexpected extra argument ({args})": ("多余的参数：{args}", "多余的参数：{args}"),
    "Did you mean {possibility}?": ("是不是要输入 {possibility}？", "（是不是要输入其中之一：{possibilities}？）"),
    "Option {name!r} requires an argument.": ("选项 {name} 需要一个值。", "选项 {name} 需要 {nargs} 个值。"),
    "{value!r} is not {choice}.": ("{value!r} 不是可选的值：{choice}。", "{value!r} 不是可选的值之一：{choices}。"),
}


def gettext(message: str) -> str:
    return WORDS.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    if singular in PLURALS:
        return PLURALS[singular][0 if n == 1 else 1]
    return singular if n == 1 else plural


def install() -> None:
    """Point every click module that shows text at the lookups above."""
    for module in (
        click.core,
        click.decorators,
        click.exceptions,
        click.formatting,
        click.parser,
        click.termui,
        click.types,
    ):
        module._ = gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]
