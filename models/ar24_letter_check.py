from odoo import api, fields, models
from odoo.tools import html2plaintext

from ..ar24 import pdfcheck, rules
from ..ar24.routes import MAX_ATTACHMENTS_BYTES
from ..tools import ar24_translate


class Ar24LetterCheck(models.AbstractModel):
    """The checks before a letter leaves for AR24 (the LSC manual's "récapitulatif des erreurs").

    Each problem is ``(record to fix, where, why)``: the send wizard lists them, the queue and
    the OTP validation check the letters again right before they leave. Nothing here writes.
    """

    _name = "ar24.letter.check"
    _description = "Registered letter: checks before sending"

    @api.model
    def _problems(self, letter, send_type, pdf_cache=None, extra=None):
        """[(record, location label, comment)] that prevent sending ``letter`` as ``send_type``.

        :param pdf_cache: {(checksum, paper): PDF check} shared by the letters of one batch
        :param extra: {"attachments": shared attachments, "has_text": bool, "payment_method": the one the
            sender picked} of the send wizard
        """
        letter.ensure_one()
        env = letter.env
        recipient = self._addressee(letter, send_type)
        company = letter.company_id
        problems = [
            (letter.user_id, env._("Sender: %s", letter.user_id.name), comment)
            for comment in self._sender_problems(letter, send_type, company)
        ]
        extra = extra or {}
        problems += [
            (company, env._("Entity: %s", company.name), comment)
            for comment in self._entity_problems(letter, send_type, company, extra.get("payment_method"))
        ]
        partner_label = env._("Partner: %s", recipient.display_name)
        if send_type in ("lre_eidas", "ae"):
            email, reason = self._recipient_email(letter)
            if reason:
                problems.append((recipient, partner_label, reason))
            elif email == rules.normalize_email(letter.user_id.ar24_email or letter.user_id.email)[0]:
                problems.append((recipient, partner_label, env._("Same e-mail as the sender")))
            if email and letter.partner_id:
                holder = self._consent_holder(letter)
                reason = holder._ar24_consent_reason(
                    send_type, email, company, professional=letter.recipient_status == "professionnel"
                )
                if reason:
                    problems.append((holder, env._("Partner: %s", holder.display_name), reason))
        else:
            problems.extend((recipient, partner_label, reason) for reason in self._address_problems(letter, recipient))
        attachments = letter.attachment_ids | extra.get("attachments", env["ir.attachment"])
        problems.extend(
            self._attachment_problems(letter, send_type, pdf_cache if pdf_cache is not None else {}, attachments)
        )
        if not attachments and not extra.get("has_text") and not html2plaintext(letter.body or "").strip():
            problems.append((letter, env._("Letter: %s", letter.name), env._("Neither text nor attachment")))
        return problems

    @api.model
    def _sender_problems(self, letter, send_type, company):
        """Problems of the letter's sender (a user) for ``send_type``; the same for all his letters."""
        env, user = letter.env, letter.user_id
        problems = []
        if user.ar24_link_state != "linked" or not user.ar24_user_id:
            problems.append(
                env._("%(user)s has not linked an AR24 account (Preferences › AR24 account).", user=user.name)
            )
        elif send_type == "lre_eidas" and not user.ar24_identity_verified:
            problems.append(env._("%(user)s has no OTP key yet: AR24 has not verified his identity.", user=user.name))
        if not company._ar24_is_configured():
            problems.append(env._("AR24 is not configured for %(company)s.", company=company.name))
        return problems

    @api.model
    def _entity_problems(self, letter, send_type, company, method=None):
        """Problems of the entity the letter is sent for: its payment method (``method``: the one the
        sender picked in the send wizard), its kind."""
        env = letter.env
        method = (method or letter.payment_method_id).sudo()
        problems = []
        if not method:
            problems.append(
                env._(
                    "No AR24 payment method of %(user)s pays for this entity: link one in “Manage payment methods "
                    "for my account”",
                    user=letter.user_id.name,
                )
            )
        elif method.user_id != letter.user_id:
            # AR24 charges a letter to its sender's account only: said here, never learnt from AR24's refusal
            problems.append(
                env._(
                    "Payment method %(method)s belongs to the AR24 account of %(holder)s, not to that of %(user)s",
                    method=method.name,
                    holder=method.user_id.name or env._("nobody (import it from AR24)"),
                    user=letter.user_id.name,
                )
            )
        elif not method.active:
            problems.append(env._("Payment method %s no longer exists at AR24", method.name))
        if send_type == "ae" and not company.ar24_is_coownership:
            problems.append(env._("Avis électronique is reserved to co-ownerships: mark the entity as one"))
        return problems

    @api.model
    def _recipient_email(self, letter):
        """(normalised e-mail, reason) of the address the letter goes to (IDN domains in punycode)."""
        letter.ensure_one()
        env = letter.env
        raw = (letter.to_email or "").strip()
        if not raw:
            return None, env._("No e-mail address")
        email, reason = rules.normalize_email(raw)
        if reason:
            return None, env._(
                "Invalid e-mail address (%(email)s): %(reason)s",
                email=raw,
                reason=ar24_translate(env, reason),
            )  # pylint: disable=translation-required
        return email, None

    @api.model
    def _consent_holder(self, letter):
        """The contact whose consent counts: the one whose e-mail the letter uses (the LSC manual: the
        correspondent's e-mail, else the recipient's)."""
        letter.ensure_one()
        return letter.contact_id if (letter.contact_id.email or "").strip() else letter.partner_id

    @api.model
    def _addressee(self, letter, send_type=None):
        """The person the letter names: by e-mail, the one whose e-mail and consent it uses (the
        correspondent with an e-mail, else the recipient); on paper, the one at whose address it is
        printed (the correspondent, else the recipient). AR24's proof names him: never a person
        whose e-mail was not used."""
        letter.ensure_one()
        if (send_type or letter.send_type) == "lr_paper":
            return letter.contact_id or letter.partner_id
        return self._consent_holder(letter)

    @api.model
    def _channel(self, letter):
        """``rules.ChannelChoice`` of the letter sent "per recipient", its reason in the user's language.

        The recipient's preferred dispatch when it is allowed for him; else the entity's electronic
        letter when his consent (for the e-mail used) allows it; else a paper letter when his postal
        address is complete; else none, the reason saying what is missing.
        """
        letter.ensure_one()
        env, company = letter.env, letter.company_id
        email, email_problem = self._recipient_email(letter)
        if email and email == rules.normalize_email(letter.user_id.ar24_email or letter.user_id.email)[0]:
            email_problem = env._("Same e-mail as the sender")
        holder = self._consent_holder(letter)
        consent = holder._ar24_consent_status(email, company) if email and holder else "none"
        recipient = letter.contact_id or letter.partner_id
        address = self._address_problems(letter, recipient) if recipient else [env._("no recipient")]
        choice = rules.choose_channel(
            letter.partner_id.ar24_dispatch_mode or None,
            rules.electronic_channel(company.ar24_default_send_type, company.ar24_is_coownership),
            consent,
            professional=letter.recipient_status == "professionnel",
            ae_consent_required=company.ar24_ae_consent_required,
            email_problem=email_problem,
            address_problem="; ".join(address) or None,
            consent_email=holder.sudo().with_company(company).ar24_consent_id.email if holder else None,
        )
        return rules.ChannelChoice(choice.channel, ar24_translate(env, choice.reason))

    @api.model
    def _address_problems(self, letter, partner):
        problems = rules.check_postal_address(
            partner.street, partner.street2, partner.zip, partner.city, partner.country_id.code, name=partner.name
        )
        return [ar24_translate(letter.env, problem) for problem in problems]

    @api.model
    def _attachment_problems(self, letter, send_type, pdf_cache, attachments):
        env = letter.env
        problems = []
        total = 0
        paper = send_type == "lr_paper"
        for attachment in attachments:
            total += attachment.file_size or 0
            label = env._("Attachment: %s", attachment.name)
            is_pdf = (attachment.mimetype or "") == "application/pdf" or (attachment.name or "").lower().endswith(
                ".pdf"
            )
            if not is_pdf:
                if paper:
                    problems.append((attachment, label, env._("Only PDF files can be printed")))
                continue
            key = (attachment.checksum, paper)
            if key not in pdf_cache:
                pdf_cache[key] = pdfcheck.check_pdf(
                    attachment.with_context(bin_size=False).raw or b"", attachment.name, require_portrait=paper
                )
            problems.extend(
                (attachment, label, ar24_translate(env, problem.message)) for problem in pdf_cache[key].problems
            )
        if total > MAX_ATTACHMENTS_BYTES:
            problems.append(
                (letter, env._("Letter: %s", letter.name), env._("Attachments weigh more than the 256 MB AR24 accepts"))
            )
        return problems

    # ------------------------------------------------------------------ legal deadline
    @api.model
    def _deadline_warning(self, letter, send_type):
        """Sentence when ``send_type`` cannot present the letter by its deadline if sent today."""
        letter.ensure_one()
        if not letter.must_be_received_by:
            return False
        ok, reason = rules.deadline_risk(
            fields.Date.context_today(letter),
            letter.must_be_received_by,
            send_type,
            paper_transit_days=letter.company_id.ar24_paper_transit_days or rules.PAPER_TRANSIT_DAYS,
        )
        return False if ok else ar24_translate(letter.env, reason)

    @api.model
    def _deadline_rule(self, letter):
        """The rule of a general assembly convocation's deadline, as the letter form explains it."""
        return letter.env._(
            "General assembly convocation: at least %(notice)s full days between the day after the first "
            "presentation and the assembly (décret du 17 mars 1967, art. 9 and 64), so the letter must be "
            "presented %(before)s days before the assembly at the latest. An electronic letter is presented "
            "the day AR24 e-mails the notification (the recipient then has %(lre)s days, %(ae)s for the avis "
            "électronique, to accept it); a paper letter takes about %(transit)s business days (setting of "
            "the entity).",
            notice=rules.AG_NOTICE_DAYS,
            before=rules.AG_NOTICE_DAYS + 1,
            lre=rules.LRE_ACCEPTANCE_DAYS,
            ae=rules.AE_ACCEPTANCE_DAYS,
            transit=letter.company_id.ar24_paper_transit_days or rules.PAPER_TRANSIT_DAYS,
        )
