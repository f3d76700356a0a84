"""Business rules: e-mail normalisation, La Poste addresses, AG notice and presentation deadlines."""

import random
from datetime import date, datetime, timedelta

import pytest

from ar24 import rules
from ar24.routes import NEGLIGENCE_DAYS, PRODUCTS
from ar24.rules import (
    acceptance_deadline,
    add_business_days,
    ag_convocation_deadline,
    check_postal_address,
    deadline_risk,
    earliest_presentation,
    easter_sunday,
    format_day,
    format_postal_lines,
    french_public_holidays,
    is_business_day,
    latest_send_date,
    normalize_email,
)
from ar24.tests.channel_table import ADDRESSES, CHANNEL_TABLE, CONSENTS, PREFERRED

D = date.fromisoformat


def test_constants_follow_the_texts_and_agree_with_routes():
    assert (rules.AG_NOTICE_DAYS, rules.LRE_ACCEPTANCE_DAYS, rules.AE_ACCEPTANCE_DAYS) == (21, 15, 21)
    assert (rules.POSTAL_MAX_LINES, rules.POSTAL_MAX_LINE_LENGTH, rules.PAPER_TRANSIT_DAYS) == (6, 38, 3)
    # routes.NEGLIGENCE_DAYS describes the same periods on AR24's side: both must tell the same story
    assert (NEGLIGENCE_DAYS["lre"], NEGLIGENCE_DAYS["ae"]) == (rules.LRE_ACCEPTANCE_DAYS, rules.AE_ACCEPTANCE_DAYS)
    assert set(rules.ELECTRONIC_CHANNELS + rules.PAPER_CHANNELS) == set(PRODUCTS)


# --- e-mail addresses ----------------------------------------------------------------------------

VALID_EMAILS = [
    ("jean.dupont@example.fr", "jean.dupont@example.fr"),
    ("  Jean.Dupont@Example.FR \t\n", "jean.dupont@example.fr"),
    ("JEAN@EXAMPLE.FR", "jean@example.fr"),
    ("jean@exämple.fr", "jean@xn--exmple-cua.fr"),
    ("jean@EXÄMPLE.FR", "jean@xn--exmple-cua.fr"),
    ("jean@exa\u0308mple.fr", "jean@xn--exmple-cua.fr"),  # "ä" typed as "a" + combining diaeresis
    ("syndic@bücher.example.de", "syndic@xn--bcher-kva.example.de"),
    ("jean@xn--exmple-cua.fr", "jean@xn--exmple-cua.fr"),
    ("Jean Dupont <Jean@Example.fr>", "jean@example.fr"),
    ('"Dupont, Jean" <jean@example.fr>', "jean@example.fr"),
    ("mailto:jean@example.fr", "jean@example.fr"),
    ("jean@example.fr.", "jean@example.fr"),
    ("jean+ag2026@example.fr", "jean+ag2026@example.fr"),
    ("o'brien@example.ie", "o'brien@example.ie"),
    ("j_dupont-2@mail.example.co.uk", "j_dupont-2@mail.example.co.uk"),
    ("x@example.museum", "x@example.museum"),
]


@pytest.mark.parametrize("value, email", VALID_EMAILS)
def test_valid_emails_are_normalised(value, email):
    assert normalize_email(value) == (email, None)


SEVERAL = "several e-mail addresses in one field"
BAD_DOT = "a dot cannot start or end the part before the @, nor follow another dot"
BAD_DOMAIN_CHAR = "the domain “%s” contains a forbidden character or a misplaced hyphen"

