"""HTTP client of AR24's API: one method per route, signed requests, decrypted answers.

No Odoo import: the addon wraps this client (``models/ar24_service.py``), tests drive it
against the local emulator, and anyone can use it from a script::

    from ar24.client import AR24Client
    client = AR24Client("http://127.0.0.1:8024/api/", token, private_key)
    client.get_user(email="syndic@example.com")
"""

import copy
import json
import logging
import os
import re
import time
from urllib.parse import urlsplit

import requests

from . import crypto
from .errors import AR24ApiError, AR24MaintenanceError, AR24TransportError
from .i18n import _lt
from .routes import (
    DATE_OFFSET_SECONDS,
    DECIMAL_KEYS,
    ENVIRONMENT_URLS,
    FLAG_KEYS,
    FLAG_PREFIXES,
    ID_LIST_KEYS,
    INTEGER_KEYS,
    MAX_PAGE_SIZE,
    PRODUCTS,
    RESULT_KEYS,
    ROUTES,
    TOTAL_KEY,
)

_logger = logging.getLogger(__name__)

# Never written to a log line, whatever the log level.
SECRET_PARAMS = frozenset({"token", "otp", "auth_otp_hash", "password"})


def base_url_for(environment, api_url=None):
    """Base URL for ``production``, ``sandbox`` or ``custom`` (then ``api_url``, e.g. the emulator)."""
    if environment in ENVIRONMENT_URLS:
        return ENVIRONMENT_URLS[environment]
    if not api_url:
        raise ValueError(_lt("A custom AR24 environment needs an API URL."))
    parts = urlsplit(api_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(_lt("The AR24 API URL must start with http:// or https://: %r", api_url))
    return api_url if api_url.endswith("/") else api_url + "/"


def encode_params(params):
    """Form/query encoding AR24 understands: PHP-style arrays, booleans as 0/1, None dropped."""
    encoded = []
    for key, value in (params or {}).items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            encoded.extend(("%s[]" % key, _scalar(item)) for item in value)
        else:
            encoded.append((key, _scalar(value)))
    return encoded


def _scalar(value):
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


_INTEGER_RE = re.compile(r"-?\d+")
_TRUE, _FALSE = frozenset({"1", "true", "yes", "on"}), frozenset({"0", "false", "no", "off", ""})


def normalize(value, key=None):
    """AR24's ``result`` with every id and count as int, every 0/1 flag as 0 or 1 and every price
    as float, whatever JSON type AR24 used.

    The live API writes ``"id": "5001"`` and ``"send_fail": "1"``, its documentation ``5001`` and
    ``1``: both are read here, once, so that nothing downstream compares ``"5001"`` with ``5001``
    (or finds ``"0"`` true). Keys are those of ``routes``; other values are left as they came.
    """
    if isinstance(value, dict):
        return {k: normalize(v, k) for k, v in value.items()}
    if isinstance(value, list):
        if key in ID_LIST_KEYS:
            return [normalize(v) if isinstance(v, (dict, list)) else _integer(v) for v in value]
        return [normalize(v) for v in value]
    if key in INTEGER_KEYS:
        return _integer(value)
    if key in FLAG_KEYS or (isinstance(key, str) and key.startswith(FLAG_PREFIXES)):
        return _flag(value)
    if key in DECIMAL_KEYS:
        return _decimal(value)
    return value


def _integer(value):
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INTEGER_RE.fullmatch(value.strip()):
        return int(value.strip())
    return value


def _flag(value):
    if isinstance(value, (bool, int, float)):
        return 1 if value else 0
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return 1 if value.strip().lower() in _TRUE else 0
    return value


def _decimal(value):
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value).strip().replace(",", ".") or 0)
    except ValueError:
        return value


def list_rows(result, key):
    """Rows of a list answer in either of AR24's shapes: ``result`` is the list itself, or a dict
    holding it under ``key``; (rows, total or None)."""
    if isinstance(result, list):
        return result, None
    result = result or {}
    return result.get(key) or [], result.get(TOTAL_KEY)


def masked(params):
    return {k: ("***" if k in SECRET_PARAMS else v) for k, v in (params or {}).items()}


