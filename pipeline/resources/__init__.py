"""Files shipped with the package: the default workspace, and where the templates live."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
WORKSPACE = HERE / "workspace"
DEMO = HERE / "demo"


def templates_source() -> Path:
    """The repository's ``templates/`` (the package is installed editable from the repo)."""
    candidate = HERE.parent.parent / "templates"
    if not candidate.is_dir():
        raise FileNotFoundError(
            f"templates folder not found at {candidate}; install spt from its repository "
            "(pip install -e .)"
        )
    return candidate
