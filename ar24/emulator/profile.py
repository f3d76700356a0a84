"""How the emulator types the JSON it serves: as the live AR24, as strings throughout, or as numbers.

Public clients disagree on AR24's JSON types because AR24 mixes them. connected-company's client is
strict-typed (PHP ``declare(strict_types=1)``) and was written against the live API: a value of the
wrong JSON type is a TypeError there, so its getters are the best evidence of what the live API sends.
It reads user ids and file ids as strings ("5001"), a mail object's ``id`` as an int and its
``send_fail`` as a bool. AR24's documentation shows numbers throughout.

- ``live`` (the default): that mix. What connected-company does not read (counts, other flags, prices)
  is typed as under ``string``.
- ``string``: every id, count and 0/1 flag a string, prices decimals ("3.90").
- ``int``: numbers, as AR24's documentation writes them.

The emulator keeps numbers inside; a client must read every profile alike (``ar24.client.normalize``),
so that comparing a string id with a number fails here rather than in production.
"""

from ..routes import (
    DECIMAL_KEYS,
    FLAG_KEYS,
    FLAG_PREFIXES,
    ID_LIST_KEYS,
    INTEGER_KEYS,
    LIVE_MAIL_BOOLEAN_KEYS,
    LIVE_MAIL_NUMBER_KEYS,
)

ID_PROFILES = ("live", "string", "int")
DEFAULT_PROFILE = "live"


class MailObject(dict):
    """A mail object as the emulator builds it: under the ``live`` profile its id and ``send_fail``
    are typed apart from the other ids and flags."""


def check_profile(ids):
    if ids not in ID_PROFILES:
        raise ValueError("ids profile must be one of %s, not %r" % (", ".join(ID_PROFILES), ids))
    return ids


def present(value, ids, key=None):
    """``value`` (an API ``result``) typed for the ``ids`` profile."""
    if ids == "int":
        return value
    if isinstance(value, dict):
        typed = {k: present(v, ids, k) for k, v in value.items()}
        if ids == "live" and isinstance(value, MailObject):
            typed.update({k: int(value[k]) for k in LIVE_MAIL_NUMBER_KEYS if k in value})
            typed.update({k: bool(value[k]) for k in LIVE_MAIL_BOOLEAN_KEYS if k in value})
        return typed
    if isinstance(value, list):
        if key in ID_LIST_KEYS:
            return [present(v, ids) if isinstance(v, (dict, list)) else _text(v) for v in value]
        return [present(v, ids) for v in value]
    if key in INTEGER_KEYS or key in FLAG_KEYS or (isinstance(key, str) and key.startswith(FLAG_PREFIXES)):
        return _text(value)
    if key in DECIMAL_KEYS and isinstance(value, (int, float)) and not isinstance(value, bool):
        return "%.2f" % value
    return value


def _text(value):
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float)):
        return str(int(value)) if float(value).is_integer() else str(value)
    return value
