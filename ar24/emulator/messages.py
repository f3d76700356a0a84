"""AR24's own ``message`` texts, per slug and language, as the emulator answers them.

AR24 writes ``message`` in French unless the request's ``Accept-Language`` header asks for English
(``en``) or Dutch (``nl``); the slug never changes. These are AR24's sentences, not this module's
advice (the module shows its own sentence per slug: ``ar24.errors.SLUG_MESSAGES``).

- English: word for word as public clients quote AR24's documentation (fxmauricard:
  src/Infrastructure/Ar24/Http/Client/ApiClient.php and the clients of src/Infrastructure/Ar24/Http/;
  fadysaoudy: app/Enum/*ErrorEnum.php), typos included. Slugs no client quotes are marked
  [ASSUMED] and worded in AR24's style.
- French: no public client or AR24 page quotes AR24's French texts: every one is a faithful rendering
  of the English, [ASSUMED] (routes.ASSUMPTIONS "messages").
- Dutch: AR24 answers in Dutch; none of its Dutch texts is public, so the emulator answers English.
"""

DEFAULT_LANGUAGE = "fr"
LANGUAGES = ("fr", "en", "nl")

# slug -> (English, French). A (route name, slug) key words one route apart, as AR24 does for
# attachment_too_big (upload versus letter).
TEXTS = {
    # every call (fxmauricard ApiClient::DEFAULT_ERROR_MAP)
    "unknown_error": ("An unknown error occurred", "Une erreur inconnue est survenue"),
    "token_invalid": ("Your token is not valid", "Votre token n'est pas valide"),
    "token_missing": ("The token is missing in your request", "Le token est absent de votre requête"),
    "empty_date": ("No date parameter found in your request", "Aucun paramètre date dans votre requête"),
    "invalid_date": (
        "Wrong date format (must be YYYY-MM-DD HH:mm:ss)",
        "Format de date incorrect (attendu : YYYY-MM-DD HH:mm:ss)",
    ),
    "expired_date": (
        "Given datetime is older than current datetime",
        "La date fournie est antérieure à la date actuelle",
    ),
    "date_in_future": (
        "Given datetime must be set between call submission and +10 minutes",
        "La date fournie doit être comprise entre l'envoi de l'appel et +10 minutes",
    ),
    # [ASSUMED] no client quotes the signature errors
    "empty_signature": (
        "The signature header is missing in your request",
        "L'en-tête signature est absent de votre requête",
    ),
    "invalid_signature": (
        "The signature of your request is not valid",
        "La signature de votre requête n'est pas valide",
    ),
    "route_not_found": ("This route does not exist", "Cette route n'existe pas"),
    # users (fxmauricard UserClient, RegisteredMailClient; fadysaoudy UserErrorEnum)
    "user_not_exist": (
        "There is no user with this address on AR24",
        "Il n'existe aucun utilisateur avec cette adresse sur AR24",
    ),
    "user_unavailable": (
        "You tried to access a resource that is not related to your API (user has not granted API access)",
        "Vous avez tenté d'accéder à une ressource qui n'est pas liée à votre API (l'utilisateur n'a pas autorisé "
        "l'accès à l'API)",
    ),
    "missing_user_id": ("Please specify a valid user ID", "Veuillez indiquer un identifiant d'utilisateur valide"),
    "missing_firstname": ("Please specify a firstname", "Veuillez indiquer un prénom"),
    "missing_lastname": ("Please specify a lastname", "Veuillez indiquer un nom"),
    "missing_email": ("Please specify an email address", "Veuillez indiquer une adresse e-mail"),
    "email_wrong_format": ("Incorrect email address format", "Format d'adresse e-mail incorrect"),
    "missing_address": ("Please specify an address", "Veuillez indiquer une adresse"),
    "missing_city": ("Please specify a city", "Veuillez indiquer une ville"),
    "missing_zipcode": ("Please specify a zipcode", "Veuillez indiquer un code postal"),
    "missing_country": ("Please specify a country", "Veuillez indiquer un pays"),
    "error_country": ("Please specify a valid country", "Veuillez indiquer un pays valide"),
    "error_gender": ("Please specify a valid gender", "Veuillez indiquer une civilité valide"),
    "missing_company_siret": (
        "Please specify an company_siret (Required for a user in FR)",
        "Veuillez indiquer un company_siret (obligatoire pour un utilisateur en France)",
    ),
    # fxmauricard's copy reads " specify an company_tva ...": its "Please" was lost in the copy
    "missing_company_tva": (
        "Please specify an company_tva (Required for a user in EU)",
        "Veuillez indiquer un company_tva (obligatoire pour un utilisateur de l'UE)",
    ),
    "error_company_siret": (
        "Please specify a valid company_siret (No company has been found with this company_siret)",
        "Veuillez indiquer un company_siret valide (aucune entreprise n'a été trouvée avec ce company_siret)",
    ),
    "user_not_created": ("An error occurred", "Une erreur est survenue"),
    # letters (fxmauricard RegisteredMailClient::send, getById)
    "same_sender_recipient_emails": (
        "Recipient email and sender email must be different",
        "L'e-mail du destinataire et celui de l'expéditeur doivent être différents",
    ),
    "invalid_recipient": ("Recipient email is invalid", "L'e-mail du destinataire n'est pas valide"),
    "invalid_email": (
        "Recipient's email address is incorrect, the domain does not exist",
        "L'adresse e-mail du destinataire est incorrecte, le domaine n'existe pas",
    ),
    "user_account_not_confirmed": (
        "User has to confirm its email address first",
        "L'utilisateur doit d'abord confirmer son adresse e-mail",
    ),
    "user_eula_not_accepted": (
        "Sender must accept AR24 EULA first",
        "L'expéditeur doit d'abord accepter les CGU d'AR24",
    ),
    "user_name_empty": (
        "Sender name (firstname or lastname) cannot be empty",
        "Le nom de l'expéditeur (prénom ou nom) ne peut pas être vide",
    ),
    "user_no_payment": (
        "User or Master has no payment method",
        "L'utilisateur ou son compte maître n'a aucun moyen de paiement",
    ),
    "attachment_not_exists": (
        "At least one of the attachment ID's you proviced doesn't exist",
        "Au moins un des identifiants de pièce jointe fournis n'existe pas",
    ),
    "attachment_unavailable": (
        "One of the attachment ID's you provided doesn't exist",
        "Un des identifiants de pièce jointe fournis n'existe pas",
    ),
    "attachment_too_big": ("File exceeds size limit", "Le fichier dépasse la taille maximale"),
    "content_exceeds_limit": ("Content parameters is too long", "Le paramètre content est trop long"),
    "forbidden_html": (
        "The content has some forbidden html tag into it, please clean your input",
        "Le contenu comporte des balises HTML interdites, veuillez le nettoyer",
    ),
    "error_no_content_no_attachment": (
        "Empty mail ; content is empty and there are no attachments",
        "Courrier vide ; le contenu est vide et il n'y a aucune pièce jointe",
    ),
    "authentication_otp_hash_invalid": (
        "OTP hash is required (from 1h authentification method) and the one you provided is not correct",
        "Le hash OTP est requis (méthode d'authentification d'une heure) et celui fourni n'est pas correct",
    ),
    "authentication_otp_invalid": ("Invalid otp code", "Code OTP invalide"),
    "authentication_missing": (
        "Invalid eidas identification (ssl or otp)",
        "Identification eIDAS invalide (ssl ou otp)",
    ),
    "missing_erm_id": ("Please provide a valid mail ID", "Veuillez fournir un identifiant de courrier valide"),
    # [ASSUMED] no client quotes these
    "erm_not_exist": ("This mail does not exist", "Ce courrier n'existe pas"),
    "invalid_type": ("Please specify a valid type", "Veuillez indiquer un type valide"),
    ("send_mail", "missing_address"): (
        "Please specify the recipient's postal address",
        "Veuillez indiquer l'adresse postale du destinataire",
    ),
    # attachments (fxmauricard AttachmentClient::upload)
    "attachment_empty_name": (
        "We can't extract a file name for the uploaded file (file_name parameter or name parameter in the file "
        "object are empty or wrong encoded)",
        "Impossible d'extraire un nom de fichier pour le fichier envoyé (paramètre file_name ou nom du fichier vide "
        "ou mal encodé)",
    ),
    ("upload_attachment", "attachment_too_big"): (
        "File is empty (0B) or too big",
        "Le fichier est vide (0 o) ou trop gros",
    ),
    "attachment_missing_file": (
        "You didn't fill the file parameter correctly",
        "Vous n'avez pas renseigné correctement le paramètre file",
    ),
    # [ASSUMED] no client quotes these (routes.ASSUMPTIONS "upload-checks", "consent-routes")
    "attachment_not_pdf": ("The file is not a valid PDF", "Le fichier n'est pas un PDF valide"),
    "attachment_unreadable": (
        "The PDF file cannot be read (damaged or password-protected)",
        "Le fichier PDF ne peut pas être lu (endommagé ou protégé par un mot de passe)",
    ),
    "consent_not_exist": (
        "There is no consent for this email address",
        "Il n'existe aucun consentement pour cette adresse e-mail",
    ),
}


def language(accept_language):
    """The language AR24 answers in for an ``Accept-Language`` header: its first tag, if AR24 speaks it."""
    first = (accept_language or "").split(",", 1)[0].split(";", 1)[0].strip().lower()
    primary = first.split("-", 1)[0]
    return primary if primary in LANGUAGES else DEFAULT_LANGUAGE


def text(slug, lang=DEFAULT_LANGUAGE, route=None):
    """AR24's ``message`` for ``slug`` (on ``route``) in ``lang``; AR24's generic sentence for a slug
    it does not word apart."""
    english, french = TEXTS.get((route, slug)) or TEXTS.get(slug) or TEXTS["unknown_error"]
    return french if lang == "fr" else english
