import base64
import io
import json
from unittest.mock import patch

import pypdf

from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from ..ar24 import pdfcheck
from ..ar24.pdf import make_pdf
from .common import AR24Case, co_owner, consented


@tagged("post_install", "-at_install")
class TestSendWizard(AR24Case):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.method = cls._coownership()
        cls.denise = co_owner(cls.env, "Denise Aloxe", "denise@example.org")
        cls.alfred = co_owner(cls.env, "Alfred Brouilly", "alfred@example.org")
        cls.no_email = co_owner(cls.env, "Jeannine Meursault")
        cls.bad_email = co_owner(cls.env, "Pierre Proprietaire", "pierre@@example")
        cls.agency = co_owner(cls.env, "Agence du Port", "agence@example.org", is_company=True)
        cls.a4 = cls._attachment("convocation.pdf", make_pdf(["Convocation AG"]))

    @classmethod
    def _attachment(cls, name, data, mimetype="application/pdf"):
        return cls.env["ir.attachment"].create({"name": name, "datas": base64.b64encode(data), "mimetype": mimetype})

    def setUp(self):
        super().setUp()
        self.sender = self.link_identified_sender(self.ar24_user)
        for partner in self.denise | self.alfred | self.agency:
            self._consent(partner)

    def _consent(self, partner):
        partner.write(consented(partner.email))

    def _letters(self, partners, **values):
        vals = dict(
            {
                "subject": "Convocation AG",
                "send_type": "ae",
                "body": "<p>Assemblée générale du 4 avril</p>",
                "attachment_ids": [(6, 0, self.a4.ids)],
                "user_id": self.ar24_user.id,
            },
            **values,
        )
        return self.env["ar24.letter"].create([dict(vals, partner_id=p.id) for p in partners])

    def _run_send_queue(self):
        """Run the background queue's job; [(user, payload)] of what it told users in their browser."""
        reports = []
        original = type(self.ar24_user)._bus_send

        def capture(user, kind, payload, **kwargs):
            if kind == "simple_notification":  # the batch's result (its progress is tested elsewhere)
                reports.append((user, payload))
            return original(user, kind, payload, **kwargs)

        with patch.object(type(self.ar24_user), "_bus_send", capture):
            self.env["ar24.letter.send"]._cron_send_queue()
        return reports

    def _wizard(self, letters, send_type="ae"):
        form = Form(
            self.env["ar24.send.wizard"]
            .with_user(self.ar24_user)
            .with_context(active_model="ar24.letter", active_ids=letters.ids)
        )
        form.send_type = send_type
        return form.save()

    def test_counts_and_error_summary_from_partners(self):
        partners = self.denise | self.no_email | self.bad_email
        letters_before = self.env["ar24.letter"].search_count([])
        action = self.env["ar24.letter"].with_user(self.ar24_user)._prepare_from_records(partners)
        form = Form(self.env["ar24.send.wizard"].with_user(self.ar24_user).with_context(**action["context"]))
        form.send_type = "ae"
        self.assertEqual(form.incompatible_count, 3)  # nothing to send yet
        form.subject = "Convocation AG"
        form.body = "<p>Vous êtes convoqué à l'assemblée générale.</p>"
        wizard = form.save()
        comments = wizard.error_line_ids.mapped("comment")
        self.assertEqual(wizard.compatible_count, 1, comments)
        self.assertRecordValues(wizard, [{"requested_count": 3, "compatible_count": 1, "incompatible_count": 2}])
        summary = {(line.location, line.comment) for line in wizard.error_line_ids}
        self.assertIn(("Partner: Jeannine Meursault", "No e-mail address"), summary)
        self.assertIn(
            (
                "Partner: Pierre Proprietaire",
                "Invalid e-mail address (pierre@@example): more than one @ in the address",
            ),
            summary,
        )
        self.assertEqual(wizard.line_ids.partner_id, partners)
        self.assertFalse(wizard.line_ids.letter_id, "the wizard drafts nothing before it sends")
        self.assertEqual(self.env["ar24.letter"].search_count([]), letters_before)

        # the manager fixes the partner, then recalculates
        self.no_email.email = "jeannine@example.org"
        self._consent(self.no_email)
        wizard.action_recompute()
        self.assertRecordValues(wizard, [{"compatible_count": 2, "incompatible_count": 1}])
        wizard.action_send()
        letters = self.env["ar24.letter"].search([("partner_id", "in", partners.ids)])
        self.assertEqual(letters.partner_id, self.denise | self.no_email)
        self.assertEqual(set(letters.mapped("state")), {"waiting"})
        self.assertEqual(set(letters.mapped("subject")), {"Convocation AG"})

    def test_every_reason_is_a_clear_line(self):
        landscape = self._attachment("annexe.pdf", make_pdf(["Annexe"], width=842, height=595))
        letter_size = self._attachment("plan.pdf", make_pdf(["Plan"], width=612, height=792))
        corrupt = self._attachment("broken.pdf", b"%PDF-1.4 garbage")
        cases = [
            (
                "sender not linked",
                {},
                lambda: self.ar24_user.sudo().write({"ar24_link_state": "none"}),
                "ae",
                "has not linked an AR24 account",
            ),
            (
                "no OTP key",
                {},
                lambda: self.ar24_user.sudo().write({"ar24_identity_verified": False}),
                "lre_eidas",
                "has no OTP key yet",
            ),
            (
                "no payment method",
                {},
                lambda: self.company.write({"ar24_payment_method_id": False}),
                "ae",
                "No AR24 payment method of Alain Joly pays for this entity",
            ),
            (
                "avis électronique outside co-ownership",
                {},
                lambda: self.company.write({"ar24_is_coownership": False}),
                "ae",
                "reserved to co-ownerships",
            ),
            (
                "same e-mail as sender",
                {"to_email": "alain@syndic.example.com"},
                None,
                "ae",
                "Same e-mail as the sender",
            ),
            (
                "several e-mails",
                {"to_email": "a@example.org, b@example.org"},
                None,
                "ae",
                "several e-mail addresses in one field",
            ),
            ("landscape annex on paper", {"attachment_ids": [(6, 0, landscape.ids)]}, None, "lr_paper", "landscape"),
            ("letter size", {"attachment_ids": [(6, 0, letter_size.ids)]}, None, "ae", "not A4"),
            ("unreadable PDF", {"attachment_ids": [(6, 0, corrupt.ids)]}, None, "ae", "broken.pdf"),
            ("nothing to send", {"attachment_ids": [(5,)], "body": False}, None, "ae", "Neither text nor attachment"),
            (
                "AR24 not configured",
                {},
                lambda: self.company.write({"ar24_token": False}),
                "ae",
                "AR24 is not configured",
            ),
        ]
        for label, values, setup, send_type, expected in cases:
            with self.subTest(label):
                with self.env.cr.savepoint(flush=True) as savepoint:
                    if setup:
                        setup()
                    letter = self._letters(self.denise, **values)
                    wizard = self._wizard(letter, send_type)
                    self.assertEqual(wizard.incompatible_count, 1, label)
                    comments = " | ".join(wizard.error_line_ids.mapped("comment"))
                    self.assertIn(expected, comments)
                    savepoint.rollback()

    def test_incomplete_address_for_paper(self):
        self.alfred.write({"zip": "837", "street": False})
        wizard = self._wizard(self._letters(self.alfred), "lr_paper")
        comments = " | ".join(wizard.error_line_ids.mapped("comment"))
        self.assertEqual(wizard.incompatible_count, 1)
        self.assertIn("street", comments.lower())

    def test_send_avis_electronique_only_compatible_letters_leave(self):
        letters = self._letters(self.denise | self.no_email | self.alfred)
        wizard = self._wizard(letters, "ae")
        action = wizard.action_send()
        self.assertEqual(action["params"]["type"], "success")
        sent = letters.filtered("ar24_id")
        self.assertEqual(sent.partner_id, self.denise | self.alfred)
        self.assertEqual(set(sent.mapped("state")), {"waiting"})
        self.assertEqual((letters - sent).state, "draft")
        # the address AR24 holds stays on the letter even if the contact's e-mail changes later
        self.denise.email = "denise.new@example.org"
        self.assertEqual(sent.filtered(lambda x: x.partner_id == self.denise).ar24_to_email, "denise@example.org")
        calls = self.controls.calls("send_mail")
        self.assertEqual(len(calls), 2)
        params = calls[0]["params"]
        self.assertEqual(params["type"], "ae")
        self.assertEqual(params["payment_slug"], "stripe-47146")
        self.assertEqual(params["ref_facturation"], "Syndic Crypto")
        self.assertTrue(params["webhook"].startswith("http://127.0.0.1:9/ar24_lre/webhook/"))
        self.assertEqual(len(params["attachment"]), 2)  # the letter's own PDF + the common annex
        # the common annex is uploaded once for both letters; each letter's PDF once
        self.assertEqual(len(self.controls.calls("upload_attachment")), 3)
        self.assertTrue(all(letter.pdf_attachment_id for letter in sent))
        # what AR24 holds for each letter is a real PDF of that letter (AR24 refuses anything else)
        for letter in sent:
            content = self.emulator.store.one("SELECT content FROM attachments WHERE id = ?", (letter.body_file_id,))[0]
            self.assertEqual(pdfcheck.page_count(content), 1, letter.name)
            text = " ".join(pypdf.PdfReader(io.BytesIO(content)).pages[0].extract_text().split())
            self.assertIn(letter.name, text)
            self.assertIn(letter.partner_id.name, text)

    def test_lre_eidas_waits_for_otp(self):
        letters = self._letters(self.denise | self.agency)
        self.agency.ar24_recipient_status = "professionnel"
        self._wizard(letters, "lre_eidas").action_send()
        self.assertEqual(set(letters.mapped("state")), {"to_valid"})
        self.assertFalse(self.controls.calls("send_mail"))
        self.assertEqual(len(self.controls.calls("upload_attachment")), 3)
        self.assertTrue(all(letters.mapped("body_file_id")))

    def test_paper_letters_carry_address_and_print_options(self):
        letter = self._letters(self.alfred)
        wizard = self._wizard(letter, "lr_paper")
        wizard.write({"print_color": True, "print_duplex": False})
        wizard.action_send()
        params = self.controls.calls("send_mail")[0]["params"]
        self.assertEqual(
            {
                k: params[k]
                for k in ("type", "to_address1", "to_zipcode", "to_city", "to_country", "print_color", "print_duplex")
            },
            {
                "type": "lr_paper",
                "to_address1": "32 rue du Septentrion",
                "to_zipcode": "83700",
                "to_city": "Saint-Raphaël",
                "to_country": "FR",
                "print_color": "1",
                "print_duplex": "0",
            },
        )
        self.assertEqual(letter.state, "waiting")

    def test_ar24_refusal_puts_the_letter_in_error_and_the_batch_goes_on(self):
        letters = self._letters(self.denise | self.alfred)
        self.alfred.email = "alfred@invalid.test"  # AR24 finds that the domain does not exist
        self._consent(self.alfred)
        self._wizard(letters, "ae").action_send()
        self.assertEqual(letters[0].state, "waiting")
        self.assertRecordValues(letters[1], [{"state": "error", "error_code": "invalid_email"}])
        self.assertIn("e-mail domain does not exist", letters[1].error_message)

    def test_exactly_once_when_the_answer_is_lost(self):
        letter = self._letters(self.denise)
        self.controls.faults(script=[{"route": "send_mail", "kind": "drop_after"}])
        self._wizard(letter, "ae").action_send()
        self.assertRecordValues(letter, [{"state": "error", "error_code": "unknown_outcome", "ar24_id": 0}])
        self.assertTrue(letter.send_started_at)
        # sending again (or the reconcile cron) finds the letter at AR24 instead of sending it twice
        letter._ar24_send()
        self.assertEqual(len(self.controls.calls("send_mail")), 1)
        self.assertTrue(letter.ar24_id)
        self.assertIn(letter.state, ("waiting", "sent"))
        self.assertFalse(letter.send_started_at)

    def test_crash_before_the_call_resends_once(self):
        letter = self._letters(self.denise)
        letter._ar24_send()  # prepares (uploads) and sends
        first = letter.ar24_id
        self.assertTrue(first, letter.error_message)
        # a crash after marking the letter but before AR24 received anything: nothing at AR24 matches
        other = self._letters(self.alfred)
        self.env["ar24.letter.send"]._prepare(other, self.company._ar24_client())
        other.write({"send_started_at": "2026-01-01 10:00:00"})
        other._ar24_send()
        self.assertTrue(other.ar24_id and other.ar24_id != first, (other.state, other.error_message))
        self.assertEqual(len(self.controls.calls("send_mail")), 2)

    def test_large_batch_goes_to_the_background(self):
        self.env["ir.config_parameter"].sudo().set_param("ar24_lre.inline_limit", 1)
        letters = self._letters(self.denise | self.alfred)
        action = self._wizard(letters, "ae").action_send()
        self.assertIn("in the background", action["params"]["message"])
        self.assertEqual(letters.mapped("send_queued"), [True, True])
        self.assertFalse(self.controls.calls("send_mail"))
        reports = self._run_send_queue()
        self.assertEqual(set(letters.mapped("state")), {"waiting"})
        self.assertEqual(letters.mapped("send_queued"), [False, False])
        # the sender is told in his browser how the background batch went
        report = [payload for user, payload in reports if user == self.ar24_user]
        self.assertEqual(len(report), 1)
        self.assertEqual(report[0]["message"], "2 of 2 letters handed to AR24.")

    def test_a_background_batch_of_several_chunks_is_told_once(self):
        """The queue sends a large batch chunk after chunk: its sender is told once how it went, when
        none of his letters is left in the queue, not once per chunk."""
        self.env["ir.config_parameter"].sudo().set_param("ar24_lre.inline_limit", 1)
        self.env["ir.config_parameter"].sudo().set_param("ar24_lre.chunk_size", 2)
        owners = self.env["res.partner"].concat(
            *(co_owner(self.env, "Owner %d" % i, "owner%d@example.org" % i) for i in range(5))
        )
        for owner in owners:
            self._consent(owner)
        letters = self._letters(owners)
        self._wizard(letters, "ae").action_send()
        reports = self._run_send_queue()
        self.assertEqual(set(letters.mapped("state")), {"waiting"})
        report = [payload for user, payload in reports if user == self.ar24_user]
        self.assertEqual([payload["message"] for payload in report], ["5 of 5 letters handed to AR24."])

    def test_content_is_frozen_once_sent(self):
        letter = self._letters(self.denise)
        letter._ar24_send()
        self.assertEqual(letter.state, "waiting", letter.error_message)
        with self.assertRaisesRegex(UserError, "can no longer change"):
            letter.subject = "Changed"
        with self.assertRaisesRegex(UserError, "kept as evidence"):
            letter.with_user(self.ar24_manager).unlink()

    def test_prepared_letters_are_frozen_and_edits_drop_what_was_uploaded(self):
        prepared = self._letters(self.denise, send_type="lre_eidas")
        prepared._ar24_prepare_for_otp()
        self.assertEqual(prepared.state, "to_valid")
        with self.assertRaisesRegex(UserError, "can no longer change"):
            prepared.body = "<p>Another text</p>"
        prepared.action_cancel()  # it may still be canceled: AR24 has not received it
        self.assertEqual(prepared.state, "canceled")
        # a letter AR24 refused may be corrected: its old PDF and upload are dropped, not sent
        refused = self._letters(self.alfred)
        refused.to_email = "alfred@invalid.test"
        refused._ar24_send()
        self.assertEqual(refused.state, "error")
        self.assertTrue(refused.body_file_id and refused.pdf_attachment_id)
        refused.write({"to_email": "alfred@example.org", "body": "<p>Corrected</p>"})
        self.assertFalse(refused.body_file_id or refused.pdf_attachment_id)

    def test_nothing_compatible_is_refused(self):
        wizard = self._wizard(self._letters(self.no_email), "ae")
        with self.assertRaisesRegex(UserError, "None of the 1 letters can be sent"):
            wizard.action_send()

    def test_users_see_only_their_letters(self):
        mine = self._letters(self.denise)
        theirs = self._letters(self.alfred, user_id=self.ar24_manager.id)
        letters = self.env["ar24.letter"].with_user(self.ar24_user).search([("id", "in", (mine | theirs).ids)])
        self.assertEqual(letters, mine)
        letters = self.env["ar24.letter"].with_user(self.ar24_manager).search([("id", "in", (mine | theirs).ids)])
        self.assertEqual(letters, mine | theirs)

    def test_consent_is_checked_again_at_ar24_when_sending(self):
        letters = self._letters(self.denise | self.alfred)
        wizard = self._wizard(letters, "ae")
        self.assertEqual(wizard.compatible_count, 2, wizard.line_ids.mapped("info"))
        # meanwhile Denise withdrew her consent on AR24's page
        self.controls.consent(self.sender["id_user"], "denise@example.org", "refused")
        wizard.action_send()
        self.assertEqual(self.controls.calls("send_mail")[0]["params"]["to_email"], "alfred@example.org")
        self.assertEqual(len(self.controls.calls("send_mail")), 1)
        self.assertEqual(letters[0].state, "draft")
        self.assertEqual(self.denise.ar24_consent_state, "refused")

    def test_each_letter_leaves_with_its_own_pdf_when_calls_overlap(self):
        """Uploads and POST /mail overlap (3 at a time, chunks of 4): each letter still reaches AR24
        once, with its own PDF first and the shared annex uploaded once; a refused upload stops
        only its letter."""
        params = self.env["ir.config_parameter"].sudo()
        for key, value in (("concurrency", 3), ("chunk_size", 4), ("max_retries", 0)):
            params.set_param("ar24_lre.%s" % key, value)
        partners = self.env["res.partner"].create(
            [{"name": "Owner %s" % i, "email": "owner%s@example.org" % i} for i in range(7)]
        )
        for partner in partners:
            self._consent(partner)
        letters = self._letters(partners)
        # the annex is at AR24 already
        self.env["ar24.letter.send"]._shared_file_ids(letters[:1], self.company._ar24_client())
        self.controls.faults(script=[{"route": "upload_attachment", "kind": "http_500"}])
        letters._ar24_send()
        failed = letters.filtered(lambda letter: letter.state == "error")
        self.assertEqual(len(failed), 1, "the refused upload stops its letter only")
        self.assertFalse(failed.ar24_id or failed.send_started_at or failed.body_file_id)
        self.assertEqual(failed.error_code, "transport")
        sent = letters - failed
        self.assertEqual(set(sent.mapped("state")), {"waiting"}, sent.mapped("error_message"))
        uploads = self.controls.calls("upload_attachment")
        self.assertEqual(len([c for c in uploads if c["params"].get("file_name") == "convocation.pdf"]), 1)
        self.assertEqual(len(self.controls.calls("send_mail")), 6)
        shared = self.env["ar24.upload"].search([("file_name", "=", "convocation.pdf")]).file_id
        rows = self.emulator.store.all("SELECT id, data FROM mails WHERE id_user = ?", (self.sender["id_user"],))
        at_ar24 = {mail["to_email"]: dict(mail, id=row["id"]) for row in rows for mail in [json.loads(row["data"])]}
        self.assertEqual(len(at_ar24), 6)
        for letter in sent:
            mail = at_ar24[letter.partner_id.email]
            self.assertEqual([int(i) for i in mail["attachments"]], [letter.body_file_id, shared], letter.name)
            self.assertEqual(int(mail["id"]), letter.ar24_id)

    def test_a_refused_shared_annex_stops_only_its_letters(self):
        params = self.env["ir.config_parameter"].sudo()
        for key, value in (("concurrency", 1), ("max_retries", 0)):
            params.set_param("ar24_lre.%s" % key, value)
        annex = self._attachment("reglement.pdf", make_pdf(["Règlement de copropriété"]))
        with_annex = self._letters(self.denise | self.alfred, attachment_ids=[(6, 0, annex.ids)])
        without = self._letters(self.agency, attachment_ids=[])
        self.controls.faults(script=[{"route": "upload_attachment", "kind": "http_500"}])  # the annex, first
        (with_annex | without)._ar24_send()
        self.assertEqual(without.state, "waiting", without.error_message)
        self.assertRecordValues(
            with_annex, [{"state": "error", "error_code": "transport", "ar24_id": 0, "send_started_at": False}] * 2
        )
        self.assertEqual(len(self.controls.calls("send_mail")), 1)
        # sent again, the annex is uploaded this time and both letters leave, once each
        with_annex._ar24_send()
        self.assertEqual(with_annex.mapped("state"), ["waiting", "waiting"], with_annex.mapped("error_message"))
        self.assertEqual(len(self.controls.calls("send_mail")), 3)
        names = [c["params"].get("file_name") for c in self.controls.calls("upload_attachment")]
        self.assertEqual(names.count("reglement.pdf"), 2, "refused once, then uploaded once")

    def test_detail_lists_a_page_but_every_letter_is_counted_and_sent(self):
        letters = self._letters(self.denise | self.alfred | self.agency | self.no_email)
        with patch("odoo.addons.ar24_lre.wizards.ar24_send_wizard.DETAIL_LIMIT", 2):
            wizard = self._wizard(letters, "ae")
            self.assertRecordValues(
                wizard,
                [{"requested_count": 4, "compatible_count": 3, "incompatible_count": 1, "detail_hidden_count": 2}],
            )
            # the letter to fix is listed first
            self.assertEqual(len(wizard.line_ids), 2)
            self.assertEqual(wizard.line_ids.sorted("compatible")[0].letter_id.partner_id, self.no_email)
            wizard.action_send()
        self.assertEqual(len(self.controls.calls("send_mail")), 3)
        self.assertEqual(set((letters - letters[3]).mapped("state")), {"waiting"})
        self.assertEqual(letters[3].state, "draft")

    def test_large_lre_batch_is_prepared_in_the_background(self):
        """Rendering and uploading a large batch of qualified LRE must not hold the sender's browser:
        the queue prepares it and tells him when the letters wait for his OTP code."""
        self.env["ir.config_parameter"].sudo().set_param("ar24_lre.inline_limit", 1)
        letters = self._letters(self.denise | self.alfred, send_type="lre_eidas")
        action = self._wizard(letters, "lre_eidas").action_send()
        self.assertIn("prepared in the background", action["params"]["message"])
        self.assertEqual(letters.mapped("state"), ["draft", "draft"])
        self.assertFalse(self.controls.calls("upload_attachment"))
        reports = self._run_send_queue()
        self.assertEqual(letters.mapped("state"), ["to_valid", "to_valid"])
        self.assertEqual(letters.mapped("send_queued"), [False, False])
        self.assertFalse(self.controls.calls("send_mail"), "a qualified LRE leaves only with the OTP code")
        self.assertEqual(
            [payload["message"] for user, payload in reports if user == self.ar24_user],
            ["2 of 2 qualified LRE letters wait for your OTP code in “Awaiting OTP validation”."],
        )
