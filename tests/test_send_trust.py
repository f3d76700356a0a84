"""'Envoyer en AR' against a hostile colleague and a replayed call: what the send wizard takes from RPC.

Every test is the attacker's own call (``with_user``), as the web client or a script would make it:
the wizard's fields written by RPC, a context slipped into "Valider", a second click. What is
asserted is what the office would notice: what is refused and why, what the summary shows, the
letters that exist afterwards and what AR24 received.
"""

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import Form, tagged

from ..ar24.pdf import make_pdf
from .test_send_flow import SendFlowCase


@tagged("post_install", "-at_install")
class TestSendTrust(SendFlowCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # a contact of another office of the same database: nobody here may read it
        cls.other_office = cls.env["res.company"].create({"name": "Cabinet Concurrent"})
        cls.hidden = cls.env["res.partner"].create(
            {
                "name": "Client Secret",
                "email": "secret@concurrent.example",
                "company_id": cls.other_office.id,
                "street": "1 rue Cachée",
                "zip": "75001",
                "city": "Paris",
                "country_id": cls.env.ref("base.fr").id,
            }
        )

    def setUp(self):
        super().setUp()
        self.denise = self._partner("Denise Aloxe", "denise@example.org", "accepted")
        self.marie = self._partner("Marie Rolin", None, ar24_dispatch_mode="lr_paper")  # leaves at once

    def _wizard(self, user, **values):
        """The wizard as a script creates it by RPC: whatever fields it likes."""
        return self.env["ar24.send.wizard"].with_user(user).create(values)

    def _drafts(self, *partners, **values):
        Letter = self.env["ar24.letter"].with_user(self.ar24_user)
        return Letter.create(
            [dict({"partner_id": p.id, "subject": "AG", "body": "<p>AG du 4 avril</p>"}, **values) for p in partners]
        )

    def _from_letters(self, letters, **values):
        form = Form(
            self.env["ar24.send.wizard"].with_user(self.ar24_user).with_context(**letters.action_send()["context"])
        )
        for name, value in values.items():
            setattr(form, name, value)
        return form.save()

    # ------------------------------------------------------------------ what the wizard may hold
    def test_a_colleague_s_letters_cannot_be_put_in_my_wizard(self):
        # Odoo refuses to link records the user cannot read; this pins that the wizard relies on it
        draft = self._drafts(self.denise)
        with self.refused(AccessError, "ar24.letter"):
            self._wizard(self.paul, letter_ids=[Command.set(draft.ids)])
        wizard = self._wizard(self.paul, res_model="res.partner", res_ids=self.denise.ids)
        with self.refused(AccessError, "ar24.letter"):
            wizard.write({"letter_ids": [Command.set(draft.ids)]})
        self.assertFalse(wizard.letter_ids)

    def test_a_colleague_s_file_cannot_leave_with_my_letters(self):
        # (Odoo's own refusal too: the wizard and the letters add no check of their own)
        private = (
            self.env["ir.attachment"]
            .with_user(self.ar24_user)
            .create(
                {
                    "name": "bail.pdf",
                    "raw": make_pdf(["Bail"]),
                    "res_model": "ar24.letter",
                    "res_id": self._drafts(self.denise).id,
                }
            )
        )
        with self.refused(AccessError, "ar24.letter|ir.attachment"):
            self._wizard(self.paul, res_model="res.partner", res_ids=self.denise.ids, attachment_ids=private.ids)
        with self.refused(AccessError, "ar24.letter|ir.attachment"):
            self.env["ar24.letter"].with_user(self.paul).create(
                {"partner_id": self.denise.id, "subject": "x", "attachment_ids": [Command.link(private.id)]}
            )

    def test_the_values_given_to_every_letter_carry_no_recipient_sender_or_file(self):
        annex = self.env["ir.attachment"].with_user(self.paul).create({"name": "a.pdf", "raw": make_pdf(["a"])})
        for values, exception, pattern in [
            ({"partner_id": self.hidden.id}, ValidationError, "cannot be given partner_id"),
            ({"contact_id": self.denise.id}, ValidationError, "cannot be given contact_id"),
            ({"user_id": self.ar24_user.id}, ValidationError, "cannot be given user_id"),
            ({"attachment_ids": [annex.id]}, ValidationError, "cannot be given attachment_ids"),
            (
                {"res_model": "res.partner", "res_id": self.hidden.id},
                ValidationError,
                "cannot be given res_id, res_model",
            ),
            ({"company_id": self.other_office.id}, AccessError, "Paul Rival do not work for this entity"),
            (
                {"payment_method_id": self.card.id},
                AccessError,
                "not a payment method of the AR24 account of Paul Rival",
            ),
        ]:
            with self.subTest(values=values), self.refused(exception, pattern):
                self._wizard(self.paul, res_model="res.partner", res_ids=self.marie.ids, letter_values=values)
        self.assertFalse(self.controls.calls("list_consents"), "nobody's address book was read")

    def test_a_document_naming_a_hidden_contact_shows_and_sends_nothing_of_it(self):
        # a contact person of the other office's client: the letter would go to his company
        correspondent = self.env["res.partner"].create({"name": "Jean Discret", "parent_id": self.hidden.id})
        self.assertFalse(self.hidden.with_user(self.ar24_user).has_access("read"))
        form = self._open(correspondent | self.marie)
        form.send_type = "per_recipient"
        wizard = form.save()
        self.assertRecordValues(wizard, [{"requested_count": 2, "compatible_count": 1}])
        self.assertEqual(
            wizard.error_line_ids.mapped("comment"), ["No recipient: you may not read the contact it names."]
        )
        shown = " ".join(str(value) for line in wizard.line_ids for value in line.read()[0].values())
        # (the contact person's own name reads "Client Secret, Jean Discret" everywhere in Odoo)
        for secret in ("secret@concurrent.example", "Cachée", "75001"):
            self.assertNotIn(secret, shown)
        wizard.action_send()
        self.assertEqual([call["params"]["to_lastname"] for call in self.controls.calls("send_mail")], ["Marie Rolin"])
        self.assertFalse(self.env["ar24.letter"].search([("partner_id", "=", self.hidden.id)]))

    def test_a_letter_is_never_addressed_to_a_hidden_contact(self):
        for values in ({"partner_id": self.hidden.id}, {"partner_id": self.denise.id, "contact_id": self.hidden.id}):
            with self.subTest(values=values), self.refused(AccessError, "res.partner|Client Secret|not allowed"):
                self.env["ar24.letter"].with_user(self.paul).create(dict(values, subject="Mise en demeure"))
        draft = self.env["ar24.letter"].with_user(self.paul).create({"partner_id": self.marie.id, "subject": "x"})
        with self.refused(AccessError, "res.partner|not allowed"):
            draft.write({"partner_id": self.hidden.id})

    # ------------------------------------------------------------------ Valider
    def test_valider_twice_sends_the_batch_once(self):
        wizard = self._open(self.marie).save()
        wizard.action_send()
        self.assertEqual(len(self.controls.calls("send_mail")), 1)
        with self.refused(UserError, "sent already"):
            wizard.action_send()
        with self.refused(AccessError, "Only sending a batch marks it sent"):
            wizard.write({"sent": False})
        self.assertEqual(len(self.controls.calls("send_mail")), 1, "AR24 received the letter once")
        self.assertEqual(self.env["ar24.letter"].search_count([("partner_id", "=", self.marie.id)]), 1)

    def test_defaults_slipped_into_valider_change_no_letter(self):
        wizard = self._open(self.marie).save()
        wizard.with_context(
            default_subject="Autre objet",
            default_body="<p>Texte jamais vérifié</p>",
            default_partner_id=self.denise.id,
            default_ref_dossier="X",
        ).action_send()
        letter = self.env["ar24.letter"].search([("subject", "=", "Convocation à l'assemblée générale")])
        self.assertRecordValues(letter, [{"partner_id": self.marie.id, "ref_dossier": False, "state": "waiting"}])
        self.assertNotIn("jamais", self.controls.calls("send_mail")[0]["params"]["content"])

    def test_the_method_picked_pays_for_letters_sent_from_the_list(self):
        draft = self._drafts(self.marie)
        self.assertEqual(draft.payment_method_id, self.card)
        wizard = self._from_letters(draft, send_type="per_recipient", payment_method_id=self.sepa)
        self.assertIn(self.sepa.slug, wizard.line_ids.payment)
        wizard.action_send()
        self.assertRecordValues(draft, [{"payment_method_id": self.sepa.id, "state": "waiting"}])
        self.assertEqual(self.controls.calls("send_mail")[0]["params"]["payment_slug"], self.sepa.slug)

    def test_the_letter_names_the_person_whose_email_it_uses(self):
        son = self._partner("Paolo Aloxe", None, parent_id=self.denise.id)  # no e-mail: Denise's is used
        form = self._open(son)
        form.send_type = "ae"
        wizard = form.save()
        self.assertRecordValues(wizard.line_ids, [{"recipient": "Denise Aloxe", "address": "denise@example.org"}])
        wizard.action_send()
        params = self.controls.calls("send_mail")[0]["params"]
        self.assertEqual((params["to_email"], params["to_lastname"]), ("denise@example.org", "Denise Aloxe"))

    def test_a_letter_ar24_may_hold_stays_out_and_the_others_leave(self):
        lost, other = self._drafts(self.marie, self._partner("Alfred Brouilly", None, ar24_dispatch_mode="lr_paper"))
        lost.sudo().write({"send_started_at": "2026-12-01 10:00:00", "state": "error", "error_code": "unknown_outcome"})
        wizard = self._from_letters(lost | other, send_type="per_recipient")
        self.assertRecordValues(wizard, [{"requested_count": 2, "compatible_count": 1}])
        self.assertRegex(wizard.error_line_ids.comment, "AR24 may hold it already")
        wizard.action_send()
        self.assertEqual(
            [call["params"]["to_lastname"] for call in self.controls.calls("send_mail")], ["Alfred Brouilly"]
        )
        self.assertRecordValues(lost | other, [{"state": "error"}, {"state": "waiting"}])

    def test_every_letter_of_a_large_co_ownership_is_listed(self):
        owners = self.env["res.partner"].concat(
            *(self._partner("Copropriétaire %03d" % i, None, ar24_dispatch_mode="lr_paper") for i in range(120))
        )
        wizard = self._open(owners).save()
        self.assertEqual(len(wizard.line_ids), 120)
        self.assertEqual(set(wizard.line_ids.mapped("channel")), {"lr_paper"})
        self.assertEqual(wizard.detail_hidden_count, 0)