def new_session(base_url):
    """A kept-alive HTTP session for AR24 that reads the environment once, not at every call.

    ``requests`` looks up the proxy variables, ``NO_PROXY`` and the CA bundle variables of the
    environment on each request (a scan of the whole environment, about a millisecond of CPU
    per call, paid again and again by a batch of letters). They are read here instead, with
    the same meaning, when the session is made.
    """
    ca_bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
    return _session(requests.utils.get_environ_proxies(base_url), ca_bundle)


def _session(proxies, verify, trust_env=False):
    session = requests.Session()
    session.proxies.update(proxies)
    session.verify = verify
    session.trust_env = trust_env
    return session


class AR24Client:
    """Signed calls to AR24. Retries transport failures and maintenance with capped backoff.

    A request that may have reached AR24 (timeout while reading, HTTP 5xx, cut connection) is
    retried only on routes that are safe to repeat (``Route.idempotent``): ``send_mail`` and
    ``create_user`` then raise ``AR24TransportError(maybe_processed=True)`` so that the caller
    reconciles with AR24 instead of sending a letter twice.
    """

    def __init__(
        self,
        base_url,
        token,
        private_key,
        *,
        timeout=60.0,
        upload_timeout=300.0,
        max_retries=3,
        backoff=0.5,
        backoff_cap=8.0,
        date_offset=DATE_OFFSET_SECONDS,
        accept_language=None,
        session=None,
        sleep=time.sleep,
        page_size=MAX_PAGE_SIZE,
    ):
        if not token or not private_key:
            raise ValueError("AR24 needs an API token and a private key.")
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.token = token
        self.private_key = private_key
        self.timeout = timeout
        self.upload_timeout = upload_timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.backoff_cap = backoff_cap
        self.date_offset = date_offset
        self.accept_language = accept_language
        self.session = session or new_session(self.base_url)
        self.sleep = sleep
        self.page_size = min(page_size, MAX_PAGE_SIZE)
        self.calls = 0  # HTTP requests sent, retries included (benchmarks read it)

    def copy(self):
        """The same client with its own HTTP session (one per worker thread), with this session's
        proxies and certificate settings: the environment is not read again."""
        other = copy.copy(self)
        other.session = _session(self.session.proxies, self.session.verify, self.session.trust_env)
        other.calls = 0
        return other

    # ------------------------------------------------------------------ transport
    def request(self, name, params=None, files=None, timeout=None):
        """Call route ``name`` of ``ROUTES``; returns AR24's ``result`` (decrypted)."""
        route = ROUTES[name]
        attempt = 0
        while True:
            try:
                return self._request_once(name, route, params, files, timeout)
            except AR24TransportError as exc:
                unsafe = exc.maybe_processed and not route.idempotent
                if unsafe or attempt >= self.max_retries:
                    raise
                delay = min(self.backoff_cap, self.backoff * (2**attempt))
                _logger.info("AR24 %s failed (%s), retry %d in %.1fs", name, exc.message, attempt + 1, delay)
                attempt += 1
                self.sleep(delay)

    def _request_once(self, name, route, params, files, timeout):
        date = crypto.paris_now(offset_seconds=self.date_offset)
        fields = encode_params(params) + [("token", self.token), ("date", date)]
        headers = {"signature": crypto.sign(date, self.private_key)}
        if self.accept_language:
            headers["Accept-Language"] = self.accept_language
        read_timeout = timeout or (self.upload_timeout if files else self.timeout)
        # one scalar timeout: Odoo's test harness compares it with a number
        kwargs = {"headers": headers, "timeout": read_timeout}
        if route.method == "GET":
            kwargs["params"] = fields
        else:
            kwargs["data"] = fields
            if files:
                kwargs["files"] = files
        url = self.base_url + route.path
        started = time.monotonic()
        self.calls += 1
        try:
            response = self.session.request(route.method, url, **kwargs)
        except requests.exceptions.ConnectTimeout as exc:
            raise AR24TransportError(_lt("AR24 cannot be reached (connection timeout)."), name) from exc
        except requests.exceptions.ConnectionError as exc:
            refused = _is_connection_refused(exc)
            message = _lt("AR24 cannot be reached.") if refused else _lt("The connection to AR24 was cut.")
            raise AR24TransportError(message, name, maybe_processed=not refused) from exc
        except requests.exceptions.Timeout as exc:
            raise AR24TransportError(_lt("AR24 did not answer in time."), name, maybe_processed=True) from exc
        except requests.exceptions.RequestException as exc:
            raise AR24TransportError(_lt("AR24 call failed: %s", exc), name, maybe_processed=True) from exc
        elapsed = time.monotonic() - started
        _logger.debug(
            "AR24 %s %s %s -> HTTP %s in %.3fs", route.method, route.path, masked(params), response.status_code, elapsed
        )
        if response.status_code != 200:
            raise AR24TransportError(
                _lt("AR24 answered HTTP %s.", response.status_code), name, maybe_processed=response.status_code >= 500
            )
        return self._parse(response.text, date, name)

    def _parse(self, body, date, name):
        payload = _json_object(body)
        if payload is None:
            try:
                payload = _json_object(crypto.decrypt_body(body, date, self.private_key))
            except crypto.DecryptionError:
                payload = None
            if payload is None:
                raise AR24TransportError(_lt("AR24 sent an unreadable answer."), name, maybe_processed=True)
        payload = self._opened_envelope(payload, date)
        status = str(payload.get("status", "")).upper()
        if status == "SUCCESS":
            return normalize(payload.get("result"))
        if status == "MAINTENANCE":
            raise AR24MaintenanceError(name)
        if status == "ERROR":
            raise AR24ApiError(payload.get("slug"), payload.get("message"), route=name)
        raise AR24TransportError(_lt("AR24 sent an answer of unknown status %r.", status), name, maybe_processed=True)

    def _opened_envelope(self, payload, date):
        """A clear SUCCESS answer whose ``result`` is itself a ciphertext, opened.

        segnashare's client (src/lib/ar24/client.ts, parseAr24Response) reads AR24 that way: a clear
        JSON object whose ``result`` string decrypts, with the request's date, to the whole answer
        ``{"status": ..., "result": ...}``. Only a string ``result`` is tried; one that does not decrypt
        to JSON stays as it came (a result may be plain text).
        """
        result = payload.get("result")
        if str(payload.get("status", "")).upper() != "SUCCESS" or not isinstance(result, str) or not result:
            return payload
        try:
            inner = json.loads(crypto.decrypt_body(result, date, self.private_key))
        except (crypto.DecryptionError, ValueError):
            return payload
        if isinstance(inner, dict) and "status" in inner:
            return inner
        return dict(payload, result=inner)

    def _paged(self, name, params, page_size=None):
        """Yield every row of a list route, one call per page.

        A list without a total (AR24's ``user/mail``) ends on its first short page: when the
        rows fill the last page exactly, one more call finds it empty.
        """
        size = min(page_size or self.page_size, MAX_PAGE_SIZE)
        start = 0
        while True:
            result = self.request(name, dict(params, max=size, start=start, sort="ASC"))
            rows, total = list_rows(result, RESULT_KEYS[name])
            yield from rows
            start += len(rows)
            if len(rows) < size or (total is not None and start >= total):
                return

    # ------------------------------------------------------------------ sender accounts
    def get_user(self, id_user=None, email=None):
        return self.request("get_user", {"id_user": id_user, "email": email})

    def create_user(self, **fields):
        return self.request("create_user", fields)

    def list_users(self, page_size=None):
        return list(self._paged("list_users", {}, page_size))

    def request_access(self, email):
        return self.request("request_access", {"email": email})

    def request_cgu(self, id_user):
        return self.request("request_cgu", {"id_user": id_user})

    def payment_request(self, id_user, get_link=False):
        return self.request("payment_request", {"id_user": id_user, "get_link": 1 if get_link else None})

    def auth_otp(self, id_user, otp):
        """Exchange a 6-digit OTP for a hash valid about one hour (``hash``, ``expiration_date``)."""
        return self.request("auth_otp", {"id_user": id_user, "otp": otp})

    def request_identity(self, id_user):
        return self.request("request_identity", {"id_user": id_user})

    def list_payment_methods(self, id_user):
        result = self.request("list_payment_methods", {"id_user": id_user})
        return list_rows(result, RESULT_KEYS["list_payment_methods"])[0]

    # ------------------------------------------------------------------ attachments
    def upload_attachment(self, id_user, content, file_name, content_type="application/pdf"):
        """Upload one file; returns AR24's ``file_id`` (an int)."""
        files = {"file": (file_name, content, content_type)}
        result = self.request("upload_attachment", {"id_user": id_user, "file_name": file_name}, files=files)
        return result["file_id"]

    def get_mail_attachments(self, id_mail):
        result = self.request("get_mail_attachments", {"id": id_mail})
        return list_rows(result, RESULT_KEYS["get_mail_attachments"])[0]

    def list_user_attachments(self, id_user, page_size=None):
        return list(self._paged("list_user_attachments", {"id_user": id_user}, page_size))

    # ------------------------------------------------------------------ letters
    def send_mail(self, id_user, product, **params):
        """Send one letter. ``product``: lre_eidas, ere, ae or lr_paper (see ``routes.PRODUCTS``).

        ``params`` are AR24's fields (to_email, to_firstname, attachment=[ids], payment_slug,
        auth_otp_hash or otp, webhook, ref_*...). Never retried after an unknown outcome.
        """
        fields = dict(PRODUCTS[product], id_user=id_user)
        fields.update(params)
        return self.request("send_mail", fields)

    def get_mail(self, id_mail):
        return self.request("get_mail", {"id": id_mail})

    def iter_mails(self, id_user, status=None, date_from=None, date_to=None, ids=None, page_size=None):
        """The sender's letters, page after page; ``ids``: only these letters (``mail[]``)."""
        params = {"id_user": id_user, "status": status, "date_from": date_from, "date_to": date_to}
        if ids:
            params["mail"] = list(ids)
        return self._paged("list_mails", params, page_size)

    def list_mails(self, id_user, **kwargs):
        return list(self.iter_mails(id_user, **kwargs))

    # ------------------------------------------------------------------ consents
    def iter_consents(self, id_user, updated_since=None, page_size=None):
        return self._paged("list_consents", {"id_user": id_user, "updated_since": updated_since}, page_size)

    def list_consents(self, id_user, **kwargs):
        return list(self.iter_consents(id_user, **kwargs))

    def get_consent(self, id_user, email):
        return self.request("get_consent", {"id_user": id_user, "email": email})

    def request_consent(self, id_user, email, firstname=None, lastname=None):
        return self.request(
            "request_consent", {"id_user": id_user, "email": email, "firstname": firstname, "lastname": lastname}
        )

    def consent_link(self, id_user):
        return (self.request("consent_link", {"id_user": id_user}) or {}).get("link")

    # ------------------------------------------------------------------ proofs
    def download(self, url, max_bytes=64 * 1024 * 1024):
        """Download a proof/document from its signed URL (plain GET); returns bytes."""
        if urlsplit(url or "").scheme not in ("http", "https"):
            raise AR24TransportError(_lt("Invalid document URL %r.", url), "download")
        self.calls += 1
        try:
            response = self.session.get(url, timeout=self.timeout, stream=True)
            if response.status_code != 200:
                raise AR24TransportError(_lt("AR24 answered HTTP %s for a document.", response.status_code), "download")
            chunks, size = [], 0
            for chunk in response.iter_content(65536):
                size += len(chunk)
                if size > max_bytes:
                    raise AR24TransportError(_lt("The document is larger than %d bytes.", max_bytes), "download")
                chunks.append(chunk)
            return b"".join(chunks)
        except requests.exceptions.RequestException as exc:
            raise AR24TransportError(_lt("The document could not be downloaded: %s", exc), "download") from exc


def _json_object(text):
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _is_connection_refused(exc):
    """True when the TCP connection was never established (the request did not leave)."""
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)
    return type(reason).__name__ in ("NewConnectionError", "NameResolutionError") or "Connection refused" in str(exc)
