"""Ways around the evidence and entity rules (contexts, copies, imports, the chatter, direct consent
writes) tried as a colleague's RPC, and what legitimate users still do under those rules.
"""

from datetime import timedelta

from odoo import Command, fields
from odoo.tests import tagged

from ..ar24.pdf import make_pdf
from .common import TrustCase


@tagged("post_install", "-at_install")
class TestTrustBypass(TrustCase):
    # ------------------------------------------------------------------ helpers
    def _bot(self):
        return self.env.ref("base.partner_root")

    def _denise_consent(self):
        self.denise.with_user(self.ar24_user).write({"ar24_consent": True})
        consent = self.env["ar24.consent"].search(
            [("partner_id", "=", self.denise.id), ("company_id", "=", self.company.id)]
        )
        self.assertEqual(consent.state, "accepted")
        return consent

    # ================================================================== holes?
    def test_consent_cannot_be_dated_ahead_by_writing_the_consent_itself(self):
        """The future date is refused on res.partner's consent fields; ar24.consent is writable by users."""
        consent = self._denise_consent()
        future = fields.Datetime.now() + timedelta(days=365 * 70)
        with self.attempt():
            consent.with_user(self.colleague).write({"date": future})
        consent.invalidate_recordset()
        self.assertLessEqual(consent.sudo().date, fields.Datetime.now(), "a consent was dated in 2099 (direct write)")

    def test_consent_cannot_be_created_dated_ahead(self):
        bernard = self.env["res.partner"].create({"name": "Bernard Ravel", "email": "bernard@example.org"})
        future = fields.Datetime.now() + timedelta(days=365 * 70)
        with self.attempt():
            self.env["ar24.consent"].with_user(self.colleague).create(
                {"partner_id": bernard.id, "state": "accepted", "email": "bernard@example.org", "date": future}
            )
        dated_ahead = (
            self.env["ar24.consent"]
            .sudo()
            .search([("partner_id", "=", bernard.id), ("date", ">", fields.Datetime.now())])
        )
        self.assertFalse(dated_ahead, "a consent was created dated in 2099 (direct create)")

    def test_no_consent_proof_filed_through_default_res_model(self):
        consent = self._denise_consent()
        name = self.env["ar24.consent"]._ar24_proof_name("denise@example.org")
        with self.attempt():
            self.env["ir.attachment"].with_user(self.colleague).with_context(
                default_res_model="ar24.consent", default_res_id=consent.id
            ).create({"name": name, "raw": make_pdf(["Consentement (faux)"]), "mimetype": "application/pdf"})
        self.assertFalse(consent.sudo().proof_ids, "a forged proof of consent was filed via default_res_model")

    def test_no_consent_proof_filed_through_a_chatter_attachment(self):
        """message_post re-binds the poster's pending (mail.compose.message) uploads in superuser mode."""
        consent = self._denise_consent()
        name = self.env["ar24.consent"]._ar24_proof_name("denise@example.org")
        with self.attempt():
            pending = self._upload(
                self.colleague, name=name, text="Consentement (faux)", res_model="mail.compose.message", res_id=0
            )
            consent.with_user(self.colleague).message_post(
                body="Preuve", message_type="comment", subtype_xmlid="mail.mt_note", attachment_ids=pending.ids
            )
        self.assertFalse(consent.sudo().proof_ids, "a forged proof of consent was filed via message_post")

    def test_no_anonymous_message_spoofing_odoobot_in_a_letters_log(self):
        """author_id False is accepted as 'own' by mail.message.create: the message has no author and an
        e-mail sender of the attacker's choice."""
        letter = self._received(self.colleague)
        with self.attempt():
            self.env["mail.message"].with_user(self.colleague).create(
                {
                    "model": "ar24.letter",
                    "res_id": letter.id,
                    "body": "Proof received from AR24: proof of refusal.pdf (SHA-256 %s)" % ("0" * 64),
                    "author_id": False,
                    "email_from": "OdooBot <odoobot@example.com>",
                    "message_type": "notification",
                    "subtype_id": self.env.ref("mail.mt_note").id,
                }
            )
        forged = letter.sudo().message_ids.filtered(
            lambda m: "proof of refusal" in str(m.body) and m.author_id != self.colleague.partner_id
        )
        self.assertFalse(
            forged, "a note in nobody's name (e-mail %s) logged in the letter" % forged.mapped("email_from")
        )

    def test_a_comment_on_a_contact_cannot_be_moved_into_a_letters_log(self):
        letter = self._received(self.ar24_user)
        note = self.denise.with_user(self.colleague).message_post(body="x", message_type="comment")
        with self.attempt():
            note.with_user(self.colleague).write({"model": "ar24.letter", "res_id": letter.id})
        self.assertNotIn(note, letter.sudo().message_ids)

    def test_letter_source_cannot_be_a_consent_through_context_defaults(self):
        consent = self._denise_consent()
        with self.attempt():
            self.env["ar24.letter"].with_user(self.colleague).with_context(
                default_res_model="ar24.consent", default_res_id=consent.id
            ).create({"partner_id": self.denise.id, "subject": "x", "body": "<p>x</p>", "send_type": "ae"})
        self.assertFalse(self.env["ar24.letter"].sudo().search([("res_model", "=", "ar24.consent")]))

    def test_letter_imported_for_an_entity_the_user_does_not_work_for(self):
        pins = self.configured_entity("Copropriété Les Pins")
        with self.attempt():
            self.env["ar24.letter"].with_user(self.colleague).load(
                ["partner_id/.id", "subject", "body", "send_type", "company_id/.id"],
                [[str(self.denise.id), "x", "<p>x</p>", "ae", str(pins.id)]],
            )
        self.assertFalse(self.env["ar24.letter"].sudo().search([("company_id", "=", pins.id)]))

    def test_letter_copied_into_an_entity_the_user_does_not_work_for(self):
        pins = self.configured_entity("Copropriété Les Pins")
        draft = self._draft(self.colleague)
        with self.attempt():
            draft.with_user(self.colleague).copy({"company_id": pins.id})
        self.assertFalse(self.env["ar24.letter"].sudo().search([("company_id", "=", pins.id)]))

    def test_copying_a_bound_template_with_its_action(self):
        template = self.env["mail.template"].create(
            {"name": "AG", "model_id": self.env.ref("base.model_res_partner").id, "body_html": "<p>AG</p>"}
        )
        template.with_user(self.ar24_manager).action_ar24_bind()
        action = template.ar24_action_id
        with self.attempt():
            mine = template.with_user(self.colleague).copy({"ar24_action_id": action.id})
            mine.unlink()
        self.assertTrue(action.exists())
        self.assertEqual(template.ar24_action_id, action)

    def test_letter_values_company_as_a_string(self):
        pins = self.configured_entity("Copropriété Les Pins")
        with self.attempt():
            wizard = self.documents_wizard(
                self.colleague,
                self.env["res.partner"].browse(self.plumber.ids),
                send_type="ae",
                body="<p>x</p>",
                letter_values={"company_id": str(pins.id)},
            )
            wizard.action_send()
        self.assertFalse(self.env["ar24.letter"].sudo().search([("company_id", "=", pins.id)]))
        self.assertFalse(self.controls.calls("send_mail"))

    # ================================================================== legitimate actions
    def test_legit_user_comments_on_his_letter_and_edits_his_comment(self):
        letter = self._received(self.ar24_user)
        mine = letter.with_user(self.ar24_user)
        comment = mine.message_post(body="Relancé par téléphone", message_type="comment", subtype_xmlid="mail.mt_note")
        mine._message_update_content(comment, body="Relancé par téléphone le 3 avril")
        self.assertIn("3 avril", str(comment.body))

    def test_legit_tracking_on_a_letter_he_edits(self):
        draft = self._draft(self.ar24_user)
        draft.with_user(self.ar24_user).write({"subject": "Convocation AG modifiée", "ref_dossier": "D-12"})
        self.env.flush_all()
        self.env.cr.precommit.run()
        self.assertEqual(draft.subject, "Convocation AG modifiée")

    def test_legit_manager_sends_for_the_entities_he_works_for(self):
        pins = self.configured_entity("Copropriété Les Pins")
        for user in (self.ar24_manager, self.ar24_user):
            user.sudo().company_ids = [Command.link(pins.id)]
        self.link_payment(self.ar24_manager, pins)
        Letter = self.env["ar24.letter"].with_user(self.ar24_manager)
        for alain in (self.ar24_user,):
            letter = Letter.create(
                {
                    "partner_id": self.plumber.id,
                    "subject": "AG",
                    "body": "<p>AG</p>",
                    "send_type": "ae",
                    "company_id": pins.id,
                    "user_id": alain.id,
                }
            )
            self.assertEqual(letter.company_id, pins)
            letter.write({"company_id": self.company.id})
            letter.write({"company_id": pins.id, "user_id": self.ar24_manager.id})
        own = Letter.with_context(allowed_company_ids=[pins.id, self.company.id]).create(
            {"partner_id": self.plumber.id, "subject": "AG", "body": "<p>AG</p>", "send_type": "ae"}
        )
        self.assertEqual(own.company_id, pins)
        wizard = (
            self.env["ar24.send.wizard"]
            .with_user(self.ar24_manager)
            .with_context(allowed_company_ids=[pins.id, self.company.id])
            .create({"res_model": "res.partner", "res_ids": self.plumber.ids, "send_type": "ae", "body": "<p>AG</p>"})
        )
        self.assertFalse(wizard.error_line_ids, wizard.error_line_ids.mapped("comment"))
        wizard.action_send()
        sent = self.env["ar24.letter"].sudo().search([("company_id", "=", pins.id), ("ar24_id", "!=", 0)])
        self.assertTrue(sent, "the manager's letter for Les Pins did not leave")

    def test_legit_user_uploads_an_attachment_on_his_draft(self):
        draft = self._draft(self.ar24_user)
        annex = self._upload(self.ar24_user, name="annexe.pdf", res_model="ar24.letter", res_id=draft.id)
        annex.write({"name": "annexe-2.pdf"})
        draft.with_user(self.ar24_user).write({"attachment_ids": [Command.link(annex.id)]})
        self.assertIn(annex, draft.attachment_ids)
        draft.with_user(self.ar24_user).message_post(
            body="Pièce", message_type="comment", attachments=[("note.txt", b"note")]
        )

    def test_legit_consent_ticked_by_hand_today(self):
        partner = self.denise.with_user(self.ar24_user)
        partner.write({"ar24_consent": True, "ar24_consent_date": fields.Datetime.now()})
        self.assertEqual(partner.ar24_consent_state, "accepted")
        bernard = (
            self.env["res.partner"]
            .with_user(self.ar24_user)
            .create(
                {
                    "name": "Bernard",
                    "email": "b@example.org",
                    "ar24_consent": True,
                    "ar24_consent_date": fields.Date.today(),
                }
            )
        )
        self.assertEqual(bernard.ar24_consent_state, "accepted")
