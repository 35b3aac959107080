"""Headless Chromium for the report: the page's DOM after its script ran, and screenshots.

The browser tests and ``lean-gym report --screenshot`` use Debian's ``chromium`` package (any
Chromium or Chrome binary works; ``LEAN_GYM_CHROMIUM`` names one explicitly). Chromium runs with
a throw-away profile and everything that could reach the network switched off, in its own
process group, which is killed when it overruns its timeout.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from agents.report.errors import ReportError

__all__ = [
    "CHROMIUM_NAMES",
    "CHROMIUM_INSTALL_HINT",
    "find_chromium",
    "chromium_command",
    "page_url",
    "dump_dom",
    "screenshot",
]

CHROMIUM_NAMES = (
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
    "headless_shell",
)
CHROMIUM_INSTALL_HINT = (
    "install Chromium (Debian/Ubuntu: `apt-get install -y chromium`) or set LEAN_GYM_CHROMIUM "
    "to a Chromium or Chrome binary"
)
# Switches that keep a headless run local, quiet and reproducible.
_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-extensions",
    "--disable-default-apps",
    "--hide-scrollbars",
    "--mute-audio",
)


def find_chromium() -> str | None:
    """The Chromium binary to use: ``LEAN_GYM_CHROMIUM`` if set, else the first on ``PATH``."""
    explicit = os.environ.get("LEAN_GYM_CHROMIUM")
    if explicit:
        return shutil.which(explicit) or (explicit if os.access(explicit, os.X_OK) else None)
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def chromium_command(binary: str, user_data_dir: str | Path, *extra: str) -> list[str]:
    """The command line of a headless run with a private profile."""
    return [binary, *_FLAGS, f"--user-data-dir={user_data_dir}", *extra]


def page_url(page: str | Path, fragment: str = "") -> str:
    """The ``file://`` URL of ``page`` with ``#fragment`` (the report's view state)."""
    url = Path(page).resolve().as_uri()
    return f"{url}#{fragment.lstrip('#')}" if fragment else url


def _binary(binary: str | None) -> str:
    found = binary or find_chromium()
    if not found:
        raise ReportError(f"no Chromium found: {CHROMIUM_INSTALL_HINT}")
    return found


def _run(command: Sequence[str], timeout: float) -> subprocess.CompletedProcess[bytes]:
    process = subprocess.Popen(
        list(command),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise ReportError(f"Chromium did not finish within {timeout:g} s") from None
    finally:
        # Chromium's helpers (zygote, renderer) share the group; none may outlive the call.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
    return subprocess.CompletedProcess(list(command), process.returncode, stdout, stderr)


def dump_dom(
    page: str | Path,
    *,
    fragment: str = "",
    window: tuple[int, int] = (1280, 900),
    timeout: float = 90.0,
    binary: str | None = None,
) -> str:
    """The page's DOM, serialised after its scripts ran (Chromium's ``--dump-dom``).

    Raises:
        ReportError: When no Chromium is found, it fails or it overruns ``timeout``.
    """
    chromium = _binary(binary)
    with tempfile.TemporaryDirectory(prefix="lean-gym-chromium-") as profile:
        result = _run(
            chromium_command(
                chromium,
                profile,
                f"--window-size={window[0]},{window[1]}",
                "--virtual-time-budget=5000",
                "--dump-dom",
                page_url(page, fragment),
            ),
            timeout,
        )
    if result.returncode != 0 or not result.stdout.strip():
        tail = result.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        raise ReportError(f"Chromium --dump-dom failed (exit {result.returncode}): {tail[0]}")
    return result.stdout.decode("utf-8", "replace")


def screenshot(
    page: str | Path,
    png: str | Path,
    *,
    fragment: str = "",
    window: tuple[int, int] = (1280, 900),
    timeout: float = 90.0,
    binary: str | None = None,
) -> Path:
    """Renders ``page`` in headless Chromium and saves the viewport as ``png``.

    Raises:
        ReportError: When no Chromium is found, it fails or it overruns ``timeout``.
    """
    chromium = _binary(binary)
    png = Path(png).resolve()
    with tempfile.TemporaryDirectory(prefix="lean-gym-chromium-") as profile:
        shot = Path(profile) / "shot.png"
        result = _run(
            chromium_command(
                chromium,
                profile,
                f"--window-size={window[0]},{window[1]}",
                "--virtual-time-budget=5000",
                f"--screenshot={shot}",
                page_url(page, fragment),
            ),
            timeout,
        )
        if not shot.is_file():
            tail = result.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
            raise ReportError(f"Chromium --screenshot failed (exit {result.returncode}): {tail[0]}")
        try:
            shutil.copyfile(shot, png)
        except OSError as exc:
            raise ReportError(f"cannot write {png}: {exc.strerror or exc}") from None
    return png
