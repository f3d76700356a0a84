import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..ar24 import pdfcheck
from ..const import EDITABLE_STATES, OPEN_STATES
from ..tools import RELOAD, notification

_logger = logging.getLogger(__name__)

# A draft nobody touched for this long was abandoned (see ``_gc_abandoned_drafts``)
DRAFT_RETENTION_DAYS = 30


class Ar24LetterList(models.AbstractModel):
    """What the list of letters does over a selection, and the figures it shows.

    "Cancel" and "Back to draft" (never on a letter AR24 holds or may hold), "Refresh from AR24" and
    "Update LRE consents" on the selected letters (read from AR24 a page at a time, never one call
    per letter), the pages of each letter (summed by the consumption summary), and the clean-up of
    the drafts nobody sends. Reached through the buttons and computes of
    ``ar24.letter``, with the user's environment: the access checks are the user's.
    """

    _name = "ar24.letter.list"
    _description = "Registered letter: list actions and figures"

    @api.model
    def _cancel(self, letters):
        letters.check_access("write")
        # a letter waiting for its OTP code in Odoo is only uploaded: AR24 holds no letter yet; one
        # AR24 holds (deposited outside Odoo and waiting for its code included) stays
        not_cancelable = letters.filtered(
            lambda letter: letter.state not in EDITABLE_STATES or letter.ar24_id or letter.send_started_at
        )
        if not_cancelable:
            raise UserError(
                self.env._(
                    "%(letters)s already left for AR24 and cannot be canceled.",
                    letters=", ".join(not_cancelable.mapped("name")),
                )
            )
        letters.sudo().write({"state": "canceled", "send_queued": False, "send_report_pending": False})

    @api.model
    def _reset_draft(self, letters):
        letters.check_access("write")
        # a letter AR24 may hold (unknown outcome) stays in error until the reconciliation knows
        letters.filtered(
            lambda letter: letter.state in ("error", "canceled") and not letter.ar24_id and not letter.send_started_at
        ).sudo().write({"state": "draft", "error_code": False, "error_message": False})

    @api.model
    def _refresh(self, letters):
        """Read the letters' status at AR24 (list calls with paging, never one GET per letter); without
        letters AR24 holds among them, every open letter."""
        letters = letters.filtered("ar24_id") or letters.search([("ar24_id", "!=", 0), ("state", "in", OPEN_STATES)])
        letters.check_access("read")
        # what AR24 says is written by the module: states, dates and proofs are not the user's to write
        changed = self.env["ar24.letter.sync"]._sync_status(letters.sudo())
        return notification(
            self.env._("Registered letters"),
            self.env._(
                "Letters checked at AR24: %(count)s, changed: %(changed)s.", count=len(letters), changed=changed
            ),
            "success",
            RELOAD,
        )

    @api.model
    def _consent_refresh(self, letters):
        """LSC's "Mise à jour des consentements" on the list of letters: the consents of the letters'
        recipients to the letters' entity, read from the address book of the letters' sender at AR24
        (one paged reading per entity and sender, through the consent service of the contacts)."""
        letters.check_access("read")
        Partner = self.env["res.partner"]
        changed, skipped = Partner.browse(), []
        for (company, sender), group in letters.grouped(lambda letter: (letter.company_id, letter.user_id)).items():
            recipients = (group.partner_id | group.contact_id).with_company(company)
            if not recipients:
                continue
            recipients._ar24_consent_check_access()
            try:
                result = recipients._ar24_consent_sync_from_ar24(partners=recipients, sender=sender)
            except UserError as exc:  # one sender not linked, or AR24 unreachable: the others still go
                skipped += [(partner, exc.args[0]) for partner in recipients]
                continue
            changed |= result["changed"]
            skipped += result["skipped"] + [(p, self.env._("already up to date")) for p in result["unchanged"]]
        return Partner._ar24_consent_notification(self.env._("Update LRE consents"), changed, skipped)

    @api.model
    def _set_page_counts(self, letters):
        """``page_count`` of these letters: counted once the letter's PDF is rendered (it is cleared when
        the content changes); an annex common to a batch is read once per batch."""
        pages = {}

        def count(attachment):
            if attachment.id not in pages:
                pages[attachment.id] = pdfcheck.page_count(attachment.with_context(bin_size=False).raw or b"") or 0
            return pages[attachment.id]

        for letter in letters:
            files = letter.pdf_attachment_id
            if files:
                files |= letter.attachment_ids.filtered(lambda a: a.mimetype == "application/pdf")
            letter.page_count = sum(count(attachment) for attachment in files)

    @api.model
    def _gc_abandoned_drafts(self):
        """Drafts nobody touched for ``DRAFT_RETENTION_DAYS`` days go: the send wizard creates letters only
        when they are sent, but a paper resend, another module or a script may leave drafts nobody sends."""
        limit = fields.Datetime.now() - timedelta(days=DRAFT_RETENTION_DAYS)
        drafts = (
            self.env["ar24.letter"]
            .sudo()
            .search(
                [
                    ("state", "=", "draft"),
                    ("write_date", "<", limit),
                    ("send_queued", "=", False),
                    ("ar24_id", "=", 0),
                    ("send_started_at", "=", False),
                    ("deposited_outside", "=", False),
                ]
            )
        )
        drafts.unlink()
        if drafts:
            _logger.info("%d registered letter drafts untouched for %d days deleted", len(drafts), DRAFT_RETENTION_DAYS)
