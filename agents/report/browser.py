"""Headless Chromium for the report: the page's DOM after its script ran, screenshots, and a
DevTools session to drive the page.

The browser tests and ``lean-gym report --screenshot`` use Debian's ``chromium`` package (any
Chromium or Chrome binary works; ``LEAN_GYM_CHROMIUM`` names one explicitly). Chromium runs with
a throw-away profile and everything that could reach the network switched off, in its own
process group, which is killed when it overruns its timeout.

:func:`dump_dom` and :func:`screenshot` are Chromium's own ``--dump-dom`` and ``--screenshot``
(the top of the page as it first draws). :class:`DevToolsBrowser` speaks the DevTools protocol
over a pipe (``--remote-debugging-pipe``: Chromium reads JSON messages, each ended by a NUL
byte, from its fd 3 and writes them to fd 4), so no WebSocket library is needed: it evaluates
script in the page, clicks and types, records every network request and uncaught exception,
and captures the view after the page scrolled (which ``--screenshot`` draws blank).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agents.report.errors import ReportError

__all__ = [
    "CHROMIUM_NAMES",
    "CHROMIUM_INSTALL_HINT",
    "find_chromium",
    "chromium_command",
    "page_url",
    "dump_dom",
    "screenshot",
    "capture",
    "DevToolsBrowser",
    "DevToolsPage",
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


def _headless(
    binary: str | None,
    profile: str,
    page: str | Path,
    fragment: str,
    window: tuple[int, int],
    action: str,
    timeout: float,
) -> subprocess.CompletedProcess[bytes]:
    """One headless run of ``page#fragment`` with ``action`` (``--dump-dom``, ``--screenshot``)."""
    command = chromium_command(
        _binary(binary),
        profile,
        f"--window-size={window[0]},{window[1]}",
        "--virtual-time-budget=5000",
        action,
        page_url(page, fragment),
    )
    return _run(command, timeout)


def _failure(action: str, result: subprocess.CompletedProcess[bytes]) -> ReportError:
    tail = result.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
    return ReportError(f"Chromium {action} failed (exit {result.returncode}): {tail[0]}")


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
    with tempfile.TemporaryDirectory(prefix="lean-gym-chromium-") as profile:
        result = _headless(binary, profile, page, fragment, window, "--dump-dom", timeout)
    if result.returncode != 0 or not result.stdout.strip():
        raise _failure("--dump-dom", result)
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
    """Renders ``page`` in headless Chromium and saves the viewport as ``png`` (``--screenshot``:
    the top of the page as it first draws; :func:`capture` draws it after it scrolled).

    Raises:
        ReportError: When no Chromium is found, it fails or it overruns ``timeout``.
    """
    png = Path(png).resolve()
    with tempfile.TemporaryDirectory(prefix="lean-gym-chromium-") as profile:
        shot = Path(profile) / "shot.png"
        result = _headless(binary, profile, page, fragment, window, f"--screenshot={shot}", timeout)
        if not shot.is_file():
            raise _failure("--screenshot", result)
        try:
            shutil.copyfile(shot, png)
        except OSError as exc:
            raise ReportError(f"cannot write {png}: {exc.strerror or exc}") from None
    return png


