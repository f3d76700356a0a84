"""HTTP front of the AR24 emulator: AR24's signed API under /api/, test controls under /_emulator/."""

import contextlib
import ipaddress
import json
import logging
import queue
import random
import socket
import threading
import time
import urllib.error
import urllib.request
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit

from .. import crypto
from ..pdf import make_pdf
from ..routes import DATE_GRACE_SECONDS, MAX_ATTACHMENTS_BYTES, MAX_FUTURE_SECONDS, ROUTES
from . import messages, multipart
from .core import ApiError, Emulator
from .profile import DEFAULT_PROFILE, check_profile, present
from .store import Store

_logger = logging.getLogger(__name__)

# Path below /api/ -> route name (AR24's legacy name of /user/identity included).
API_PATHS = {(r.method, r.path): name for name, r in ROUTES.items()}
API_PATHS[("POST", "user/verify")] = "request_identity"
SECRET_PARAMS = {"token", "otp", "auth_otp_hash"}
FAULT_KINDS = ("http_500", "maintenance", "timeout", "drop_after")
# A scripted step may also make AR24 refuse the next call with a slug: {"kind": "refuse", "slug": ...}
REFUSE = "refuse"
MAX_BODY = MAX_ATTACHMENTS_BYTES + 1024 * 1024
MAX_CHUNK_LINE = 1024


class BadBody(Exception):
    """A request body the emulator cannot read to its end: answered with ``code``, connection closed
    (what is left of the body must not be taken for the next request)."""

    def __init__(self, code, reason):
        super().__init__(reason)
        self.code = code
        self.reason = reason


class Config:
    """Run-time settings, changed by the command line and POST /_emulator/faults."""

    def __init__(
        self,
        token,
        private_key,
        latency_ms=0,
        fault_rate=0.0,
        seed=None,
        date_grace_seconds=DATE_GRACE_SECONDS,
        send_delay_seconds=0.0,
        webhook_retry_seconds=1.0,
        webhook_max_attempts=48,
        timeout_seconds=3.0,
        ids=DEFAULT_PROFILE,
    ):
        self.token = token
        self.ids = check_profile(ids)  # how ids, flags and prices are typed in answers
        self.private_key = private_key
        self.latency_ms = latency_ms
        self.fault_rate = fault_rate
        self.fault_kinds = list(FAULT_KINDS)
        self.maintenance = False
        self.date_grace_seconds = date_grace_seconds
        self.send_delay_seconds = send_delay_seconds
        self.webhook_retry_seconds = webhook_retry_seconds
        self.webhook_max_attempts = webhook_max_attempts
        self.timeout_seconds = timeout_seconds
        self.script = []  # [{"route": name or "*", "kind": fault kind}] consumed in order
        self.random = random.Random(seed)
        self.lock = threading.Lock()

    def public(self):
        return {
            k: getattr(self, k)
            for k in (
                "latency_ms",
                "fault_rate",
                "fault_kinds",
                "maintenance",
                "date_grace_seconds",
                "send_delay_seconds",
                "webhook_retry_seconds",
                "webhook_max_attempts",
                "timeout_seconds",
                "script",
                "ids",
            )
        }

    def update(self, values):
        with self.lock:
            for key in (
                "latency_ms",
                "fault_rate",
                "maintenance",
                "date_grace_seconds",
                "send_delay_seconds",
                "webhook_retry_seconds",
                "webhook_max_attempts",
                "timeout_seconds",
            ):
                if key in values:
                    setattr(self, key, type(getattr(self, key))(values[key]))
            if "ids" in values:
                self.ids = check_profile(values["ids"])
            if "fault_kinds" in values:
                kinds = [k for k in values["fault_kinds"] if k in FAULT_KINDS]
                self.fault_kinds = kinds or list(FAULT_KINDS)
            if "script" in values:
                self.script = [
                    dict(route=s.get("route", "*"), kind=s["kind"], slug=s.get("slug"))
                    for s in values["script"]
                    if s.get("kind") in FAULT_KINDS or (s.get("kind") == REFUSE and s.get("slug"))
                ]
            if "seed" in values:
                self.random.seed(values["seed"])

    def draw_fault(self, route):
        """The fault of this call: a kind of FAULT_KINDS, "refuse:<slug>" (a scripted refusal) or None."""
        with self.lock:
            for index, step in enumerate(self.script):
                if step["route"] in ("*", route):
                    step = self.script.pop(index)
                    return "%s:%s" % (REFUSE, step["slug"]) if step["kind"] == REFUSE else step["kind"]
            if self.fault_rate and self.random.random() < self.fault_rate:
                return self.random.choice(self.fault_kinds)
        return None


