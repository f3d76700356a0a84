"""A consent is held per entity, read by registered-letter users only, and compared with one e-mail rule.

Art. L100 CPCE: a private person consents beforehand to receive LRE from a sender. In an office that
holds several entities (co-ownerships, a rental-management company) in one database, the consent
one entity obtained must never let another one send. Each attack below is the attacker's own call.
"""

from unittest.mock import patch

from psycopg2 import IntegrityError

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import mute_logger

from ..ar24.client import AR24Client
from .common import AR24Case, co_owner, letter_user

NO_CONSENT = "LRE consent not valid (no consent)"
PROOF = b"%PDF-1.4 proof of consent"


@tagged("post_install", "-at_install")
class TestConsentPerCompany(AR24Case):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.ar24_is_coownership = True
        cls.company_b = cls.env["res.company"].create(
            dict(
                cls._emulator_settings(),
                name="Gérance Septentrion (tests)",
                country_id=cls.env.ref("base.fr").id,
                ar24_is_coownership=True,
            )
        )
        # the users of one entity; an office manager who works for both
        cls.user_b = letter_user(
            cls.env,
            "user_b",
            "Bruno Bsyndic",
            "bruno@gerance.example.com",
            company_id=cls.company_b.id,
            company_ids=[(6, 0, cls.company_b.ids)],
        )
        cls.denise = co_owner(cls.env, "Denise Aloxe", "denise@example.org")
        cls.gerard = co_owner(cls.env, "Gérard Lot", "gerard@example.org")

    def setUp(self):
        super().setUp()
        self.sender_a = self.link_sender(self.ar24_user)
        self.sender_b = self.link_sender(self.user_b)
        (self.ar24_user | self.user_b).sudo().ar24_identity_verified = True
        Method = self.env["ar24.payment.method"]
        self.company.ar24_payment_method_id = Method.create(
            {"name": "A", "slug": self.sender_a["payment_methods"][0], "user_id": self.ar24_user.id}
        )
        self.company_b.ar24_payment_method_id = Method.create(
            {"name": "B", "slug": self.sender_b["payment_methods"][0], "user_id": self.user_b.id}
        )
        # Denise consented to entity A, by hand, through A's user
        self.denise.with_user(self.ar24_user).action_ar24_consent_add()

    # ------------------------------------------------------------------ helpers
    def consent(self, partner, company):
        domain = [("partner_id", "=", partner.id), ("company_id", "=", company.id)]
        return self.env["ar24.consent"].sudo().search(domain)

    def letter(self, user, partner, send_type="lre_eidas"):
        """A draft letter of ``user``'s entity to ``partner``, as ``user`` prepares it."""
        return (
            self.env["ar24.letter"]
            .with_user(user)
            .create(
                {
                    "partner_id": partner.id,
                    "user_id": user.id,
                    "company_id": user.company_id.id,
                    "subject": "Mise en demeure",
                    "body": "<p>Madame, vous êtes mise en demeure de régler les charges.</p>",
                    "send_type": send_type,
                }
            )
        )

    def problems(self, letter, send_type="lre_eidas"):
        return [comment for _record, _location, comment in letter._ar24_problems(send_type)]

    def wizard(self, user, letters, send_type):
        form = Form(
            self.env["ar24.send.wizard"]
            .with_user(user)
            .with_context(active_model="ar24.letter", active_ids=letters.ids)
        )
        form.send_type = send_type
        return form.save()

    # ------------------------------------------------------------------ sending
    def test_company_b_cannot_send_on_a_consent_given_to_company_a(self):
        self.assertEqual(self.consent(self.denise, self.company).state, "accepted")
        # A's own letter may go: the consent was given to A
        self.assertEqual(self.problems(self.letter(self.ar24_user, self.denise)), [])
        for send_type in ("lre_eidas", "ae"):
            with self.subTest(send_type=send_type):
                letter = self.letter(self.user_b, self.denise, send_type)
                self.assertEqual(self.problems(letter, send_type), [NO_CONSENT])
                wizard = self.wizard(self.user_b, letter, send_type)
                self.assertRecordValues(wizard, [{"compatible_count": 0, "incompatible_count": 1}])
                self.assertEqual(
                    [(line.location, line.comment) for line in wizard.error_line_ids],
                    [("Partner: Denise Aloxe", NO_CONSENT)],
                )
                with self.assertRaisesRegex(UserError, "None of the 1 letters can be sent"):
                    wizard.action_send()
                self.assertEqual(letter.state, "draft")
        self.assertFalse(self.controls.calls("send_mail"))
        # a paper registered letter needs no consent: B may still reach her that way
        self.assertEqual(self.problems(self.letter(self.user_b, self.denise, "lr_paper"), "lr_paper"), [])

    def test_send_time_refresh_writes_the_letters_company(self):
        """B's send wizard reads B's sender's address book into B's consents, never into A's."""
        self.controls.consent(self.sender_b["id_user"], "gerard@example.org", "accepted")
        self.controls.consent(self.sender_b["id_user"], "denise@example.org", "refused")
        letters = self.letter(self.user_b, self.gerard, "ae") | self.letter(self.user_b, self.denise, "ae")
        wizard = self.wizard(self.user_b, letters, "ae")
        with patch.object(AR24Client, "download", autospec=True, return_value=PROOF):
            wizard.action_send()
        self.assertEqual([c["params"]["to_email"] for c in self.controls.calls("send_mail")], ["gerard@example.org"])
        self.assertEqual(self.consent(self.gerard, self.company_b).state, "accepted")
        self.assertEqual(self.consent(self.denise, self.company_b).state, "refused")
        self.assertFalse(self.consent(self.gerard, self.company))
        self.assertEqual(self.consent(self.denise, self.company).state, "accepted")

    # ------------------------------------------------------------------ synchronisation
    def test_company_b_sync_does_not_change_company_a_consent(self):
        consent_a = self.consent(self.denise, self.company)
        messages_a = consent_a.message_ids
        # B's sender's address book says refused for Denise, accepted for Gérard
        self.controls.consent(self.sender_b["id_user"], "denise@example.org", "refused")
        self.controls.consent(self.sender_b["id_user"], "gerard@example.org", "accepted")
        partners = (self.denise | self.gerard).with_user(self.user_b)
        with patch.object(AR24Client, "download", autospec=True, return_value=PROOF):
            action = partners.action_ar24_consent_sync()
        self.assertEqual(sorted(action["params"]["ar24_changed_ids"]), sorted(partners.ids))
        self.assertRecordValues(
            self.consent(self.denise, self.company_b) | self.consent(self.gerard, self.company_b),
            [{"state": "refused", "source": "ar24_sync"}, {"state": "accepted", "source": "ar24_sync"}],
        )
        # A's consent is untouched, and A still has none for Gérard
        self.assertRecordValues(consent_a, [{"state": "accepted", "source": "manual"}])
        self.assertEqual(consent_a.message_ids, messages_a)
        self.assertFalse(self.consent(self.gerard, self.company))
        self.assertEqual(self.problems(self.letter(self.ar24_user, self.gerard)), [NO_CONSENT])
        # each entity's users see their own entity's consent on the contact
        self.assertEqual(self.denise.with_user(self.ar24_user).ar24_consent_state, "accepted")
        self.assertEqual(self.denise.with_user(self.user_b).ar24_consent_state, "refused")

    def test_nightly_job_writes_each_account_into_its_user_company(self):
        self.controls.consent(self.sender_b["id_user"], "gerard@example.org", "accepted")
        self.controls.consent(self.sender_a["id_user"], "denise@example.org", "refused")
        IrCron = type(self.env["ir.cron"])
        with (
            patch.object(IrCron, "_commit_progress", autospec=True, return_value=60.0),
            patch.object(AR24Client, "download", autospec=True, return_value=PROOF),
        ):
            self.env["res.partner"]._ar24_consent_cron()
        self.assertEqual(self.consent(self.gerard, self.company_b).state, "accepted")
        self.assertFalse(self.consent(self.gerard, self.company))
        self.assertEqual(self.consent(self.denise, self.company).state, "refused")
        self.assertFalse(self.consent(self.denise, self.company_b))

    # ------------------------------------------------------------------ the contact shows its entity's consent
    def test_contact_fields_and_filters_follow_the_current_company(self):
        Partner = self.env["res.partner"].with_user(self.ar24_manager)
        self.ar24_manager.sudo().company_ids |= self.company_b
        in_a, in_b = Partner.with_company(self.company), Partner.with_company(self.company_b)
        self.assertRecordValues(in_a.browse(self.denise.id), [{"ar24_consent": True, "ar24_consent_state": "accepted"}])
        self.assertRecordValues(in_b.browse(self.denise.id), [{"ar24_consent": False, "ar24_consent_state": "none"}])
        both = [("id", "in", (self.denise | self.gerard).ids)]
        self.assertEqual(in_a.search(both + [("ar24_consent", "=", True)]), self.denise)
        self.assertFalse(in_b.search(both + [("ar24_consent", "=", True)]))
        self.assertEqual(in_b.search(both + [("ar24_consent", "=", False)]), self.denise | self.gerard)
        self.assertEqual(in_a.search(both + [("ar24_consent_state", "=", "none")]), self.gerard)
        self.assertEqual(in_a.search(both + [("ar24_consent_email", "ilike", "denise@")]), self.denise)
        self.assertFalse(in_b.search(both + [("ar24_consent_email", "ilike", "denise@")]))
        # the contact's list of consents shows the entities the user works for (as a new request reads it)
        self.env.invalidate_all()
        self.assertEqual(in_a.browse(self.denise.id).ar24_consent_ids.company_id, self.company)
        self.env.invalidate_all()
        self.assertEqual(self.denise.with_user(self.user_b).read(["ar24_consent_ids"])[0]["ar24_consent_ids"], [])

    def test_manual_actions_change_the_current_company_consent(self):
        self.denise.with_user(self.user_b).action_ar24_consent_add()
        self.assertEqual(self.consent(self.denise, self.company_b).state, "accepted")
        self.denise.with_user(self.user_b).action_ar24_consent_remove()
        self.assertEqual(self.consent(self.denise, self.company_b).state, "none")
        self.assertEqual(self.consent(self.denise, self.company).state, "accepted")
        self.assertEqual(len(self.env["ar24.consent"].sudo().search([("partner_id", "=", self.denise.id)])), 2)

    # ------------------------------------------------------------------ who reads and writes consents
    def test_company_b_user_cannot_read_write_or_move_company_a_consent(self):
        consent_a = self.consent(self.denise, self.company).with_user(self.user_b)
        with self.assertRaises(AccessError):
            consent_a.read(["state"])
        with self.assertRaises(AccessError):
            consent_a.write({"state": "refused"})
        with self.assertRaises(AccessError):
            self.env["ar24.consent"].with_user(self.user_b).create(
                {"partner_id": self.gerard.id, "company_id": self.company.id, "state": "accepted"}
            )
        self.assertFalse(self.env["ar24.consent"].with_user(self.user_b).search([("partner_id", "=", self.denise.id)]))
        # nor can A's own user hand A's consent over to B
        self.ar24_user.sudo().company_ids |= self.company_b
        with self.assertRaisesRegex(UserError, "belongs to one contact and one entity"):
            consent_a.with_user(self.ar24_user).write({"company_id": self.company_b.id})
        self.assertEqual(self.consent(self.denise, self.company).company_id, self.company)

    def test_employee_cannot_read_or_write_consents(self):
        Consent = self.env["ar24.consent"].with_user(self.employee)
        consent = self.consent(self.denise, self.company).with_user(self.employee)
        for label, call in [
            ("search", lambda: Consent.search([])),
            ("read", lambda: consent.read(["state", "email"])),
            ("write", lambda: consent.write({"state": "refused"})),
            ("create", lambda: Consent.create({"partner_id": self.gerard.id, "state": "accepted"})),
            ("unlink", lambda: consent.unlink()),
            ("contact's consents", lambda: self.denise.with_user(self.employee).read(["ar24_consent_ids"])),
            ("contact's flag", lambda: self.denise.with_user(self.employee).read(["ar24_consent_state"])),
            ("write on the contact", lambda: self.gerard.with_user(self.employee).write({"ar24_consent": True})),
        ]:
            with self.subTest(label), self.assertRaises(AccessError):
                call()
        self.assertRecordValues(self.consent(self.denise, self.company), [{"state": "accepted"}])
        self.assertFalse(self.consent(self.gerard, self.company))

    def test_a_contact_holding_a_consent_is_archived_not_deleted(self):
        clerk = new_test_user(self.env, login="clerk", groups="base.group_user,base.group_partner_manager")
        # the web client words it "another model requires the record being deleted ... archive it instead"
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
            self.denise.with_user(clerk).unlink()
        self.assertEqual(self.consent(self.denise, self.company).state, "accepted")

    def test_a_direct_write_is_logged_with_who_made_it(self):
        self.env.cr.precommit.run()
        consent = self.consent(self.denise, self.company).with_user(self.ar24_user)
        consent.write({"state": "refused", "email": " Denise@Example.ORG "})
        self.env.flush_all()
        self.env.cr.precommit.run()  # mail's tracking, as at the end of the request
        self.assertEqual(consent.email, "denise@example.org")
        message = consent.sudo().message_ids[:1]
        self.assertIn("LRE consent changed by Alain Joly", str(message.body))
        self.assertEqual(message.author_id, self.ar24_user.partner_id)
        self.assertEqual(message.sudo().tracking_value_ids.field_id.mapped("name"), ["state"])
        with self.assertRaises(AccessError):
            consent.unlink()  # evidence: nobody deletes a consent

    def test_one_consent_per_contact_and_company(self):
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
            self.env["ar24.consent"].create({"partner_id": self.denise.id, "company_id": self.company.id})
            self.env.flush_all()

    # ------------------------------------------------------------------ proofs of consent
    def test_proof_is_read_by_registered_letter_users_of_its_entity_only(self):
        self.controls.consent(self.sender_a["id_user"], "gerard@example.org", "accepted")
        with patch.object(AR24Client, "download", autospec=True, return_value=PROOF):
            self.gerard.with_user(self.ar24_user).action_ar24_consent_sync()
        consent = self.consent(self.gerard, self.company)
        proof = consent.proof_ids
        self.assertEqual(proof.name, "LRE consent proof gerard@example.org.pdf")
        self.assertEqual((proof.res_model, proof.res_id), ("ar24.consent", consent.id))
        # nothing left on the contact, which every employee reads
        Attachment = self.env["ir.attachment"]
        self.assertFalse(Attachment.sudo().search([("res_model", "=", "res.partner"), ("res_id", "=", self.gerard.id)]))
        by_name = [("name", "=like", "LRE consent proof %")]
        by_record = [("res_model", "=", "ar24.consent"), ("res_id", "=", consent.id)]
        # the registered-letter user of the entity reads it
        self.assertEqual(Attachment.with_user(self.ar24_user).search(by_name), proof)
        self.assertEqual(Attachment.with_user(self.ar24_user).search(by_record), proof)
        self.assertEqual(proof.with_user(self.ar24_user).raw, PROOF)
        # a plain employee and another entity's user do not, whichever way they ask
        for user in (self.employee, self.user_b):
            with self.subTest(user=user.login):
                self.assertFalse(Attachment.with_user(user).search(by_name))
                try:
                    found = Attachment.with_user(user).search(by_record)
                except AccessError:
                    found = Attachment
                self.assertFalse(found)
                with self.assertRaises(AccessError):
                    proof.with_user(user).read(["raw", "datas", "name"])
                with self.assertRaises(AccessError):
                    proof.with_user(user).write({"raw": b"%PDF-1.4 forged"})
        self.assertEqual(proof.raw, PROOF)


