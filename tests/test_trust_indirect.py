"""A hostile colleague's indirect attacks on the trust boundaries: through contacts, merges,
attachments, payment methods, the chatter, the wizards and the callback URL.

Each test is the attacker's own calls (``with_user``: what JSON-RPC would run), then what the
victim would notice. Each assertion states the promised behaviour (README, "Security").
"""

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged

from ..ar24.pdf import make_pdf
from .common import AR24HttpCase, TrustCase, letter_user


@tagged("post_install", "-at_install")
class TestTrustIndirect(TrustCase):
    # ------------------------------------------------------------------ the recipient of a sent letter
    def test_merging_contacts_does_not_change_the_recipient_of_a_sent_letter(self):
        """Registered-letter users are contact managers, and Odoo's contact merge rewrites every
        reference to the merged contact in SQL: Paul swaps the recipient of Alain's sent letter."""
        letter = self._sent(self.ar24_user)
        Partner = self.env["res.partner"].with_user(self.colleague)
        impostor = Partner.create({"name": "Mallory Faussaire", "email": "denise@example.org"})
        merge = (
            self.env["base.partner.merge.automatic.wizard"]
            .with_user(self.colleague)
            .create({"partner_ids": [Command.set((self.denise | impostor).ids)], "dst_partner_id": impostor.id})
        )
        with self.attempt():
            merge.action_merge()
        letter.invalidate_recordset()
        # what Alain sees: his registered letter went to "Mallory Faussaire"
        self.assertEqual(letter.partner_id.name, "Denise Aloxe", "the recipient of a sent letter was rewritten")

    def test_deleting_the_correspondent_does_not_erase_him_from_a_sent_letter(self):
        """``contact_id`` is ``ondelete='set null'``: deleting the contact clears it on sent letters."""
        syndicate = self.env["res.partner"].create({"name": "SCI Les Mimosas", "is_company": True})
        manager = self.env["res.partner"].create(
            {"name": "Gérard Mimosa", "email": "gerard@example.org", "parent_id": syndicate.id}
        )
        letter = self._sent(
            self.ar24_user, partner_id=syndicate.id, contact_id=manager.id, recipient_status="professionnel"
        )
        self.assertEqual(letter.contact_id, manager)
        with self.attempt():
            manager.with_user(self.colleague).unlink()
        letter.invalidate_recordset()
        self.assertEqual(letter.contact_id.name, "Gérard Mimosa", "the correspondent of a sent letter was erased")

    def test_editing_the_contact_does_not_change_the_recipient_email_or_status_of_a_sent_letter(self):
        """``to_email`` and ``recipient_status`` are stored computes of the contact, recomputed on
        every letter: the e-mail and the private/professional status of a sent letter change (the
        status is what says whether an LRE needed the recipient's consent)."""
        letter = self._sent(self.ar24_user)
        self.assertRecordValues(letter, [{"to_email": "denise@example.org", "recipient_status": "particulier"}])
        self.denise.with_user(self.colleague).write({"email": "mallory@evil.example", "is_company": True})
        letter.invalidate_recordset()
        self.assertRecordValues(letter, [{"to_email": "denise@example.org", "recipient_status": "particulier"}])

    def test_the_deadline_of_a_received_letter_cannot_be_rewritten(self):
        """``ag_date`` and ``must_be_received_by`` are user fields in every state: after the fact, a
        convocation presented too late is made to look on time."""
        letter = self._received(self.ar24_user, ag_date="2027-04-04")
        self.assertEqual(str(letter.must_be_received_by), "2027-03-13")
        with self.attempt():
            letter.with_user(self.ar24_user).write({"ag_date": False, "must_be_received_by": "2099-12-31"})
        letter.invalidate_recordset()
        self.assertEqual(str(letter.must_be_received_by), "2027-03-13", "the deadline of a received letter moved")

    # ------------------------------------------------------------------ attachments and payment of a sent letter
    def test_deleting_the_record_an_annex_hangs_on_does_not_delete_the_evidence(self):
        """Odoo deletes a record's attachments in superuser mode, past the evidence check."""
        building = self.env["res.partner"].create({"name": "Résidence Les Mimosas (documents)"})
        annex = self._upload(self.ar24_user, res_model="res.partner", res_id=building.id)
        checksum = annex.checksum
        letter = self._sent(self.ar24_user, attachment_ids=[Command.set(annex.ids)])
        # what AR24 received hangs on the letter: a copy of the building's document (same file)
        sent = letter.attachment_ids
        self.assertRecordValues(sent, [{"res_model": "ar24.letter", "res_id": letter.id, "checksum": checksum}])
        with self.assertRaisesRegex(AccessError, "evidence of a registered letter"):
            sent.with_user(self.colleague).unlink()  # refused when asked directly...
        building.with_user(self.colleague).unlink()  # ...and the building's own documents go with it
        letter.invalidate_recordset()
        self.assertTrue(sent.exists(), "an attachment AR24 received was deleted by a colleague")
        self.assertEqual(letter.attachment_ids, sent)
        self.assertEqual(sent.checksum, checksum)

    def test_a_manager_cannot_erase_the_payment_method_of_a_sent_letter(self):
        """``payment_method_id`` is ``ondelete='set null'`` and managers may delete payment methods."""
        old = self.company.ar24_payment_method_id
        letter = self._sent(self.ar24_user)
        self.assertEqual(letter.payment_method_id, old)
        # the entity moves to another method, then the old one is deleted
        new = self.env["ar24.payment.method"].create({"name": "Copro A (SEPA)", "slug": "gocardless-1"})
        self.company.ar24_payment_method_id = new
        with self.attempt():
            old.with_user(self.ar24_manager).unlink()
        letter.invalidate_recordset()
        self.assertEqual(letter.payment_method_id.slug, "stripe-47146", "a sent letter lost its payment method")

    # ------------------------------------------------------------------ payment methods across companies
    def test_a_manager_cannot_charge_his_entity_to_another_companys_payment_method(self):
        outsider = self._other_office_manager()
        theirs = self._unreadable_method(outsider.company_id, self.ar24_manager, user_id=outsider.id)
        wizard = (
            self.env["ar24.payment.link.wizard"]
            .with_user(self.ar24_manager)
            .create({"line_ids": [Command.create({"company_id": self.company.id, "payment_method_id": theirs.id})]})
        )
        with self.attempt():
            wizard.action_validate()
        self.assertNotEqual(
            self.company.ar24_payment_method_id, theirs, "an entity is charged to another company's payment method"
        )

    def test_a_queued_letter_is_not_charged_to_another_companys_payment_method(self):
        """``payment_method_id`` is a user field: any id is accepted, read or not. The send wizard
        happens to trip over a method its user cannot read, but a large batch waits in the queue
        as drafts, and the queue's job sends them in superuser mode with whatever method they hold."""
        other_company = self.env["res.company"].create({"name": "Cabinet Concurrent"})
        theirs = self._unreadable_method(other_company, self.colleague)
        batch = (
            self.env["ar24.letter"]
            .with_user(self.colleague)
            .create(
                [
                    {"partner_id": self.denise.id, "subject": "Note %s" % i, "body": "<p>Note</p>", "send_type": "ae"}
                    for i in range(21)
                ]
            )
        )
        self.letters_wizard(self.colleague, batch).action_send()  # more than 20 letters: the queue sends them
        self.assertTrue(all(batch.mapped("send_queued")))
        with self.attempt():
            batch[:1].write({"payment_method_id": theirs.id})  # after the wizard's check
        self.env["ar24.letter.send"]._cron_send_queue()  # the queue's job, as the scheduler runs it
        slugs = {call["params"].get("payment_slug") for call in self.controls.calls("send_mail")}
        self.assertNotIn("stripe-2", slugs, "AR24 was asked to charge another company's payment method")

    # ------------------------------------------------------------------ the state of a received letter
    def test_the_send_wizard_does_not_move_a_received_letter_back(self):
        """The send wizard accepts any of the user's letters written in ``letter_ids``; a qualified
        LRE is then "prepared" again and written back to "Awaiting OTP validation"."""
        self.ar24_user.sudo().ar24_identity_verified = True
        letter = self._draft(self.ar24_user, send_type="lre_eidas", partner_id=self.plumber.id)
        letter.sudo()._ar24_prepare_for_otp()
        otp = self.env["ar24.otp.wizard"].with_user(self.ar24_user).create({"letter_ids": letter.ids})
        otp.otp_code = self.alain_ar24["otp"]()
        self.assertEqual(letter.state, "waiting", letter.error_message)
        self.controls.recipient(letter.ar24_id, "accept")
        letter.sudo()._ar24_sync_status()
        self.assertEqual(letter.state, "ar")
        wizard = self.env["ar24.send.wizard"].with_user(self.ar24_user).create({"send_type": "lre_eidas"})
        wizard.write({"letter_ids": [Command.set(letter.ids)]})
        with self.attempt():
            wizard.action_send()
        self.assertEqual(letter.state, "ar", "a received letter went back to awaiting OTP validation")

    def test_the_otp_dialog_does_not_open_a_received_letter_to_rewriting(self):
        """Back in "Awaiting OTP validation" (above), any six digits in the OTP dialog re-check the
        letter; a check that fails (the contact's e-mail was just removed) puts it in error, and a
        letter in error is content the user may edit: the received letter is rewritten."""
        self.ar24_user.sudo().ar24_identity_verified = True
        letter = self._draft(self.ar24_user, send_type="lre_eidas", partner_id=self.plumber.id)
        letter.sudo()._ar24_prepare_for_otp()
        otp = self.env["ar24.otp.wizard"].with_user(self.ar24_user).create({"letter_ids": letter.ids})
        otp.otp_code = self.alain_ar24["otp"]()
        self.controls.recipient(letter.ar24_id, "accept")
        letter.sudo()._ar24_sync_status()
        self.assertEqual(letter.state, "ar")
        pdf = letter.pdf_attachment_id
        # the attack, as Alain's own calls
        wizard = self.env["ar24.send.wizard"].with_user(self.ar24_user).create({"send_type": "lre_eidas"})
        wizard.write({"letter_ids": [Command.set(letter.ids)]})
        with self.attempt():
            wizard.action_send()
        self.plumber.with_user(self.ar24_user).write({"email": False})
        otp = self.env["ar24.otp.wizard"].with_user(self.ar24_user).create({"letter_ids": letter.ids})
        with self.attempt():
            otp.otp_code = "000000"
        self.plumber.with_user(self.ar24_user).write({"email": "contact@plomberie-azur.example"})
        with self.attempt():
            letter.with_user(self.ar24_user).write({"partner_id": self.denise.id, "body": "<p>Autre lettre</p>"})
        letter.invalidate_recordset()
        self.assertRecordValues(
            letter,
            [
                {
                    "state": "ar",
                    "partner_id": self.plumber.id,
                    "body": "<p>Assemblée générale du 4 avril</p>",
                    "pdf_attachment_id": pdf.id,
                }
            ],
        )

    # ------------------------------------------------------------------ the PDF of a sent letter
    def test_the_sender_cannot_swap_the_pdf_that_odoo_keeps_of_his_letter(self):
        """Cancelled while awaiting the OTP code, then reset to draft, a letter keeps its rendered
        PDF and its AR24 file: the sender overwrites the PDF, sends the letter with his code, and
        Odoo's copy of what left differs from what AR24 received."""
        self.ar24_user.sudo().ar24_identity_verified = True
        letter = self._draft(self.ar24_user, send_type="lre_eidas", partner_id=self.plumber.id)
        letter.sudo()._ar24_prepare_for_otp()
        original = letter.pdf_attachment_id.raw
        mine = letter.with_user(self.ar24_user)
        mine.action_cancel()
        mine.action_reset_draft()
        self.assertEqual(letter.state, "draft")
        forged = make_pdf(["Lettre que je n'ai jamais envoyée"])
        with self.attempt():
            letter.pdf_attachment_id.with_user(self.ar24_user).write({"raw": forged})
        wiz = self.letters_wizard(self.ar24_user, letter, send_type="lre_eidas")
        wiz.action_send()
        otp = self.env["ar24.otp.wizard"].with_user(self.ar24_user).create({"letter_ids": letter.ids})
        otp.otp_code = self.alain_ar24["otp"]()
        self.assertEqual(letter.state, "waiting", letter.error_message)
        at_ar24 = self.emulator.store.one("SELECT content FROM attachments WHERE id = ?", (letter.body_file_id,))
        self.assertEqual(letter.pdf_attachment_id.raw, bytes(at_ar24["content"]), "Odoo's PDF is not what AR24 got")
        self.assertEqual(letter.pdf_attachment_id.raw, original)

    # ------------------------------------------------------------------ the chatter's record of proofs
    def _proof_notes(self, letter):
        notes = letter.message_ids.filtered(lambda m: "SHA-256" in (m.body or ""))
        self.assertTrue(notes)
        return notes

    def test_the_sender_cannot_rewrite_the_proof_notes_of_his_letter(self):
        """The chatter notes that log each proof's SHA-256 are the letter's audit trail; mail.message
        lets whoever may write the document (record rules only) edit them."""
        letter = self._received(self.ar24_user)
        note = self._proof_notes(letter)[:1]
        body = note.body
        with self.attempt():
            note.with_user(self.ar24_user).write({"body": "<p>Proof received from AR24: none</p>"})
        note.invalidate_recordset()
        self.assertEqual(note.body, body, "the sender rewrote the note that logs a proof's SHA-256")

    def test_the_sender_cannot_delete_the_proof_notes_of_his_letter(self):
        letter = self._received(self.ar24_user)
        notes = self._proof_notes(letter)
        with self.attempt():
            notes.with_user(self.ar24_user).unlink()
        self.assertEqual(notes.exists(), notes, "the sender deleted the notes that log the proofs")

    def test_nobody_forges_a_proof_note_in_the_modules_name(self):
        """A user posts, on his letter, a note with a forged "proof" in the name of OdooBot (the
        author of the module's own notes)."""
        letter = self._received(self.ar24_user)
        bot = self.env.ref("base.partner_root")
        forged = self._upload(self.ar24_user, name="%s - proof of refusal.pdf" % letter.name, text="Refus")
        with self.attempt():
            letter.with_user(self.ar24_user).message_post(
                body="Proof received from AR24: %s - proof of refusal.pdf (SHA-256 %s)" % (letter.name, "0" * 64),
                author_id=bot.id,
                message_type="notification",
                subtype_xmlid="mail.mt_note",
                attachment_ids=forged.ids,
            )
        by_bot = self._proof_notes(letter).filtered(lambda m: m.author_id == bot and "proof of refusal" in m.body)
        self.assertFalse(by_bot, "a note in OdooBot's name logs a proof AR24 never gave")

    # ------------------------------------------------------------------ AR24 accounts
    def test_a_user_cannot_link_the_ar24_account_of_a_colleague_who_has_not_linked_it_yet(self):
        """AR24 grants access per integrator: an office that already used AR24 has every sender's
        account authorised. Claire has not linked hers in Odoo yet; Paul types her address."""
        claire = letter_user(self.env, "ar24_claire", "Claire Obscur", "claire@syndic.example.com")
        theirs = self.controls.sender(claire.email, "Claire", "Obscur")
        me = self.env["res.users"].with_user(self.colleague).browse(self.colleague.id)
        me.action_ar24_unlink()  # his own act
        me.write({"ar24_email": "claire@syndic.example.com"})
        with self.attempt():
            me.action_ar24_authorize()
        self.assertNotEqual(self.colleague.ar24_user_id, theirs["id_user"], "Paul holds Claire's AR24 account")
        # the request waits for a manager, who sees whose address Paul typed
        self.assertEqual(self.colleague.ar24_link_state, "to_approve")
        with self.attempt():
            me.action_ar24_refresh()
        with self.attempt():
            me.action_ar24_approve_link()
        self.assertRecordValues(self.colleague, [{"ar24_link_state": "to_approve", "ar24_user_id": 0}])

    def test_a_manager_of_another_entity_cannot_reset_my_ar24_account(self):
        """Another office in the same database: its registered-letter manager has no access to this
        entity, yet he changes Alain's AR24 e-mail (written in superuser mode) and resets his link."""
        outsider = self._other_office_manager()
        with self.attempt():
            self.env["res.users"].with_user(outsider).browse(self.ar24_user.id).write(
                {"ar24_email": "alain.joly@cabinet-concurrent.example"}
            )
        self.assertRecordValues(
            self.ar24_user, [{"ar24_email": "alain@syndic.example.com", "ar24_link_state": "linked"}]
        )


