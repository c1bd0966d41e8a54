"""CSRF tokens for the test clients, fetched as the sign-in dialog does.

kpid stores a POST only with a token it issued (GET /wsapi/session_context
answers {"csrf_token": ...} and sets the kpi_csrf cookie). A client sends
the token back in the cookie and in the body's "csrf" (or, for bare blobs,
in the X-KPI-CSRF-Token header).
"""
import http.client
import json


def session_token(port, host="127.0.0.1", path="/wsapi/session_context"):
    """A fresh token from kpid (or nginx) on host:port."""
    conn = http.client.HTTPConnection(host, port, timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        answer = response.read()
        if response.status != 200:
            raise http.client.HTTPException("GET %s answered %d: %r" % (path, response.status, answer[:200]))
        return json.loads(answer)["csrf_token"]
    finally:
        conn.close()


def token_headers(token):
    """The headers that carry `token` like the dialog's cookie and body field."""
    return {"Cookie": "kpi_csrf=" + token, "X-KPI-CSRF-Token": token}


def csrf_headers(port, host="127.0.0.1"):
    return token_headers(session_token(port, host))


class IngestClient:
    """One keep-alive connection posting {"data": blobs} batches with a token kpid issued."""

    def __init__(self, port, host="127.0.0.1"):
        self.conn = http.client.HTTPConnection(host, port, timeout=10)
        self.token = session_token(port, host)

    def post(self, blobs):
        """kpid's answer to the batch, as JSON; any status but 200 raises."""
        self.conn.request("POST", "/wsapi/interaction_data",
                          json.dumps({"data": blobs, "csrf": self.token}),
                          {"Content-Type": "application/json", "Cookie": "kpi_csrf=" + self.token})
        response = self.conn.getresponse()
        body = response.read().decode()
        if response.status != 200:
            raise http.client.HTTPException("POST answered %d: %s" % (response.status, body))
        return json.loads(body)
