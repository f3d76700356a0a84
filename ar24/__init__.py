"""AR24 protocol toolkit: request signing, an HTTP client and a local emulator.

This package imports nothing from Odoo so that it can be used and tested anywhere:
``python3 -m ar24.emulator`` from the repository root, ``from ..ar24 import client`` inside
the ``ar24_lre`` addon.
"""
