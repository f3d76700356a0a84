"""AR24's request signature and response encryption (one implementation for client and emulator).

Algorithm (AR24 API documentation, reproduced by several independent clients):

- ``H(s)`` is the lowercase hex SHA-256 of the UTF-8 bytes of ``s``;
- the IV is the first 16 characters of ``H(H(private_key))`` used as raw bytes;
- the signature key is the first 32 characters of ``H(private_key)``;
- ``signature`` is Base64(AES-256-CBC, PKCS#7) of the request's ``date``;
- a SUCCESS body is Base64(AES-256-CBC, PKCS#7) of the JSON, keyed with the first 32
  characters of ``H(date + private_key)`` where ``date`` is the date sent with that request.
"""

import base64
import binascii
import hashlib
import hmac
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

PARIS = ZoneInfo("Europe/Paris")
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"


class DecryptionError(ValueError):
    """The body is not a ciphertext produced with this key and date."""


def sha256_hex(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _iv(private_key):
    return sha256_hex(sha256_hex(private_key))[:16].encode("ascii")


def _signature_key(private_key):
    return sha256_hex(private_key)[:32].encode("ascii")


def _response_key(date, private_key):
    return sha256_hex(date + private_key)[:32].encode("ascii")


def _encrypt(plaintext, key, iv):
    padder = padding.PKCS7(128).padder()
    data = padder.update(plaintext) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return base64.b64encode(encryptor.update(data) + encryptor.finalize()).decode("ascii")


def _decrypt(ciphertext_b64, key, iv):
    try:
        raw = base64.b64decode(ciphertext_b64, validate=False)
    except (binascii.Error, ValueError) as exc:
        raise DecryptionError("not base64") from exc
    if not raw or len(raw) % 16:
        raise DecryptionError("ciphertext length is not a multiple of the AES block size")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    data = decryptor.update(raw) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        return unpadder.update(data) + unpadder.finalize()
    except ValueError as exc:
        raise DecryptionError("bad padding: wrong key or date") from exc


def sign(date, private_key):
    """Value of the ``signature`` header for a request sent with ``date``."""
    return _encrypt(date.encode("utf-8"), _signature_key(private_key), _iv(private_key))


def verify_signature(signature, date, private_key):
    """True when ``signature`` is the signature of ``date`` (constant-time comparison)."""
    if not signature or not date:
        return False
    return hmac.compare_digest(sign(date, private_key).encode("ascii"), signature.strip().encode("ascii", "replace"))


def encrypt_body(plaintext, date, private_key):
    """Encrypt a SUCCESS body (str or bytes) for a request that was sent with ``date``."""
    if isinstance(plaintext, str):
        plaintext = plaintext.encode("utf-8")
    return _encrypt(plaintext, _response_key(date, private_key), _iv(private_key))


def decrypt_body(ciphertext, date, private_key):
    """Decrypt a SUCCESS body; returns text. Raises DecryptionError."""
    if isinstance(ciphertext, bytes):
        ciphertext = ciphertext.decode("ascii", "replace")
    data = _decrypt(ciphertext.strip(), _response_key(date, private_key), _iv(private_key))
    return data.decode("utf-8", "replace")


def paris_now(now=None, offset_seconds=0):
    """AR24 ``date`` for ``now`` (aware datetime, default: the current instant) in Paris time."""
    now = now or datetime.now(tz=PARIS)
    return (now.astimezone(PARIS) + timedelta(seconds=offset_seconds)).strftime(DATE_FORMAT)


def parse_paris_date(value):
    """Parse an AR24 ``date`` string as Paris local time; returns an aware datetime or None.

    Ambiguous local times (the repeated hour when DST ends) take the first occurrence, as
    ``zoneinfo`` does with ``fold=0``.
    """
    if not value or not isinstance(value, str):
        return None
    try:
        naive = datetime.strptime(value.strip(), DATE_FORMAT)
    except ValueError:
        return None
    if value.strip() != naive.strftime(DATE_FORMAT):
        return None  # AR24 demands zero-padding: "2021-5-6 ..." is refused
    return naive.replace(tzinfo=PARIS)
