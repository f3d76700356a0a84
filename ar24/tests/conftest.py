import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pyotp
import pytest
import requests

from ar24 import crypto
from ar24.client import AR24Client
from ar24.emulator import EmulatorApp
from ar24.emulator.controls import EmulatorControls
from ar24.emulator.profile import ID_PROFILES

TOKEN, KEY = "test-token", "test-private-key"


def signed(app, method, path, params=None, files=None, offset=0, headers=None):
    """AR24's answer to one signed call, as JSON (decrypted when it is a SUCCESS): what a client reads
    with no client code of ours."""
    date = crypto.paris_now(offset_seconds=offset)
    fields = dict(params or {}, token=TOKEN, date=date)
    kwargs = {"params": fields} if method == "GET" else {"data": fields, "files": files}
    all_headers = dict(headers or {}, signature=crypto.sign(date, KEY))
    response = requests.request(method, app.api_url + path, headers=all_headers, timeout=5, **kwargs)
    assert response.status_code == 200, response.text
    try:
        return response.json()
    except ValueError:
        return json.loads(crypto.decrypt_body(response.text, date, KEY))


def ok(answer):
    """The result of a SUCCESS answer."""
    assert answer["status"] == "SUCCESS", answer
    return answer["result"]


@pytest.fixture(params=ID_PROFILES)
def emulator(request):
    """The emulator in each id profile: as the live AR24 (user and file ids, flags and prices strings, a
    letter's id a number, its send_fail a boolean), strings throughout, numbers throughout: every round
    trip must work the same in all three."""
    app = EmulatorApp(port=0, token=TOKEN, private_key=KEY, webhook_retry_seconds=0.05, ids=request.param).start()
    yield app
    app.stop()


@pytest.fixture
def client(emulator):
    return AR24Client(emulator.api_url, TOKEN, KEY, backoff=0.01, timeout=5)


class Controls(EmulatorControls):
    """The emulator's test controls, with the app at hand."""

    def __init__(self, app):
        super().__init__(app.base_url)
        self.app = app

    def sender(self, email="syndic@example.com", **kw):
        return super().sender(email, **kw)


@pytest.fixture
def controls(emulator):
    return Controls(emulator)


@pytest.fixture
def sender(controls):
    info = controls.sender()
    info["otp"] = lambda: pyotp.TOTP(info["totp_secret"]).now()
    return info


class WebhookSink:
    """A loopback HTTP server recording webhook posts; answers ``codes`` in turn, then 200."""

    def __init__(self, codes=()):
        self.codes = list(codes)
        self.received = []
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                sink.received.append(self.rfile.read(length).decode())
                code = sink.codes.pop(0) if sink.codes else 200
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/hook" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def webhook_sink():
    sinks = []

    def make(codes=()):
        sinks.append(WebhookSink(codes))
        return sinks[-1]

    yield make
    for sink in sinks:
        sink.close()