INVALID_EMAILS = [
    (None, "no e-mail address"),
    (False, "no e-mail address"),  # an empty Odoo field
    ("", "no e-mail address"),
    ("   ", "no e-mail address"),
    ("a@x.fr, b@y.fr", SEVERAL),
    ("a@x.fr;b@y.fr", SEVERAL),
    ("a@x.fr b@y.fr", SEVERAL),
    ("a@x.fr\nb@y.fr", SEVERAL),
    ("a@x.fr / b@y.fr", SEVERAL),
    ("Jean <a@x.fr>, Paul <b@y.fr>", SEVERAL),
    ("jean.dupont", "no @ in the address"),
    ("jean.dupont(at)example.fr", "no @ in the address"),
    ("jean@@example.fr", "more than one @ in the address"),
    ("jean@", "nothing after the @"),
    ("@example.fr", "nothing before the @"),
    ("jean dupont@example.fr", "the address contains a space"),
    ("jean@exa mple.fr", "the address contains a space"),
    ("jean@example.fr,", "the address contains a comma or a semicolon"),
    ("jean..dupont@example.fr", BAD_DOT),
    (".jean@example.fr", BAD_DOT),
    ("jean.@example.fr", BAD_DOT),
    ("jean(dupont)@example.fr", "forbidden character “(” “)” before the @"),
    ("josé@example.fr", "accented or non-Latin letters before the @ are not accepted by most mail servers"),
    ("a" * 65 + "@example.fr", "the part before the @ has more than 64 characters"),
    ("jean@example", "the domain “example” has no extension (.fr, .com…)"),
    ("jean@example..fr", "the domain “example..fr” has an empty part (two dots in a row?)"),
    ("jean@.example.fr", "the domain “.example.fr” has an empty part (two dots in a row?)"),
    ("jean@-example.fr", BAD_DOMAIN_CHAR % "-example.fr"),
    ("jean@example-.fr", BAD_DOMAIN_CHAR % "example-.fr"),
    ("jean@exa_mple.fr", BAD_DOMAIN_CHAR % "exa_mple.fr"),
    ("jean@example.123", "the domain “example.123” does not end with a real extension (.fr, .com…)"),
    ("jean@example.f", "the domain “example.f” does not end with a real extension (.fr, .com…)"),
    ("jean@[192.168.1.1]", "an IP address instead of a domain name is not accepted"),
    ("jean@" + "a" * 64 + ".fr", "a part of the domain “%s.fr” has more than 63 characters" % ("a" * 64)),
    ("jean@" + ".".join(["a" * 63] * 4) + ".fr", "the domain has more than 253 characters"),
    ("a" * 64 + "@" + ".".join(["b" * 63] * 3) + ".fr", "the address has more than 254 characters"),
]


@pytest.mark.parametrize("value, reason", INVALID_EMAILS)
def test_invalid_emails_are_refused_with_a_reason(value, reason):
    assert normalize_email(value) == (None, reason)


# One rule for every e-mail the addon stores or compares for AR24 (consents, letters, the sender, the
# consent sync): two spellings of one mailbox must give one address, or a consent would not count.
SAME_MAILBOX = [
    # an internationalised domain, as Odoo keeps it (Unicode), as AR24 may return it (punycode), as typed
    ["jean@exämple.fr", "jean@xn--exmple-cua.fr", "JEAN@EXÄMPLE.FR", "Jean@exa\u0308mple.fr", "jean@XN--EXMPLE-CUA.FR"],
    # case, spaces (a non-breaking space pasted from a document too), a display name, a final dot
    [
        "jean.dupont@example.fr",
        "  Jean.Dupont@Example.FR ",
        "\u00a0jean.dupont@example.fr\u00a0",
        "Jean Dupont <JEAN.DUPONT@example.fr>",
        "jean.dupont@example.fr.",
    ],
    ["syndic@bücher.example.de", "SYNDIC@BÜCHER.EXAMPLE.DE", "syndic@xn--bcher-kva.example.de"],
]


@pytest.mark.parametrize("spellings", SAME_MAILBOX, ids=lambda spellings: spellings[0])
def test_every_spelling_of_one_mailbox_gives_one_address(spellings):
    email, reason = normalize_email(spellings[0])
    assert reason is None
    assert {normalize_email(value) for value in spellings} == {(email, None)}


@pytest.mark.parametrize("value, email", VALID_EMAILS)
def test_a_normalised_address_is_its_own_normal_form(value, email):
    """What is stored (a consent's e-mail) normalises to itself when compared again later."""
    assert normalize_email(email) == (email, None)


NON_ASCII_LOCAL_PARTS = ["josé@example.fr", "JOSÉ@EXAMPLE.FR", "δοκιμή@example.gr", "用户@例子.广告", "zoë@exämple.fr"]


@pytest.mark.parametrize("value", NON_ASCII_LOCAL_PARTS)
def test_non_ascii_local_parts_are_refused_for_consents_and_letters_alike(value):
    """Odoo keeps "josé@example.fr" as a valid address (SMTPUTF8); AR24 documents no support for it and
    most mail servers refuse it, so neither a consent nor a letter may use it: refused with a reason."""
    assert normalize_email(value) == (
        None,
        "accented or non-Latin letters before the @ are not accepted by most mail servers",
    )


# --- postal addresses ----------------------------------------------------------------------------

