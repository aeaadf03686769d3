"""Allow `python -m workflow`."""

from workflow.cli import main

raise SystemExit(main())
