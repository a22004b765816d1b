"""python -m site_builder works like the sanwu command."""

from .cli import main

main(prog_name="sanwu")
