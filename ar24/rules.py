"""Business rules of registered letters that need no database: e-mails, postal addresses, deadlines.

A letter refused by AR24 or La Poste, or presented one day too late, can void a general
assembly (AG): these rules let the addon warn the property manager before sending, in words
they can act on. Every figure the law or La Poste fixes is a constant below, with its source.

Pure Python: nothing from Odoo, so that the rules are tested (and reviewed) on their own.
"""

import functools
import re
import unicodedata
from collections import namedtuple
from datetime import date, datetime, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo

from .i18n import _lt

# --- figures fixed by the law, La Poste or AR24 ------------------------------------------------

# Décret n° 67-223 du 17 mars 1967, art. 9: "sauf urgence, cette convocation est notifiée au moins
# vingt et un jours avant la date de la réunion".
AG_NOTICE_DAYS = 21
# Code des postes et des communications électroniques, art. R. 53-3: the recipient of an LRE may
# accept or refuse it "pendant un délai de quinze jours à compter du lendemain de l'envoi" of the e-mail notice.
LRE_ACCEPTANCE_DAYS = 15
# AR24's "avis électronique" leaves 21 days to the recipient (AR24 product rule, see routes.NEGLIGENCE_DAYS).
AE_ACCEPTANCE_DAYS = 21
# La Poste, norme AFNOR XP Z10-011: an address block has at most 6 lines of at most 38 characters,
# spaces included.
POSTAL_MAX_LINES = 6
POSTAL_MAX_LINE_LENGTH = 38
# [ESTIMATE] business days between the send order and La Poste's first presentation of a paper letter:
# AR24 prints and posts it the next business day, then La Poste aims at J+2 for registered letters.
PAPER_TRANSIT_DAYS = 3

# Channels as the addon names them (routes.PRODUCTS): the e-mail notice of an electronic letter is its
# first presentation (décret 1967, art. 64-3: the delay runs from the day after the e-mail is sent).
ACCEPTANCE_DAYS = {"lre_eidas": LRE_ACCEPTANCE_DAYS, "ere": LRE_ACCEPTANCE_DAYS, "ae": AE_ACCEPTANCE_DAYS}
ELECTRONIC_CHANNELS = tuple(ACCEPTANCE_DAYS)
PAPER_CHANNELS = ("lr_paper",)

# --- e-mail addresses --------------------------------------------------------------------------

# RFC 5321, 4.5.3.1: sizes of an address and of its parts.
EMAIL_MAX_LENGTH = 254
LOCAL_PART_MAX_LENGTH = 64
DOMAIN_MAX_LENGTH = 253
LABEL_MAX_LENGTH = 63

# RFC 5322 "dot-atom" local part (quoted local parts are legal but no mailbox provider hands them out).
_ATEXT = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]"
_LOCAL_PART_RE = re.compile(r"%s+(?:\.%s+)*" % (_ATEXT, _ATEXT))
_LABEL_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")
_TLD_RE = re.compile(r"[a-z]{2,}|xn--[a-z0-9-]+")
# "Jean Dupont <jean@example.fr>", as mail clients copy an address.
_DISPLAY_NAME_RE = re.compile(r"[^<>]*<([^<>]*)>")


def _several_addresses(text):
    """Several recipients pasted in one field: "a@x.fr, b@y.fr", "a@x.fr; b@y.fr", "a@x.fr / b@y.fr"."""
    return len([part for part in re.split(r"[\s,;/|]+", text) if "@" in part]) > 1


def _local_part_problem(local):
    if not local:
        return _lt("nothing before the @")
    if not local.isascii():
        return _lt("accented or non-Latin letters before the @ are not accepted by most mail servers")
    if len(local) > LOCAL_PART_MAX_LENGTH:
        return _lt("the part before the @ has more than %d characters", LOCAL_PART_MAX_LENGTH)
    if local.startswith(".") or local.endswith(".") or ".." in local:
        return _lt("a dot cannot start or end the part before the @, nor follow another dot")
    if not _LOCAL_PART_RE.fullmatch(local):
        forbidden = sorted({char for char in local if not re.fullmatch(_ATEXT + r"|\.", char)})
        return _lt("forbidden character %s before the @", " ".join("“%s”" % char for char in forbidden))
    return None


