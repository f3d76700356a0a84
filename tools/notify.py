"""The one shape of the module's user notifications (a client action, like Odoo's own)."""

CLOSE = {"type": "ir.actions.act_window_close"}
RELOAD = {"type": "ir.actions.client", "tag": "soft_reload"}


def notification(title, message, kind="success", next_action=None):
    """``display_notification`` client action; anything but a success stays until read."""
    params = {"type": kind, "title": title, "message": message, "sticky": kind != "success"}
    if next_action:
        params["next"] = next_action
    return {"type": "ir.actions.client", "tag": "display_notification", "params": params}
