"""The module speaks French: labels, views, menus, actions, mail template and Python messages.

The test loads ``i18n/fr.po`` (only this module's terms) and compares every translatable value of
the module's interface records in English and in French: a value left identical is an untranslated
string, unless it is one of the few words French spells the same way (ALLOWED_IDENTICAL).
"""

import re
from datetime import date, timedelta

from odoo import fields
from odoo.tests import Form, TransactionCase, freeze_time, tagged

from ..ar24 import rules
from ..ar24.errors import AR24ApiError
from ..tools import ar24_error_text
from .common import co_owner

FR = "fr_FR"

# Words and codes that are the same in French (checked by hand against i18n/fr.po).
ALLOWED_IDENTICAL = {
    "AR24",
    "LRE",
    "LRE eIDAS",
    "ID",
    "id",
    "country_id",
    "Avis électronique",
    "Compatible",
    "Incompatible",
    "Configuration",
    "Contact",
    "Date",
    "E-mail",
    "Information",
    "Message",  # mail.message, as Odoo's own French names it
    "Messages",
    "Pages",
    "Production",
    "Recto verso",
    "Total",
    "Type",
    "123456",
    "http://127.0.0.1:8024/api/",
    "otp-client.ar24.fr",
    "https://odoo.example.com",
    "'%s' % object.name",
}

# Records a property manager reads: their translatable fields must all be French.
INTERFACE_MODELS = (
    "ir.model",
    "ir.model.fields",
    "ir.model.fields.selection",
    "ir.model.constraint",
    "ir.ui.view",
    "ir.ui.menu",
    "ir.actions.act_window",
    "ir.actions.server",
    "ir.actions.report",
    "res.groups",
    "res.groups.privilege",
    "mail.template",
)

# Key English labels of the screens (the LSC manual's vocabulary in French) that must never show.
KEY_ENGLISH = (
    "Send as registered letter",
    "Awaiting OTP validation",
    "Recalculate errors",
    "Registered letters",
    "Registered letter",
    "Error summary",
    "List letters in error",
    "Detail per letter",
    "Information on the send",
    "Validate with OTP",
    "Refresh from AR24",
    "Resend by paper registered letter",
    "Back to draft",
    "Authorize account",
    "Create AR24 account",
    "AR24 account",
    "LRE consent",
    "No LRE consent",
    "Payment method",
    "Import from AR24",
    "Test connection",
    "Fix partner",
    "Letters requested",
    "letters cannot be sent as they",
    "The LRE consent was given for",
    "Open your authenticator app",
    "No registered letter yet",
    "Attachments:",
)


# English that leaks into a French sentence built from dates when one of its pieces stays untranslated:
# every month and weekday name (full and abbreviated, as English date formats write them), the public
# holidays the paper deadline names, the words that join them, English ordinals and a 12-hour clock.
_ENGLISH_DATE_WORDS = (
    "January February March April May June July August September October November December "
    "Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec "
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday Mon Tue Tues Wed Thu Thur Thurs Fri Sat Sun "
    "and on at by of the from skipping earliest deadline business days letter letters sent presented"
).split()
_ENGLISH_HOLIDAYS = (
    "New Year's Day",
    "Easter Monday",
    "Labour Day",
    "Victory in Europe Day",
    "Ascension Day",
    "Whit Monday",
    "Bastille Day",
    "Assumption Day",
    "All Saints' Day",
    "Armistice Day",
    "Christmas Day",
)
ENGLISH_LEAK = re.compile(
    r"\b(?:%s)\b|\b\d{1,2}(?:st|nd|rd|th)\b|\b\d{1,2}(?::\d\d)?\s?[AaPp]\.?[Mm]\b"
    % "|".join(re.escape(word) for word in _ENGLISH_HOLIDAYS + tuple(_ENGLISH_DATE_WORDS))
)
FRENCH_DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
FRENCH_MONTHS = ("janvier février mars avril mai juin juillet août septembre octobre novembre décembre").split()


def _french_day(day):
    """How a French sentence writes ``day``: "lundi 1 mars 2027"."""
    return "%s %d %s %d" % (FRENCH_DAYS[day.weekday()], day.day, FRENCH_MONTHS[day.month - 1], day.year)


def _has_words(text):
    """False for terms made of punctuation only (a comma or a dash between two fields)."""
    return any(char.isalpha() for char in text)


