"""The background jobs moved from the letter to the send engine and the status sync (their records
are ``noupdate``): point them at their new models."""

from odoo import SUPERUSER_ID, api

JOBS = {
    "ar24_lre.ir_cron_ar24_send_queue": "ar24.letter.send",
    "ar24_lre.ir_cron_ar24_reconcile": "ar24.letter.send",
    "ar24_lre.ir_cron_ar24_sync_status": "ar24.letter.sync",
}


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    for xmlid, model in JOBS.items():
        cron = env.ref(xmlid, raise_if_not_found=False)
        if cron:
            cron.model_id = env["ir.model"]._get(model)