VALID_ADDRESSES = [
    # street, street2, zip, city, country, name
    ("12 rue de la Paix", "", "75002", "Paris", "FR", None),
    ("12 rue de la Paix", "Bâtiment B", "75002", "Paris", "FR", "M. Jean Dupont"),
    ("12 rue de la Paix", False, " 75 002 ", "Paris", "fr", None),  # zip with spaces, lowercase code
    ("1 avenue Princesse Grace", None, "98000", "Monaco", "MC", None),
    ("5 rue de Paris", None, "97400", "Saint-Denis", "RE", None),
    ("Rue de la Loi 16", None, "1000", "Bruxelles", "BE", None),  # foreign zip of 4 digits
    ("10 Downing Street", None, "SW1A 2AA", "London", "GB", None),
    ("1 Main Street", None, "", "Dublin", "IE", None),  # no zip code abroad
    ("12 boulevard de la Reine-Hortense-B", None, "75002", "Paris", "FR", "x" * 38),  # 38 characters
]


@pytest.mark.parametrize("street, street2, zip_code, city, country, name", VALID_ADDRESSES)
def test_valid_addresses(street, street2, zip_code, city, country, name):
    assert check_postal_address(street, street2, zip_code, city, country, name=name) == []


LONG_STREET = "32 rue du Septentrion bâtiment B escalier 4"
LONG_CITY = "Saint-Rémy-en-Bouzemont-Saint-Genest-et-Isson"

INVALID_ADDRESSES = [
    # (street, street2, zip, city, country, name), problems
    (("", None, "75002", "Paris", "FR", None), ["the street is missing"]),
    (("12 rue de la Paix", None, "", "Paris", "FR", None), ["the zip code is missing"]),
    (("12 rue de la Paix", None, "  ", "Monaco", "MC", None), ["the zip code is missing"]),
    (("12 rue de la Paix", None, "75002", "", "FR", None), ["the city is missing"]),
    (("12 rue de la Paix", None, "75002", "Paris", "", None), ["the country is missing"]),
    (
        (None, None, None, None, None, None),
        ["the street is missing", "the city is missing", "the country is missing"],
    ),
    (
        ("12 rue de la Paix", None, "7500", "Paris", "FR", None),
        ["the zip code “7500” must have exactly 5 digits (French postal code)"],
    ),
    (
        ("12 rue de la Paix", None, "75O02", "Paris", "FR", None),
        ["the zip code “75O02” must have exactly 5 digits (French postal code)"],
    ),
    (
        ("12 rue de la Paix", None, "750021", "Paris", "FR", None),
        ["the zip code “750021” must have exactly 5 digits (French postal code)"],
    ),
    (
        ("5 rue de Paris", None, "9740", "Saint-Denis", "RE", None),
        ["the zip code “9740” must have exactly 5 digits (French postal code)"],
    ),
    (
        (LONG_STREET, "Résidence Les Pins", "75019", "Paris", "FR", "M. Jean Dupont"),
        ["line 3 “32 rue du Septentrion bâtiment B escalier 4” has 43 characters (38 at most)"],
    ),
    (
        (LONG_STREET, None, "75019", "Paris", "FR", None),
        ["line 1 “32 rue du Septentrion bâtiment B escalier 4” has 43 characters (38 at most)"],
    ),
    (
        ("2 rue de l'Église", None, "51290", LONG_CITY, "FR", None),
        ["line 2 “51290 SAINT-REMY-EN-BOUZEMONT-SAINT-GENEST-ET-ISSON” has 51 characters (38 at most)"],
    ),
    (
        ("12 Baker Street", "Flat 4\nSecond floor\nBlock C", "NW1 6XE", "London", "GB", "Mr John Smith"),
        ["the address has 7 lines (6 at most)"],
    ),
    (
        (LONG_STREET, "Flat 4\nSecond floor\nBlock C", "NW1 6XE", "London", "GB", "Mr John Smith"),
        [
            "the address has 7 lines (6 at most)",
            "line 5 “32 rue du Septentrion bâtiment B escalier 4” has 43 characters (38 at most)",
        ],
    ),
    (
        ("12 rue de la Paix", None, "7500", "Paris", "", None),
        ["the country is missing"],  # without a country, the zip code cannot be judged
    ),
]


@pytest.mark.parametrize("fields, problems", INVALID_ADDRESSES)
def test_invalid_addresses_say_what_to_fix(fields, problems):
    street, street2, zip_code, city, country, name = fields
    assert check_postal_address(street, street2, zip_code, city, country, name=name) == problems


