"""Whether the module itself is filing evidence (AR24's proofs, a letter's PDF) right now.

Odoo's chatter routes work in superuser mode on a user's behalf (an upload straight onto a record,
an image "modified"): superuser mode alone does not tell the module's own filing from them. A
context key would not either (a caller sets any key over RPC); a context variable of this Python
thread is set by the module's code only.
"""

import contextlib
import contextvars

_FILING = contextvars.ContextVar("ar24_lre_filing_evidence", default=False)


@contextlib.contextmanager
def filing_evidence():
    """The files created meanwhile, in this thread, are the module's own."""
    token = _FILING.set(True)
    try:
        yield
    finally:
        _FILING.reset(token)


def is_filing_evidence():
    return _FILING.get()
