"""The module-scoped API client over a real app and a SQLite store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from litestar.testing import TestClient

from api.app import create_app
from tests.support.http import Api, build


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    platform, clock = build("sqlite", tmp_path_factory.mktemp("api"))
    with TestClient(app=create_app(platform)) as client:
        yield Api(client, platform, clock)
    platform.close()
