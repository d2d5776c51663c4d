"""``python -m ignition`` → the stage runner."""

from __future__ import annotations

from ignition.cli import main

raise SystemExit(main())
