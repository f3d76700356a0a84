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


_POSTING = contextvars.ContextVar("ar24_lre_posting_message", default=False)


@contextlib.contextmanager
def posting_message():
    """Odoo is posting or editing a message on a letter, in this thread: the files it creates or
    moves onto the letter meanwhile are the message's (signed by it)."""
    token = _POSTING.set(True)
    try:
        yield
    finally:
        _POSTING.reset(token)


def is_posting_message():
    return _POSTING.get()