@tagged("post_install", "-at_install")
class TestFrench(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        lang = cls.env["res.lang"]._activate_lang(FR)
        assert lang, "fr_FR is unknown to res.lang"
        cls.env["ir.module.module"]._load_module_terms(["ar24_lre"], [FR], overwrite=True)
        cls.env.invalidate_all()
        cls.fr = cls.env(context=dict(cls.env.context, lang=FR))
        cls.en = cls.env(context=dict(cls.env.context, lang="en_US"))

    # ------------------------------------------------------------------ helpers
    def assertNoEnglish(self, text):
        leaks = ENGLISH_LEAK.findall(text)
        self.assertFalse(leaks, "English %s in the French sentence: %s" % (leaks, text))

    def _module_records(self, model):
        data = self.env["ir.model.data"].search([("module", "=", "ar24_lre"), ("model", "=", model)])
        return self.env[model].browse(data.mapped("res_id")).exists()

    def _untranslated(self, records):
        """[(record, field, English text)] of translatable values that stay English in French."""
        left = []
        for name, field in records._fields.items():
            if not field.translate or not field.store or field.type not in ("char", "text", "html"):
                continue
            for record in records:
                english, french = record.with_env(self.en)[name], record.with_env(self.fr)[name]
                if not english:
                    continue
                if callable(field.translate):  # xml/html: compare term by term
                    french_terms = set(field.get_trans_terms(french))
                    for term in field.get_trans_terms(english):
                        text = field.get_text_content(term).strip()
                        if term in french_terms and _has_words(text) and text not in ALLOWED_IDENTICAL:
                            left.append((record, name, text))
                elif english == french and english.strip() not in ALLOWED_IDENTICAL:
                    left.append((record, name, english))
        return left

    # ------------------------------------------------------------------ (a) labels
    def test_field_labels_and_selections_are_french(self):
        fields = self._module_records("ir.model.fields")
        names = set(fields.mapped("model"))
        # the module's own models and the fields it adds to the standard ones
        for model in ("ar24.letter", "ar24.payment.method", "ar24.send.wizard", "ar24.otp.wizard", "res.partner"):
            self.assertIn(model, names)
        for model in ("res.users", "res.company", "res.config.settings"):
            self.assertTrue(fields.filtered(lambda f, m=model: f.model == m and f.name.startswith("ar24_")), model)
        left = self._untranslated(fields) + self._untranslated(self._module_records("ir.model.fields.selection"))
        self.assertFalse(left, "labels left in English:\n%s" % "\n".join("%s.%s: %r" % x for x in left))
        letter = self.fr["ar24.letter"]
        self.assertEqual(letter._fields["state"]._description_string(self.fr), "Statut")
        states = dict(letter._fields["state"]._description_selection(self.fr))
        # AR24's code in brackets, as LSC's list shows them
        self.assertEqual(states["to_valid"], "En attente de validation OTP (to_valid)")
        self.assertEqual(states["negligence"], "Non réclamé (negligence)")
        self.assertEqual(states["ar"], "Reçu (AR)")
        partner = self.fr["res.partner"]
        self.assertEqual(partner._fields["ar24_consent"]._description_string(self.fr), "Consentement LRE")

    # ------------------------------------------------------------------ (b) views, menus, actions, mails
    def test_interface_records_are_french(self):
        left = []
        for model in INTERFACE_MODELS:
            if model in self.env:
                left += self._untranslated(self._module_records(model))
        self.assertFalse(left, "strings left in English:\n%s" % "\n".join("%s %s: %r" % x for x in left))

    def test_views_show_no_key_english_label(self):
        views = self._module_records("ir.ui.view")
        self.assertTrue(views)
        field = views._fields["arch_db"]
        for view in views.with_env(self.fr):
            texts = {field.get_text_content(term).strip() for term in field.get_trans_terms(view.arch_db)}
            for english in KEY_ENGLISH:
                found = [text for text in texts if text == english or text.startswith(english + " ")]
                self.assertFalse(found, "%s still shows %r in French" % (view.xml_id or view.name, english))
        # the whole screens as the web client receives them (inherited parts included)
        for model, view, expected in (
            ("ar24.send.wizard", "ar24_lre.ar24_send_wizard_view_form", "Recalculer les erreurs"),
            ("ar24.otp.wizard", "ar24_lre.ar24_otp_wizard_view_form", "Valider"),
            ("ar24.letter", "ar24_lre.ar24_letter_view_form", "Renvoyer en LR papier"),
            ("ar24.letter", "ar24_lre.ar24_letter_view_search", "En attente de validation OTP"),
            ("res.partner", "base.view_partner_form", "Consentement LRE"),
            ("res.users", "base.view_users_form", "Compte AR24"),
            ("res.users", "base.view_users_form_simple_modif", "Compte AR24"),
            ("res.config.settings", "base.res_config_settings_view_form", "Connexion à AR24"),
        ):
            arch = self.fr[model].get_view(view_id=self.env.ref(view).id)["arch"]
            self.assertIn(expected, arch, view)
            for english in KEY_ENGLISH:
                # shown text or a shown attribute (data-string is a technical key Odoo never translates)
                shown = re.compile(
                    r'(>\s*|\s(?:string|help|placeholder|title|confirm|sum)=")%s(\s*<|")' % re.escape(english)
                )
                self.assertFalse(shown.search(arch), "%s shows %r" % (view, english))

    def test_menus_and_actions(self):
        menu = self.env.ref("ar24_lre.menu_ar24_letter_to_valid").with_env(self.fr)
        self.assertEqual(menu.name, "En attente de validation OTP")
        self.assertEqual(self.env.ref("ar24_lre.menu_ar24_root").with_env(self.fr).name, "Lettres recommandées")
        action = self.env.ref("ar24_lre.action_partner_send_registered_letter").with_env(self.fr)
        self.assertEqual(action.name, "Envoyer en AR")
        template = self.env.ref("ar24_lre.mail_template_ar24_consent_invitation").with_env(self.fr)
        self.assertIn("{{ user.company_id.name }}", template.subject)
        self.assertIn("recevez vos lettres recommandées", template.subject)
        self.assertIn("Donner ou retirer mon consentement", template.body_html)
        self.assertIn("{{ object.ar24_consent_url }}", template.body_html)

    # ------------------------------------------------------------------ (c) Python messages
    def test_send_wizard_message_in_french(self):
        partner = co_owner(self.env, "Jeannine Meursault")
        letter = self.env["ar24.letter"].create({"partner_id": partner.id, "subject": "Convocation AG"})
        self.assertEqual(
            self.env["ar24.letter.check"]._recipient_email(letter.with_env(self.en)), (None, "No e-mail address")
        )
        self.assertEqual(
            self.env["ar24.letter.check"]._recipient_email(letter.with_env(self.fr)), (None, "Aucune adresse e-mail")
        )
        # the same sentence in the error summary of the send wizard opened in French
        wizard = Form(
            self.fr["ar24.send.wizard"].with_context(
                active_model="ar24.letter", active_ids=letter.ids, default_send_type="lre_eidas"
            )
        ).save()
        comments = wizard.error_line_ids.mapped("comment")
        self.assertIn("Aucune adresse e-mail", comments)
        self.assertNotIn("No e-mail address", comments)

    def test_ar24_error_sentence_in_french(self):
        error = AR24ApiError("same_sender_recipient_emails")
        self.assertEqual(error.message, "The sender and the recipient have the same e-mail address.")
        self.assertEqual(
            ar24_error_text(self.fr, error),
            "L'expéditeur et le destinataire ont la même adresse e-mail. (AR24 : same_sender_recipient_emails)",
        )
        self.assertEqual(
            ar24_error_text(self.en, error),
            "The sender and the recipient have the same e-mail address. (AR24: same_sender_recipient_emails)",
        )
        maintenance = AR24ApiError("maintenance")
        self.assertIn("AR24 est en maintenance", ar24_error_text(self.fr, maintenance))

    def test_checks_of_the_pure_package_speak_french(self):
        """Address, e-mail, PDF and deadline sentences are built outside Odoo, yet shown in French."""
        partner = self.env["res.partner"].create(
            {
                "name": "Marie Rolin",
                "email": "marie@@example.org",
                "zip": "837",
                "city": "Saint-Raphaël",
                "country_id": self.env.ref("base.fr").id,
            }
        )
        letter = self.env["ar24.letter"].create(
            {
                "partner_id": partner.id,
                "subject": "AG",
                "body": "<p>AG</p>",
                "must_be_received_by": fields.Date.context_today(self.env["ar24.letter"]) + timedelta(days=1),
            }
        )
        french = letter.with_env(self.fr)
        address = self.env["ar24.letter.check"]._address_problems(french, partner)
        self.assertIn("la rue manque", address)
        self.assertIn("le code postal « 837 » doit compter exactement 5 chiffres (code postal français)", address)
        self.assertEqual(
            self.env["ar24.letter.check"]._recipient_email(french)[1],
            "Adresse e-mail incompatible (marie@@example.org) : plus d'un @ dans l'adresse",  # the LSC manual's words
        )
        warning = french._ar24_deadline_warning("lr_paper")
        self.assertIn("Une LR papier envoyée le", warning)
        self.assertNoEnglish(warning)

    def test_deadline_warnings_name_every_month_day_and_holiday_in_french(self):
        """Deadlines in each month (7 days each: every weekday), and paper transits over each public holiday."""
        letter = self.env["ar24.letter"].create({"partner_id": self.env.user.partner_id.id, "subject": "AG"})
        french = letter.with_env(self.fr)
        year = fields.Date.context_today(letter).year - 1  # passed deadlines: both channels warn
        for deadline in [date(year, month, day) for month in range(1, 13) for day in range(1, 8)]:
            letter.must_be_received_by = deadline
            for channel, opening in (("lr_paper", "Une LR papier envoyée le"), ("ae", "envoyée le")):
                warning = french._ar24_deadline_warning(channel)
                self.assertIn(opening, warning)
                self.assertIn(_french_day(deadline), warning)
                self.assertNoEnglish(warning)
        # A paper letter sent the day before a public holiday (on a weekday) skips it in its transit.
        for english in _ENGLISH_HOLIDAYS:
            holiday = next(
                day
                for candidate in range(year + 2, year + 12)
                for day, name in rules.french_public_holidays(candidate).items()
                if str(name) == english and day.weekday() < 5
            )
            with freeze_time(holiday - timedelta(days=1)):
                letter.must_be_received_by = holiday - timedelta(days=1)
                warning = french._ar24_deadline_warning("lr_paper")
            self.assertIn("sans compter", warning, english)
            self.assertIn(_french_day(holiday), warning)
            self.assertNoEnglish(warning)
