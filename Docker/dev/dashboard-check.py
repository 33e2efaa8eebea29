#!/usr/bin/env python3
"""Loads Ferry's dashboard in headless Chromium and checks it, over the DevTools protocol.

    dashboard-check.py URL TOKEN SCREENSHOT EXPECT_JSON

EXPECT_JSON maps job ids to the state each must show ("running" also needs a progress
figure). The page is opened with #token=TOKEN; the script waits until every expected job
is on it, saves a screenshot, clicks Cancel on the running job and waits for the row to
turn "cancelled". It fails on any console error, uncaught exception or browser log error
(failed requests, CSP violations), and if the token stays in the address bar.

Chromium is driven through --remote-debugging-pipe (file descriptors 3 and 4, messages
separated by NUL), so nothing beyond Python's standard library is needed.
"""
import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time


class Browser:
    def __init__(self):
        binary = shutil.which("chromium") or shutil.which("chromium-browser")
        if binary is None:
            sys.exit("dashboard-check: chromium is not installed (see Docker/dev/install-deps.sh)")
        to_browser_read, self.to_browser = os.pipe()
        self.from_browser, from_browser_write = os.pipe()
        # Above 4, so the dup2 calls in the child cannot clobber each other; close-on-exec, so
        # only the dup2 copies (3 and 4) reach chromium.
        keep = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in (to_browser_read, from_browser_write)]
        for fd in (to_browser_read, from_browser_write):
            os.close(fd)
        self.profile = tempfile.mkdtemp(prefix="ferry-dashboard-")

        def child_setup():
            os.dup2(keep[0], 3)
            os.dup2(keep[1], 4)

        self.process = subprocess.Popen(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
             "--remote-debugging-pipe", f"--user-data-dir={self.profile}", "about:blank"],
            # close_fds would close 3 and 4 again after child_setup; Python's own descriptors
            # are close-on-exec anyway.
            close_fds=False, preexec_fn=child_setup, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for fd in keep:
            os.close(fd)
        self.buffer = b""
        self.next_id = 0
        self.events = []

    def send(self, method, params=None, session=None):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        return self.next_id

    def receive(self, timeout):
        while b"\0" not in self.buffer:
            ready, _, _ = select.select([self.from_browser], [], [], timeout)
            if not ready:
                return None
            chunk = os.read(self.from_browser, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method, params=None, session=None, timeout=30):
        wanted = self.send(method, params, session)
        deadline = time.monotonic() + timeout
        while True:
            message = self.receive(max(0.0, deadline - time.monotonic()))
            if message is None:
                raise RuntimeError(f"no answer to {method} within {timeout}s")
            if message.get("id") == wanted:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            if "method" in message:
                self.events.append(message)

    def pump(self, seconds):
        """Collects events for a while."""
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            message = self.receive(remaining)
            if message is not None and "method" in message:
                self.events.append(message)

    def close(self):
        try:
            self.send("Browser.close")
            self.process.wait(timeout=10)
        except Exception:
            self.process.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


def problems(events):
    """Console errors, exceptions and browser log errors, one line each."""
    found = []
    for event in events:
        method, params = event["method"], event.get("params", {})
        if method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            found.append("uncaught: " + details.get("exception", {}).get("description", details.get("text", "")))
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            found.append("console.error: " + " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"]))
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            entry = params["entry"]
            found.append(f"log ({entry.get('source')}): {entry.get('text')} {entry.get('url', '')}".strip())
    return found


ROWS = """JSON.stringify({hash: location.hash, message: document.getElementById('message').textContent,
  connection: document.getElementById('connection').textContent,
  rows: Array.from(document.querySelectorAll('#jobs tr')).map(tr => ({
    id: tr.dataset.id, state: tr.querySelector('.state').textContent,
    progress: tr.querySelector('.bar span').textContent, error: (tr.querySelector('.error') || {}).textContent || ''}))})"""


def page_state(browser, session):
    """What the page shows, or None while its document is not there yet: evaluated right
    after navigating, the expression can run against about:blank and throw (seen once in a
    full CI run: the reply then has no "value")."""
    result = browser.call("Runtime.evaluate", {"expression": ROWS, "returnByValue": True}, session)
    if "exceptionDetails" in result or "value" not in result["result"]:
        return None
    return json.loads(result["result"]["value"])


def wait_for(browser, session, what, predicate, timeout):
    deadline = time.monotonic() + timeout
    while True:
        state = page_state(browser, session)
        if state is not None and predicate(state):
            return state
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout}s waiting for {what}; the page shows {json.dumps(state)}")
        browser.pump(0.5)


def main():
    url, token, screenshot, expect = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
    browser = Browser()
    failures = []
    try:
        target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Runtime", "Log", "Page"):
            browser.call(f"{domain}.enable", session=session)
        browser.call("Emulation.setDeviceMetricsOverride",
                     {"width": 1400, "height": 720, "deviceScaleFactor": 1, "mobile": False}, session)
        browser.call("Page.navigate", {"url": f"{url}/#token={token}"}, session)

        def shows_expected(state):
            rows = {row["id"]: row for row in state["rows"]}
            return all(
                job in rows and rows[job]["state"] == wanted and (wanted != "running" or "%" in rows[job]["progress"])
                for job, wanted in expect.items())

        state = wait_for(browser, session, "the expected jobs", shows_expected, 60)
        if state["hash"]:
            failures.append(f"the token stays in the address bar ({state['hash'][:12]}…)")
        if state["connection"] != "live":
            failures.append(f"the connection badge says {state['connection']!r}, not 'live'")
        for row in state["rows"]:
            if row["state"] == "failed" and not row["error"]:
                failures.append(f"failed job {row['id']} shows no error line")
        image = browser.call("Page.captureScreenshot", {"format": "png"}, session)["data"]
        os.makedirs(os.path.dirname(os.path.abspath(screenshot)), exist_ok=True)
        with open(screenshot, "wb") as file:
            file.write(base64.b64decode(image))
        print(f"dashboard-check: screenshot {screenshot}; rows: "
              + ", ".join(f"{row['id']} {row['state']} {row['progress']}" for row in state["rows"]), file=sys.stderr)

        running = [job for job, wanted in expect.items() if wanted == "running"]
        for job in running:
            clicked = browser.call("Runtime.evaluate", {
                "expression": f"(b => b ? (b.click(), true) : false)(document.querySelector('tr[data-id=\"{job}\"] button.danger'))",
                "returnByValue": True}, session)["result"]["value"]
            if not clicked:
                failures.append(f"no Cancel button on running job {job}")
                continue
            wait_for(browser, session, f"job {job} to show cancelled",
                     lambda s: any(r["id"] == job and r["state"] == "cancelled" for r in s["rows"]), 60)
        browser.pump(1)
    except Exception as error:  # noqa: BLE001 — every failure is reported the same way
        failures.append(str(error))
    finally:
        failures = problems(browser.events) + failures
        browser.close()
    for failure in failures:
        print(f"dashboard-check: {failure}", file=sys.stderr)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
