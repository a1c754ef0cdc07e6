"""The server under load for bench/run.py and bench/console.py: the real app plus a bare JSON
endpoint beside it.

    http_server.py PORT [FOLLOWER ...]

Prints one JSON line (token, a readable case id, a filing body) once it is ready to listen.
Named followers alone run in the process (a benchmark over a store built beforehand keeps the
others, which a worker would run, from replaying it during the measurement).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import uvicorn
from litestar import get

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from api.app import create_app
from api.auth import build_auth
from application.bootstrap import build_platform
from application.shared.settings import Settings
from tests.support.data import AGENT, INSTITUTIONS, filing, filing_data


@get("/bare", exclude_from_auth=True)
async def bare() -> dict[str, str]:
    return {"hello": "world"}


def main() -> None:
    port = int(sys.argv[1])
    settings = Settings.from_env()
    platform = build_platform(settings)
    if sys.argv[2:]:
        platform.followers = [platform.follower(name) for name in sys.argv[2:]]
    for code, kind, name, prefix in INSTITUTIONS:
        if platform.directory.institution(code) is None:
            platform.directory.add_institution(code, kind, name, prefix)
    case = platform.center.file(AGENT, filing())
    token = build_auth(settings).create_token(
        identifier=AGENT.user_id,
        token_extras={"role": str(AGENT.role), "institution": AGENT.institution},
    )
    app = create_app(platform)
    app.register(bare)
    print(
        json.dumps(
            {"token": token, "case_id": str(case.id), "filing": filing_data()}, ensure_ascii=False
        ),
        flush=True,
    )
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
