"""The browser tests' Chromium fixture (imported by the modules that need it): skipped with the
reason when there is none, except in CI.

``.ci/run`` installs Debian's ``chromium`` and sets ``LEAN_GYM_REQUIRE_CHROMIUM=1``, which turns
the skip into a failure, so CI can never pass the browser tests by skipping them.
"""

from __future__ import annotations

import os

import pytest

from agents.report.browser import find_chromium

NO_CHROMIUM = (
    "no Chromium binary found (apt-get install -y chromium, or set LEAN_GYM_CHROMIUM): "
    "the browser tests of the report cannot run"
)


@pytest.fixture(scope="session", name="chromium")
def chromium_binary() -> str:
    """The Chromium binary the browser tests use."""
    found = find_chromium()
    if found is None:
        if os.environ.get("LEAN_GYM_REQUIRE_CHROMIUM") == "1":
            pytest.fail(NO_CHROMIUM)
        pytest.skip(NO_CHROMIUM)
    return found
