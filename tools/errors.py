"""Turn the AR24 client's exceptions into messages a property manager can act on."""

import logging

from odoo.exceptions import UserError

from ..ar24.errors import AR24ApiError, AR24Error
from ..ar24.i18n import translate

_logger = logging.getLogger(__name__)


def ar24_error_text(env, exc):
    """Translated sentence for an AR24 exception (the slug stays visible for support)."""
    if isinstance(exc, AR24ApiError):
        # The sentences of ar24/ are extracted into this module's .pot (marked _lt).
        return env._("%(message)s (AR24: %(slug)s)", message=ar24_translate(env, exc.message), slug=exc.slug)
    if isinstance(exc, AR24Error):
        return env._(
            "AR24 could not be reached: %(reason)s Try again in a few minutes.",
            reason=ar24_translate(env, exc.message),
        )
    return str(exc)


def ar24_translate(env, message):
    """A sentence of the pure ar24 package (rules, PDF checks, AR24 errors) in the user's language."""
    return translate(env._, message)


def ar24_user_error(env, exc, subject=None):
    """UserError naming ``subject`` (a record or a sentence) and the reason given by AR24."""
    text = ar24_error_text(env, exc)
    if subject is not None:
        name = subject.display_name if hasattr(subject, "display_name") else str(subject)
        text = env._("%(subject)s: %(reason)s", subject=name, reason=text)
    return UserError(text)
