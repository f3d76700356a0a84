"""Errors raised by the AR24 client, and a readable sentence for every slug AR24 returns."""

from .i18n import _lt  # sentences stay translatable: the addon shows them in the user's language

# Readable English sentences (the addon translates them) for AR24's error slugs.
SLUG_MESSAGES = {
    # request signature and date
    "empty_date": _lt("The request carried no date."),
    "invalid_date": _lt("The request date is malformed (AR24 expects YYYY-MM-DD HH:mm:ss, Paris time)."),
    "expired_date": _lt(
        "AR24 found the request date older than its own clock: this server's clock is behind. Set it right "
        "(automatic time, NTP) and try again."
    ),
    "date_in_future": _lt("The request date is more than 10 minutes ahead: check the server clock."),
    "token_missing": _lt("The AR24 API token is missing: fill it in the settings."),
    "token_invalid": _lt("AR24 does not recognise the API token: check it in the settings."),
    "empty_signature": _lt("The request was not signed."),
    "invalid_signature": _lt("AR24 refused the request signature: check the private key in the settings."),
    # sender accounts
    "user_not_exist": _lt("This AR24 account does not exist."),
    "user_unavailable": _lt("This AR24 account has not authorised access yet: click the link AR24 e-mailed to it."),
    "missing_user_id": _lt("No AR24 account was given."),
    "user_already_exist": _lt("An AR24 account already exists for this e-mail."),
    "email_wrong_format": _lt("The e-mail address is malformed."),
    "error_country": _lt("The country must be an ISO code of two letters (FR)."),
    "error_gender": _lt("The gender must be M or F."),
    "error_company_siret": _lt("AR24 found no company with this SIRET number: check the SIRET of the company."),
    "missing_company_siret": _lt("A professional in France needs the company's SIRET number (14 digits)."),
    "missing_company_tva": _lt("A professional in another EU country needs the company's intra-EU VAT number."),
    "user_not_created": _lt("AR24 could not create the account: try again later or contact AR24."),
    "user_account_not_confirmed": _lt("The sender's AR24 account is not confirmed yet."),
    "user_eula_not_accepted": _lt("The sender has not accepted AR24's terms of use yet."),
    "user_name_empty": _lt("The sender's AR24 account has no name."),
    "user_no_payment": _lt("No valid AR24 payment method for this sender or entity."),
    # attachments
    "attachment_empty_name": _lt("The attachment has no file name."),
    "attachment_too_big": _lt("The attachment is empty or larger than AR24 accepts."),
    "attachment_missing_file": _lt("No file was sent."),
    "attachment_not_pdf": _lt("The file is named or labelled as a PDF but is not one: export it again as PDF."),
    "attachment_unreadable": _lt("The PDF cannot be read (damaged or password-protected): save it again as PDF."),
    "attachment_not_exists": _lt("An attachment of the letter does not exist at AR24."),
    "attachment_unavailable": _lt("An attachment of the letter belongs to another AR24 account."),
    # letters
    "missing_email": _lt("The recipient has no e-mail address."),
    "same_sender_recipient_emails": _lt("The sender and the recipient have the same e-mail address."),
    "same_sender_recipients_emails": _lt("The sender and the recipient have the same e-mail address."),
    "invalid_recipient": _lt("The recipient is incomplete (name of a private person or company of a professional)."),
    "invalid_email": _lt("The recipient's e-mail domain does not exist."),
    "content_exceeds_limit": _lt("The message is too long."),
    "forbidden_html": _lt("The message contains HTML that AR24 refuses (scripts, frames, forms)."),
    "error_no_content_no_attachment": _lt("The letter has neither a message nor an attachment."),
    "authentication_otp_hash_invalid": _lt("The OTP validation has expired: enter a new code."),
    "authentication_otp_invalid": _lt("The OTP code is wrong or expired: enter the code currently shown by your app."),
    "authentication_missing": _lt("A qualified LRE needs the sender's OTP code."),
    "missing_erm_id": _lt("No letter id was given."),
    "erm_not_exist": _lt("This letter does not exist at AR24."),
    "missing_address": _lt("The postal address is incomplete (street, zip code, city and country are needed)."),
    # consents
    "consent_not_exist": _lt("AR24 holds no consent for this e-mail."),
    # generic
    "maintenance": _lt("AR24 is under maintenance: try again later."),
}


class AR24Error(Exception):
    """Base class of everything the client raises."""

    retryable = False

    def __init__(self, message, route=None):
        super().__init__(message)
        self.message = message
        self.route = route


class AR24ApiError(AR24Error):
    """AR24 answered ``{"status": "ERROR", "slug": ..., "message": ...}``: a business refusal."""

    def __init__(self, slug, message=None, route=None):
        self.slug = slug or "unknown"
        self.ar24_message = message or ""
        super().__init__(readable_message(self.slug, message), route=route)


class AR24TransportError(AR24Error):
    """The call failed on the way (network, timeout, HTTP status, unreadable body): retry later.

    ``maybe_processed`` tells whether AR24 may have executed the request anyway (the request
    left but no readable answer came back): a letter must then be reconciled, not re-sent.
    """

    retryable = True

    def __init__(self, message, route=None, maybe_processed=False):
        super().__init__(message, route=route)
        self.maybe_processed = maybe_processed


class AR24MaintenanceError(AR24TransportError):
    """AR24 answered ``{"status": "maintenance"}``: nothing was processed, try later."""

    def __init__(self, route=None):
        super().__init__(SLUG_MESSAGES["maintenance"], route=route, maybe_processed=False)


def readable_message(slug, fallback=None):
    """A sentence a property manager understands for ``slug`` (AR24's own text as fallback)."""
    if slug in SLUG_MESSAGES:
        return SLUG_MESSAGES[slug]
    if slug and slug.startswith("missing_"):
        return _lt("AR24 needs the field %s.", slug[len("missing_") :])
    return fallback or _lt("AR24 refused the request (%s).", slug)
