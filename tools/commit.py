"""One place that commits the send engine's and the status sync's progress."""

from odoo import modules


def commit(env):
    """Make what AR24 was asked durable (exactly once needs it), except in tests, whose cursor must
    stay in one transaction."""
    if not modules.module.current_test:
        env.cr.commit()  # pylint: disable=invalid-commit
