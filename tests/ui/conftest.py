"""Fixtures for the web UI's browser tests: headless Debian Chromium driven by Playwright.

Playwright's own browser download is never used: the tests launch the system's Chromium
(``make chromium`` installs Debian's package) through ``executable_path``. Set
``CAUDAL_CHROMIUM`` to use another Chromium binary.

Every test that uses ``page`` leaves a full-page screenshot in
``test-output/screenshots/<test name>.png`` at the repository root (``$CAUDAL_TEST_OUTPUT``
replaces ``test-output``), whether it passed or failed. ``page.caudal_errors`` collects what
went wrong in the browser while the test ran: console errors (Content-Security-Policy
violations among them), uncaught exceptions and failed requests, so a test can assert that a
page loaded cleanly with ``assert page.caudal_errors == []``.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, sync_playwright

REPO_ROOT = Path(__file__).resolve().parents[2]
DEBIAN_CHROMIUM = "/usr/bin/chromium"
# Chromium's flags: the sandbox needs unprivileged user namespaces or a setuid helper, which
# containers (and root, which Chromium refuses to sandbox at all) lack; the tests only load
# pages that they serve themselves on 127.0.0.1. /dev/shm is small in containers, and
# Chromium crashes when it fills up.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-dev-shm-usage"]
VIEWPORT = {"width": 1280, "height": 900}
# Playwright's actions wait up to this long (its default is 30 s) before failing.
DEFAULT_TIMEOUT_MS = 15_000

ScreenshotFn = Callable[[Page, str], Path]


def chromium_path() -> str | None:
    """The Chromium to drive: ``$CAUDAL_CHROMIUM``, Debian's, or the first on ``PATH``."""
    configured = os.environ.get("CAUDAL_CHROMIUM")
    if configured:
        return configured
    if os.access(DEBIAN_CHROMIUM, os.X_OK):
        return DEBIAN_CHROMIUM
    return shutil.which("chromium")


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}


def screenshots_dir() -> Path:
    """``test-output/screenshots`` at the repository root (or under ``$CAUDAL_TEST_OUTPUT``)."""
    base = os.environ.get("CAUDAL_TEST_OUTPUT") or str(REPO_ROOT / "test-output")
    path = Path(base) / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


def screenshot_name(name: str) -> str:
    """A file name (without extension) made from a test's node name or a shot's name."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._")
    return cleaned[:150] or "screenshot"


def save_screenshot(page: Page, name: str) -> Path:
    """Save a full-page PNG of ``page`` as ``<screenshots dir>/<name>.png``; return its path."""
    path = screenshots_dir() / f"{screenshot_name(name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Chromium for the whole session (skipped without one; a failure under CI)."""
    executable = chromium_path()
    if executable is None or not os.access(executable, os.X_OK):
        where = (
            f"$CAUDAL_CHROMIUM={executable} is not an executable"
            if executable
            else f"no Chromium found (looked at $CAUDAL_CHROMIUM, {DEBIAN_CHROMIUM} and PATH)"
        )
        message = (
            f"{where}: `make chromium` installs Debian's chromium package, which the web UI's "
            "browser tests drive"
        )
        if _in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    playwright = sync_playwright().start()
    try:
        launched = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
    except BaseException:
        playwright.stop()
        raise
    try:
        yield launched
    finally:
        try:
            launched.close()
        finally:
            playwright.stop()


@pytest.fixture
def screenshot_path(request: pytest.FixtureRequest) -> Path:
    """Where ``page`` saves this test's screenshot when the test ends."""
    return screenshots_dir() / f"{screenshot_name(request.node.name)}.png"


@pytest.fixture
def page(browser: Browser, screenshot_path: Path) -> Iterator[Page]:
    """A page in a fresh browser context, with ``page.caudal_errors`` collecting errors.

    The page's full-page screenshot is saved to ``screenshot_path`` when the test ends,
    whatever its outcome.
    """
    context = browser.new_context(viewport=VIEWPORT, locale="en-US")
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    new_page = context.new_page()
    errors: list[str] = []
    new_page.caudal_errors = errors  # type: ignore[attr-defined]

    def on_console(message: ConsoleMessage) -> None:
        # Chromium reports Content-Security-Policy violations ("Refused to execute inline
        # script because it violates ...") and failed loads ("Failed to load resource: 404")
        # as console errors.
        if message.type == "error":
            where = message.location.get("url") or ""
            errors.append(f"console: {message.text}" + (f" ({where})" if where else ""))

    def on_page_error(error: Exception) -> None:
        errors.append(f"pageerror: {error}")

    def on_request_failed(failed: Request) -> None:
        errors.append(f"requestfailed: {failed.method} {failed.url}: {failed.failure}")

    new_page.on("console", on_console)
    new_page.on("pageerror", on_page_error)
    new_page.on("requestfailed", on_request_failed)
    try:
        yield new_page
    finally:
        try:
            if not new_page.is_closed():
                new_page.screenshot(path=str(screenshot_path), full_page=True)
        except Exception as exc:  # a crashed page must not hide the test's own outcome
            print(f"could not save the screenshot {screenshot_path}: {exc}")
        if errors:
            print("browser errors during the test:\n  " + "\n  ".join(errors))
        context.close()


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> ScreenshotFn:
    """``screenshot(page, name)`` saves an extra full-page shot mid-test and returns its path.

    The file is ``<test name>__<name>.png`` beside the test's own screenshot.
    """
    prefix = request.node.name

    def take(shot_page: Page, name: str) -> Path:
        return save_screenshot(shot_page, f"{prefix}__{name}")

    return take
