"""Shared fixtures: paths to the real documents and the bundled sample."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
TEST_DATA = Path(__file__).resolve().parent / "data"


def shared_path(*parts: str) -> Path:
    """A path under ../shared/data; skips the test when that folder is absent."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(
            f"real data not available: {p} is missing (../shared/data is not beside the checkout)"
        )
    return p


@pytest.fixture(scope="session")
def shared_data() -> Path:
    return shared_path()
