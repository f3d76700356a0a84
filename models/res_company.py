import logging
import secrets

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..ar24.client import AR24Client, base_url_for
from ..ar24.errors import AR24Error
from ..const import SEND_TYPES
from ..tools import ar24_translate, ar24_user_error, notification

_logger = logging.getLogger(__name__)


class ResCompany(models.Model):
    _inherit = "res.company"

    ar24_environment = fields.Selection(
        [("production", "Production"), ("sandbox", "Sandbox"), ("custom", "Custom URL (local emulator)")],
        string="AR24 environment",
        default="sandbox",
        required=True,
        help="Production sends real registered letters. Sandbox is AR24's test platform. "
        "Custom points at any URL, e.g. the local AR24 emulator.",
    )
    ar24_api_url = fields.Char(
        "AR24 API URL",
        groups="base.group_system",
        help="Only for the custom environment, e.g. http://127.0.0.1:8024/api/",
    )
    ar24_token = fields.Char("AR24 API token", groups="base.group_system", copy=False)
    ar24_private_key = fields.Char("AR24 private key", groups="base.group_system", copy=False)
    ar24_default_send_type = fields.Selection(SEND_TYPES, string="Default send type", default="lre_eidas")
    ar24_print_color = fields.Boolean("Print in colour", default=False)
    ar24_print_duplex = fields.Boolean("Print recto verso", default=True)
    ar24_webhook_base_url = fields.Char(
        "Webhook base URL",
        groups="base.group_system",
        help="Public address of this Odoo that AR24 calls back. Empty: the web.base.url parameter.",
    )
    ar24_is_coownership = fields.Boolean(
        "Co-ownership",
        help="This entity is a co-ownership (syndicat de copropriétaires): it may send the avis électronique.",
    )
    ar24_paper_transit_days = fields.Integer(
        "Paper transit (business days)",
        default=3,
        help="Business days between handing a paper letter to AR24 and its first presentation (estimate).",
    )
    ar24_ae_consent_required = fields.Boolean(
        "Avis électronique needs consent",
        default=True,
        help="Loi n° 2024-322 of 9 April 2024 changed when co-owners must have agreed beforehand to electronic "
        "notifications: set this policy to the rule that applies to your co-ownerships. "
        "Ticked (the safe choice): an avis électronique goes only to co-owners who consented for the e-mail used. "
        "Unticked: no consent is asked, but a co-owner who refused is still never sent one.",
    )
    ar24_payment_method_id = fields.Many2one(
        "ar24.payment.method",
        string="AR24 payment method",
        groups="ar24_lre.group_ar24_user",
        help="AR24 payment method charged for the letters of this entity (co-ownership or management company).",
        ondelete="restrict",
    )

    @api.constrains("ar24_environment", "ar24_api_url")
    def _check_ar24_api_url(self):
        for company in self.filtered(lambda c: c.ar24_environment == "custom" and c.ar24_api_url):
            try:
                base_url_for("custom", company.ar24_api_url)
            except ValueError as exc:
                reason = ar24_translate(self.env, exc.args[0])
                raise UserError(self.env._("%(company)s: %(reason)s", company=company.name, reason=reason)) from exc

    def _ar24_is_configured(self):
        self.ensure_one()
        company = self.sudo()
        return bool(
            company.ar24_token
            and company.ar24_private_key
            and (company.ar24_environment != "custom" or company.ar24_api_url)
        )

    def _ar24_client(self):
        """AR24 client for this company's settings; raises a UserError naming what is missing."""
        self.ensure_one()
        company = self.sudo()
        if not company._ar24_is_configured():
            raise UserError(
                self.env._(
                    "AR24 is not configured for %(company)s: fill the API token, the private key"
                    " and the environment in Settings › Registered letters.",
                    company=company.name,
                )
            )
        params = self.env["ir.config_parameter"].sudo()
        return AR24Client(
            base_url_for(company.ar24_environment, company.ar24_api_url),
            company.ar24_token,
            company.ar24_private_key,
            timeout=float(params.get_param("ar24_lre.http_timeout", 60)),
            max_retries=int(params.get_param("ar24_lre.max_retries", 3)),
            accept_language="en" if (self.env.lang or "").startswith("en") else None,
        )

    def _ar24_client_factory(self, client=None):
        """A callable building a fresh client with this company's settings (one per worker thread);
        ``client``: one of this company's, to copy the settings from."""
        return (client or self._ar24_client()).copy

    def _ar24_webhook_url(self):
        """URL AR24 calls back on each status change; carries this database's unguessable token."""
        self.ensure_one()
        params = self.env["ir.config_parameter"].sudo()
        token = params.get_param("ar24_lre.webhook_token")
        if not token:
            token = secrets.token_urlsafe(32)
            params.set_param("ar24_lre.webhook_token", token)
        base = (self.ar24_webhook_base_url or params.get_param("web.base.url") or "").rstrip("/")
        return "%s/ar24_lre/webhook/%s" % (base, token) if base else None

    @api.model
    def _ar24_regenerate_webhook_token(self):
        """New unguessable token: AR24 calls the new URL for the letters sent from now on; the old one
        answers 404 (letters sent before are still read by the status job)."""
        self.env["ir.config_parameter"].sudo().set_param("ar24_lre.webhook_token", secrets.token_urlsafe(32))
        _logger.info("AR24 callback token regenerated by %s", self.env.user.login)
        return notification(
            self.env._("AR24 callback token regenerated"),
            self.env._("Letters sent from now on give AR24 the new callback address."),
        )

    def _ar24_activate_jobs(self):
        """AR24 answers: the scheduled jobs shipped inactive can now run."""
        for xmlid in ("ar24_lre.ir_cron_ar24_sync_status", "ar24_lre.ir_cron_ar24_consent_sync"):
            cron = self.env.ref(xmlid, raise_if_not_found=False)
            if cron and not cron.active:
                cron.sudo().active = True

    def action_ar24_test_connection(self):
        """Settings button: one signed call proves the token, the key and the clock."""
        self.ensure_one()
        client = self._ar24_client()
        try:
            client.request("list_users", {"max": 1, "start": 0})
        except AR24Error as exc:
            raise ar24_user_error(self.env, exc, self.env._("AR24 connection test")) from exc
        self._ar24_activate_jobs()
        environment = dict(self._fields["ar24_environment"]._description_selection(self.env))[self.ar24_environment]
        return notification(
            self.env._("AR24 connection works"),
            self.env._(
                "%(company)s reaches AR24 (%(environment)s): token, private key and clock are right.",
                company=self.name,
                environment=environment,
            ),
        )
