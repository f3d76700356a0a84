"""Whether the module itself is filing evidence (AR24's proofs, a letter's PDF), or Odoo is posting a
message on a letter, right now, in this thread.

Odoo's chatter routes work in superuser mode on a user's behalf (an upload straight onto a record,
an image "modified"): superuser mode alone does not tell the module's own filing from them. A
context key would not either (a caller sets any key over RPC, the chatter route passes it on); a
context variable of this Python thread is set by the module's code only.
"""

import contextlib
import contextvars

_FILING = contextvars.ContextVar("ar24_lre_filing_evidence", default=False)
_POSTING = contextvars.ContextVar("ar24_lre_posting_message", default=False)


@contextlib.contextmanager
def _raised(flag):
    token = flag.set(True)
    try:
        yield
    finally:
        flag.reset(token)


def filing_evidence():
    """The files created meanwhile, in this thread, are the module's own."""
    return _raised(_FILING)


def is_filing_evidence():
    return _FILING.get()


def posting_message():
    """Odoo is posting or editing a message on a letter, in this thread: the files it creates or
    moves onto the letter meanwhile are the message's (signed by it)."""
    return _raised(_POSTING)


def is_posting_message():
    return _POSTING.get()
