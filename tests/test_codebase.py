"""The shape the code keeps: one way to run an act, every access rule in one module.

These read the source: an act handler taking `**params`, a dict of parameters or an act's name,
or a role check written outside `application/shared/access.py`, fails here.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any, get_type_hints

from application.court.acts import CONFIRMATION_ACTS, LITIGATION_ACTS
from application.court.app import Court
from application.mediation_center.acts import AGREEMENT_ACTS, CASE_ACTS
from application.mediation_center.app import MediationCenter
from application.notary_office.acts import MATTER_ACTS
from application.notary_office.app import NotaryOffice
from application.shared.commands import Command
from application.shared.video_sessions import HOST_ACTS, VideoSessions

ROOT = Path(__file__).parents[1]
ACCESS = ROOT / "application" / "shared" / "access.py"
# `.role is Role.X`, `.role in {...ROLES}`, `.role not in (Role.A, ...)`: a user's role decides.
ROLE_CHECK = re.compile(
    r"\.role\s+(?:is not|is|==|!=|not in|in)\s+[^\n]*(?<![A-Za-z])(?:Role\.|ROLES)"
)


def _sources(*packages: str) -> list[Path]:
    return [path for package in packages for path in sorted((ROOT / package).rglob("*.py"))]


def test_no_role_check_outside_the_access_module() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _sources("application", "api")
        if path != ACCESS
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if ROLE_CHECK.search(line)
    ]
    assert found == []


def test_console_pages_ask_the_access_module_which_pages_a_role_opens() -> None:
    templates = sorted((ROOT / "api" / "console" / "templates").glob("*.html"))
    found = [
        f"{path.name}: {line.strip()}"
        for path in templates
        for line in path.read_text(encoding="utf-8").splitlines()
        if re.search(r"\{%\s*if\s+user\.role", line)
    ]
    assert templates and found == []


def test_role_checks_are_found_where_they_are() -> None:
    """The scan itself works: the access module is full of them."""
    assert len(ROLE_CHECK.findall(ACCESS.read_text(encoding="utf-8"))) > 10


def _act_entry_points() -> list[Any]:
    return [
        MediationCenter.act,
        MediationCenter.agreement_act,
        Court.confirmation_act,
        Court.litigation_act,
        NotaryOffice.act,
        VideoSessions.act,
    ]


def test_acts_arrive_as_typed_commands() -> None:
    """Entry points take the command's Struct: no act name, no `**params`, no dict."""
    for entry in _act_entry_points():
        parameters = inspect.signature(entry).parameters
        assert "act" not in parameters, entry
        assert not any(p.kind is p.VAR_KEYWORD for p in parameters.values()), entry
        assert get_type_hints(entry)["command"] is Command, entry
    for table in (CASE_ACTS, AGREEMENT_ACTS, CONFIRMATION_ACTS, LITIGATION_ACTS, MATTER_ACTS):
        for command, handler in table.items():
            assert issubclass(command, Command), command
            parameters = inspect.signature(handler).parameters.values()
            assert [p.kind for p in parameters] == [inspect.Parameter.POSITIONAL_OR_KEYWORD] * 3
    for command in HOST_ACTS:
        assert issubclass(command, Command), command


def test_no_handler_dispatches_on_a_string() -> None:
    """Classes pick handlers and reactions: no `if act == "..."` chains, no event names."""
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in _sources("application", "api")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\bact\s*==\s*[\"']", line)
        or re.search(r"type\([^)]*\)\.__(?:qual)?name__\s*[!=]=", line)
    ]
    assert found == []


def test_the_witness_imports_only_the_standalone_verifier() -> None:
    """Witnesses and monitors run outside the server: of the project, only domain/shared/tlog."""
    import ast

    project: set[str] = set()
    modules: set[str] = set()
    for path in _sources("witness"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                modules.add(node.module)
                names = [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            project.update(
                n for n in names if n.split(".")[0] in ("domain", "application", "api", "video")
            )
    assert project == {"domain.shared.tlog"}
    assert "witness.protocol" in modules  # the scan reads the package