def test_country_line_counts_against_the_limit():
    problems = check_postal_address(
        "10 Downing Street", None, "SW1A 2AA", "London", "GB", country_name="Royaume-Uni de Grande-Bretagne et du Nord"
    )
    assert problems == ["line 3 “ROYAUME-UNI DE GRANDE-BRETAGNE ET DU NORD” has 41 characters (38 at most)"]


@pytest.mark.parametrize(
    "fields, options, lines",
    [
        (
            ("12 rue de la Paix", "Bâtiment B", "75002", "Paris", "FR"),
            {"name": "M. Jean Dupont"},
            ["M. Jean Dupont", "Bâtiment B", "12 rue de la Paix", "75002 PARIS"],
        ),
        (
            ("  12   rue  de la Paix ", "", " 42 000", "Saint-Étienne", "fr"),
            {},
            ["12 rue de la Paix", "42000 SAINT-ETIENNE"],
        ),
        (("Rue de la Loi 16", None, "1000", "Bruxelles", "BE"), {}, ["Rue de la Loi 16", "1000 BRUXELLES", "BELGIQUE"]),
        (
            ("10 Downing Street", None, "SW1A 2AA", "London", "GB"),
            {},
            ["10 Downing Street", "SW1A 2AA LONDON", "ROYAUME-UNI"],
        ),
        (("1 Main Street", None, False, "Dublin", "IE"), {}, ["1 Main Street", "DUBLIN", "IRLANDE"]),
        (
            ("5 rue de Paris", None, "97400", "Saint-Denis", "RE"),
            {},
            ["5 rue de Paris", "97400 SAINT-DENIS", "LA REUNION"],
        ),
        (
            ("Unter den Linden 77", None, "10117", "Berlin", "DE"),
            {"country_name": "Allemagne"},
            ["Unter den Linden 77", "10117 BERLIN", "ALLEMAGNE"],
        ),
        (("1-1 Chiyoda", None, "100-0001", "Tokyo", "jp"), {}, ["1-1 Chiyoda", "100-0001 TOKYO", "JP"]),
        (("Lot 4\n\nChemin des Vignes", None, "13100", "Aix", "FR"), {}, ["Lot 4", "Chemin des Vignes", "13100 AIX"]),
        ((None, None, None, None, None), {}, []),
    ],
)
def test_format_postal_lines(fields, options, lines):
    assert format_postal_lines(*fields, **options) == lines


# --- calendar --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "year, easter",
    [
        (1818, "1818-03-22"),  # earliest possible
        (1943, "1943-04-25"),  # latest possible
        (2000, "2000-04-23"),
        (2019, "2019-04-21"),
        (2024, "2024-03-31"),
        (2025, "2025-04-20"),
        (2026, "2026-04-05"),
        (2027, "2027-03-28"),
        (2028, "2028-04-16"),
        (2038, "2038-04-25"),
        (2285, "2285-03-22"),
    ],
)
def test_easter_sunday(year, easter):
    assert easter_sunday(year) == D(easter)


def test_french_public_holidays_2026():
    assert french_public_holidays(2026) == {
        D("2026-01-01"): "New Year's Day",
        D("2026-04-06"): "Easter Monday",
        D("2026-05-01"): "Labour Day",
        D("2026-05-08"): "Victory in Europe Day",
        D("2026-05-14"): "Ascension Day",
        D("2026-05-25"): "Whit Monday",
        D("2026-07-14"): "Bastille Day",
        D("2026-08-15"): "Assumption Day",
        D("2026-11-01"): "All Saints' Day",
        D("2026-11-11"): "Armistice Day",
        D("2026-12-25"): "Christmas Day",
    }


@pytest.mark.parametrize(
    "year, movable",
    [
        (2024, ["2024-04-01", "2024-05-09", "2024-05-20"]),
        (2027, ["2027-03-29", "2027-05-06", "2027-05-17"]),
        (2028, ["2028-04-17", "2028-05-25", "2028-06-05"]),
    ],
)
def test_movable_holidays_follow_easter(year, movable):
    holidays = french_public_holidays(year)
    assert [day for day, name in holidays.items() if name in ("Easter Monday", "Ascension Day", "Whit Monday")] == [
        D(day) for day in movable
    ]


def test_ascension_on_labour_day_is_one_holiday():
    holidays = french_public_holidays(2008)  # Easter on 23 March 2008: Ascension on 1 May
    assert len(holidays) == 10
    assert D("2008-05-01") in holidays


def test_holidays_are_a_copy():
    french_public_holidays(2026).clear()
    assert len(french_public_holidays(2026)) == 11


