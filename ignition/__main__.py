"""``python -m ignition`` → the stage runner."""

from __future__ import annotations

from ignition.commands.cli import main

raise SystemExit(main())
