"""Allow `python -m workflow`."""

from workflow.cli import run

run()
