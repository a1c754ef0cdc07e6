"""The video tests' server: one per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.server import Server, running_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("video")) as running:
        yield running
