"""Open a report in headless Chromium and check what a person would see.

Drives Debian's `chromium` over the Chrome DevTools Protocol (a websocket on
127.0.0.1, via websocket-client): loads the file, waits until every chart div holds a
rendered plotly SVG, records console errors, uncaught exceptions, log entries and every
request that is not the file itself (a self-contained report makes none), and takes a
screenshot. Used by tests/python/test_report.py.

    python -m chatwh.report.browser REPORT.html SCREENSHOT.png   (from scripts/)

`ensure_chromium()` installs chromium and the Noto CJK fonts with apt-get when they are
missing (root only), so the test never assumes a browser is there.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--hide-scrollbars",
    "--mute-audio",
)
APT_PACKAGES = ("chromium", "fonts-noto-cjk")


class BrowserError(RuntimeError):
    """Chromium could not be started, or did not answer over the DevTools protocol."""


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def cjk_font_installed() -> bool:
    try:
        out = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return "Noto Sans CJK" in out


def ensure_chromium() -> str:
    """The chromium binary; installs chromium and fonts-noto-cjk through apt-get if missing."""
    path = chromium_path()
    if path and cjk_font_installed():
        return path
    if os.geteuid() != 0:
        raise BrowserError(f"chromium or the CJK fonts are missing and this is not root: apt-get install -y {' '.join(APT_PACKAGES)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for command in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", *APT_PACKAGES]):
        completed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1200)
        if completed.returncode != 0:
            raise BrowserError(f"{' '.join(command)} failed:\n{completed.stdout[-2000:]}{completed.stderr[-2000:]}")
    path = chromium_path()
    if not path:
        raise BrowserError("apt-get installed chromium but no chromium binary is on PATH")
    return path


@dataclass
class PageCheck:
    """What the page did: console errors, exceptions, requests, charts and the screenshot."""

    url: str
    title: str = ""
    console_errors: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    log_errors: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    charts: list[dict[str, Any]] = field(default_factory=list)
    sections: list[dict[str, Any]] = field(default_factory=list)
    page_height: int = 0
    screenshot: Path | None = None
    cjk_font_ok: bool = False
    seconds: float = 0.0

    @property
    def errors(self) -> list[str]:
        return self.console_errors + self.exceptions + self.log_errors


class _Cdp:
    """A minimal DevTools client: send a command, wait for its result, keep the events."""

    def __init__(self, ws_url: str, timeout: float) -> None:
        import websocket  # websocket-client

        self.ws = websocket.create_connection(ws_url, timeout=timeout, suppress_origin=True)
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, params: dict[str, Any] | None = None, timeout: float = 60.0) -> dict[str, Any]:
        self.next_id += 1
        message_id = self.next_id
        self.ws.send(json.dumps({"id": message_id, "method": method, "params": params or {}}))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = json.loads(self.ws.recv())
            if message.get("id") == message_id:
                if "error" in message:
                    raise BrowserError(f"{method}: {message['error']}")
                return message.get("result", {})
            if "method" in message:
                self.events.append(message)
        raise BrowserError(f"{method}: no answer in {timeout:.0f}s")

    def wait_event(self, method: str, timeout: float) -> dict[str, Any]:
        for event in self.events:
            if event["method"] == method:
                return event
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = json.loads(self.ws.recv())
            if "method" in message:
                self.events.append(message)
                if message["method"] == method:
                    return message
        raise BrowserError(f"no {method} event in {timeout:.0f}s")

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in result:
            raise BrowserError(f"evaluate failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def close(self) -> None:
        self.ws.close()


_CHART_STATE = """
(() => Array.from(document.querySelectorAll('div.chart')).map(div => {
  const plot = div.querySelector('.plotly-graph-div');
  const svg = div.querySelector('svg.main-svg');
  const box = div.getBoundingClientRect();
  return {
    id: div.dataset.chartId,
    rendered: !!(plot && svg && plot._fullLayout),
    traces: plot && plot.data ? plot.data.length : 0,
    marks: div.querySelectorAll('g.trace, g.point, path.bar').length,
    texts: Array.from(div.querySelectorAll('svg text')).map(t => t.textContent).filter(t => t).slice(0, 200),
    width: Math.round(box.width),
    height: Math.round(box.height),
  };
}))()
"""

_SECTION_STATE = """
(() => Array.from(document.querySelectorAll('section[data-section]')).map(s => ({
  key: s.dataset.section,
  noData: s.dataset.noData === 'true',
  title: s.querySelector('h2').textContent,
  tables: s.querySelectorAll('table').length,
  tiles: s.querySelectorAll('.tile').length,
})))()
"""

_SECTION_BOXES = """
(() => Array.from(document.querySelectorAll('header, section[data-section]')).map(s => {
  const r = s.getBoundingClientRect();
  return {key: s.dataset.section || 'header', y: Math.floor(r.top + window.scrollY), height: Math.ceil(r.height)};
}))()
"""

# Width of a CJK string in the page font vs. the fallback "tofu" box: a missing CJK font
# makes every character the same .notdef width, so 一 and 繁 measure the same.
_CJK_CHECK = """
(() => {
  const c = document.createElement('canvas').getContext('2d');
  c.font = '20px ' + getComputedStyle(document.body).fontFamily;
  return document.fonts.check('20px "Noto Sans CJK SC"', '对话') && c.measureText('对话系统日报').width > 60;
})()
"""


def check_page(
    html_path: Path,
    screenshot: Path,
    *,
    width: int = 1400,
    timeout: float = 90.0,
    chromium: str | None = None,
    section_shots: Path | None = None,
) -> PageCheck:
    """Load `html_path` in headless Chromium, wait for the charts, screenshot the full page
    (and, with `section_shots`, each section into its own PNG there, easier to look at)."""
    started = time.monotonic()
    binary = chromium or ensure_chromium()
    url = html_path.resolve().as_uri()
    check = PageCheck(url=url)
    with tempfile.TemporaryDirectory(prefix="report-chromium-") as profile:
        command = [
            binary,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            f"--window-size={width},1000",
            "about:blank",
        ]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        cdp: _Cdp | None = None
        try:
            port = _devtools_port(Path(profile), process, timeout=30)
            targets = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10).read())
            page = next(t for t in targets if t.get("type") == "page")
            cdp = _Cdp(page["webSocketDebuggerUrl"], timeout=timeout)
            for domain in ("Page", "Runtime", "Log", "Network"):
                cdp.call(f"{domain}.enable")
            cdp.call("Emulation.setDeviceMetricsOverride", {"width": width, "height": 1000, "deviceScaleFactor": 1, "mobile": False})
            cdp.events.clear()
            cdp.call("Page.navigate", {"url": url})
            cdp.wait_event("Page.loadEventFired", timeout)
            deadline = time.monotonic() + timeout
            while True:
                state = cdp.evaluate(_CHART_STATE)
                if state and all(chart["rendered"] for chart in state):
                    break
                # A script error means the charts will never render: stop waiting.
                if time.monotonic() > deadline or any(e["method"] == "Runtime.exceptionThrown" for e in cdp.events):
                    break
                time.sleep(0.25)
            time.sleep(0.5)  # let plotly finish its last layout pass before measuring
            check.charts = cdp.evaluate(_CHART_STATE)
            check.sections = cdp.evaluate(_SECTION_STATE)
            check.title = cdp.evaluate("document.title")
            check.cjk_font_ok = bool(cdp.evaluate(_CJK_CHECK))
            check.page_height = int(cdp.evaluate("Math.ceil(document.documentElement.scrollHeight)"))
            shot = cdp.call(
                "Page.captureScreenshot",
                {
                    "format": "png",
                    "captureBeyondViewport": True,
                    "clip": {"x": 0, "y": 0, "width": width, "height": check.page_height, "scale": 1},
                },
                timeout=timeout,
            )
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            screenshot.write_bytes(base64.b64decode(shot["data"]))
            check.screenshot = screenshot
            if section_shots is not None:
                section_shots.mkdir(parents=True, exist_ok=True)
                boxes = cdp.evaluate(_SECTION_BOXES)
                for index, box in enumerate(boxes, 1):
                    clip = {"x": 0, "y": box["y"], "width": width, "height": max(1, box["height"]), "scale": 1}
                    part = cdp.call(
                        "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip}, timeout=timeout
                    )
                    (section_shots / f"{index:02d}_{box['key']}.png").write_bytes(base64.b64decode(part["data"]))
            _collect(cdp.events, check, url)
        finally:
            if cdp is not None:
                cdp.close()
            _stop(process)
    check.seconds = time.monotonic() - started
    return check


def _devtools_port(profile: Path, process: subprocess.Popen[bytes], timeout: float) -> int:
    marker = profile / "DevToolsActivePort"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
            raise BrowserError(f"chromium exited with {process.returncode}:\n{stderr[-3000:]}")
        if marker.exists():
            first = marker.read_text().splitlines()[:1]
            if first and first[0].strip().isdigit():
                return int(first[0])
        time.sleep(0.1)
    raise BrowserError(f"chromium wrote no DevToolsActivePort in {timeout:.0f}s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """End the chromium started here (its own process group: renderer and GPU children too)."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(timeout=10)
    if process.stderr:
        process.stderr.close()