@tagged("post_install", "-at_install")
class TestTrustIndirectWebhook(AR24HttpCase):
    """The callback URL, called as AR24 would not: bodies larger than AR24 sends, sent in chunks."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.token = cls.company._ar24_webhook_url().rsplit("/", 1)[1]
        partner = cls.env["res.partner"].create({"name": "Denise Aloxe", "email": "denise@example.org"})
        cls.letter = cls.env["ar24.letter"].create(
            {
                "partner_id": partner.id,
                "subject": "AG",
                "body": "<p>x</p>",
                "send_type": "ae",
                "user_id": cls.ar24_user.id,
            }
        )
        cls.letter.write({"state": "sent", "ar24_id": 900123})

    def test_a_chunked_body_larger_than_ar24_sends_is_refused_unread(self):
        """With a Content-Length, a body over 16 KB gets 413; sent in chunks (no Content-Length), the
        web server would read and parse the same body whole (Odoo's own limit is 128 MB), token or
        not: it is refused unread, 411 Length Required (AR24 declares its length)."""

        def chunks():
            yield b"id_mail=900123&new_state=sent&padding="
            for _ in range(1024):
                yield b"x" * 1024

        for label, token in [("right token", self.token), ("a wrong token", "x" * 43)]:
            with self.subTest(label):
                response = self.opener.post(
                    self.base_url() + "/ar24_lre/webhook/%s" % token,
                    data=chunks(),
                    headers={"Content-Type": "application/x-www-form-urlencoded"},
                    timeout=30,
                )
                self.assertEqual(response.status_code, 411, "a 1 MB body was read and parsed")

    def test_a_form_with_file_parts_gets_400_not_500(self):
        """A multipart form whose fields are files: the controller calls ``.strip()`` on a file."""
        response = self.opener.post(
            self.base_url() + "/ar24_lre/webhook/%s" % self.token,
            files={"id_mail": ("id.txt", b"900123"), "new_state": ("state.txt", b"sent")},
            timeout=30,
        )
        self.assertEqual(response.status_code, 400)
