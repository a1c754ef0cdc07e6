"""The console's tests run against a real server (uvicorn, the app, no media workers)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.server import Server, running_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("console"), TIAOJIE_MEDIA_WORKERS="0") as running:
        yield running