def _ascii_domain(domain):
    """(punycode domain, None) or (None, reason): IDNA 2003, Python's ``idna`` codec, as mail servers do."""
    if not domain:
        return None, _lt("nothing after the @")
    if domain.startswith("["):
        return None, _lt("an IP address instead of a domain name is not accepted")
    labels = domain.split(".")
    if len(labels) < 2:
        return None, _lt("the domain “%s” has no extension (.fr, .com…)", domain)
    if "" in labels:
        return None, _lt("the domain “%s” has an empty part (two dots in a row?)", domain)
    if any(len(label) > LABEL_MAX_LENGTH for label in labels):
        return None, _lt("a part of the domain “%s” has more than %d characters", domain, LABEL_MAX_LENGTH)
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return None, _lt("the domain “%s” is not a valid domain name", domain)
    for label in ascii_domain.split("."):
        if len(label) > LABEL_MAX_LENGTH or not _LABEL_RE.fullmatch(label):
            return None, _lt("the domain “%s” contains a forbidden character or a misplaced hyphen", domain)
    if not _TLD_RE.fullmatch(ascii_domain.rsplit(".", 1)[1]):
        return None, _lt("the domain “%s” does not end with a real extension (.fr, .com…)", domain)
    if len(ascii_domain) > DOMAIN_MAX_LENGTH:
        return None, _lt("the domain has more than %d characters", DOMAIN_MAX_LENGTH)
    return ascii_domain, None


def normalize_email(value):
    """(address, None) ready for AR24, or (None, reason) telling the user what to fix.

    THE e-mail rule of the addon: every address it stores or compares for AR24 (a consent's e-mail,
    a letter's recipient, the sender's address, the rows of AR24's consent address book matched to
    contacts) goes through it, so that two spellings of one mailbox are one address, and a consent
    given for a mailbox counts for a letter to that mailbox.

    The address is trimmed and lowercased (AR24 compares addresses as typed: "Jean@X.fr" and
    "jean@x.fr" would be two recipients); an internationalised domain becomes its ASCII (punycode)
    form, the only one every mail server accepts; the part before the @ is kept as typed otherwise.
    A part before the @ with letters outside ASCII ("josé@example.fr") is refused: it needs SMTPUTF8
    (RFC 6531), an optional extension many mail servers lack, and AR24 documents no support for it.
    Such an address can neither receive a letter nor hold a consent; the property manager is asked
    for another address.
    """
    if not value or not str(value).strip():
        return None, _lt("no e-mail address")
    text = unicodedata.normalize("NFC", str(value)).strip().lower()
    if _several_addresses(text):
        return None, _lt("several e-mail addresses in one field")
    text = text.removeprefix("mailto:")
    display = _DISPLAY_NAME_RE.fullmatch(text)
    if display:
        text = display.group(1).strip()
    if "@" not in text:
        return None, _lt("no @ in the address")
    if text.count("@") > 1:
        return None, _lt("more than one @ in the address")
    if re.search(r"\s", text):
        return None, _lt("the address contains a space")
    if "," in text or ";" in text:
        return None, _lt("the address contains a comma or a semicolon")
    local, domain = text.split("@")
    reason = _local_part_problem(local)
    if reason:
        return None, reason
    ascii_domain, reason = _ascii_domain(domain.removesuffix("."))
    if reason:
        return None, reason
    email = "%s@%s" % (local, ascii_domain)
    if len(email) > EMAIL_MAX_LENGTH:
        return None, _lt("the address has more than %d characters", EMAIL_MAX_LENGTH)
    return email, None


# --- postal addresses --------------------------------------------------------------------------

