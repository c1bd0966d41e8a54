"""Headless Debian chromium driven over the DevTools protocol, stdlib only.

chromium --remote-debugging-pipe reads protocol commands (JSON, each ended
by a NUL byte) on file descriptor 3 and writes answers and events on 4, so
no WebSocket library, chromedriver or Selenium is needed. Browser(profile)
opens one tab; navigate, click_and_wait and evaluate drive it. Every wait is
bounded (TIMEOUT seconds) and raises BrowserError when it runs out.
"""
import json
import os
import select
import subprocess
import time

TIMEOUT = 30.0


class BrowserError(Exception):
    pass


class Browser:
    def __init__(self, profile_dir, log_path):
        to_chromium_r, self._to_chromium = os.pipe()
        self._from_chromium, from_chromium_w = os.pipe()

        def on_fds_3_and_4():  # in the child, before exec
            a, b = os.dup(to_chromium_r), os.dup(from_chromium_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self._log = open(log_path, "ab")
        self._proc = subprocess.Popen(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--no-first-run", "--remote-debugging-pipe", "--user-data-dir=" + profile_dir,
             "about:blank"],
            preexec_fn=on_fds_3_and_4, close_fds=False, stdin=subprocess.DEVNULL,
            stdout=self._log, stderr=self._log)
        os.close(to_chromium_r)
        os.close(from_chromium_w)
        self._buffer = b""
        self._events = []
        self._next_id = 0
        target = self._call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self._session = self._call("Target.attachToTarget",
                                   {"targetId": target, "flatten": True})["sessionId"]
        self.call("Page.enable")

    def close(self):
        try:
            self._call("Browser.close")
        except (BrowserError, OSError):
            pass
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        os.close(self._to_chromium)
        os.close(self._from_chromium)
        self._log.close()

    def call(self, method, params=None):
        """A command to the tab; its result."""
        return self._call(method, params, self._session)

    def navigate(self, url):
        self._events.clear()
        answer = self.call("Page.navigate", {"url": url})
        if answer.get("errorText"):
            raise BrowserError(f"navigating to {url}: {answer['errorText']}")
        self._wait_event("Page.loadEventFired")

    def click_and_wait(self, selector):
        """Clicks the element (a form's button) and waits for the next page."""
        self._events.clear()
        self.evaluate(f"document.querySelector({json.dumps(selector)}).click()")
        self._wait_event("Page.loadEventFired")

    def evaluate(self, expression):
        """The value of a JavaScript expression in the page (promises awaited)."""
        answer = self.call("Runtime.evaluate", {"expression": expression,
                                                "awaitPromise": True, "returnByValue": True})
        if "exceptionDetails" in answer:
            raise BrowserError(f"{expression[:80]}: {answer['exceptionDetails']}")
        return answer["result"].get("value")

    def _call(self, method, params=None, session=None):
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_chromium, json.dumps(message).encode() + b"\0")
        while True:
            answer = self._read()
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise BrowserError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            if "method" in answer:
                self._events.append(answer)

    def _wait_event(self, method):
        deadline = time.monotonic() + TIMEOUT
        while True:
            for event in self._events:
                if event["method"] == method:
                    self._events.remove(event)
                    return event
            if time.monotonic() > deadline:
                raise BrowserError(f"no {method} within {TIMEOUT} s")
            message = self._read(deadline)
            if "method" in message:
                self._events.append(message)

    def _read(self, deadline=None):
        deadline = deadline or time.monotonic() + TIMEOUT
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_chromium], [], [], left)[0]:
                raise BrowserError("chromium did not answer in time")
            data = os.read(self._from_chromium, 1 << 16)
            if not data:
                raise BrowserError("chromium closed its pipe (crashed?)")
            self._buffer += data
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)
