"""The direction of imports (docs/architecture.md), checked by import-linter's contracts in
pyproject.toml: reversing an arrow fails here."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# `lint-imports` through its Python API, in a process of its own: it reads pyproject.toml and
# finds the packages in its working directory.
LINT = (
    "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True))"
)


def _lint(cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", LINT], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_imports_follow_the_arrows():
    result = _lint()
    assert result.returncode == 0, result.stdout + result.stderr
    for contract in [
        "Only cityhall's top imports cityhall's top",
        "cityhall's base modules import no app",
        "Apps build on the apps below them",
        "Chat builds on groups; groups never imports its chat",
        "search sits beneath the apps",
    ]:
        assert contract in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        # (not cityhall/policies.py: search asks it who is a member, so search's contract
        # would break as well)
        ("cityhall/fragments.py", "import members.selectors", "cityhall's base modules"),
        ("members/selectors.py", "import groups.models", "Apps build on the apps below"),
        ("events/selectors.py", "import knowledge.models", "Apps build on the apps below"),
        ("groups/services.py", "import groups.chat.models", "Chat builds on groups"),
        ("search/registry.py", "import members.models", "search sits beneath"),
        ("cityhall/realtime.py", "import cityhall.views", "Only cityhall's top"),
    ],
)
def test_a_reversed_arrow_is_caught(tmp_path, module, line, broken):
    """The same contracts on a copy of the code with one import added the wrong way."""
    for package in ["cityhall", "members", "groups", "events", "knowledge", "search"]:
        subprocess.run(["cp", "-r", str(ROOT / package), str(tmp_path / package)], check=True)
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    target = tmp_path / module
    target.write_text(target.read_text() + f"\n{line}  # the wrong way\n")
    result = _lint(cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    broken_contracts = [line for line in result.stdout.splitlines() if " BROKEN" in line]
    assert len(broken_contracts) == 1 and broken_contracts[0].startswith(broken), result.stdout
