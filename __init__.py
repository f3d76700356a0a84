# Odoo imports this addon as ``odoo.addons.ar24_lre``. The pure test tier (pytest at the
# repository root) only needs the Odoo-free ``ar24`` package below, and must not import Odoo.
if __name__.startswith("odoo.addons."):
    from . import models
    from . import wizards
    from . import controllers

    def uninstall_hook(env):
        """The actions "Send as registered letter: <template>" that managers bound call this module: they
        leave the Actions menus with it."""
        templates = env["mail.template"].with_context(active_test=False).search([("ar24_action_id", "!=", False)])
        templates.sudo().action_ar24_unbind()
