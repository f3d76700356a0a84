"""Turn the AR24 client's exceptions into messages a property manager can act on."""

import logging

from odoo.exceptions import UserError

from ..ar24.errors import AR24ApiError, AR24Error

_logger = logging.getLogger(__name__)


def ar24_error_text(env, exc):
    """Translated sentence for an AR24 exception (the slug stays visible for support)."""
    if isinstance(exc, AR24ApiError):
        # The sentences of ar24/errors.py are extracted into this module's .pot (marked _lt).
        text = env._(exc.message)  # pylint: disable=translation-required
        return env._("%(message)s (AR24: %(slug)s)", message=text, slug=exc.slug)
    if isinstance(exc, AR24Error):
        return env._("AR24 could not be reached: %(reason)s Try again in a few minutes.", reason=env._(exc.message))
    return str(exc)


def ar24_user_error(env, exc, subject=None):
    """UserError naming ``subject`` (a record or a sentence) and the reason given by AR24."""
    text = ar24_error_text(env, exc)
    if subject is not None:
        name = subject.display_name if hasattr(subject, "display_name") else str(subject)
        text = env._("%(subject)s: %(reason)s", subject=name, reason=text)
    return UserError(text)
