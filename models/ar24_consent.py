"""LRE consent of a contact, held per entity: the evidence the send check reads.

French law (art. L100 CPCE) requires a private person's prior consent before a qualified registered
e-mail (LRE) is sent to him. The consent is given to a sender: an entity of the office (a
co-ownership, a rental-management company), not to the whole database. A consent obtained by one
entity never lets another one send, so there is one record per (contact, entity), and the send
check reads the record of the letter's entity.

A consent is legal evidence: only registered-letter users read or change it (access rights and a
record rule per entity), every change is logged in its chatter with who or what made it, and
AR24's proof of consent is attached to it, where only those users can read it.
"""

import logging
from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..ar24 import rules
from ..ar24.errors import AR24Error
from ..const import CONSENT_SOURCES, CONSENT_STATES
from ..tools import filing_evidence

_logger = logging.getLogger(__name__)

# Fields whose change is shown in the chatter (the note saying who changed it is the message body)
TRACKED_FIELDS = ("email", "source", "state")
# A consent before anything was recorded: where the tracking of a new consent starts from
BLANK = {"state": "none", "email": False, "source": False, "date": False}


class Ar24Consent(models.Model):
    _name = "ar24.consent"
    _description = "LRE consent"
    _inherit = ["mail.thread"]
    _order = "partner_id, company_id"
    _rec_names_search = ["partner_id", "email"]
    # a registered-letter user may leave a note on a consent without changing it
    _mail_post_access = "read"

    # evidence never disappears with its contact or entity: they are archived, not deleted
    partner_id = fields.Many2one(
        "res.partner", "Contact", required=True, ondelete="restrict", index=True, readonly=True
    )
    company_id = fields.Many2one(
        "res.company",
        "Entity",
        required=True,
        ondelete="restrict",
        index=True,
        readonly=True,
        default=lambda self: self.env.company,
        help="The entity the contact consented to: only its letters may rely on this consent.",
    )
    state = fields.Selection(
        CONSENT_STATES,
        "Status",
        required=True,
        default="none",
        tracking=True,
        readonly=True,
        help="Pending: AR24 e-mailed a consent request that is not answered yet.",
    )
    email = fields.Char(
        "E-mail",
        tracking=True,
        readonly=True,
        index="btree_not_null",
        help="The e-mail address the consent (or its refusal) was given for, as AR24 compares it.",
    )
    date = fields.Datetime("Date", readonly=True)
    source = fields.Selection(CONSENT_SOURCES, "Source", tracking=True, readonly=True)
    mismatch = fields.Boolean(
        "For another e-mail",
        compute="_compute_mismatch",
        store=True,
        help="The consent was given for an e-mail address that is no longer the contact's: "
        "it does not allow an LRE to the current address.",
    )
    proof_ids = fields.One2many(
        "ir.attachment",
        "res_id",
        "Proofs of consent",
        domain=[("res_model", "=", "ar24.consent")],
        readonly=True,
    )

    _partner_company_unique = models.Constraint(
        "UNIQUE(partner_id, company_id)", "A contact has one LRE consent per entity."
    )

    # ------------------------------------------------------------------ computes
    @api.depends("state", "email", "partner_id.ar24_email_normalized")
    def _compute_mismatch(self):
        for consent in self:
            consent.mismatch = bool(
                consent.state == "accepted"
                and consent.email
                and consent.email != consent.partner_id.ar24_email_normalized
            )

    @api.depends("partner_id", "company_id")
    def _compute_display_name(self):
        for consent in self:
            consent.display_name = "%s — %s" % (consent.partner_id.display_name, consent.company_id.name)

    # ------------------------------------------------------------------ direct writes (RPC, import)
    @api.model_create_multi
    def create(self, vals_list):
        vals_list = [self._ar24_clean(vals) for vals in vals_list]
        if not self.env.su:
            Partner = self.env["res.partner"]
            for vals in vals_list:
                self._ar24_check_date(vals.get("date"), Partner.browse(vals.get("partner_id")))
                vals["source"] = self._ar24_user_source(vals.get("source"))
        return super().create(vals_list)

    @api.model
    def _ar24_user_source(self, source):
        """The source of a consent a user records: by hand. AR24's address book and AR24's request are
        what the module's synchronisation found at AR24: nobody claims them for a consent of his own."""
        if source not in (None, False, "manual") and not self.env.su:
            raise UserError(
                self.env._(
                    "A consent recorded by hand is “%(manual)s”: only AR24's synchronisation records one as "
                    "coming from AR24.",
                    manual=dict(self._fields["source"]._description_selection(self.env))["manual"],
                )
            )
        return "manual"

    @api.model
    def _ar24_check_date(self, date, partner):
        """A consent is recorded as given by now: one dated ahead would outlive the refusal AR24's address
        book gives later (the synchronisation keeps a consent recorded by hand after AR24's answer)."""
        date = fields.Datetime.to_datetime(date)
        if date and date > fields.Datetime.now():
            raise UserError(
                self.env._(
                    "%(contact)s: an LRE consent cannot be dated in the future (%(date)s).",
                    contact=partner.sudo().display_name,
                    date=date,
                )
            )

    def message_post(self, **kwargs):
        # a consent's files are AR24's proofs: Odoo would move the poster's uploads onto it in superuser mode
        if kwargs.get("attachment_ids") or kwargs.get("attachments"):
            self.env["ir.attachment"]._ar24_check_consent_files([{"res_model": self._name}])
        return super().message_post(**self.env["mail.message"]._ar24_user_post(kwargs))

    def write(self, vals):
        if {"partner_id", "company_id"} & vals.keys() and not self.env.su:
            self.check_access("write")  # an outsider learns nothing from the refusal below
            raise UserError(
                self.env._(
                    "An LRE consent belongs to one contact and one entity (%(consents)s): "
                    "record a new consent instead of moving this one.",
                    consents=", ".join(self.mapped("display_name")[:5]),
                )
            )
        if not self.env.context.get("tracking_disable"):
            # the tracking message of this write says who made it (the batch path logs its own)
            self._track_set_log_message(
                Markup("<p>%s</p>") % self.env._("LRE consent changed by %(user)s.", user=self.env.user.name)
            )
        if not self.env.su:
            for consent in self:
                self._ar24_check_date(vals.get("date"), consent.partner_id)
            if "source" in vals or {"state", "email", "date"} & vals.keys():
                # changed by hand: it no longer says what AR24 said
                vals = dict(vals, source=self._ar24_user_source(vals.get("source")))
        return super().write(self._ar24_clean(vals))

    def _creation_message(self):
        return self.env._("LRE consent recorded by %(user)s.", user=self.env.user.name)

    @api.model
    def _ar24_clean(self, vals):
        if "email" not in vals:
            return vals
        return dict(vals, email=self._ar24_email(vals["email"]))

    @api.model
    def _ar24_email(self, value):
        """The e-mail as AR24 compares it (``rules.normalize_email``, the one rule of the module).

        An address AR24 cannot take is kept trimmed and lowercased: it is what the contact consented
        with, and it can never match the address of a letter.
        """
        if not value:
            return False
        email, _reason = rules.normalize_email(value)
        return email or str(value).strip().lower()

    def action_open(self):
        """The consent in its own form: its history (who changed what) and AR24's proof."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "current",
        }

    # ------------------------------------------------------------------ rules
    def _ar24_allows(self, email):
        """True when this consent is accepted for ``email`` (already normalised) and still the contact's."""
        return bool(self and self.state == "accepted" and self.email and self.email == email and not self.mismatch)

    # ------------------------------------------------------------------ batch writes (actions, sync)
    @api.model
    def _ar24_apply(self, company, updates, note, note_unchanged=False):
        """Set the consents of ``company`` to ``{partner id: values}`` and log ``note`` on each change.

        ``values`` hold ``state``, ``email``, ``date`` and ``source``. Consents are read in one query,
        created in one batch, written in groups of identical values. Each consent that changes gets
        one message whose body is ``note`` (who or what changed it) with the tracking values of its
        fields; with ``note_unchanged`` the consents the action concerned without changing them get
        ``note`` alone. Mail's own tracking would post those messages one by one, so it is off here
        and the messages are created in batch.

        :return: (changed, unchanged) lists of partner ids
        """
        Consent = self.sudo().with_context(tracking_disable=True)
        consents = {
            consent.partner_id.id: consent
            for consent in Consent.search_fetch(
                [("partner_id", "in", list(updates)), ("company_id", "=", company.id)],
                ["partner_id", *BLANK],
            )
        }
        groups, to_create, initial = defaultdict(list), [], {}
        changed, unchanged = [], []
        for partner_id, values in updates.items():
            values = self._ar24_clean(values)
            consent = consents.get(partner_id)
            current = {name: consent[name] for name in values} if consent else BLANK
            if all((current.get(name) or False) == (value or False) for name, value in values.items()):
                unchanged.append(partner_id)
                continue
            changed.append(partner_id)
            initial[partner_id] = {name: consent[name] for name in TRACKED_FIELDS} if consent else dict(BLANK)
            if consent:
                groups[tuple(sorted(values.items()))].append(consent.id)
            else:
                to_create.append(dict(values, partner_id=partner_id, company_id=company.id))
        for values, ids in groups.items():
            Consent.browse(ids).write(dict(values))
        for consent in Consent.create(to_create):
            consents[consent.partner_id.id] = consent

        tracked_fields = Consent.fields_get(list(TRACKED_FIELDS), attributes=("string", "type", "selection"))
        tracking = {}
        for partner_id in changed:
            consent = consents[partner_id]
            _changes, commands = consent._mail_track(tracked_fields, initial[partner_id])
            if commands:
                tracking[consent.id] = [command[2] for command in commands]
        logged = [consents[pid].id for pid in changed]
        if note_unchanged:
            logged += [consents[pid].id for pid in unchanged if pid in consents]
        if logged:
            messages = Consent.browse(logged)._message_log_batch(dict.fromkeys(logged, note))
            self.env["mail.tracking.value"].sudo().create(
                [
                    dict(values, mail_message_id=message.id)
                    for message in messages
                    for values in tracking.get(message.res_id, ())
                ]
            )
        return changed, unchanged

    # ------------------------------------------------------------------ proofs
    @api.model
    def _ar24_proof_name(self, email):
        return self.env._("LRE consent proof %(email)s.pdf", email=email)

    @api.model
    def _ar24_attach_proofs(self, client, matched):
        """Attach AR24's proof of each accepted consent of ``matched`` ([(consent, AR24 row)]), once.

        One search for the proofs already attached, one download per missing proof, one create for
        all the attachments. The proof goes on the consent: only registered-letter users read it.
        """
        wanted = defaultdict(list)  # (url, name) -> consent ids
        for consent, row in matched:
            if (row.get("status") or "").lower() == "accepted" and row.get("proof_url"):
                name = self._ar24_proof_name(self._ar24_email(row.get("email")))
                wanted[(row["proof_url"], name)].append(consent.id)
        if not wanted:
            return
        Attachment = self.env["ir.attachment"].sudo()
        existing = Attachment.search_fetch(
            [
                ("res_model", "=", self._name),
                ("res_id", "in", sorted({cid for ids in wanted.values() for cid in ids})),
                ("name", "in", sorted({name for _url, name in wanted})),
            ],
            ["res_id", "name"],
        )
        have = {(a.res_id, a.name) for a in existing}
        values = []
        for (url, name), ids in wanted.items():
            missing = [cid for cid in ids if (cid, name) not in have]
            if not missing:
                continue
            try:
                content = client.download(url)
            except AR24Error as exc:
                # the next synchronisation tries again
                _logger.warning("Proof of LRE consent %s not downloaded: %s", name, exc)
                continue
            values += [
                {
                    "name": name,
                    "raw": content,
                    "mimetype": "application/pdf",
                    "res_model": self._name,
                    "res_id": cid,
                    "description": self.env._("Proof of LRE consent issued by AR24"),
                }
                for cid in missing
            ]
        if values:
            with filing_evidence():
                Attachment.create(values)