@pytest.mark.parametrize(
    "day, expected",
    [
        ("2026-05-13", True),  # Wednesday
        ("2026-05-14", False),  # Ascension
        ("2026-05-16", False),  # Saturday
        ("2026-05-17", False),  # Sunday
        ("2026-05-25", False),  # Whit Monday
        ("2026-12-31", True),
        ("2027-01-01", False),
        ("2028-02-29", True),
    ],
)
def test_is_business_day(day, expected):
    assert is_business_day(D(day)) is expected


@pytest.mark.parametrize(
    "day, text",
    [
        ("2026-05-14", "Thursday 14 May 2026"),
        ("2028-02-29", "Tuesday 29 February 2028"),
        ("2027-01-03", "Sunday 3 January 2027"),
    ],
)
def test_format_day_is_english_whatever_the_locale(day, text):
    assert format_day(D(day)) == text


# --- AG notice -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ag_date, notice_days, deadline",
    [
        ("2027-03-01", 21, "2027-02-07"),  # month end of a common year; the deadline is a Sunday, kept
        ("2028-03-01", 21, "2028-02-08"),  # leap year: 29 February counts
        ("2026-03-23", 21, "2026-03-01"),  # a Sunday: not moved to the Friday nor the Monday
        ("2026-06-27", 21, "2026-06-05"),  # AG on a Saturday
        ("2026-01-15", 21, "2025-12-24"),  # across the year end
        ("2026-05-14", 21, "2026-04-22"),  # AG on Ascension Day: holidays do not matter here
        ("2026-06-30", 15, "2026-06-14"),
        ("2026-06-30", 0, "2026-06-29"),
    ],
)
def test_ag_convocation_deadline(ag_date, notice_days, deadline):
    assert ag_convocation_deadline(D(ag_date), notice_days) == D(deadline)


def test_ag_convocation_deadline_leaves_exactly_the_full_days():
    ag = D("2026-01-01")
    while ag < D("2029-01-01"):
        latest = ag_convocation_deadline(ag)
        assert (ag - (latest + timedelta(days=1))).days == 21  # days latest+1 … ag-1
        assert (ag - (latest + timedelta(days=2))).days == 20  # one day later would be too late
        ag += timedelta(days=1)


def test_ag_convocation_deadline_accepts_datetimes_and_refuses_negative_notice():
    assert ag_convocation_deadline(datetime(2027, 3, 1, 18, 30)) == D("2027-02-07")
    with pytest.raises(ValueError):
        ag_convocation_deadline(D("2027-03-01"), -1)


# --- presentation and risk -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "send_date, channel, transit, presented",
    [
        ("2026-05-16", "lre_eidas", 3, "2026-05-16"),  # a Saturday: the e-mail notice leaves the same day
        ("2026-05-14", "ae", 3, "2026-05-14"),  # Ascension Day
        ("2026-12-31", "ere", 3, "2026-12-31"),
        ("2026-05-04", "lr_paper", 3, "2026-05-07"),  # Monday → Thursday
        ("2026-05-06", "lr_paper", 3, "2026-05-12"),  # skips 8 May (Friday) and the weekend
        ("2026-05-12", "lr_paper", 3, "2026-05-18"),  # skips Ascension Day and the weekend
        ("2026-05-22", "lr_paper", 5, "2026-06-01"),  # skips Whit Monday
        ("2026-04-03", "lr_paper", 3, "2026-04-09"),  # skips Easter Monday
        ("2026-02-27", "lr_paper", 3, "2026-03-04"),  # Friday at a month end
        ("2026-02-28", "lr_paper", 3, "2026-03-04"),  # Saturday
        ("2026-03-01", "lr_paper", 3, "2026-03-04"),  # Sunday
        ("2026-12-24", "lr_paper", 3, "2026-12-30"),  # skips Christmas
        ("2026-12-30", "lr_paper", 3, "2027-01-05"),  # skips New Year's Day of the next year
        ("2028-02-25", "lr_paper", 3, "2028-03-01"),  # leap year: 29 February is a Tuesday
        ("2026-05-08", "lr_paper", 1, "2026-05-11"),  # sent on a holiday
        ("2026-03-04", "lr_paper", 0, "2026-03-04"),
        ("2026-03-01", "lr_paper", 0, "2026-03-02"),  # no transit but never presented on a Sunday
    ],
)
def test_earliest_presentation(send_date, channel, transit, presented):
    assert earliest_presentation(D(send_date), channel, paper_transit_days=transit) == D(presented)


def test_earliest_presentation_defaults_and_datetimes():
    assert earliest_presentation(datetime(2026, 5, 4, 23, 59), "lr_paper") == D("2026-05-07")
    assert add_business_days(D("2026-05-04"), 0) == D("2026-05-04")


