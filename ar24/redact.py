"""Secrets never reach a log line: the AR24 API token and the callback token.

AR24 takes its API token in the query string of every GET (``?token=…``), and the callback URL
given to AR24 carries this database's unguessable token (``/ar24_lre/webhook/<token>``). HTTP
libraries and servers log URLs (urllib3 at DEBUG, the HTTP server's access log at INFO): a
filter on those loggers masks both before any handler sees the line, whatever the level.
"""

import logging
import re

MASK = "***"
_PATTERNS = (
    # token=… in a query string or a form body (also signature=, private_key=, otp= for good measure)
    re.compile(r"(?i)\b((?:token|signature|private_key|otp|auth_otp_hash)=)[^&\s\"']+"),
    # the callback URL's path segment
    re.compile(r"(/ar24_lre/webhook/)[^/?\s\"']+"),
)


def redact(text):
    """``text`` with every AR24 secret replaced by ``***``."""
    for pattern in _PATTERNS:
        text = pattern.sub(r"\g<1>" + MASK, text)
    return text


class RedactSecrets(logging.Filter):
    """Logging filter: rewrites a record whose message carries a secret (never drops it)."""

    def filter(self, record):
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is the logging module's business
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


_FILTER = RedactSecrets()


def install(*logger_names):
    """Add the filter to these loggers (once each)."""
    for name in logger_names:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
