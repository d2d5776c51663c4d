from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.providers.harness import Machine
from tests.integration.providers.standin import StandIn, standin


@pytest.fixture
def machine(tmp_path: Path) -> Machine:
    return Machine(tmp_path)


@pytest.fixture
def server() -> Iterator[StandIn]:
    with standin() as s:
        yield s
