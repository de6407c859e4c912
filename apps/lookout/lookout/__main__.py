"""Entry point for ``python -m lookout``."""

from lookout.cli import main

main(prog_name="lookout")
