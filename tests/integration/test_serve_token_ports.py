"""Nothing that grants the served dashboard ever reaches another port of the same host.

Cookies are not port-scoped (RFC 6265): a cookie set by 127.0.0.1:8000 goes to 127.0.0.1:18099
too, whoever runs that. This test runs a second, real HTTP server on another free port of
127.0.0.1 that records every request it gets (line and headers), and whose page reports what its
own script can read (document.cookie, localStorage, sessionStorage). Headless chromium opens the
class URL, uses the dashboard, reloads it, then loads that other page in the same tab and in a
new one: nothing recorded may carry the token, a ticket or any cookie at all.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from selenium import webdriver

from tests.integration.serve_harness import served
from tests.integration.test_serve_in_browser import (  # the same browser and helpers
    browser,  # noqa: F401
    open_dashboard,
    screen,
    type_keys,
    wait_for,
    wait_on_screen,
)

pytestmark = [pytest.mark.slow, pytest.mark.docker]

REPORTER = b"""<!DOCTYPE html><html><body><p id="done"></p><script>
const seen = {cookie: document.cookie, local: {...localStorage}, session: {...sessionStorage}};
fetch("/report", {method: "POST", body: JSON.stringify(seen)})
  .then(() => { document.getElementById("done").textContent = "reported"; });
</script></body></html>"""


class Recorder(ThreadingHTTPServer):
    """Another server on this host, as a second account could run one: it keeps everything."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), RecordingHandler)
        self.requests: list[dict[str, str]] = []
        self.reports: list[dict[str, object]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class RecordingHandler(BaseHTTPRequestHandler):
    server: Recorder

    def record(self) -> None:
        self.server.requests.append({"line": self.requestline, **dict(self.headers.items())})

    def do_GET(self) -> None:
        self.record()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(REPORTER)))
        self.end_headers()
        self.wfile.write(REPORTER)

    def do_POST(self) -> None:
        self.record()
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.server.reports.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture()
def recorder() -> Iterator[Recorder]:
    server = Recorder()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def visit(driver: webdriver.Chrome, recorder: Recorder) -> None:
    """Load the other port's page and wait until its script has reported what it can read."""
    reports = len(recorder.reports)
    driver.get(recorder.url + "/")
    wait_for(
        "the other page's report",
        lambda: len(recorder.reports) > reports,
        lambda: driver.page_source[-300:],
    )


def test_the_token_never_reaches_another_port_of_the_host(
    browser: webdriver.Chrome,  # noqa: F811
    recorder: Recorder,
) -> None:
    with served() as server:
        open_dashboard(browser, server)
        type_keys(browser, "2")  # use it: the Images tab, then back
        wait_on_screen(browser, "Layers")
        type_keys(browser, "1")
        browser.refresh()  # a reload asks for a new ticket with this tab's token
        wait_on_screen(browser, "Containers")
        assert browser.current_url == server.base + "/"
        visit(browser, recorder)  # the same tab goes to the other port
        browser.switch_to.new_window("tab")
        visit(browser, recorder)  # and a new tab
        assert len(recorder.requests) >= 4, recorder.requests  # two pages, two reports
        for request in recorder.requests:
            assert "Cookie" not in request, request  # no cookie of any name
            assert server.token not in json.dumps(request), request
            assert "/ws/" not in json.dumps(request) and "ticket" not in json.dumps(request)
        for report in recorder.reports:
            assert report == {"cookie": "", "local": {}, "session": {}}, report
        # a new tab on the class page itself has no token either: it is refused
        browser.get(server.base + "/")
        wait_for(
            "the refusal", lambda: "needs its token" in browser.page_source, lambda: screen(browser)
        )
