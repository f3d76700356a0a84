"""The list of registered letters as LSC shows it: the whole AR24 account, searchable by dates.

LSC's list is read from AR24: every letter of the sender, whatever tool deposited it (AR24's web app,
another software), with AR24's codes. The status job brings those Odoo did not deposit, read-only,
with their states, dates and proofs, reading AR24's paged list once per sender.
"""

from datetime import datetime, timedelta

from lxml import etree

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from ..ar24 import crypto
from .common import AR24Case, letter_user


@tagged("post_install", "-at_install")
class TestLetterList(AR24Case):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._coownership()
        cls.denise = cls.env["res.partner"].create({"name": "Denise Aloxe", "email": " Denise@Example.ORG"})
        cls.colleague = letter_user(cls.env, "ar24_colleague", "Paul Collegue", "paul@syndic.example.com")

    def setUp(self):
        super().setUp()
        self.sender = self.link_sender(self.ar24_user)
        self.Letter = self.env["ar24.letter"]
        self.Sync = self.env["ar24.letter.sync"]

    def deposit(self, product, email, firstname="Denise", lastname="Aloxe", **params):
        """AR24's web app, or another software using the sender's account: deposits at AR24 directly."""
        mail = self.deposit_at_ar24(
            self.sender["id_user"], product, email, "Appel de fonds du 2e trimestre", firstname, lastname, **params
        )
        self.assertEqual(mail["status"], "waiting", "deposited and identified: AR24 sends it")
        return mail

    # ------------------------------------------------------------------ letters made elsewhere
    def test_letters_made_at_ar24_appear_after_a_sync_with_their_states_dates_and_proofs(self):
        received = self.deposit("ae", "denise@example.org", ref_dossier="AG 2026 - procès-verbal")
        refused = self.deposit("lre_eidas", "inconnu@example.org", "Paul", "Inconnu", otp=self.sender["otp"]())
        bounced = self.deposit("ere", "nulle-part@example.org", "Jean", "Nullepart")
        paper = self.deposit(
            "lr_paper",
            "denise@example.org",
            to_address1="12 quai des Pêcheurs",
            to_zipcode="83310",
            to_city="Grimaud",
            to_country="FR",
        )
        self.controls.recipient(received["id"], "accept")
        self.controls.recipient(refused["id"], "refuse")
        self.controls.recipient(bounced["id"], "bounce")
        seeded = self.controls.post("mails/seed", id_user=self.sender["id_user"], count=1, status="sent")

        self.Sync._cron_sync_status()

        letters = self.outside()
        self.assertRecordValues(
            letters,
            [
                {
                    "ar24_id": received["id"],
                    "state": "ar",
                    "send_type": "ae",
                    "partner_id": self.denise.id,  # the contact of that e-mail, by the one e-mail rule
                    "proof_kinds": "ar,ev",
                },
                {
                    "ar24_id": refused["id"],
                    "state": "refused",
                    "send_type": "lre_eidas",
                    "partner_id": False,
                    "proof_kinds": "ev,rf",
                },
                {
                    "ar24_id": bounced["id"],
                    "state": "bounced",
                    "send_type": "ere",  # AR24's lre without eIDAS: a simple registered e-mail
                    "partner_id": False,
                    "proof_kinds": "bc,ev",
                },
                {
                    "ar24_id": paper["id"],
                    "state": "sent",
                    "send_type": "lr_paper",
                    "partner_id": self.denise.id,
                    "proof_kinds": "ev",
                },
                {
                    "ar24_id": seeded["first_id"],
                    "state": "sent",
                    "send_type": "lre_eidas",
                    "partner_id": False,
                    "proof_kinds": "ev",
                },
            ],
        )
        for letter in letters:
            self.assertEqual(letter.user_id, self.ar24_user)
            self.assertEqual(letter.sender_email, self.ar24_user.email, "LSC's 'Emetteur email': AR24's")
            self.assertTrue(letter.date and letter.date_deposit and letter.date_sent, letter.ar24_id)
        accepted = letters[0]
        self.assertEqual(accepted.subject, "AG 2026 - procès-verbal", "AR24's case reference names it")
        at_ar24 = self.controls.get("mails/%d" % received["id"])
        self.assertEqual(accepted.date, _utc(received["date"]), "LSC's 'Date' is AR24's")
        self.assertEqual(accepted.date_ar, _utc(at_ar24["view_date"]))
        self.assertEqual(accepted.price_ht, 1.90)
        self.assertEqual(letters.mapped("recipient_name")[:2], ["Denise Aloxe", "Paul Inconnu"])
        # the proofs are AR24's files, attached with their SHA-256
        proof = accepted.proof_attachment_ids.filtered(lambda a: "acknowledgement of receipt" in a.name)
        self.assertTrue(proof.raw.startswith(b"%PDF"))
        self.assertIn("SHA-256", proof.description)
        # each letter keeps the AR24 account it left with; a draft follows its sender's
        draft = self.Letter.create({"partner_id": self.denise.id, "subject": "Relance", "user_id": self.ar24_user.id})
        self.ar24_user.sudo().ar24_email = "alain.joly@syndic.example.com"
        self.assertEqual(draft.sender_email, "alain.joly@syndic.example.com")
        self.assertEqual(set(letters.mapped("sender_email")), {"alain@syndic.example.com"})
        # what happened before Odoo knew the letter is history: no follow-up activity for it
        self.assertFalse(letters.activity_ids)
        # one reading of the sender's list, no letter read one by one
        self.assertEqual(len(self.controls.calls("list_mails")), 1)
        self.assertFalse(self.controls.calls("get_mail"))

        # the next runs import nothing twice, and follow the letter still on its way
        self.controls.recipient(paper["id"], "accept")
        self.Sync._cron_sync_status()
        self.assertEqual(self.outside(), letters)
        self.assertEqual(letters[3].state, "ar")
        self.assertEqual(letters[3].proof_kinds, "ar,ev")

    def test_a_letter_made_at_ar24_cannot_be_sent_edited_or_deleted_by_its_sender(self):
        mail = self.deposit("ae", "denise@example.org")
        self.controls.recipient(mail["id"], "refuse")
        self.Sync._cron_sync_status()
        letter = self.outside().with_user(self.ar24_user)
        self.assertEqual(letter.state, "refused")
        sends_before = len(self.controls.calls("send_mail"))

        # what the sender's browser (or a script with his session) may call
        with self.assertRaisesRegex(UserError, "Only draft letters or letters in error can be sent"):
            letter.action_send()
        with self.assertRaisesRegex(UserError, "can no longer change"):
            letter.write({"subject": "Autre objet", "body": "<p>Autre texte</p>"})
        with self.assertRaisesRegex(AccessError, "written by AR24's answers and the send engine only"):
            letter.write({"state": "draft", "ar24_id": 0})
        with self.assertRaisesRegex(AccessError, "written by AR24's answers and the send engine only"):
            letter.write({"deposited_outside": False})
        with self.assertRaisesRegex(UserError, "cannot be canceled"):
            letter.action_cancel()
        letter.action_reset_draft()
        with self.assertRaisesRegex(UserError, "kept as evidence"):
            letter.unlink()
        self.assertRecordValues(letter, [{"state": "refused", "deposited_outside": True, "ar24_id": mail["id"]}])
        # the send engine refuses it too, whoever hands it over
        with self.assertRaisesRegex(UserError, "cannot be sent again"):
            self.env["ar24.letter.send"]._send_or_queue(letter.sudo())
        self.assertEqual(len(self.controls.calls("send_mail")), sends_before, "nothing left Odoo for AR24")
        # and a colleague neither sees it nor reads it
        self.assertFalse(self.Letter.with_user(self.colleague).search([("id", "=", letter.id)]))
        with self.assertRaises(AccessError):
            letter.with_user(self.colleague).read(["subject"])

    def test_a_letter_odoo_sent_whose_answer_was_lost_is_reconciled_not_imported(self):
        letter = self.lost_answer(self.denise)
        # AR24 took it (waiting, then sent): the status job lists it among the sender's letters
        self.assertReconciledNotImported(letter)
        self.assertEqual(len(self.controls.calls("send_mail")), 1, "sent once")

    def test_a_simple_registered_email_is_never_drafted_in_odoo(self):
        with self.assertRaisesRegex(ValidationError, "Odoo does not send a Simple registered e-mail"):
            self.Letter.with_user(self.ar24_user).create(
                {"partner_id": self.denise.id, "subject": "Relance", "send_type": "ere"}
            )

    # ------------------------------------------------------------------ the list and its dates
    def test_the_list_filters_a_range_of_each_of_its_dates(self):
        arch = etree.fromstring(self.Letter.get_views([(False, "search")])["views"]["search"]["arch"])
        date_filters = {node.get("date") for node in arch.iter("filter") if node.get("date")}
        self.assertEqual(date_filters, {"date", "date_deposit", "date_sent", "date_ar"})
        # AR24 dates its letters in Paris time: 31 March 23:30 in Paris is March's, 1 April 00:30 April's
        march_last = self.deposit_at("2026-03-31 23:30:00")
        april_first = self.deposit_at("2026-04-01 00:30:00")
        self.assertEqual(march_last.date_deposit, datetime(2026, 3, 31, 21, 30))
        # the web client's "March 2026" of a Paris user on "Deposit date", and a custom range on "AR date"
        march = [("date_deposit", ">=", "2026-02-28 23:00:00"), ("date_deposit", "<=", "2026-03-31 21:59:59")]
        mine = self.Letter.with_user(self.ar24_user)
        self.assertEqual(mine.search(march), march_last)
        april = [("date_deposit", ">=", "2026-03-31 22:00:00"), ("date_deposit", "<=", "2026-04-30 21:59:59")]
        self.assertEqual(mine.search(april), april_first)
        # received two days later: 2 April 23:30 and 3 April 00:30 in Paris; a range of one day, 2 April
        april_2nd = [("date_ar", ">=", "2026-04-01 22:00:00"), ("date_ar", "<=", "2026-04-02 21:59:59")]
        self.assertEqual(mine.search(april_2nd), march_last)
        # a sender's list holds his letters only; a manager's everyone's
        colleague_letter = self.deposit_at("2026-03-15 10:00:00", user=self.colleague)
        self.assertEqual(self.Letter.with_user(self.colleague).search(march), colleague_letter)
        self.assertEqual(self.Letter.with_user(self.ar24_manager).search(march), march_last | colleague_letter)

    def deposit_at(self, paris, user=None):
        """A letter AR24 deposited at ``paris`` (AR24's date) and received 2 days later, as the status
        job records it."""
        sync = self.Sync
        letter = self.Letter.sudo().create(
            {
                "partner_id": self.denise.id,
                "subject": "Appel de fonds",
                "send_type": "ae",
                "user_id": (user or self.ar24_user).id,
                "deposited_outside": True,
            }
        )
        received = (datetime.strptime(paris, crypto.DATE_FORMAT) + timedelta(days=2)).strftime(crypto.DATE_FORMAT)
        sync._apply_mail(
            letter,
            {"id": 7000 + letter.id, "status": "AR", "date": paris, "ts_ev_date": paris, "view_date": received},
        )
        return letter.with_env(self.env)

    # ------------------------------------------------------------------ "Mise à jour des consentements"
    def test_update_lre_consents_from_the_letters_list_reads_each_senders_address_book(self):
        colleague_at_ar24 = self.link_sender(self.colleague)
        Partner = self.env["res.partner"]
        jean = Partner.create({"name": "Jean Latour", "email": "jean.latour@example.org"})
        pierre = Partner.create({"name": "Pierre Proprietaire", "email": "pierre@example.org"})
        # each sender's AR24 address book holds the consents given to him
        self.controls.consent(self.sender["id_user"], "denise@example.org", "accepted", firstname="Denise")
        self.controls.consent(self.sender["id_user"], "jean.latour@example.org", "accepted", firstname="Jean")
        # Pierre's consent recorded by hand, then refused at AR24 (strictly later: a consent recorded by hand
        # after AR24's answer would win over it)
        pierre.write({"ar24_consent_state": "accepted", "ar24_consent_email": "pierre@example.org"})
        self.controls.advance(seconds=2)
        self.controls.consent(colleague_at_ar24["id_user"], "pierre@example.org", "refused", firstname="Pierre")
        letters = self.Letter.create(
            [
                {"partner_id": partner.id, "subject": "Convocation AG", "user_id": user.id}
                for partner, user in ((self.denise, self.ar24_user), (jean, self.ar24_user), (pierre, self.colleague))
            ]
        )
        mine = letters[:2].with_user(self.ar24_user)

        result = mine.action_ar24_consent_refresh()
        self.assertEqual(set(result["params"]["ar24_changed_ids"]), {self.denise.id, jean.id})
        self.assertEqual((self.denise | jean).mapped("ar24_consent_state"), ["accepted", "accepted"])
        self.assertEqual(pierre.ar24_consent_state, "accepted", "not among his letters: untouched")
        self.assertEqual(
            [c["params"]["id_user"] for c in self.controls.calls("list_consents")], [str(self.sender["id_user"])]
        )
        # a colleague's letter is not his to refresh
        with self.assertRaises(AccessError):
            letters.with_user(self.ar24_user).action_ar24_consent_refresh()
        # a manager refreshes everyone's: each letter's sender's address book, once per entity and sender
        result = letters.with_user(self.ar24_manager).action_ar24_consent_refresh()
        self.assertEqual(result["params"]["ar24_changed_ids"], [pierre.id])
        self.assertEqual(pierre.ar24_consent_state, "refused")
        self.assertEqual(len(self.controls.calls("list_consents")), 3)

    # ------------------------------------------------------------------ the manual's words
    def test_statuses_carry_ar24s_code_and_the_otp_dialog_says_where_to_get_a_code(self):
        labels = dict(self.Letter._fields["state"]._description_selection(self.env))
        for state in ("to_valid", "waiting", "sent", "refused", "negligence", "bounced", "not_valided"):
            self.assertTrue(labels[state].endswith("(%s)" % state), labels[state])
        self.assertEqual(labels["ar"], "Received (AR)")
        arch = self.env["ar24.otp.wizard"].get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn("https://otp-client.ar24.fr/", arch)
        self.assertIn("08 11 69 05 45", arch)


def _utc(paris_string):
    """AR24's Paris date as Odoo stores it (naive UTC)."""
    return crypto.parse_paris_date(paris_string).astimezone(crypto.ZoneInfo("UTC")).replace(tzinfo=None)
