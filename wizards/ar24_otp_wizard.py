import re

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..ar24.errors import AR24ApiError, AR24Error
from ..tools import CLOSE, ar24_user_error, notification


class Ar24OtpWizard(models.TransientModel):
    """The LSC manual, §6 "Validation des LRE": one 6-digit OTP code validates the selected letters.

    The code is never stored: ``otp_code`` is a non-stored field whose inverse validates at
    once (in the very request that carries it) and forgets it. AR24 exchanges the code for a
    one-hour hash; every selected letter is sent with that hash.
    """

    _name = "ar24.otp.wizard"
    _description = "Validate registered letters with an OTP code"

    # the letters this Odoo prepared: AR24 does not let another application validate one deposited
    # on its site (those hold an AR24 number already)
    letter_ids = fields.Many2many(
        "ar24.letter",
        string="Letters awaiting OTP validation",
        domain=[("state", "=", "to_valid"), ("ar24_id", "=", 0)],
    )
    sender_id = fields.Many2one("res.users", "Identified sender", compute="_compute_sender_id")
    otp_code = fields.Char(
        "OTP code",
        compute="_compute_otp_code",
        inverse="_inverse_otp_code",
        help="The 6 digits shown now by your authenticator app (Google Authenticator, FreeOTP).",
    )
    validated_count = fields.Integer(readonly=True)
    failed_count = fields.Integer(readonly=True)
    result_message = fields.Text(readonly=True)

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if "letter_ids" in fields_list:
            Letter = self.env["ar24.letter"]
            letters = Letter.browse()
            if self.env.context.get("active_model") == "ar24.letter":
                letters = Letter.browse(self.env.context.get("active_ids") or []).filtered(
                    lambda letter: letter.state == "to_valid" and not letter.ar24_id
                )
            if not letters:
                letters = Letter.search(
                    [("state", "=", "to_valid"), ("ar24_id", "=", 0), ("user_id", "=", self.env.uid)]
                )
            values["letter_ids"] = [fields.Command.set(letters.ids)]
        return values

    @api.depends("letter_ids")
    def _compute_sender_id(self):
        for wizard in self:
            senders = wizard.letter_ids.user_id
            wizard.sender_id = senders if len(senders) == 1 else False

    def _compute_otp_code(self):
        for wizard in self:
            wizard.otp_code = False

    def _inverse_otp_code(self):
        for wizard in self:
            if wizard.otp_code:
                wizard._validate(wizard.otp_code)

    def _check_letters(self):
        # a colleague's letters put in the wizard by RPC are refused, not silently left out
        self.sudo().letter_ids.with_env(self.env).check_access("write")
        letters = self.letter_ids.filtered(lambda letter: letter.state == "to_valid")
        at_ar24 = letters.filtered("ar24_id")
        if at_ar24:
            raise UserError(
                self.env._(
                    "%(letters)s wait for their OTP validation at AR24, where they were deposited outside Odoo: "
                    "validate them on AR24's site (AR24 lets no other application validate them).",
                    letters=", ".join(at_ar24.mapped("name")),
                )
            )
        if not letters:
            raise UserError(self.env._("Select at least one letter awaiting OTP validation."))
        senders = letters.user_id
        if len(senders) > 1:
            raise UserError(
                self.env._(
                    "One OTP code identifies one sender: validate the letters of %(senders)s separately.",
                    senders=", ".join(senders.mapped("name")),
                )
            )
        if senders != self.env.user:
            # the OTP code identifies the sender before AR24: nobody validates in another's name, a
            # manager included
            raise AccessError(self.env._("Only %(sender)s can validate his letters.", sender=senders.name))
        if not senders.ar24_user_id:
            raise UserError(self.env._("%(sender)s has not linked an AR24 account.", sender=senders.name))
        return letters, senders

    def _validate(self, code):
        """Exchange the code for AR24's one-hour hash, then send each letter with it."""
        self.ensure_one()
        code = re.sub(r"\s", "", code or "")
        if not re.fullmatch(r"\d{6}", code):
            raise UserError(self.env._("The OTP code has 6 digits, as shown by your authenticator app."))
        letters, sender = self._check_letters()
        # time passed since the letters were checked: a consent withdrawn since stops its letter
        engine = self.env["ar24.letter.send"]
        ready = engine._check_again(letters.sudo())
        if ready:
            company = ready[0].company_id
            try:
                auth = company._ar24_client().auth_otp(sender.ar24_user_id, code)
            except AR24ApiError as exc:
                if exc.slug == "authentication_otp_invalid":
                    raise UserError(
                        self.env._(
                            "This OTP code is wrong or has expired: enter the code your app shows now"
                            " (it changes every 30 seconds). The letters still await validation."
                        )
                    ) from exc
                raise ar24_user_error(self.env, exc, sender) from exc
            except AR24Error as exc:
                raise ar24_user_error(self.env, exc, sender) from exc
            engine._send(ready, otp_hash=auth["hash"])
        sent = letters.filtered("ar24_id")
        for letter in sent:
            letter._message_log(body=self.env._("Validated with an OTP code by %s.", self.env.user.name))
        waiting = letters - sent
        message = self.env._("%(count)s letters validated and handed to AR24.", count=len(sent))
        if waiting:
            message += " " + self.env._(
                "%(count)s letters were not sent: %(reasons)s",
                count=len(waiting),
                reasons="; ".join("%s: %s" % (letter.name, letter.error_message or letter.state) for letter in waiting),
            )
        self.write({"validated_count": len(sent), "failed_count": len(waiting), "result_message": message})

    def action_validate(self):
        self.ensure_one()
        if not self.result_message:
            raise UserError(self.env._("Enter the 6-digit OTP code first."))
        return notification(
            self.env._("OTP validation"), self.result_message, "warning" if self.failed_count else "success", CLOSE
        )
