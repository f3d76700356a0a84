# Odoo imports this addon as ``odoo.addons.ar24_lre``. The pure test tier (pytest at the
# repository root) only needs the Odoo-free ``ar24`` package below, and must not import Odoo.
if __name__.startswith("odoo.addons."):
    from . import models
    from . import wizards
    from . import controllers