class DevToolsBrowser:
    """One headless Chromium driven over the DevTools protocol; use as a context manager."""

    def __init__(
        self, binary: str, *, timeout: float = 60.0, window: tuple[int, int] = (1280, 900)
    ):
        self.timeout = timeout
        self._profile = tempfile.TemporaryDirectory(prefix="lean-gym-cdp-")
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def wire_fds() -> None:  # runs in the child: its fd 3 reads, fd 4 writes
            read_end, write_end = os.dup(to_chrome_r), os.dup(from_chrome_w)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)

        command = chromium_command(
            binary,
            self._profile.name,
            "--remote-debugging-pipe",
            f"--window-size={window[0]},{window[1]}",
            "about:blank",
        )
        try:
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                preexec_fn=wire_fds,
                close_fds=False,
                start_new_session=True,
            )
        except OSError as exc:
            for fd in (to_chrome_r, self._to_chrome, self._from_chrome, from_chrome_w):
                os.close(fd)
            self._profile.cleanup()
            raise ReportError(f"cannot run {binary}: {exc.strerror or exc}") from None
        finally:
            with contextlib.suppress(OSError):
                os.close(to_chrome_r)
            with contextlib.suppress(OSError):
                os.close(from_chrome_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    def __enter__(self) -> DevToolsBrowser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.send("Browser.close", wait=False)
            self._process.wait(timeout=10)
        except (ReportError, OSError, subprocess.TimeoutExpired):
            pass
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._process.pid, signal.SIGKILL)
        self._process.wait()
        for fd in (self._to_chrome, self._from_chrome):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._profile.cleanup()

    def _read_message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ReportError("Chromium did not answer in time")
            ready, _, _ = select.select([self._from_chrome], [], [], left)
            if not ready:
                continue
            chunk = os.read(self._from_chrome, 1 << 20)
            if not chunk:
                raise ReportError("Chromium closed the pipe")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(line)

    def send(
        self,
        method: str,
        params: dict | None = None,
        *,
        session: str | None = None,
        wait: bool = True,
    ) -> dict[str, Any]:
        """Sends one command and returns its result (events that arrive meanwhile are kept).

        Raises:
            ReportError: When Chromium answers with an error, closes the pipe, or is silent
                past the timeout.
        """
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        try:
            os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        except OSError:
            raise ReportError("Chromium closed the pipe") from None
        if not wait:
            return {}
        deadline = time.monotonic() + self.timeout
        while True:
            answer = self._read_message(deadline)
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise ReportError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            self.events.append(answer)

    def wait_event(self, method: str, *, session: str, timeout: float | None = None) -> dict:
        """The first event ``method`` of ``session`` (removed from :attr:`events`)."""
        deadline = time.monotonic() + (timeout or self.timeout)
        for index, event in enumerate(self.events):
            if event.get("method") == method and event.get("sessionId") == session:
                return self.events.pop(index)
        while True:
            event = self._read_message(deadline)
            if event.get("method") == method and event.get("sessionId") == session:
                return event
            self.events.append(event)

    def open(self, url: str) -> DevToolsPage:
        """A new tab at ``url``, returned once its load event fired."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        page = DevToolsPage(self, session)
        for domain in ("Page", "Runtime", "Network"):
            self.send(f"{domain}.enable", session=session)
        self.send("Page.navigate", {"url": url}, session=session)
        self.wait_event("Page.loadEventFired", session=session)
        return page


class DevToolsPage:
    """A tab: evaluate script, interact, take screenshots."""

    def __init__(self, browser: DevToolsBrowser, session: str):
        self.browser = browser
        self.session = session

    def _events(self, method: str) -> list[dict[str, Any]]:
        return [
            e["params"]
            for e in self.browser.events
            if e.get("method") == method and e.get("sessionId") == self.session
        ]

    @property
    def requests(self) -> list[str]:
        """Every URL the page asked the network stack for."""
        return [p["request"]["url"] for p in self._events("Network.requestWillBeSent")]

    @property
    def exceptions(self) -> list[str]:
        """Uncaught script exceptions so far."""
        return [
            p["exceptionDetails"].get("exception", {}).get("description")
            or p["exceptionDetails"].get("text", "")
            for p in self._events("Runtime.exceptionThrown")
        ]

    def evaluate(self, expression: str) -> Any:
        result = self.browser.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            session=self.session,
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise ReportError(
                details.get("exception", {}).get("description") or details.get("text", "")
            )
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 20.0) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise ReportError(f"timed out waiting for {expression}")
            time.sleep(0.05)

    def click(self, selector: str) -> None:
        found = self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
            " if (!e) return false; e.click(); return true; })()"
        )
        if not found:
            raise ReportError(f"nothing matches {selector}")

    def type_into(self, selector: str, text: str) -> None:
        self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
            f" e.value = {json.dumps(text)}; e.dispatchEvent(new Event('input')); }})()"
        )

    def select_option(self, selector: str, value: str) -> None:
        self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
            f" e.value = {json.dumps(value)}; e.dispatchEvent(new Event('change')); }})()"
        )

    def screenshot(self, path: str | Path) -> Path:
        data = self.browser.send("Page.captureScreenshot", {"format": "png"}, session=self.session)
        path = Path(path)
        path.write_bytes(base64.b64decode(data["data"]))
        return path


def capture(
    page: str | Path,
    png: str | Path,
    *,
    fragment: str = "",
    window: tuple[int, int] = (1280, 900),
    timeout: float = 90.0,
    binary: str | None = None,
) -> Path:
    """Opens ``page#fragment``, waits until its script has drawn it, and saves the view as PNG.

    Unlike :func:`screenshot` this draws the view after the page scrolled (the report's
    ``scroll=`` fragment key), which is what a README picture needs.

    Raises:
        ReportError: When no Chromium is found, the page fails to draw, or ``png`` cannot be
            written.
    """
    chromium = _binary(binary)
    png = Path(png)
    with DevToolsBrowser(chromium, timeout=timeout, window=window) as browser:
        tab = browser.open(page_url(page, fragment))
        tab.wait_for("document.body && document.body.dataset.ready === '1'", timeout=timeout)
        errors = tab.exceptions
        if errors:
            raise ReportError(f"the page's script failed: {errors[0].splitlines()[0]}")
        try:
            tab.screenshot(png)
        except OSError as exc:
            raise ReportError(f"cannot write {png}: {exc.strerror or exc}") from None
    _shrink_png(png)
    return png


def _shrink_png(png: Path) -> None:
    """Re-saves a screenshot with a 256-colour palette when Pillow is installed and that is
    smaller (a page of text loses nothing visible); without Pillow the PNG stays as drawn."""
    try:
        from PIL import Image
    except ImportError:
        return
    smaller = png.with_name(png.name + ".small")
    try:
        with Image.open(png) as image:
            image.convert("RGB").quantize(colors=256).save(smaller, "PNG", optimize=True)
        if smaller.stat().st_size < png.stat().st_size:
            os.replace(smaller, png)
    except (OSError, ValueError):  # a nicety: the drawn PNG is kept
        pass
    finally:
        smaller.unlink(missing_ok=True)
