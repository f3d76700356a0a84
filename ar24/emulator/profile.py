"""How the emulator types the JSON it serves: the live AR24's strings, or plain numbers.

Clients written against the live API read ids, counts and 0/1 flags as strings ("5001", "1")
and prices as decimals ("3.90"); AR24's documentation shows numbers. The emulator keeps numbers
inside and, under the ``string`` profile (its default), answers as the live API does, so that a
client that compares a string id with a number fails here rather than in production.
"""

from ..routes import DECIMAL_KEYS, FLAG_KEYS, FLAG_PREFIXES, ID_LIST_KEYS, INTEGER_KEYS

ID_PROFILES = ("string", "int")


def check_profile(ids):
    if ids not in ID_PROFILES:
        raise ValueError("ids profile must be one of %s, not %r" % (", ".join(ID_PROFILES), ids))
    return ids


def present(value, ids, key=None):
    """``value`` (an API ``result``) typed for the ``ids`` profile."""
    if ids == "int":
        return value
    if isinstance(value, dict):
        return {k: present(v, ids, k) for k, v in value.items()}
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