def _collect(events: list[dict[str, Any]], check: PageCheck, url: str) -> None:
    for event in events:
        method, params = event["method"], event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            check.console_errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            check.exceptions.append(str(details.get("exception", {}).get("description") or details.get("text")))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            check.log_errors.append(f"{entry.get('source')}: {entry.get('text')} {entry.get('url', '')}".strip())
        elif method == "Network.requestWillBeSent":
            request_url = params.get("request", {}).get("url", "")
            if request_url != url and not request_url.startswith(("data:", "blob:", "about:")):
                check.external_requests.append(request_url)


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Render a report in headless Chromium and screenshot it.")
    parser.add_argument("html", type=Path)
    parser.add_argument("screenshot", type=Path)
    args = parser.parse_args(argv)
    check = check_page(args.html, args.screenshot)
    rendered = sum(1 for c in check.charts if c["rendered"])
    print(
        f"{check.title}: {rendered}/{len(check.charts)} charts rendered, {len(check.errors)} errors, {len(check.external_requests)} external requests, "
        f"CJK font {'ok' if check.cjk_font_ok else 'MISSING'}, {check.page_height}px, {check.seconds:.1f}s → {check.screenshot}"
    )
    for error in check.errors + check.external_requests:
        print(f"  {error}")
    ok = rendered == len(check.charts) and not check.errors and not check.external_requests and check.cjk_font_ok
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
