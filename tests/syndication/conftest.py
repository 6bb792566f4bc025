"""Fixtures for the catalogue's tests."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _static_root(settings, tmp_path):
    # WhiteNoise warns (an error under filterwarnings=error) when STATIC_ROOT is missing, as it
    # is on a fresh checkout before collectstatic; the test settings should make this moot.
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATIC_ROOT.mkdir()