# French postal codes (5 digits): metropolitan France, Monaco, overseas departments and collectivities.
FRENCH_POSTAL_COUNTRIES = frozenset(
    ("FR", "MC", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF", "WF", "PF", "NC", "TF")
)
# Country line of international mail: the name in French capitals (Universal Postal Union rule for mail
# posted in France). The addon passes Odoo's name for other countries.
COUNTRY_NAMES = {
    "MC": "MONACO",
    "GP": "GUADELOUPE",
    "MQ": "MARTINIQUE",
    "GF": "GUYANE",
    "RE": "LA REUNION",
    "YT": "MAYOTTE",
    "PM": "SAINT-PIERRE-ET-MIQUELON",
    "BL": "SAINT-BARTHELEMY",
    "MF": "SAINT-MARTIN",
    "WF": "WALLIS-ET-FUTUNA",
    "PF": "POLYNESIE FRANCAISE",
    "NC": "NOUVELLE-CALEDONIE",
    "TF": "TERRES AUSTRALES FRANCAISES",
    "BE": "BELGIQUE",
    "CH": "SUISSE",
    "LU": "LUXEMBOURG",
    "DE": "ALLEMAGNE",
    "ES": "ESPAGNE",
    "IT": "ITALIE",
    "PT": "PORTUGAL",
    "NL": "PAYS-BAS",
    "GB": "ROYAUME-UNI",
    "IE": "IRLANDE",
    "US": "ETATS-UNIS",
    "CA": "CANADA",
    "MA": "MAROC",
    "DZ": "ALGERIE",
    "TN": "TUNISIE",
}


def _clean(value):
    """The non-empty lines of a field, whitespace collapsed (Odoo fields are False when empty)."""
    text = unicodedata.normalize("NFC", str(value or ""))
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def _capitals(text):
    """La Poste wants the last lines in capitals without accents ("SAINT-ETIENNE", not "Saint-Étienne")."""
    decomposed = unicodedata.normalize("NFKD", text.upper())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _country(country_code):
    return (country_code or "").strip().upper()


def _postal_code(zip_code, country_code):
    """French postal codes lose their inner spaces ("75 001" → "75001"); foreign ones are kept as typed."""
    text = " ".join(_clean(zip_code))
    return text.replace(" ", "") if _country(country_code) in FRENCH_POSTAL_COUNTRIES else text


def format_postal_lines(street, street2, zip, city, country_code, name=None, country_name=None):
    """The address block as printed, top to bottom: name, street2, street, "ZIP CITY", country.

    The complement (building, staircase) comes above the street, as AFNOR orders it; the country
    line is added for every destination but metropolitan France.
    """
    lines = _clean(name) + _clean(street2) + _clean(street)
    town = " ".join(part for part in (_postal_code(zip, country_code), _capitals(" ".join(_clean(city)))) if part)
    if town:
        lines.append(town)
    country = _country(country_code)
    if country and country != "FR":
        lines.append(_capitals(" ".join(_clean(country_name)) or COUNTRY_NAMES.get(country, country)))
    return lines


def _missing_fields(street, zip_code, city, country_code):
    problems = []
    if not _clean(street):
        problems.append(_lt("the street is missing"))
    if not _postal_code(zip_code, country_code) and _country(country_code) in FRENCH_POSTAL_COUNTRIES:
        problems.append(_lt("the zip code is missing"))
    if not _clean(city):
        problems.append(_lt("the city is missing"))
    if not _country(country_code):
        problems.append(_lt("the country is missing"))
    return problems


def _zip_problem(zip_code, country_code):
    code = _postal_code(zip_code, country_code)
    if code and _country(country_code) in FRENCH_POSTAL_COUNTRIES and not re.fullmatch(r"[0-9]{5}", code):
        return _lt("the zip code “%s” must have exactly 5 digits (French postal code)", code)
    return None


def _layout_problems(lines):
    problems = []
    if len(lines) > POSTAL_MAX_LINES:
        problems.append(_lt("the address has %d lines (%d at most)", len(lines), POSTAL_MAX_LINES))
    for number, line in enumerate(lines, start=1):
        if len(line) > POSTAL_MAX_LINE_LENGTH:
            problems.append(
                _lt("line %d “%s” has %d characters (%d at most)", number, line, len(line), POSTAL_MAX_LINE_LENGTH)
            )
    return problems


def check_postal_address(street, street2, zip, city, country_code, name=None, country_name=None):
    """What La Poste would refuse or misroute in this address, as readable sentences (empty when fine).

    Required: street, city, country, and a 5-digit zip code for French postal codes (France, Monaco,
    overseas); a foreign zip code is optional (Ireland, Hong Kong… have none) and free in form. The
    printed block (see ``format_postal_lines``) must fit 6 lines of 38 characters.
    """
    problems = _missing_fields(street, zip, city, country_code)
    zip_problem = _zip_problem(zip, country_code)
    if zip_problem:
        problems.append(zip_problem)
    lines = format_postal_lines(street, street2, zip, city, country_code, name=name, country_name=country_name)
    return problems + _layout_problems(lines)


# --- company numbers ---------------------------------------------------------------------------

# INSEE: a SIRET is the company's SIREN (9 digits) followed by the establishment's number (5 digits);
# the SIREN and the whole SIRET each pass the Luhn check. The known exception is La Poste (SIREN
# 356 000 000): its establishments' SIRETs have a sum of digits that is a multiple of 5 instead; its
# head office (356 000 000 00048) passes Luhn like any other.
LA_POSTE_SIREN = "356000000"
LA_POSTE_HEAD_OFFICE_SIRET = "35600000000048"


def _luhn(digits):
    total = 0
    for position, digit in enumerate(reversed(digits)):
        value = int(digit) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def is_valid_siret(value):
    """True when ``value`` (14 digits, spaces allowed) is a number INSEE could have given as a SIRET.

    A number failing this check belongs to no company (a digit is mistyped): AR24, which looks the
    SIRET up, refuses it (``error_company_siret``)."""
    digits = re.sub(r"\s", "", value or "")
    if not re.fullmatch(r"\d{14}", digits):
        return False
    if digits.startswith(LA_POSTE_SIREN) and digits != LA_POSTE_HEAD_OFFICE_SIRET:
        return sum(int(digit) for digit in digits) % 5 == 0
    return _luhn(digits[:9]) and _luhn(digits)


# --- legal deadlines ---------------------------------------------------------------------------

DAY_NAMES = (
    _lt("Monday"),
    _lt("Tuesday"),
    _lt("Wednesday"),
    _lt("Thursday"),
    _lt("Friday"),
    _lt("Saturday"),
    _lt("Sunday"),
)
MONTH_NAMES = (
    _lt("January"),
    _lt("February"),
    _lt("March"),
    _lt("April"),
    _lt("May"),
    _lt("June"),
    _lt("July"),
    _lt("August"),
    _lt("September"),
    _lt("October"),
    _lt("November"),
    _lt("December"),
)


def _as_date(value):
    """Odoo hands datetimes as often as dates; deadlines are whole days."""
    return value.date() if isinstance(value, datetime) else value


def format_day(day):
    """The day in English, e.g. "Thursday 14 May 2026", whatever the server's locale (strftime follows it)."""
    return _lt("%s %d %s %d", DAY_NAMES[day.weekday()], day.day, MONTH_NAMES[day.month - 1], day.year)


def easter_sunday(year):
    """Easter Sunday of the Gregorian calendar (anonymous algorithm, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return date(year, month, day + 1)


@functools.lru_cache(maxsize=64)
def _holidays(year):
    easter = easter_sunday(year)
    days = {
        date(year, 1, 1): _lt("New Year's Day"),
        easter + timedelta(days=1): _lt("Easter Monday"),
        date(year, 5, 1): _lt("Labour Day"),
        date(year, 5, 8): _lt("Victory in Europe Day"),
        easter + timedelta(days=39): _lt("Ascension Day"),
        easter + timedelta(days=50): _lt("Whit Monday"),
        date(year, 7, 14): _lt("Bastille Day"),
        date(year, 8, 15): _lt("Assumption Day"),
        date(year, 11, 1): _lt("All Saints' Day"),
        date(year, 11, 11): _lt("Armistice Day"),
        date(year, 12, 25): _lt("Christmas Day"),
    }
    return MappingProxyType(dict(sorted(days.items())))


def french_public_holidays(year):
    """{date: name} of the 11 national public holidays (Code du travail, art. L. 3133-1).

    La Poste does not present letters on them. Local ones (Alsace-Moselle's Good Friday and
    26 December, overseas abolition days) are left out: a transit estimate, not a calendar of record.
    """
    return dict(_holidays(year))


def is_business_day(day):
    """Monday to Friday, public holidays excepted: the days La Poste presents registered letters."""
    return day.weekday() < 5 and day not in _holidays(day.year)


def add_business_days(start, days):
    """The ``days``-th business day after ``start`` (``start`` itself when ``days`` is 0)."""
    current = _as_date(start)
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_business_day(current):
            remaining -= 1
    return current


def subtract_business_days(end, days):
    """The latest business day from which ``days`` business days of transit end on ``end`` or before."""
    current = _as_date(end)
    while not is_business_day(current):
        current -= timedelta(days=1)
    for _ in range(days):
        current -= timedelta(days=1)
        while not is_business_day(current):
            current -= timedelta(days=1)
    return current


def ag_convocation_deadline(ag_date, notice_days=AG_NOTICE_DAYS):
    """The latest day the convocation may be first presented for an AG held on ``ag_date``.

    Décret 1967, art. 64 (and 64-3 for LRE): the delay runs from the day after the first
    presentation d; the AG day itself is not counted. So the days d+1 … ag_date-1 must number at
    least ``notice_days``:

        (ag_date - (d + 1 day)).days >= notice_days   ⇔   d <= ag_date - (notice_days + 1) days

    Calendar days: weekends and public holidays count and the date is never moved (the extension of
    a deadline ending on a Sunday, CPC art. 642, helps whoever must act by then, not a notice that
    must elapse before a meeting). Whether a paper letter can be presented that day is
    ``earliest_presentation``'s concern.
    """
    if notice_days < 0:
        raise ValueError("notice_days must be positive or zero, not %r" % notice_days)
    return _as_date(ag_date) - timedelta(days=notice_days + 1)


def _check_channel(channel):
    if channel not in ELECTRONIC_CHANNELS + PAPER_CHANNELS:
        raise ValueError(
            "unknown channel %r (expected one of %s)" % (channel, ", ".join(ELECTRONIC_CHANNELS + PAPER_CHANNELS))
        )


def earliest_presentation(send_date, channel, paper_transit_days=PAPER_TRANSIT_DAYS):
    """The earliest legal date of first presentation of a letter sent on ``send_date``.

    Electronic letters ('lre_eidas', 'ere', 'ae'): the e-mail notice goes out the same day and is
    the first presentation in law (décret 1967, art. 64-3), even though the recipient then has 15
    days (21 for 'ae') to accept it. Paper letters ('lr_paper'): ``paper_transit_days`` business days
    later, La Poste presenting neither on weekends nor on public holidays.
    """
    _check_channel(channel)
    if channel in ELECTRONIC_CHANNELS:
        return _as_date(send_date)
    presented = add_business_days(send_date, paper_transit_days)
    while not is_business_day(presented):  # no transit at all, sent on a Sunday: presented on Monday
        presented += timedelta(days=1)
    return presented


def acceptance_deadline(send_date, channel):
    """Last day the recipient of an electronic letter may accept it; negligence is recorded after it.

    CPCE art. R. 53-3: the period starts the day after the e-mail notice, so it ends ``days`` days
    after the send date.
    """
    if channel not in ACCEPTANCE_DAYS:
        raise ValueError("no acceptance period for channel %r" % channel)
    return _as_date(send_date) + timedelta(days=ACCEPTANCE_DAYS[channel])


def latest_send_date(must_be_received_by, channel, paper_transit_days=PAPER_TRANSIT_DAYS):
    """The last day a letter can be sent and still be first presented by ``must_be_received_by``.

    The deadline itself for electronic letters; for paper letters the latest business day that
    leaves ``paper_transit_days`` business days of transit before it.
    """
    _check_channel(channel)
    deadline = _as_date(must_be_received_by)
    if channel in ELECTRONIC_CHANNELS:
        return deadline
    return subtract_business_days(deadline, paper_transit_days)


def _and(items):
    """ "a, b and c" that a translation can render in its own words."""
    text = items[0]
    for item in items[1:-1]:
        text = _lt("%s, %s", text, item)
    return _lt("%s and %s", text, items[-1]) if len(items) > 1 else text


def _holidays_between(start, end):
    """Public holidays strictly after ``start`` and up to ``end``, as "Ascension Day on Thursday 14 May 2026"."""
    found = []
    for year in range(start.year, end.year + 1):
        for day, name in _holidays(year).items():
            if start < day <= end and day.weekday() < 5:
                found.append(_lt("%s on %s", name, format_day(day)))
    return found


def deadline_risk(send_date, must_be_received_by, channel, paper_transit_days=PAPER_TRANSIT_DAYS):
    """(True, None) when a letter sent on ``send_date`` is first presented by ``must_be_received_by``.

    Otherwise (False, reason), the reason saying when it would be presented and what to do. No
    deadline (None) means no risk.
    """
    _check_channel(channel)
    if not must_be_received_by:
        return True, None
    send, deadline = _as_date(send_date), _as_date(must_be_received_by)
    presented = earliest_presentation(send, channel, paper_transit_days)
    if presented <= deadline:
        return True, None
    if channel in ELECTRONIC_CHANNELS:
        return False, _lt(
            "An electronic letter sent on %s is presented that day, after the deadline of %s.",
            format_day(send),
            format_day(deadline),
        )
    holidays = _holidays_between(send, presented)
    skipped = _lt(", skipping %s", _and(holidays)) if holidays else ""
    if send <= deadline:
        advice = _lt("send an electronic registered letter instead (presented the day it is sent)")
    else:
        advice = _lt("the deadline has already passed")
    return False, _lt(
        "A paper letter sent on %s is first presented on %s at the earliest (%d business days of transit%s), "
        "after the deadline of %s. Paper letters had to be sent by %s; %s.",
        *(
            format_day(send),
            format_day(presented),
            paper_transit_days,
            skipped,
            format_day(deadline),
            format_day(latest_send_date(deadline, channel, paper_transit_days)),
            advice,
        ),
    )


# --- the month a letter is billed in ---------------------------------------------------------------
# AR24 dates its letters and bills them in Paris time: a letter deposited on 31 March at 23:30 in Paris
# (21:30 UTC) is March's, whatever the server's clock (see routes.BILLED_STATUSES).
_PARIS = ZoneInfo("Europe/Paris")
_UTC = ZoneInfo("UTC")


def billing_month(utc_naive):
    """First day of the Paris month of ``utc_naive`` (a naive UTC datetime, as Odoo stores them)."""
    paris = utc_naive.replace(tzinfo=_UTC).astimezone(_PARIS)
    return date(paris.year, paris.month, 1)


def month_bounds(month):
    """(start, end) of the Paris month of ``month`` (a date), as naive UTC datetimes: start <= x < end."""
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return tuple(
        datetime(day.year, day.month, 1, tzinfo=_PARIS).astimezone(_UTC).replace(tzinfo=None)
        for day in (month, following)
    )


# --- the channel of each recipient (send type "per recipient") -----------------------------------
#
# A syndic convenes every co-owner at once: those who consented get an electronic letter, the others a
# paper one. Each letter takes the recipient's preferred dispatch when it is allowed for him; otherwise
# the entity's electronic letter when his consent allows it (or he is a professional); otherwise a
# paper registered letter when his postal address is complete; otherwise none, and the reason says
# what is missing.

# The LRE consent of the person whose e-mail a letter uses, for that e-mail (the addon reads it from
# the consent of the letter's entity): accepted for it, accepted for another address, a request not
# answered yet, nothing recorded, refused.
CONSENT_STATUSES = ("accepted", "other_email", "pending", "none", "refused")
# A contact's preferred dispatch (the LSC manual's "Mode d'expédition préféré") -> the kind of letter.
PREFERRED_KINDS = {"post": "paper", "lr_paper": "paper", "email": "electronic", "lre": "electronic"}
CONSENT_REASONS = {
    "refused": _lt("LRE consent not valid (refused)"),
    "pending": _lt("LRE consent not valid (request pending)"),
    "none": _lt("LRE consent not valid (no consent)"),
}


def electronic_channel(default_send_type, is_coownership):
    """The electronic letter of an entity when each recipient gets his channel: the avis électronique
    for a co-ownership whose default send type it is, the qualified LRE otherwise."""
    return "ae" if is_coownership and default_send_type == "ae" else "lre_eidas"


def consent_problem(channel, consent, professional=False, ae_consent_required=True):
    """None when a letter of ``channel`` may go to a recipient whose consent (for the e-mail the letter
    uses) is ``consent``; otherwise the consent status that stops it.

    Art. L100 CPCE: a private person must have consented before a qualified LRE is sent to him, a
    professional need not. The avis électronique needs the consent when the entity's policy says so;
    a refusal always stops an electronic letter. A paper letter needs no consent.
    """
    if consent not in CONSENT_STATUSES:
        raise ValueError("unknown consent status %r (expected one of %s)" % (consent, ", ".join(CONSENT_STATUSES)))
    _check_channel(channel)
    if channel in PAPER_CHANNELS:
        return None
    if channel != "ae" and professional:
        return None
    if consent == "refused":
        return "refused"
    if consent == "accepted" or (channel == "ae" and not ae_consent_required):
        return None
    return consent


def consent_reason(problem, consent_email=None):
    """The sentence of a ``consent_problem`` (the LSC manual's "Consentement LRE non valide")."""
    if problem == "other_email":
        return _lt("LRE consent not valid (given for another e-mail: %s)", consent_email or "?")
    return CONSENT_REASONS[problem]


# The channel a letter takes ('lre_eidas', 'ae', 'lr_paper', or None when none can carry it) and why.
ChannelChoice = namedtuple("ChannelChoice", "channel reason")


def _electronic_reason(electronic, consent, professional):
    """Why the electronic letter may go (it may: see ``choose_channel``)."""
    if electronic != "ae" and professional:
        return _lt("professional recipient: no LRE consent needed")
    if consent == "accepted":
        return _lt("LRE consent valid")
    return _lt("the entity sends the avis électronique without prior consent")


def choose_channel(
    preferred,
    electronic,
    consent,
    professional=False,
    ae_consent_required=True,
    email_problem=None,
    address_problem=None,
    consent_email=None,
):
    """The channel of one letter when each recipient gets his own (the wizard's send type "per recipient").

    :param preferred: the contact's preferred dispatch (``PREFERRED_KINDS``' keys) or None
    :param electronic: the entity's electronic letter (``electronic_channel``)
    :param consent: one of ``CONSENT_STATUSES``, for the e-mail the letter would use
    :param email_problem: why the e-mail cannot be used (no e-mail, invalid…), or None when it can
    :param address_problem: why the postal address cannot be used, or None when it is complete
    :return: ``ChannelChoice``
    """
    if preferred and preferred not in PREFERRED_KINDS:
        raise ValueError("unknown preferred dispatch %r" % preferred)
    if electronic not in ELECTRONIC_CHANNELS:
        raise ValueError("unknown electronic channel %r" % electronic)
    problem = consent_problem(electronic, consent, professional, ae_consent_required)
    if email_problem:
        no_electronic = _lt("no usable e-mail (%s)", email_problem)
    elif problem:
        no_electronic = consent_reason(problem, consent_email)
    else:
        no_electronic = None
    no_paper = _lt("postal address incomplete (%s)", address_problem) if address_problem else None
    kind = PREFERRED_KINDS.get(preferred)
    if kind == "electronic" and not no_electronic:
        return ChannelChoice(electronic, _lt("preferred dispatch of the recipient"))
    if kind == "paper" and not no_paper:
        return ChannelChoice("lr_paper", _lt("preferred dispatch of the recipient"))
    if not no_electronic:
        reason = _electronic_reason(electronic, consent, professional)
        if kind == "paper":
            reason = _lt("%s; preferred paper letter impossible: %s", reason, no_paper)
        return ChannelChoice(electronic, reason)
    if not no_paper:
        if kind == "electronic":
            return ChannelChoice("lr_paper", _lt("preferred electronic letter impossible: %s", no_electronic))
        return ChannelChoice("lr_paper", _lt("no electronic letter: %s", no_electronic))
    return ChannelChoice(None, _lt("No channel: %s; %s", no_electronic, no_paper))
