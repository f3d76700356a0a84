"""A hostile colleague against the evidence and the entities: logs, proofs of consent, bound actions, sources.

Paul (``colleague``) works in the same office as Alain (``ar24_user``, his victim) and Jeff
(``ar24_manager``); a manager of another office shares the database. Each test is the attacker's
own calls (``with_user``: what JSON-RPC would run), then what the office would expect: the call is
refused, or nothing leaked, was sent or was rewritten.
"""

from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from ..ar24.pdf import make_pdf
from .common import TrustCase


@tagged("post_install", "-at_install")
class TestTrustEvidence(TrustCase):
    # ------------------------------------------------------------------ helpers
    def _bot(self):
        return self.env.ref("base.partner_root")

    def _forged_proof_body(self, letter):
        return "Proof received from AR24: %s - proof of refusal.pdf (SHA-256 %s)" % (letter.name, "0" * 64)

    def _bot_notes_claiming_refusal(self, letter):
        bot = self._bot()
        return letter.sudo().message_ids.filtered(lambda m: m.author_id == bot and "proof of refusal" in str(m.body))

    # ------------------------------------------------------------------ 1. an entity the sender does not work for
    def test_a_queued_letter_cannot_be_moved_to_an_entity_its_sender_does_not_work_for(self):
        """A large batch waits in the queue as drafts. Paul, who works for Syndic Crypto only, moves
        one of his queued drafts to another co-ownership of the database (with his own payment
        method, so that the queue's checks pass): the queue's job sends it in the name of that
        entity, on its letterhead and through its AR24 settings."""
        pins = self.configured_entity("Copropriété Les Pins")
        self.assertNotIn(pins, self.colleague.company_ids)
        paul_method = self.env["ar24.payment.method"].search([("user_id", "=", self.colleague.id)], limit=1)
        self.env["ir.config_parameter"].sudo().set_param("ar24_lre.inline_limit", 0)  # every batch is queued
        draft = self._draft(self.colleague, subject="Rappel de charges")
        self.letters_wizard(self.colleague, draft).action_send()
        self.assertTrue(draft.send_queued)
        with self.attempt():
            draft.with_user(self.colleague).write({"company_id": pins.id, "payment_method_id": paul_method.id})
        self.env["ar24.letter.send"]._cron_send_queue()
        draft = draft.sudo()
        draft.invalidate_recordset()
        sent_for_pins = self.env["ar24.letter"].sudo().search([("company_id", "=", pins.id), ("ar24_id", "!=", 0)])
        self.assertFalse(
            sent_for_pins,
            "a letter of Paul left for %s, an entity he does not work for (AR24 got %s)"
            % (pins.name, [call["params"].get("ref_facturation") for call in self.controls.calls("send_mail")]),
        )
        self.assertNotEqual(draft.company_id, pins, "Paul moved his letter to an entity he does not work for")

    def test_a_draft_cannot_be_moved_to_an_entity_its_sender_does_not_work_for(self):
        pins = self.configured_entity("Copropriété Les Pins")
        draft = self._draft(self.colleague)
        self.env.invalidate_all()
        with self.refused(AccessError, "."):
            draft.with_user(self.colleague).write({"company_id": pins.id})
        self.assertEqual(draft.company_id, self.company)

    # ------------------------------------------------------------------ 2. forged notes in a letter's log
    def test_nobody_creates_a_proof_note_in_odoobots_name_as_a_raw_message(self):
        """``message_post`` refuses another author (tested elsewhere); ``mail.message.create`` on the
        letter is allowed by mail to whoever may write the letter, its sender included."""
        letter = self._received(self.colleague)
        with self.attempt():
            self.env["mail.message"].with_user(self.colleague).create(
                {
                    "model": "ar24.letter",
                    "res_id": letter.id,
                    "body": self._forged_proof_body(letter),
                    "author_id": self._bot().id,
                    "message_type": "notification",
                    "subtype_id": self.env.ref("mail.mt_note").id,
                }
            )
        self.assertFalse(
            self._bot_notes_claiming_refusal(letter), "a note in OdooBot's name logs a proof AR24 never gave"
        )

    def test_a_comment_cannot_be_turned_into_a_module_note(self):
        """Comments stay their authors' to edit; one rewritten into a notification signed by OdooBot
        becomes a forged entry of the letter's audit trail (and then nobody may delete it)."""
        letter = self._received(self.colleague)
        comment = letter.with_user(self.colleague).message_post(
            body="Relancé par téléphone", message_type="comment", subtype_xmlid="mail.mt_note"
        )
        with self.attempt():
            comment.with_user(self.colleague).write(
                {"message_type": "notification", "author_id": self._bot().id, "body": self._forged_proof_body(letter)}
            )
        self.assertFalse(
            self._bot_notes_claiming_refusal(letter),
            "a comment was turned into a module note in OdooBot's name",
        )

    # ------------------------------------------------------------------ 3. a consent's evidence

    def test_a_colleague_cannot_rewrite_or_delete_a_consents_log(self):
        consent, _proof, log = self._consent_with_proof()
        bodies = {message.id: str(message.body) for message in log}
        with self.attempt():
            log.with_user(self.colleague).write({"body": "<p>LRE consent recorded by Jeff Lechef.</p>"})
        with self.attempt():
            log.with_user(self.colleague).unlink()
        self.assertEqual(log.exists(), log, "the log of a consent (who recorded it) was deleted")
        log.invalidate_recordset()
        self.assertEqual({m.id: str(m.body) for m in log}, bodies, "the log of a consent was rewritten")

    def test_a_colleague_cannot_swap_or_delete_ar24s_proof_of_consent(self):
        consent, proof, _log = self._consent_with_proof()
        original = proof.raw
        with self.attempt():
            proof.with_user(self.colleague).write({"raw": make_pdf(["Refus du consentement"])})
        proof.invalidate_recordset()
        self.assertEqual(proof.raw, original, "AR24's proof of consent was rewritten")
        with self.attempt():
            proof.with_user(self.colleague).unlink()
        self.assertTrue(proof.exists(), "AR24's proof of consent was deleted")
        self.assertIn(proof, consent.sudo().proof_ids)

    def test_a_colleague_cannot_file_a_forged_proof_of_consent(self):
        """Before AR24's proof is downloaded, Paul files his own PDF on Denise's consent under the name
        the module gives AR24's proofs: it shows as the consent's proof, and the synchronisation, which
        downloads a proof only when none of that name is filed, never replaces it."""
        partner = self.denise.with_user(self.ar24_user)
        partner.write({"ar24_consent": True})
        consent = self.env["ar24.consent"].search(
            [("partner_id", "=", self.denise.id), ("company_id", "=", self.company.id)]
        )
        name = self.env["ar24.consent"]._ar24_proof_name("denise@example.org")
        with self.attempt():
            self.env["ir.attachment"].with_user(self.colleague).create(
                {
                    "name": name,
                    "raw": make_pdf(["Consentement donné (faux)"]),
                    "mimetype": "application/pdf",
                    "res_model": "ar24.consent",
                    "res_id": consent.id,
                    "description": "Proof of LRE consent issued by AR24",
                }
            )
        self.assertFalse(consent.sudo().proof_ids, "a user filed a proof of consent AR24 never issued")

    def test_nobody_signs_a_consent_note_as_odoobot(self):
        consent, _proof, _log = self._consent_with_proof()
        with self.attempt():
            consent.with_user(self.colleague).message_post(
                body="LRE consent refused at AR24 (AR24 address book).",
                author_id=self._bot().id,
                message_type="notification",
                subtype_xmlid="mail.mt_note",
            )
        forged = consent.sudo().message_ids.filtered(lambda m: m.author_id == self._bot() and "refused" in str(m.body))
        self.assertFalse(forged, "a note in OdooBot's name on a consent")

    def test_a_consent_dated_in_the_future_does_not_outlive_a_refusal_given_at_ar24(self):
        """Paul records by hand a consent of Denise dated 2099: when Denise then refuses at AR24, the
        check made when Alain sends (AR24's address book re-read) keeps the hand-made consent, and
        Alain's qualified LRE leaves to a private person who refused it."""
        self.ar24_user.sudo().ar24_identity_verified = True
        future = fields.Datetime.now() + timedelta(days=365 * 70)
        with self.attempt():
            self.denise.with_user(self.colleague).write({"ar24_consent": True, "ar24_consent_date": future})
        self.controls.consent(self.alain_ar24["id_user"], "denise@example.org", "refused")
        draft = self._draft(self.ar24_user, send_type="lre_eidas")
        wizard = self.letters_wizard(self.ar24_user, draft, send_type="lre_eidas")
        with self.attempt():
            wizard.action_send()
        draft.invalidate_recordset()
        self.assertNotEqual(draft.state, "to_valid", "an LRE awaits its OTP for a recipient who refused at AR24")
        self.assertEqual(self.denise.with_user(self.ar24_user).ar24_consent_state, "refused")

    # ------------------------------------------------------------------ 4. bound templates
    def _bound_template(self):
        template = self.env["mail.template"].create(
            {
                "name": "Convocation AG",
                "model_id": self.env.ref("base.model_res_partner").id,
                "subject": "Convocation",
                "body_html": "<p>Convocation</p>",
            }
        )
        template.with_user(self.ar24_manager).action_ar24_bind()
        self.assertTrue(template.ar24_action_id)
        return template

    def test_a_user_cannot_take_over_the_action_a_manager_bound(self):
        """The write of ``ar24_action_id`` is refused to users, its create is not: Paul's own template
        claims the manager's action, and deleting his template deletes it from everyone's menu."""
        template = self._bound_template()
        action = template.ar24_action_id
        Template = self.env["mail.template"].with_user(self.colleague)
        with self.attempt():
            mine = Template.create(
                {
                    "name": "Brouillon",
                    "model_id": self.env.ref("base.model_res_partner").id,
                    "ar24_action_id": action.id,
                }
            )
            mine.unlink()
        self.assertTrue(action.exists(), "a user removed the action a manager bound")
        self.assertEqual(template.ar24_action_id, action)

    # ------------------------------------------------------------------ 5. another office's manager
    def test_another_offices_manager_reads_nothing_of_this_entity_through_the_wizard(self):
        """Internal users of every company are readable (Odoo's rule), and a row takes the company of
        its source document: the outsider's wizard on Alain's user record is checked, in superuser
        mode, as a letter of Syndic Crypto, and its summary shows him that entity's payment method,
        whose card it is, and its settings (this payment method he may not read)."""
        outsider = self._other_office_manager()
        self.link_sender(outsider)
        method = self.company.ar24_payment_method_id
        self.env.invalidate_all()
        with self.assertRaises(AccessError):
            method.with_user(outsider).read(["slug"])
        with self.attempt():
            wizard = (
                self.env["ar24.send.wizard"]
                .with_user(outsider)
                .create({"res_model": "res.users", "res_ids": [self.ar24_user.id], "send_type": "ae"})
            )
            shown = " ".join(
                str(value) for line in [*wizard.line_ids, *wizard.error_line_ids] for value in line.read()[0].values()
            )
            self.assertNotIn(method.slug, shown, "another office's payment method shown to an outsider")
            self.assertNotIn("Alain Joly, not to that of", shown, "the holder of another office's card shown")
            self.assertNotIn("Syndic Crypto", shown, "the wizard checks letters of an entity the outsider is not in")

    def test_another_offices_manager_cannot_send_a_letter_of_this_entity(self):
        """The same wizard, with a text and the outsider's own card: every check passes, and the letter
        would be Syndic Crypto's (the source document's company)."""
        outsider = self._other_office_manager()
        info = self.link_sender(outsider)
        theirs = self.env["ar24.payment.method"].create(
            {"name": "Cabinet Concurrent", "slug": info["payment_methods"][0], "user_id": outsider.id}
        )
        self.env.invalidate_all()
        with self.attempt():
            wizard = self.documents_wizard(
                outsider,
                self.env["res.users"].browse([self.ar24_user.id]),
                send_type="ae",
                body="<p>Mise en demeure</p>",
                payment_method_id=theirs.id,
            )
            wizard.action_send()
        self.assertFalse(
            self.env["ar24.letter"].search([("user_id", "=", outsider.id), ("company_id", "=", self.company.id)]),
            "an outsider made a letter of Syndic Crypto",
        )
        self.assertFalse(self.controls.calls("send_mail"))

    # ------------------------------------------------------------------ 6. a letter's log as a source document
    def test_a_registered_letter_cannot_be_the_source_document_of_another(self):
        """``res_model``/``res_ids`` written by RPC: a received letter is a document its manager may read.
        The new letter's notes (signed by OdooBot, in superuser mode: "sent", then its state and its
        proofs) then land in Alain's letter's log, its audit trail, which nobody may change or
        delete afterwards."""
        received = self._received(self.ar24_user)
        self.env.flush_all()
        self.env.cr.precommit.run()  # the letter's own tracking, as at the end of the request
        before = received.sudo().message_ids
        with self.attempt():
            wizard = self.documents_wizard(
                self.ar24_manager,
                self.env["ar24.letter"].browse(received.ids),
                send_type="ae",
                composition=True,
                body="<p>Relance</p>",
            )
            wizard.action_send()
        self.env.flush_all()
        self.env.cr.precommit.run()
        added = received.sudo().message_ids - before
        self.assertFalse(
            added.filtered(lambda m: m.author_id == self._bot()),
            "notes about another letter were written in a received letter's log: %s"
            % [str(message.body) for message in added],
        )

    # ------------------------------------------------------------------ what is correctly refused
    def test_a_template_report_of_another_model_renders_no_colleagues_letter(self):
        """Paul's own template of contacts, given the registered letter's report: rendered for contact
        ids that are also the ids of Alain's letters, it must not print Alain's letters. (Refused by the
        report's own reads as Paul; in a test whose cache still holds Alain's letter, the cached values
        are printed without any access check: the cache is emptied first, as a new request has it.)"""
        # (set-up) Alain's letter and a contact Paul may read share an id, as they do in any database
        self.env.cr.execute(
            "SELECT GREATEST((SELECT last_value FROM ar24_letter_id_seq), (SELECT last_value FROM res_partner_id_seq))"
        )
        same = self.env.cr.fetchone()[0] + 10
        self.env.cr.execute("SELECT setval('ar24_letter_id_seq', %s), setval('res_partner_id_seq', %s)", (same, same))
        alain_letter = self._sent(self.ar24_user, body="<p>Secret d'Alain</p>")
        partner = self.env["res.partner"].create({"name": "Copropriétaire", "email": "lot7@example.org"})
        self.assertEqual(partner.id, alain_letter.id)
        template = (
            self.env["mail.template"]
            .with_user(self.colleague)
            .create(
                {
                    "name": "Le mien",
                    "model_id": self.env.ref("base.model_res_partner").id,
                    "subject": "x",
                    "body_html": "<p>x</p>",
                    "report_template_ids": [Command.link(self.env.ref("ar24_lre.action_report_ar24_letter").id)],
                }
            )
        )
        self.env.invalidate_all()  # a new request: nothing of Alain's letter in the cache
        with self.refused(AccessError, "Registered letter"):
            wizard = self.documents_wizard(
                self.colleague,
                self.env["res.partner"].browse(partner.ids),
                template_id=template.id,
                composition=True,
                send_type="lr_paper",
            )
            wizard.read(["line_ids", "error_line_ids"])  # what the web client reads back
        documents = self.env["ar24.send.wizard.document"].sudo().search([("create_uid", "=", self.colleague.id)])
        self.assertFalse(documents.attachment_id)

    def test_a_template_of_another_model_is_refused_even_when_changed_after_the_check(self):
        template = (
            self.env["mail.template"]
            .with_user(self.colleague)
            .create({"name": "Le mien", "model_id": self.env.ref("base.model_res_partner").id, "body_html": "<p>x</p>"})
        )
        wizard = self.documents_wizard(
            self.colleague,
            self.env["res.partner"].browse(self.plumber.ids),
            template_id=template.id,
            composition=True,
            send_type="ae",
        )
        template.with_user(self.colleague).write({"model_id": self.env.ref("base.model_res_users").id})
        with self.refused(ValidationError, "is for res.users"):
            wizard.action_send()
        self.assertFalse(self.controls.calls("send_mail"))

    def test_letter_values_cannot_name_a_colleagues_method_in_disguise(self):
        alain_method = self.company.ar24_payment_method_id
        for method, exception, pattern in (
            (alain_method.id, AccessError, "not a payment method of"),
            ([alain_method.id], ValidationError, "payment_method_id: one record each, by its id"),
        ):
            with self.subTest(method=method), self.refused(exception, pattern):
                self.env["ar24.send.wizard"].with_user(self.colleague).create(
                    {
                        "res_model": "res.partner",
                        "res_ids": self.plumber.ids,
                        "send_type": "ae",
                        "letter_values": {"payment_method_id": method},
                    }
                )

    def test_the_otp_validation_is_not_replayed(self):
        self.colleague.sudo().ar24_identity_verified = True
        letter = self._draft(self.colleague, send_type="lre_eidas", partner_id=self.plumber.id)
        letter.sudo()._ar24_prepare_for_otp()
        otp = self.env["ar24.otp.wizard"].with_user(self.colleague).create({"letter_ids": letter.ids})
        code = self.paul_ar24["otp"]()
        otp.otp_code = code
        self.assertEqual(letter.state, "waiting", letter.error_message)
        with self.refused(UserError, "at least one letter awaiting"):
            otp.otp_code = code
        self.assertEqual(len(self.controls.calls("send_mail")), 1)

    def test_a_manager_of_another_office_cannot_put_this_offices_letters_in_his_wizards(self):
        outsider = self._other_office_manager()
        draft = self._draft(self.ar24_user)
        with self.assertRaises(AccessError):
            self.letters_wizard(outsider, draft)
        with self.assertRaises(AccessError):
            self.env["ar24.otp.wizard"].with_user(outsider).create({"letter_ids": draft.ids})
        self.assertFalse(self.controls.calls("send_mail"))
