"""The served page: textual-serve's, plus a script that keeps the token off every wire.

The printed URL carries the token in its fragment (`/#token=…`), which a browser sends to no
server at all. The script below moves it into sessionStorage (this tab and this origin only:
scheme, host *and port*), takes it out of the address bar, and trades it for a one-time ticket
(POST /session, the token in a header) that opens one websocket (`/ws/<ticket>`). textual.js
starts the terminal on `load`; the script holds that start until the ticket is in.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp_jinja2
from aiohttp import web

TOKEN_HEADER = "X-Container-Lab-Token"
NO_TOKEN = "This page needs its token: open the URL that container-lab --serve printed."
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",  # no URL of ours in any request to another origin
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "frame-ancestors 'none'",  # no framing by a page elsewhere
}
SCRIPT = """<script>
(() => {
  const key = "container-lab-token";
  const given = () => new URLSearchParams(location.hash.slice(1)).get("token");
  // The token URL opened over this page changes only the fragment: start again with it.
  window.addEventListener("hashchange", () => { if (given()) location.reload(); });
  let token = given();
  if (token) {
    sessionStorage.setItem(key, token);
    history.replaceState(null, "", location.pathname + location.search);
  } else {
    token = sessionStorage.getItem(key);
  }
  const start = window.onload;
  window.onload = null;
  const loaded = new Promise((done) => {
    if (document.readyState === "complete") done();
    else window.addEventListener("load", done);
  });
  const say = (title, text) => {
    document.title = title;
    document.body.innerHTML = "<div style='color: #eee; font-family: monospace'>"
      + "<h1></h1><p></p></div>";
    document.querySelector("h1").textContent = title;
    document.querySelector("p").textContent = text;
  };
  if (!token) {
    say("Forbidden", NO_TOKEN);
    return;
  }
  fetch("/session", {
    method: "POST", headers: {[TOKEN_HEADER]: token}, cache: "no-store", credentials: "omit",
  }).then(async (response) => {
    const answer = await response.json();
    if (!response.ok) {
      if (response.status === 403) sessionStorage.removeItem(key);
      say(answer.title, answer.text);
      return;
    }
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const terminal = document.getElementById("terminal");
    terminal.dataset.sessionWebsocketUrl = `${scheme}//${location.host}/ws/${answer.ticket}`;
    await loaded;
    if (start) start();
  }).catch((error) => say("Container Lab does not answer", String(error)));
})();
</script>
"""


def script() -> str:
    """The token script, its constants filled in."""
    return SCRIPT.replace("NO_TOKEN", json.dumps(NO_TOKEN)).replace(
        "TOKEN_HEADER", json.dumps(TOKEN_HEADER)
    )


def render_page(request: web.Request, title: str) -> web.Response:
    """textual-serve's page for the host the browser used, with the token script at its end."""
    try:
        font_size = max(6, min(64, int(request.query.get("fontsize", "16"))))
    except ValueError:
        font_size = 16
    context: dict[str, Any] = {
        "font_size": font_size,
        "app_websocket_url": "",  # set by the script, once it has a ticket
        "config": {"static": {"url": f"http://{request.host}/static/"}},
        "application": {"name": title},
    }
    page = aiohttp_jinja2.render_string("app_index.html", request, context)
    body = page.replace("</body>", script() + "</body>", 1)
    return web.Response(text=body, content_type="text/html", headers=HEADERS)


def refusal(status: int, title: str, text: str) -> web.Response:
    """What /session answers instead of a ticket (the page shows it)."""
    return web.json_response({"title": title, "text": text}, status=status, headers=HEADERS)