@pytest.mark.parametrize(
    "send_date, channel, deadline",
    [
        ("2026-05-04", "lre_eidas", "2026-05-19"),  # 15 days from the day after the notice
        ("2026-05-04", "ere", "2026-05-19"),
        ("2026-05-04", "ae", "2026-05-25"),
        ("2028-02-14", "lre_eidas", "2028-02-29"),
    ],
)
def test_acceptance_deadline(send_date, channel, deadline):
    assert acceptance_deadline(D(send_date), channel) == D(deadline)


@pytest.mark.parametrize(
    "deadline, channel, latest",
    [
        ("2026-05-15", "lre_eidas", "2026-05-15"),
        ("2026-05-15", "lr_paper", "2026-05-11"),  # Ascension Day on the 14th
        ("2026-03-01", "lr_paper", "2026-02-24"),  # deadline on a Sunday
        ("2026-05-06", "lr_paper", "2026-04-30"),  # 1 May in between
        ("2027-02-07", "lr_paper", "2027-02-02"),  # AG on 1 March 2027
    ],
)
def test_latest_send_date(deadline, channel, latest):
    assert latest_send_date(D(deadline), channel) == D(latest)


def test_latest_send_date_is_the_last_that_works_all_year():
    deadline = D("2026-01-05")
    while deadline < D("2027-01-10"):
        latest = latest_send_date(deadline, "lr_paper")
        assert is_business_day(latest)
        assert earliest_presentation(latest, "lr_paper") <= deadline
        assert earliest_presentation(add_business_days(latest, 1), "lr_paper") > deadline
        deadline += timedelta(days=1)


RISK_CASES = [
    # send date, must be received by, channel, ok, reason
    ("2026-05-04", "2026-05-07", "lr_paper", True, None),
    ("2026-05-15", "2026-05-15", "lre_eidas", True, None),
    ("2026-05-15", None, "lr_paper", True, None),
    ("2027-02-02", "2027-02-07", "lr_paper", True, None),  # AG on 1 March 2027, sent on the last day
    (
        "2026-05-04",
        "2026-05-06",
        "lr_paper",
        False,
        "A paper letter sent on Monday 4 May 2026 is first presented on Thursday 7 May 2026 at the earliest "
        "(3 business days of transit), after the deadline of Wednesday 6 May 2026. Paper letters had to be sent "
        "by Thursday 30 April 2026; send an electronic registered letter instead (presented the day it is sent).",
    ),
    (
        "2026-05-12",
        "2026-05-15",
        "lr_paper",
        False,
        "A paper letter sent on Tuesday 12 May 2026 is first presented on Monday 18 May 2026 at the earliest "
        "(3 business days of transit, skipping Ascension Day on Thursday 14 May 2026), after the deadline of "
        "Friday 15 May 2026. Paper letters had to be sent by Monday 11 May 2026; send an electronic registered "
        "letter instead (presented the day it is sent).",
    ),
    (
        "2026-05-06",
        "2026-05-05",
        "lr_paper",
        False,
        "A paper letter sent on Wednesday 6 May 2026 is first presented on Tuesday 12 May 2026 at the earliest "
        "(3 business days of transit, skipping Victory in Europe Day on Friday 8 May 2026), after the deadline of "
        "Tuesday 5 May 2026. Paper letters had to be sent by Wednesday 29 April 2026; the deadline has already "
        "passed.",
    ),
    (
        "2026-05-16",
        "2026-05-15",
        "ae",
        False,
        "An electronic letter sent on Saturday 16 May 2026 is presented that day, after the deadline of "
        "Friday 15 May 2026.",
    ),
]


@pytest.mark.parametrize("send_date, must_be_received_by, channel, ok, reason", RISK_CASES)
def test_deadline_risk(send_date, must_be_received_by, channel, ok, reason):
    received_by = D(must_be_received_by) if must_be_received_by else None
    assert deadline_risk(D(send_date), received_by, channel) == (ok, reason)


def test_deadline_risk_with_the_ag_deadline_and_a_longer_transit():
    deadline = ag_convocation_deadline(D("2027-03-01"))  # Sunday 7 February 2027
    assert deadline_risk(D("2027-02-02"), deadline, "lr_paper") == (True, None)
    ok, reason = deadline_risk(D("2027-02-03"), deadline, "lr_paper")
    assert not ok and "first presented on Monday 8 February 2027" in reason
    assert deadline_risk(D("2027-02-07"), deadline, "lre_eidas") == (True, None)
    ok, reason = deadline_risk(D("2027-02-01"), deadline, "lr_paper", paper_transit_days=5)
    assert not ok and "(5 business days of transit)" in reason