def is_loopback_host(host):
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class WebhookSender(threading.Thread):
    """Delivers webhooks like AR24 (form POST, retried on non-200) on a compressed schedule."""

    def __init__(self, store, config):
        super().__init__(daemon=True, name="ar24-emulator-webhooks")
        self.store = store
        self.config = config
        self.queue = queue.PriorityQueue()
        self.sequence = 0
        self.stopped = threading.Event()

    def enqueue(self, mail, url):
        payload = {"id_mail": mail["id"], "new_state": mail["status"], "proof_url": ""}
        for key, proof_key in (
            ("ts_ev_date", "proof_ev_url"),
            ("view_date", "proof_ar_url"),
            ("refused_date", "proof_rf_url"),
            ("negligence_date", "proof_ng_url"),
            ("bounced_date", "proof_bc_url"),
        ):
            if mail.get(key):
                payload[key] = mail[key]
                payload["proof_url"] = mail[proof_key]
        self.sequence += 1
        self.queue.put((time.monotonic(), self.sequence, url, payload, 1))

    def run(self):
        while not self.stopped.is_set():
            try:
                due, seq, url, payload, attempt = self.queue.get(timeout=0.2)
            except queue.Empty:
                continue
            wait = due - time.monotonic()
            if wait > 0:
                self.queue.put((due, seq, url, payload, attempt))
                self.stopped.wait(min(wait, 0.2))
                continue
            status, error = self._deliver(url, payload)
            self.store.execute(
                "INSERT INTO webhooks (mail_id, url, payload, attempt, status, error, at) VALUES (?,?,?,?,?,?,?)",
                (payload["id_mail"], url, json.dumps(payload), attempt, status, error, crypto.paris_now()),
            )
            if status != 200 and attempt < self.config.webhook_max_attempts and error != "refused: not loopback":
                self.queue.put((time.monotonic() + self.config.webhook_retry_seconds, seq, url, payload, attempt + 1))

    def _deliver(self, url, payload):
        host = urlsplit(url).hostname or ""
        if not is_loopback_host(host):
            # The emulator never talks to the outside world, whatever URL a client gave it.
            return None, "refused: not loopback"
        data = urlencode(payload).encode()
        request = urllib.request.Request(
            url, data=data, method="POST", headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        try:
            with urllib.request.urlopen(request, timeout=2.5) as response:
                return response.status, None
        except urllib.error.HTTPError as exc:
            return exc.code, None
        except (urllib.error.URLError, OSError) as exc:
            return None, str(exc)[:200]

    def pending(self):
        return self.queue.qsize()


class Handler(BaseHTTPRequestHandler):
    server_version = "AR24Emulator/1.0"
    protocol_version = "HTTP/1.1"
    # headers and body leave in two writes: without this a kept-alive client waits ~40 ms for
    # the delayed ACK on every call (Nagle), which would distort every latency figure
    disable_nagle_algorithm = True

    def parse_request(self):
        # the moment the request arrived, before the emulator's own parsing and dispatching
        self._arrived = time.monotonic()
        return super().parse_request()

    def log_message(self, fmt, *args):  # quiet by default; --verbose turns it on
        _logger.debug("%s " + fmt, self.address_string(), *args)

    @property
    def app(self):
        return self.server.app

    # ------------------------------------------------------------------ plumbing
    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_PUT(self):
        self._dispatch("PUT")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def _dispatch(self, method):
        try:
            path = urlsplit(self.path).path
            if path.startswith("/api/"):
                self._api(method, path[len("/api/") :].strip("/"))
            elif path.startswith("/_emulator/"):
                self._control(method, path[len("/_emulator/") :].strip("/"))
            elif path.startswith(("/proof/", "/file/", "/page/", "/consent-proof/")):
                self._document(path)
            else:
                self._send(404, {"status": "ERROR", "slug": "not_found", "message": "Unknown route."})
        except ConnectionError:
            pass
        except BadBody as exc:
            self.close_connection = True
            self._send(exc.code, {"status": "ERROR", "slug": "bad_request", "message": exc.reason})
        except Exception:  # the emulator must answer, even when it is wrong
            _logger.exception("emulator failure on %s %s", method, self.path)
            self._send(500, {"status": "ERROR", "slug": "emulator_failure", "message": "Emulator failure."})

    def _body(self):
        """The whole request body, by its Content-Length or its chunks: a body left half read would be
        taken for the next request of this kept-alive connection."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._chunked_body()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            raise BadBody(400, "Content-Length is not a number.") from None
        if length > MAX_BODY:
            raise BadBody(413, "Request body too large.")
        return self.rfile.read(length) if length > 0 else b""

    def _chunked_body(self):
        """A ``Transfer-Encoding: chunked`` body (RFC 9112, 7.1): hexadecimal sizes, chunks, a last
        chunk of size 0, optional trailer fields, an empty line."""
        chunks, total = [], 0
        while True:
            line = self.rfile.readline(MAX_CHUNK_LINE)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise BadBody(400, "Malformed chunked body.") from None
            if size < 0:
                raise BadBody(400, "Malformed chunked body.")
            if size == 0:
                break
            total += size
            if total > MAX_BODY:
                raise BadBody(413, "Request body too large.")
            chunk = self.rfile.read(size)
            if len(chunk) != size or self.rfile.readline(MAX_CHUNK_LINE) not in (b"\r\n", b"\n"):
                raise BadBody(400, "Malformed chunked body.")
            chunks.append(chunk)
        while self.rfile.readline(MAX_CHUNK_LINE) not in (b"\r\n", b"\n", b""):
            pass  # trailer fields: none of them matters here
        return b"".join(chunks)

    def _form(self, method):
        """Parameters (PHP arrays folded into lists) and uploaded files {name: (filename, bytes)}."""
        pairs, files = [], {}
        if method == "GET":
            pairs = parse_qsl(urlsplit(self.path).query, keep_blank_values=True)
        else:
            body = self._body()
            ctype = self.headers.get("Content-Type", "")
            if ctype.startswith("multipart/form-data"):
                try:
                    parts = multipart.parse_parts(body, ctype)
                except multipart.MultipartError:
                    parts = []  # like PHP: a body it cannot read gives no field at all
                for part in parts:
                    if part.filename is not None:
                        files[part.name] = (part.filename, part.content, part.content_type)
                    else:
                        pairs.append((part.name, part.content.decode("utf-8", "replace")))
            else:
                pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        params = {}
        for key, value in pairs:
            if "[" in key and key.endswith("]"):
                params.setdefault(key[: key.index("[")], []).append(value)
            else:
                params[key] = value
        return params, files

    def _wait_latency(self):
        """Answer an API call ``latency_ms`` after its request line arrived: the emulator's own work is part of
        the time AR24 takes to answer, as it is for the real service (a latency figure means the
        time a client waits, not a sleep added to whatever the emulator spends)."""
        due, self._due = getattr(self, "_due", None), None
        if due is not None:
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)

    def _send(self, code, payload, content_type="application/json"):
        body = (
            payload
            if isinstance(payload, bytes)
            else (payload.encode() if isinstance(payload, str) else json.dumps(payload).encode())
        )
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        # the whole answer is made before the wait and leaves in one write when it is due: making
        # it is part of the emulator's work, not time added to the latency under test
        self._headers_buffer.append(b"\r\n" + body)
        self._wait_latency()
        self.flush_headers()

    def _drop(self):
        """Close the connection without an answer (the client sees a cut connection)."""
        self._wait_latency()
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    # ------------------------------------------------------------------ AR24 API
    def _api(self, method, path):
        app = self.app
        if app.config.latency_ms:
            self._due = getattr(self, "_arrived", time.monotonic()) + app.config.latency_ms / 1000.0
        name = API_PATHS.get((method, path))
        params, files = self._form(method)
        fault = app.config.draw_fault(name or path)
        app.record_call(method, name or path, params, fault)
        if fault == "http_500":
            return self._send(500, "Internal Server Error", "text/plain")
        if fault == "timeout":
            self._due = None
            time.sleep(app.config.timeout_seconds)
            return self._drop()
        if fault == "maintenance" or app.config.maintenance:
            return self._send(200, {"status": "maintenance"})
        lang = messages.language(self.headers.get("Accept-Language"))
        if name is None:
            return self._refuse("route_not_found", lang)
        date = params.get("date") if isinstance(params.get("date"), str) else None
        try:
            self._authenticate(params, date)
            if fault and fault.startswith(REFUSE + ":"):
                raise ApiError(fault.split(":", 1)[1], "scripted refusal")
            handler = getattr(app.emulator, "api_" + name, None)
            with app.lock:
                result = app.emulator.upload(params, files) if name == "upload_attachment" else handler(params)
        except ApiError as exc:
            app.record_outcome(exc.slug)
            return self._refuse(exc.slug, lang, name)
        app.record_outcome("SUCCESS")
        if fault == "drop_after":
            return self._drop()  # AR24 did the work but the answer is lost
        payload = {"status": "SUCCESS", "result": present(result, app.config.ids)}
        body = crypto.encrypt_body(json.dumps(payload), date, app.config.private_key)
        self._send(200, body, "text/plain")

    def _refuse(self, slug, lang, route=None):
        """AR24's refusal: the slug and AR24's own sentence in the request's language."""
        self._send(200, {"status": "ERROR", "slug": slug, "message": messages.text(slug, lang, route)})

    def _authenticate(self, params, date):
        config = self.app.config
        token = params.get("token")
        if not token:
            raise ApiError("token_missing")
        if token != config.token:
            raise ApiError("token_invalid")
        if not date:
            raise ApiError("empty_date")
        when = crypto.parse_paris_date(date)
        if when is None:
            raise ApiError("invalid_date")
        now = crypto.datetime.now(tz=crypto.PARIS)
        if when < now - timedelta(seconds=config.date_grace_seconds):
            raise ApiError("expired_date")
        if when > now + timedelta(seconds=MAX_FUTURE_SECONDS):
            raise ApiError("date_in_future")
        signature = self.headers.get("signature")
        if not signature:
            raise ApiError("empty_signature")
        if not crypto.verify_signature(signature, date, config.private_key):
            raise ApiError("invalid_signature")

    # ------------------------------------------------------------------ documents (plain GET)
    def _document(self, path):
        emulator = self.app.emulator
        parts = path.strip("/").split("/")
        try:
            if parts[0] == "proof" and len(parts) == 4:
                mail = emulator.proof_exists(int(parts[1]), parts[2], parts[3].removesuffix(".pdf"))
                if mail:
                    title = "content of" if parts[2] == "content" else "proof (%s) of" % parts[2]
                    return self._send(
                        200,
                        make_pdf(
                            [
                                "AR24 emulator - %s registered letter %s" % (title, mail["id"]),
                                "From: %s  To: %s" % (mail.get("from_email"), mail.get("to_email")),
                                "Status: %s  Deposit: %s" % (mail["status"], mail.get("date")),
                                "Sent: %s  Receipt: %s" % (mail.get("ts_ev_date"), mail.get("view_date")),
                            ]
                        ),
                        "application/pdf",
                    )
            elif parts[0] == "file" and len(parts) == 3:
                found = emulator.attachment_content(int(parts[1]), parts[2])
                if found:
                    return self._send(200, found[1], "application/octet-stream")
            elif parts[0] == "consent-proof" and len(parts) == 3:
                if emulator._sign("consent", int(parts[1])) == parts[2]:
                    return self._send(
                        200, make_pdf(["AR24 emulator - proof of consent %s" % parts[1]]), "application/pdf"
                    )
            elif parts[0] == "page":
                return self._send(
                    200,
                    "<html><body><h1>AR24 emulator</h1><p>%s page.</p></body></html>" % parts[1].replace("<", ""),
                    "text/html; charset=utf-8",
                )
        except (ValueError, IndexError):
            pass
        self._send(404, "Not found", "text/plain")

    # ------------------------------------------------------------------ test controls
    def _control(self, method, path):
        app = self.app
        if not app.loopback:
            return self._send(403, {"error": "test controls are only served on loopback"})
        try:
            body = self._body() if method == "POST" else b""
            data = json.loads(body or b"{}")
            if not isinstance(data, dict):
                raise ValueError("JSON object expected")
        except ValueError as exc:
            return self._send(400, {"error": "invalid JSON: %s" % exc})
        parts = path.split("/")
        emulator = app.emulator
        try:
            with app.lock:
                result = self._control_route(method, parts, data, emulator, app)
        except ApiError as exc:
            return self._send(400, {"error": exc.detail or messages.text(exc.slug, "en"), "slug": exc.slug})
        except (KeyError, TypeError, ValueError) as exc:
            return self._send(400, {"error": "bad request: %s" % exc})
        if result is None:
            return self._send(404, {"error": "unknown control"})
        self._send(200, result)

    def _control_route(self, method, parts, data, emulator, app):
        key = (method, parts[0], len(parts))
        if key == ("POST", "senders", 1):
            return emulator.create_sender(
                data["email"],
                data.get("firstname", "Test"),
                data.get("lastname", "Sender"),
                attached=data.get("attached", True),
                payment_methods=data.get("payment_methods", 1),
                company=data.get("company"),
            )
        if key == ("GET", "senders", 3) and parts[2] == "otp":
            return emulator.current_otp(int(parts[1]))
        if key == ("POST", "access", 3) and parts[2] == "accept":
            return emulator.accept_access(int(parts[1]))
        if key == ("POST", "mails", 2) and parts[1] == "seed":
            return emulator.seed_mails(data["id_user"], data.get("count", 1), data.get("status", "sent"))
        if key == ("GET", "mails", 2):
            return emulator._mail_out(emulator._mail(int(parts[1]), check=False))
        if key == ("POST", "mails", 3) and parts[2] in ("accept", "refuse", "bounce"):
            return emulator.recipient_action(int(parts[1]), parts[2])
        if key == ("POST", "mails", 3) and parts[2] in ("validate", "expire"):
            return emulator.sender_action(int(parts[1]), parts[2])
        if key == ("POST", "clock", 1):
            seconds = float(data.get("advance_days", 0)) * 86400 + float(data.get("advance_seconds", 0))
            return {"now": emulator.advance_clock(seconds)}
        if key == ("GET", "clock", 1):
            return {"now": emulator.now_str()}
        if key == ("POST", "faults", 1):
            app.config.update(data)
            emulator.send_delay_seconds = app.config.send_delay_seconds
            return app.config.public()
        if key == ("GET", "faults", 1):
            return app.config.public()
        if key == ("POST", "consents", 1):
            return emulator.set_consent(
                data["id_user"],
                data["email"],
                data.get("status", "accepted"),
                data.get("firstname", ""),
                data.get("lastname", ""),
            )
        if key == ("POST", "consents", 2) and parts[1] == "seed":
            return emulator.seed_consents(data["id_user"], data.get("count", 1), data.get("status", "accepted"))
        if key == ("GET", "webhooks", 1):
            rows = app.store.all("SELECT * FROM webhooks ORDER BY id")
            return {
                "webhooks": [dict(r, payload=json.loads(r["payload"])) for r in rows],
                "pending": app.webhooks.pending(),
            }
        if key == ("GET", "calls", 1):
            rows = app.store.all("SELECT * FROM calls ORDER BY id")
            return {"calls": [dict(r, params=json.loads(r["params"])) for r in rows]}
        if key == ("POST", "reset", 1):
            app.store.reset()
            app.config.update(
                {"latency_ms": 0, "fault_rate": 0.0, "maintenance": False, "script": [], "send_delay_seconds": 0.0}
            )
            emulator.send_delay_seconds = 0.0
            return {"reset": True}
        return None


class EmulatorApp:
    """The whole emulator: store, behaviour, webhook sender and HTTP server."""

    def __init__(
        self,
        host="127.0.0.1",
        port=8024,
        token="emulator-token",
        private_key="emulator-private-key",
        state=":memory:",
        **config,
    ):
        self.config = Config(token, private_key, **config)
        self.store = Store(state)
        self.lock = threading.RLock()
        self.webhooks = WebhookSender(self.store, self.config)
        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        self.httpd.app = self
        self.host, self.port = self.httpd.server_address[:2]
        self.loopback = is_loopback_host(self.host)
        self.base_url = "http://%s:%d" % (self.host, self.port)
        self.emulator = Emulator(
            self.store,
            private_key,
            self.base_url,
            send_delay_seconds=self.config.send_delay_seconds,
            on_change=self.webhooks.enqueue,
        )
        self._thread = None
        self._call_id = threading.local()

    @property
    def api_url(self):
        return self.base_url + "/api/"

    def record_call(self, method, route, params, fault):
        clean = {k: ("***" if k in SECRET_PARAMS else v) for k, v in params.items() if k != "date"}
        cur = self.store.execute(
            "INSERT INTO calls (at, method, route, params, fault) VALUES (?,?,?,?,?)",
            (crypto.paris_now(), method, route, json.dumps(clean), fault),
        )
        self._call_id.value = cur.lastrowid

    def record_outcome(self, outcome):
        self.store.execute("UPDATE calls SET outcome = ? WHERE id = ?", (outcome, getattr(self._call_id, "value", 0)))

    def serve_forever(self):
        self.webhooks.start()
        self.httpd.serve_forever(poll_interval=0.2)

    def start(self):
        """Serve in a background thread (tests); returns self."""
        self._thread = threading.Thread(target=self.serve_forever, daemon=True, name="ar24-emulator")
        self._thread.start()
        return self

    def stop(self):
        if self.webhooks.stopped.is_set():
            return  # already stopped (tests may stop it before their cleanup does)
        self.webhooks.stopped.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread:
            self._thread.join(5)
