import logging

import phonenumbers

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from ..ar24 import rules
from ..ar24.errors import AR24ApiError, AR24Error
from ..tools import RELOAD, ar24_user_error, notification

_logger = logging.getLogger(__name__)

# AR24 has no slug of its own for signing up an e-mail it already knows: it answers user_not_created
# (public clients: fxmauricard's list of sign-up errors ends with it, fadysaoudy reads it as "the user
# already exists"). user_already_exist was this module's earlier reading, still understood.
ACCOUNT_MAY_EXIST_SLUGS = ("user_not_created", "user_already_exist")

AR24_USER_FIELDS = [
    "ar24_email",
    "ar24_gender",
    "ar24_user_id",
    "ar24_link_state",
    "ar24_confirmed",
    "ar24_cgu_accepted",
    "ar24_identity_verified",
    "ar24_payment_possible",
    "ar24_last_refresh",
]


class ResUsers(models.Model):
    _inherit = "res.users"

    ar24_email = fields.Char(
        "AR24 e-mail", help="E-mail of your AR24 account (the identified sender of your registered letters)."
    )
    ar24_gender = fields.Selection(
        [("M", "Mr"), ("F", "Mrs")], string="Civility for AR24", help="AR24 asks it when it creates an account."
    )
    ar24_user_id = fields.Integer("AR24 account id", readonly=True, copy=False)
    ar24_link_state = fields.Selection(
        [
            ("none", "Not linked"),
            ("pending", "Waiting for your authorisation"),
            ("to_approve", "Waiting for a manager's approval"),
            ("linked", "Linked"),
        ],
        string="AR24 link",
        default="none",
        required=True,
        readonly=True,
        copy=False,
    )
    ar24_confirmed = fields.Boolean("AR24 account confirmed", readonly=True, copy=False)
    ar24_cgu_accepted = fields.Boolean("AR24 terms accepted", readonly=True, copy=False)
    ar24_identity_verified = fields.Boolean(
        "OTP key received", readonly=True, copy=False, help="AR24 verified your identity and sent your OTP key."
    )
    ar24_payment_possible = fields.Boolean("AR24 payment method", readonly=True, copy=False)
    ar24_sender_payment_ids = fields.One2many(
        "ar24.sender.payment",
        "user_id",
        "Payment methods per entity",
        help="The payment method of your AR24 account that pays for your letters of each entity.",
    )
    ar24_last_refresh = fields.Datetime("AR24 checked on", readonly=True, copy=False)
    ar24_letters_checked_at = fields.Datetime(
        "AR24 letters listed on",
        readonly=True,
        copy=False,
        help="Last time the status job read this sender's list of letters at AR24 (it looks for letters "
        "deposited outside Odoo from the day before).",
    )

    # One AR24 account, one Odoo user: AR24 grants access per integrator, not per Odoo user, so a
    # second user linked to the same account would send in its holder's name. The database
    # enforces it (concurrent requests included); ``_check_ar24_account_holder`` words it.
    _ar24_user_id_unique = models.UniqueIndex(
        "(ar24_user_id) WHERE ar24_user_id != 0", "This AR24 account is already linked to another user."
    )
    _ar24_email_unique = models.UniqueIndex(
        "(lower(ar24_email)) WHERE ar24_link_state != 'none'", "This AR24 e-mail is already linked to another user."
    )

    ar24_consent_synced_at = fields.Datetime(
        "LRE consents refreshed on",
        readonly=True,
        copy=False,
        help="Last time the nightly job copied this user's AR24 consents onto the contacts.",
    )

    @property
    def SELF_READABLE_FIELDS(self):
        return super().SELF_READABLE_FIELDS + AR24_USER_FIELDS

    @property
    def SELF_WRITEABLE_FIELDS(self):
        return super().SELF_WRITEABLE_FIELDS + ["ar24_email", "ar24_gender"]

    # ------------------------------------------------------------------ guards
    @api.constrains("ar24_user_id", "ar24_email", "ar24_link_state")
    def _check_ar24_account_holder(self):
        for user in self.filtered(lambda u: u.ar24_user_id or u.ar24_link_state != "none"):
            # plain SQL: a search would first flush this very write into the unique index, whose
            # error names no one
            by_email = bool(user.ar24_email and user.ar24_link_state != "none")
            self.env.cr.execute(
                SQL(
                    """
                    SELECT p.name
                      FROM res_users u JOIN res_partner p ON p.id = u.partner_id
                     WHERE u.id != %s
                       AND (u.ar24_user_id = %s
                            OR (%s AND u.ar24_link_state != 'none' AND lower(u.ar24_email) = lower(%s)))
                     LIMIT 1
                    """,
                    user.id,
                    user.ar24_user_id or -1,
                    by_email,
                    user.ar24_email or "",
                )
            )
            holder = self.env.cr.fetchone()
            if holder:
                raise ValidationError(
                    self.env._(
                        "%(user)s: the AR24 account %(email)s is already linked to %(holder)s. One AR24 account "
                        "sends for one person only; a registered-letters manager can unlink it from %(holder)s.",
                        user=user.name,
                        email=user.ar24_email or user.ar24_user_id,
                        holder=holder[0],
                    )
                )

    def write(self, vals):
        relinked = self.browse()
        if "ar24_email" in vals and not self.env.su:
            new_email = rules.normalize_email(vals["ar24_email"] or "")[0] or ""
            relinked = self.filtered(
                lambda user: user.ar24_link_state != "none" and new_email != (user.ar24_email or "").lower()
            )
            if relinked and not self._ar24_may_relink():
                raise AccessError(
                    self.env._(
                        "%(users)s: this AR24 account is linked; only a registered-letters manager can change "
                        "its e-mail (the link is then reset).",
                        users=", ".join(relinked.mapped("name")),
                    )
                )
            before = {user.id: user.ar24_email for user in relinked}
            if set(vals) <= {"ar24_email", "ar24_gender"} and self._ar24_may_relink():
                # a registered-letters manager edits his team's AR24 e-mails (he has no other right on
                # users): that field only, checked above
                self = self.sudo()  # noqa: PLW0642
            if relinked:
                # the old link belongs to the old address: reset before the new one is checked
                relinked.sudo().write(self._ar24_unlinked_values())
        result = super().write(vals)
        for user in relinked:
            user._ar24_log(
                self.env._(
                    "AR24 e-mail changed from %(old)s to %(new)s by %(manager)s: the AR24 link was reset.",
                    old=before[user.id],
                    new=user.ar24_email,
                    manager=self.env.user.name,
                )
            )
        return result

    @api.model
    def _ar24_unlinked_values(self):
        return {
            "ar24_user_id": 0,
            "ar24_link_state": "none",
            "ar24_confirmed": False,
            "ar24_cgu_accepted": False,
            "ar24_identity_verified": False,
            "ar24_payment_possible": False,
        }

    def action_ar24_unlink(self):
        """Free the AR24 account of this user (he left, or it was linked by mistake): his own act or a
        registered-letters manager's, noted in his chatter."""
        self._ar24_check_can_manage()
        for user in self.filtered(lambda u: u.ar24_link_state != "none" or u.ar24_user_id):
            email = user.ar24_email
            user.sudo().write(self._ar24_unlinked_values())
            user._ar24_log(
                self.env._("AR24 account %(email)s unlinked by %(manager)s.", email=email, manager=self.env.user.name)
            )
        return self._ar24_notify(
            self.env._("AR24 account unlinked"),
            self.env._("No more registered letters through AR24 for %(users)s.", users=", ".join(self.mapped("name"))),
        )

    def _ar24_may_relink(self):
        """Registered-letters managers (and the module's own code) change who holds which AR24 account,
        for the users of their own entities only."""
        if self.env.su:
            return True
        me = self.env.user
        return me.has_group("ar24_lre.group_ar24_manager") and all(user.company_ids & me.company_ids for user in self)

    def _ar24_log(self, body):
        """Note in the user's chatter (his contact's): who linked, changed or unlinked his AR24 account."""
        self.ensure_one()
        self.partner_id.sudo()._message_log(body=body)

    # ------------------------------------------------------------------ helpers
    def _ar24_check_can_manage(self):
        """A user links his own account; registered-letters managers may link anyone's."""
        for user in self:
            if user != self.env.user and not user._ar24_may_relink():
                raise AccessError(
                    self.env._(
                        "Only %(user)s or a registered-letters manager can link his AR24 account.", user=user.name
                    )
                )

    def _ar24_normalized_email(self):
        self.ensure_one()
        email = rules.normalize_email(self.ar24_email or self.email or "")[0]
        if not email:
            raise UserError(
                self.env._(
                    "%(user)s: fill a valid AR24 e-mail (the address of the AR24 account) first.", user=self.name
                )
            )
        return email

    def _ar24_notify(self, title, message, kind="success"):
        return notification(title, message, kind, RELOAD)

    def _ar24_apply_account(self, account):
        """Store what AR24 says of the account (never its password: AR24 does not give it)."""
        self.sudo().write(
            {
                # ids and flags come typed by the client (``ar24.client.normalize``): "0" is already 0
                "ar24_user_id": account["id"],
                "ar24_email": account.get("email") or self.ar24_email,
                "ar24_link_state": "linked",
                "ar24_confirmed": bool(account.get("confirmed")),
                "ar24_cgu_accepted": bool(account.get("cgu")),
                "ar24_identity_verified": bool(account.get("is_identity_verified")),
                "ar24_payment_possible": bool(account.get("is_payment_possible")),
                "ar24_last_refresh": fields.Datetime.now(),
            }
        )

    def _ar24_missing_steps(self):
        """Sentences of what the user must still do at AR24 before sending."""
        self.ensure_one()
        steps = []
        if not self.ar24_confirmed:
            steps.append(self.env._("confirm the account with the link AR24 e-mailed"))
        if not self.ar24_cgu_accepted:
            steps.append(self.env._("accept AR24's terms of use"))
        if not self.ar24_identity_verified:
            steps.append(self.env._("order the OTP key (identification) from AR24"))
        if not self.ar24_payment_possible:
            steps.append(self.env._("add a payment method on AR24"))
        return steps

    # ------------------------------------------------------------------ buttons
    def action_ar24_authorize(self):
        """Ask AR24 to let this database act for an existing AR24 account (the LSC manual: "Autoriser le compte")."""
        self.ensure_one()
        self._ar24_check_can_manage()
        return self._ar24_request_access()

    def _ar24_request_access(self, refusal=None):
        """The access request of ``action_ar24_authorize``. ``refusal``: AR24's answer to the sign-up
        that led here; when AR24 knows no account for the e-mail either, that refusal is the reason."""
        email = self._ar24_normalized_email()
        client = self.company_id._ar24_client()
        try:
            result = client.request_access(email)
        except AR24ApiError as exc:
            if exc.slug == "user_not_exist" and refusal is not None:
                raise ar24_user_error(self.env, refusal, self) from refusal
            if exc.slug == "user_not_exist":
                raise UserError(
                    self.env._(
                        "%(user)s: AR24 has no account for %(email)s. Check the e-mail or use “Create AR24 account”.",
                        user=self.name,
                        email=email,
                    )
                ) from exc
            raise ar24_user_error(self.env, exc, self) from exc
        except AR24Error as exc:
            raise ar24_user_error(self.env, exc, self) from exc
        if (result.get("status") or "").lower() == "accepted":
            # AR24 already lets this office use the account, so no e-mail goes to its holder to
            # prove that the requester is him: a manager of his entity approves the link (until
            # then the user holds no AR24 account id)
            if self.env.su or (self._ar24_may_relink() and self.env.user.has_group("ar24_lre.group_ar24_manager")):
                self.sudo().write({"ar24_email": email, "ar24_user_id": result.get("id_user") or 0})
                return self._ar24_link_now(self.env._("linked by %(user)s", user=self.env.user.name))
            self.sudo().write({"ar24_email": email, "ar24_user_id": 0, "ar24_link_state": "to_approve"})
            self._ar24_log(
                self.env._(
                    "AR24 account %(email)s requested by %(user)s: AR24 already trusts this office for it, a "
                    "registered-letters manager approves the link.",
                    email=email,
                    user=self.env.user.name,
                )
            )
            return self._ar24_notify(
                self.env._("Approval needed"),
                self.env._(
                    "AR24 already lets this office use %(email)s: a registered-letters manager must approve the "
                    "link (user form › AR24 account › Approve).",
                    email=email,
                ),
                "warning",
            )
        self.sudo().write(
            {"ar24_email": email, "ar24_user_id": result.get("id_user") or 0, "ar24_link_state": "pending"}
        )
        return self._ar24_notify(
            self.env._("Authorisation requested"),
            self.env._(
                "AR24 e-mailed %(email)s a link: click it to authorise this Odoo, then press “Refresh”.", email=email
            ),
            "info",
        )

    def action_ar24_create_account(self):
        """Create the AR24 account of a user who has none; falls back to the access request."""
        self.ensure_one()
        self._ar24_check_can_manage()
        values = self._ar24_account_values()
        client = self.company_id._ar24_client()
        try:
            account = client.create_user(**values)
        except AR24ApiError as exc:
            if exc.slug in ACCOUNT_MAY_EXIST_SLUGS:
                # most likely AR24 already has an account for this e-mail: ask for access to it
                return self._ar24_request_access(refusal=exc)
            raise ar24_user_error(self.env, exc, self) from exc
        except AR24Error as exc:
            raise ar24_user_error(self.env, exc, self) from exc
        self._ar24_apply_account(account)
        steps = self._ar24_missing_steps()
        return self._ar24_notify(
            self.env._("AR24 account created"),
            self.env._(
                "Account %(email)s created. Still to do at AR24: %(steps)s.",
                email=values["email"],
                steps="; ".join(steps),
            )
            if steps
            else self.env._("Account %(email)s created and ready.", email=values["email"]),
            "warning" if steps else "success",
        )

    def _ar24_account_values(self):
        """Fields of POST /user, from the user and his company; refuses incomplete data up front."""
        self.ensure_one()
        company = self.company_id
        missing = []
        if not self.ar24_gender:
            missing.append(self.env._("civility for AR24"))
        for field, label in (
            ("street", self.env._("street")),
            ("zip", self.env._("zip")),
            ("city", self.env._("city")),
            ("country_id", self.env._("country")),
        ):
            if not company[field]:
                missing.append(self.env._("%(field)s of company %(company)s", field=label, company=company.name))
        siret = "".join(ch for ch in (company.company_registry or "") if ch.isdigit())
        if len(siret) != 14:
            missing.append(self.env._("SIRET (14 digits) in the Company ID of %(company)s", company=company.name))
        elif not rules.is_valid_siret(siret):
            # AR24 would refuse it (error_company_siret): no company has a number failing INSEE's check
            missing.append(
                self.env._(
                    "a valid SIRET in the Company ID of %(company)s: %(siret)s is not one (its check digit does "
                    "not match, a digit is probably mistyped)",
                    company=company.name,
                    siret=company.company_registry,
                )
            )
        if missing:
            raise UserError(self.env._("%(user)s: AR24 needs %(missing)s.", user=self.name, missing=", ".join(missing)))
        names = (self.name or "").strip().split(" ", 1)
        values = {
            "email": self._ar24_normalized_email(),
            "firstname": names[0],
            "lastname": names[1] if len(names) > 1 else names[0],
            "gender": self.ar24_gender,
            "statut": "professionnel",
            "company": company.name,
            "company_siret": siret,
            "company_tva": company.vat or None,
            "address1": company.street,
            "address2": company.street2 or None,
            "zipcode": company.zip,
            "city": company.city,
            "country": company.country_id.code,
        }
        values.update(self._ar24_phone(self.phone or company.phone, company.country_id.code))
        return values

    @api.model
    def _ar24_phone(self, number, country_code):
        """The sender's phone as AR24's user object names it (fxmauricard, User.php): ``c_mobile`` for a
        mobile number, ``c_phone`` otherwise; nothing when it cannot be read (AR24 ignores a "phone")."""
        e164 = self._ar24_e164(number, country_code)
        if not e164:
            return {}
        mobile = phonenumbers.number_type(phonenumbers.parse(e164)) == phonenumbers.PhoneNumberType.MOBILE
        return {"c_mobile" if mobile else "c_phone": e164}

    @api.model
    def _ar24_e164(self, number, country_code):
        """Phone number in E.164 (+33612345678), None when it cannot be read."""
        if not number:
            return None
        try:
            parsed = phonenumbers.parse(number, country_code or "FR")
        except phonenumbers.NumberParseException:
            return None
        if not phonenumbers.is_valid_number(parsed):
            return None
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)

    def action_ar24_approve_link(self):
        """A manager of the user's entity approves the link to an account AR24 already trusted."""
        self.ensure_one()
        if not (self._ar24_may_relink() and (self.env.su or self.env.user.has_group("ar24_lre.group_ar24_manager"))):
            raise AccessError(
                self.env._(
                    "Only a registered-letters manager of the entity of %(user)s can approve his AR24 link.",
                    user=self.name,
                )
            )
        if self.ar24_link_state != "to_approve":
            raise UserError(self.env._("%(user)s has no AR24 link waiting for approval.", user=self.name))
        return self._ar24_link_now(self.env._("approved by %(user)s", user=self.env.user.name))

    def _ar24_link_now(self, how):
        """Read the account at AR24 and link it; noted in the user's chatter."""
        action = self.sudo().with_context(ar24_link_approved=True).action_ar24_refresh()
        self._ar24_log(self.env._("AR24 account %(email)s %(how)s.", email=self.ar24_email, how=how))
        return action

    def action_ar24_refresh(self):
        """Read the account at AR24: link state, confirmation, terms, identity, payment."""
        self.ensure_one()
        self._ar24_check_can_manage()
        if self.ar24_link_state == "none" or (
            self.ar24_link_state == "to_approve" and not (self.env.su and self.env.context.get("ar24_link_approved"))
        ):
            # reading an account by its e-mail would link whatever account AR24 trusts this office for
            raise UserError(
                self.env._("%(user)s: press “Authorize account” first.", user=self.name)
                if self.ar24_link_state == "none"
                else self.env._(
                    "%(user)s: the AR24 link waits for a registered-letters manager's approval.", user=self.name
                )
            )
        client = self.company_id._ar24_client()
        try:
            if self.ar24_user_id:
                account = client.get_user(id_user=self.ar24_user_id)
            else:
                account = client.get_user(email=self._ar24_normalized_email())
        except AR24ApiError as exc:
            if exc.slug == "user_unavailable":
                self.sudo().write({"ar24_link_state": "pending", "ar24_last_refresh": fields.Datetime.now()})
                return self._ar24_notify(
                    self.env._("Still waiting"),
                    self.env._("%(user)s has not clicked AR24's authorisation link yet.", user=self.name),
                    "warning",
                )
            if exc.slug == "user_not_exist":
                self.sudo().write({"ar24_link_state": "none", "ar24_user_id": 0})
            raise ar24_user_error(self.env, exc, self) from exc
        except AR24Error as exc:
            raise ar24_user_error(self.env, exc, self) from exc
        self._ar24_apply_account(account)
        steps = self._ar24_missing_steps()
        if steps:
            return self._ar24_notify(
                self.env._("AR24 account linked"),
                self.env._("Still to do at AR24: %(steps)s.", steps="; ".join(steps)),
                "warning",
            )
        return self._ar24_notify(
            self.env._("AR24 account linked"),
            self.env._("%(user)s can send registered letters.", user=self.name),
        )