@pytest.mark.parametrize(
    "call",
    [
        lambda: earliest_presentation(D("2026-05-04"), "fax"),
        lambda: deadline_risk(D("2026-05-04"), D("2026-05-20"), "lre"),
        lambda: latest_send_date(D("2026-05-20"), "pigeon"),
        lambda: acceptance_deadline(D("2026-05-04"), "lr_paper"),
    ],
)
def test_unknown_channels_are_refused(call):
    with pytest.raises(ValueError):
        call()


# ---------------------------------------------------------------- SIRET numbers
@pytest.mark.parametrize(
    "value, valid",
    [
        ("123 456 782 00010", True),  # the tests' company: SIREN and SIRET pass Luhn
        ("44306184100047", True),
        ("123 456 789 00012", False),  # 14 digits, but the check digit is wrong: no company has it
        ("12345678200011", False),  # one digit off a valid SIRET
        ("1234567820001", False),  # 13 digits
        ("1234567820001A", False),
        ("", False),
        (None, False),
        ("35600000049837", True),  # a La Poste establishment: sum of digits a multiple of 5, not Luhn
        ("35600000049838", False),
        ("35600000000048", True),  # La Poste's head office follows Luhn
    ],
)
def test_a_siret_is_valid_when_insee_could_have_given_it(value, valid):
    assert rules.is_valid_siret(value) is valid


def test_the_siret_check_agrees_with_python_stdnum():
    """python-stdnum (when installed, as Odoo installs it) implements INSEE's rules independently."""
    siret = pytest.importorskip("stdnum.fr.siret")
    draw = random.Random(14)
    numbers = ["%014d" % draw.randrange(10**14) for _ in range(20000)]
    numbers += ["356000000%05d" % draw.randrange(10**5) for _ in range(2000)]
    assert [n for n in numbers if rules.is_valid_siret(n) != siret.is_valid(n)] == []
    assert sum(rules.is_valid_siret(n) for n in numbers) > 100, "the sample holds valid numbers too"


# --- the month a letter is billed in (Paris time) ---------------------------------------------------
@pytest.mark.parametrize(
    "utc, month",
    [
        (datetime(2026, 3, 31, 21, 30), D("2026-03-01")),  # 23:30 in Paris (summer time): March
        (datetime(2026, 3, 31, 22, 30), D("2026-04-01")),  # 00:30 in Paris: April
        (datetime(2026, 12, 31, 22, 59), D("2026-12-01")),  # 23:59 in Paris (winter time): December
        (datetime(2026, 12, 31, 23, 0), D("2027-01-01")),  # midnight in Paris: next year
    ],
)
def test_a_letter_is_billed_in_its_paris_month(utc, month):
    assert rules.billing_month(utc) == month


def test_a_paris_month_as_utc_bounds_follows_the_clock_change():
    # March 2026: starts in winter time (UTC+1), ends in summer time (UTC+2)
    assert rules.month_bounds(D("2026-03-01")) == (datetime(2026, 2, 28, 23, 0), datetime(2026, 3, 31, 22, 0))
    assert rules.month_bounds(D("2026-12-01")) == (datetime(2026, 11, 30, 23, 0), datetime(2026, 12, 31, 23, 0))
    start, end = rules.month_bounds(D("2026-03-01"))
    assert rules.billing_month(start) == D("2026-03-01")
    assert rules.billing_month(end - timedelta(seconds=1)) == D("2026-03-01")
    assert rules.billing_month(end) == D("2026-04-01")


# --- the channel of each recipient -----------------------------------------------------------------

REASON_TEMPLATES = {
    "preferred": "preferred dispatch of the recipient",
    "consent": "LRE consent valid",
    "consent_no_paper": "%s; preferred paper letter impossible: %s",
    "no_electronic": "no electronic letter: %s",
    "no_preferred": "preferred electronic letter impossible: %s",
    "none": "No channel: %s; %s",
}


def test_the_channel_table_covers_every_preferred_dispatch_consent_and_address():
    rows = {(preferred, consent, address) for preferred, consent, address, _channel, _reason in CHANNEL_TABLE}
    assert len(CHANNEL_TABLE) == len(rows) == len(PREFERRED) * len(CONSENTS) * len(ADDRESSES)
    assert set(CONSENTS) == set(rules.CONSENT_STATUSES)
    assert set(PREFERRED) - {None} == set(rules.PREFERRED_KINDS)


