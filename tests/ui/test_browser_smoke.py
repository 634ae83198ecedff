"""The browser-test chain works: Debian's Chromium, driven by Playwright, on a real local page.

A small HTTP server on 127.0.0.1 serves pages under a strict Content-Security-Policy, as the
web UI does: a same-origin script runs, an inline one is refused, and the refusal shows up
in ``page.caudal_errors``, which the UI tests rely on to assert a page loaded cleanly.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

CSP = "default-src 'self'; script-src 'self'; style-src 'self'"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

PAGES: dict[str, tuple[str, str]] = {
    "/": (
        "text/html; charset=utf-8",
        """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>caudal browser smoke test</title>
  <link rel="stylesheet" href="/app.css">
  <script src="/app.js" defer></script>
</head>
<body>
  <h1>Browser smoke test</h1>
  <p id="status">not clicked</p>
  <button id="go" type="button">Click me</button>
</body>
</html>
""",
    ),
    "/inline": (
        "text/html; charset=utf-8",
        """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>inline script page</title>
  <link rel="stylesheet" href="/app.css">
</head>
<body>
  <h1>Inline scripts are refused</h1>
  <p id="status">inline script did not run</p>
  <script>document.getElementById("status").textContent = "inline script ran";</script>
</body>
</html>
""",
    ),
    "/app.js": (
        "text/javascript; charset=utf-8",
        """document.getElementById("go").addEventListener("click", () => {
  document.getElementById("status").textContent = "clicked by app.js";
});
""",
    ),
    "/app.css": (
        "text/css; charset=utf-8",
        "body { font-family: sans-serif; margin: 2rem; }\n#status { color: #0a6; }\n",
    ),
}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/favicon.ico":
            self.send_response(204)
            self.send_header("Content-Security-Policy", CSP)
            self.end_headers()
            return
        found = PAGES.get(self.path)
        status, (content_type, text) = (200, found) if found else (404, ("text/plain", "no"))
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", CSP)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    """The pages above, served on 127.0.0.1 with the CSP header; yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def teardown_screenshot_checked(screenshot_path: Path) -> Iterator[Path]:
    """Check, once ``page`` has been torn down, that it left this test's screenshot.

    Listed before ``page`` in a test's arguments, it is set up before it and so torn down
    after it.
    """
    screenshot_path.unlink(missing_ok=True)
    yield screenshot_path
    assert screenshot_path.is_file(), f"page left no screenshot at {screenshot_path}"
    assert screenshot_path.read_bytes()[:8] == PNG_SIGNATURE


def test_same_origin_script_runs_and_button_click_updates_the_page(
    teardown_screenshot_checked: Path,
    page: Page,
    site: str,
    screenshot: Callable[[Page, str], Path],
) -> None:
    page.goto(f"{site}/")
    status = page.locator("#status")
    expect(status).to_have_text("not clicked")

    page.get_by_role("button", name="Click me").click()

    expect(status).to_have_text("clicked by app.js")
    # The stylesheet applied too (style-src 'self').
    assert status.evaluate("el => getComputedStyle(el).color") == "rgb(0, 170, 102)"
    shot = screenshot(page, "after-click")
    assert shot.is_file() and shot.read_bytes()[:8] == PNG_SIGNATURE
    assert page.caudal_errors == []


def test_inline_script_is_blocked_by_csp_and_collected(
    teardown_screenshot_checked: Path, page: Page, site: str
) -> None:
    page.goto(f"{site}/inline")

    expect(page.locator("#status")).to_have_text("inline script did not run")
    # Chromium reports the refusal as a console error ("Executing inline script violates the
    # following Content Security Policy directive 'script-src 'self''..."), normally before
    # goto returns; give a slow machine a moment all the same.
    for _ in range(100):
        csp_errors = [e for e in page.caudal_errors if "Content Security Policy" in e]
        if csp_errors:
            break
        page.wait_for_timeout(50)
    assert csp_errors, f"no CSP violation collected; errors: {page.caudal_errors}"
    assert csp_errors[0].startswith("console: ")
    assert "inline script" in csp_errors[0] and "script-src 'self'" in csp_errors[0]
    # Nothing else went wrong: the stylesheet loaded and there was no other error.
    assert page.caudal_errors == csp_errors
