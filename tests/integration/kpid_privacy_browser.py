#!/usr/bin/env python3
"""A person opts out on kpid's page in headless chromium (kpid_privacy_page_test.sh).

Usage: kpid_privacy_browser.py BASE_URL MARK PROFILE_DIR LOG

On BASE_URL/wsapi/privacy, one browser: posts a blob as the dialog does
(fetch: a token from /wsapi/session_context, then the POST) and sees it
stored; submits the page's form to opt out and sees the page say so; posts
again and is told nothing was stored; takes part again and is stored again.
The event names are MARK:before, MARK:opted-out and MARK:after, so the shell
test can count what the store holds of each. Exits 1 on the first failure.
"""
import json
import sys

from kpi_browser import Browser, BrowserError

BASE, MARK, PROFILE, LOG = sys.argv[1:5]

# The dialog's two calls, from the page's own origin.
DIALOG_POST = """
fetch('/wsapi/session_context').then(r => r.json()).then(s =>
  fetch('/wsapi/interaction_data', {method: 'POST',
    headers: {'Content-Type': 'application/json'},
    body: JSON.stringify({csrf: s.csrf_token,
                          data: [{event_stream: [[%s, 5]], lang: 'en-US'}]})}))
  .then(r => r.text().then(t => JSON.stringify({status: r.status, body: t})))
"""


def fail(what):
    print(f"FAIL: {what}", file=sys.stderr)
    sys.exit(1)


def state(browser):
    return browser.evaluate("document.getElementById('state').dataset.state")


def dialog_post(browser, event):
    # The page forbids scripts any connection (CSP); the dialog lives on
    # another page of the site: run it from one without a CSP.
    browser.navigate(BASE + "/wsapi/session_context")
    answer = json.loads(browser.evaluate(DIALOG_POST % json.dumps(event)))
    if answer["status"] != 200:
        fail(f"the dialog's POST of {event} got {answer['status']}: {answer['body']}")
    return json.loads(answer["body"])


def expect_state(browser, want, when):
    got = state(browser)
    if got != want:
        fail(f"{when}: the page shows {got!r}, want {want!r}")
    print(f"ok   {when}: the page shows {want}")


def main():
    browser = Browser(PROFILE, LOG)
    try:
        browser.navigate(BASE + "/wsapi/privacy")
        expect_state(browser, "taking-part", "first visit")
        if browser.evaluate("document.scripts.length") != 0:
            fail("the opt-out page carries a script")
        answer = dialog_post(browser, MARK + ":before")
        if answer.get("stored") != 1:
            fail(f"before opting out the POST was not stored: {answer}")
        print("ok   before opting out, the browser's POST is stored")

        browser.navigate(BASE + "/wsapi/privacy")
        browser.click_and_wait("#choice")
        expect_state(browser, "opted-out", "after the opt-out form")
        answer = dialog_post(browser, MARK + ":opted-out")
        if answer.get("stored") != 0 or answer.get("opted_out") is not True:
            fail(f"after opting out the POST was stored: {answer}")
        print("ok   after opting out, kpid stores nothing of the browser's POST")
        browser.navigate(BASE + "/wsapi/privacy")
        expect_state(browser, "opted-out", "a later visit")

        browser.click_and_wait("#choice")
        expect_state(browser, "taking-part", "after taking part again")
        if dialog_post(browser, MARK + ":after").get("stored") != 1:
            fail("after taking part again the POST was not stored")
        print("ok   after taking part again, the browser's POST is stored")
    except BrowserError as e:
        fail(f"chromium: {e}")
    finally:
        browser.close()


if __name__ == "__main__":
    main()