@pytest.mark.parametrize("preferred,consent,address,channel,reason", CHANNEL_TABLE)
def test_channel_of_a_private_person_with_an_email(preferred, consent, address, channel, reason):
    choice = rules.choose_channel(
        preferred,
        "lre_eidas",
        consent,
        address_problem=None if address == "complete" else "the street is missing",
        consent_email="old@example.org",
    )
    assert choice.channel == channel
    assert choice.reason.template == REASON_TEMPLATES[reason]
    if channel is None:
        # the reason names what is missing on both sides
        assert "street is missing" in choice.reason
        assert "LRE consent not valid" in choice.reason


def test_channel_reasons_say_what_is_missing():
    choice = rules.choose_channel(None, "lre_eidas", "none", address_problem="the city is missing")
    assert (choice.channel, str(choice.reason)) == (
        None,
        "No channel: LRE consent not valid (no consent); postal address incomplete (the city is missing)",
    )
    choice = rules.choose_channel("lre", "lre_eidas", "other_email", consent_email="old@example.org")
    assert (choice.channel, str(choice.reason)) == (
        "lr_paper",
        "preferred electronic letter impossible: LRE consent not valid (given for another e-mail: old@example.org)",
    )
    choice = rules.choose_channel("post", "lre_eidas", "accepted", address_problem="the zip code is missing")
    assert str(choice.reason) == (
        "LRE consent valid; preferred paper letter impossible: postal address incomplete (the zip code is missing)"
    )


@pytest.mark.parametrize("consent", rules.CONSENT_STATUSES)
def test_a_professional_needs_no_consent_for_the_lre(consent):
    choice = rules.choose_channel(None, "lre_eidas", consent, professional=True)
    assert choice == ("lre_eidas", "professional recipient: no LRE consent needed")
    # but the avis électronique follows the entity's policy for him too
    ae = rules.choose_channel(None, "ae", consent, professional=True)
    assert ae.channel == ("ae" if consent == "accepted" else "lr_paper")


def test_without_a_usable_email_the_letter_goes_by_paper_or_not_at_all():
    for preferred in (None, "lre", "email"):
        choice = rules.choose_channel(preferred, "lre_eidas", "accepted", email_problem="No e-mail address")
        assert choice.channel == "lr_paper"
        assert "no usable e-mail (No e-mail address)" in choice.reason
    choice = rules.choose_channel(
        "lre", "lre_eidas", "accepted", professional=True, email_problem="No e-mail address", address_problem="x"
    )
    assert choice.channel is None
    assert str(choice.reason) == "No channel: no usable e-mail (No e-mail address); postal address incomplete (x)"


@pytest.mark.parametrize(
    "consent,required,channel",
    [
        ("accepted", True, "ae"),
        ("none", True, "lr_paper"),
        ("pending", True, "lr_paper"),
        ("other_email", True, "lr_paper"),
        ("refused", True, "lr_paper"),
        ("accepted", False, "ae"),
        ("none", False, "ae"),
        ("pending", False, "ae"),
        ("other_email", False, "ae"),
        ("refused", False, "lr_paper"),  # a refusal always stops the avis électronique
    ],
)
def test_avis_electronique_follows_the_entity_consent_policy(consent, required, channel):
    choice = rules.choose_channel(None, "ae", consent, ae_consent_required=required)
    assert choice.channel == channel
    if channel == "ae" and consent != "accepted":
        assert choice.reason == "the entity sends the avis électronique without prior consent"


def test_electronic_channel_of_an_entity():
    assert rules.electronic_channel("ae", True) == "ae"
    assert rules.electronic_channel("lre_eidas", True) == "lre_eidas"
    assert rules.electronic_channel("lr_paper", True) == "lre_eidas"
    assert rules.electronic_channel("ae", False) == "lre_eidas"  # the avis électronique is for co-ownerships


def test_consent_problem_of_each_channel():
    assert rules.consent_problem("lr_paper", "refused") is None
    assert rules.consent_problem("lre_eidas", "refused", professional=True) is None
    assert rules.consent_problem("lre_eidas", "pending") == "pending"
    assert rules.consent_problem("ae", "refused", ae_consent_required=False) == "refused"
    with pytest.raises(ValueError):
        rules.consent_problem("fax", "none")
    with pytest.raises(ValueError):
        rules.consent_problem("lre_eidas", "maybe")
    with pytest.raises(ValueError):
        rules.choose_channel("pigeon", "lre_eidas", "none")