@tagged("post_install", "-at_install")
class TestConsentEmailRule(AR24Case):
    """Consents, letters, the sender check and the sync all compare e-mails with rules.normalize_email."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.ar24_is_coownership = True

    def setUp(self):
        super().setUp()
        self.sender = self.link_identified_sender(self.ar24_user)
        self.company.ar24_payment_method_id = self.env["ar24.payment.method"].create(
            {"name": "A", "slug": self.sender["payment_methods"][0], "user_id": self.ar24_user.id}
        )

    def partner(self, email):
        return self.env["res.partner"].create({"name": "Jean Exemple", "email": email})

    def letter_problems(self, partner, to_email=None, send_type="lre_eidas"):
        letter = (
            self.env["ar24.letter"]
            .with_user(self.ar24_user)
            .create(
                {
                    "partner_id": partner.id,
                    "user_id": self.ar24_user.id,
                    "subject": "Convocation",
                    "body": "<p>Convocation à l'assemblée générale.</p>",
                    "send_type": send_type,
                }
            )
        )
        if to_email:
            letter.to_email = to_email
        return [comment for _record, _location, comment in letter._ar24_problems(send_type)]

    def test_a_consent_lets_the_letter_to_the_same_mailbox_go(self):
        cases = [
            # contact's e-mail, letter's e-mail (None: the contact's), consent stored as
            ("jean@exämple.fr", None, "jean@xn--exmple-cua.fr"),
            ("jean@exämple.fr", "JEAN@xn--exmple-cua.fr", "jean@xn--exmple-cua.fr"),
            ("jean@xn--exmple-cua.fr", "Jean@Exämple.FR", "jean@xn--exmple-cua.fr"),
            ("jean@exa\u0308mple.fr", "jean@exämple.fr", "jean@xn--exmple-cua.fr"),
            ("  Jean.Dupont@Example.FR ", "jean.dupont@example.fr", "jean.dupont@example.fr"),
            ("Jean Dupont <jean.dupont@example.fr>", " JEAN.DUPONT@EXAMPLE.FR", "jean.dupont@example.fr"),
        ]
        for email, to_email, stored in cases:
            with self.subTest(email=email, to_email=to_email):
                partner = self.partner(email)
                action = partner.with_user(self.ar24_user).action_ar24_consent_add()
                self.assertEqual(action["params"]["ar24_changed_ids"], partner.ids)
                self.assertEqual(partner.ar24_consent_email, stored)
                self.assertFalse(partner.ar24_consent_mismatch)
                self.assertEqual(self.letter_problems(partner, to_email), [])
                self.assertEqual(self.letter_problems(partner, to_email, "ae"), [])

    def test_an_address_ar24_refuses_can_neither_consent_nor_receive(self):
        partner = self.partner("josé@example.fr")
        accent = "accented or non-Latin letters before the @ are not accepted by most mail servers"
        action = partner.with_user(self.ar24_user).action_ar24_consent_add()
        self.assertEqual(action["params"]["ar24_skipped"], [[partner.id, "invalid e-mail (%s)" % accent]])
        self.assertEqual(partner.ar24_consent_state, "none")
        self.assertEqual(self.letter_problems(partner), ["Invalid e-mail address (josé@example.fr): %s" % accent])

    def test_sync_matches_the_same_mailbox_however_written(self):
        partners = self.partner("jean@exämple.fr") | self.partner(" Paul.Martin@Example.fr")
        self.controls.consent(self.sender["id_user"], "jean@xn--exmple-cua.fr", "accepted")
        self.controls.consent(self.sender["id_user"], "paul.martin@example.fr", "accepted")
        with patch.object(AR24Client, "download", autospec=True, return_value=PROOF):
            result = self.env["res.partner"].with_user(self.ar24_user)._ar24_consent_sync_from_ar24()
        self.assertEqual(result["changed"], partners)
        self.assertEqual(partners.mapped("ar24_consent_state"), ["accepted", "accepted"])
        for partner in partners:
            self.assertEqual(self.letter_problems(partner), [])

    def test_sender_email_is_compared_with_the_same_rule(self):
        self.ar24_user.sudo().ar24_email = "Alain@Exämple.fr"
        partner = self.partner("alain@xn--exmple-cua.fr")
        partner.with_user(self.ar24_user).action_ar24_consent_add()
        self.assertEqual(self.letter_problems(partner), ["Same e-mail as the sender"])

    def test_an_import_of_contacts_with_their_consent(self):
        """An import (``load``, what the import screen calls) writes the current company's consent, for
        registered-letter users only."""
        columns = ["name", "email", "ar24_consent", "ar24_consent_date"]
        rows = [["Jean Exemple", "jean@exämple.fr", "1", "2026-01-15 09:30:00"]]
        refused = self.env["res.partner"].with_user(self.employee).load(columns, rows)
        self.assertFalse(refused["ids"])
        message = refused["messages"][0]["message"]
        self.assertIn("Only users of registered letters (AR24) can change an LRE consent (Jean Exemple)", message)
        self.assertFalse(self.env["ar24.consent"].sudo().search([("email", "=", "jean@xn--exmple-cua.fr")]))

        result = self.env["res.partner"].with_user(self.ar24_user).load(columns, rows)
        self.assertFalse(result["messages"])
        partner = self.env["res.partner"].browse(result["ids"])
        consent = self.env["ar24.consent"].sudo().search([("partner_id", "=", partner.id)])
        self.assertRecordValues(
            consent,
            [
                {
                    "company_id": self.company.id,
                    "state": "accepted",
                    "email": "jean@xn--exmple-cua.fr",
                    "date": fields.Datetime.to_datetime("2026-01-15 09:30:00"),
                    "source": "manual",
                }
            ],
        )
        self.assertIn("LRE consent changed by Alain Joly", str(consent.message_ids.mapped("body")))
        self.assertEqual(self.letter_problems(partner), [])
