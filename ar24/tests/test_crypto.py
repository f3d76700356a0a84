from datetime import datetime

import pytest

from ar24 import crypto

# AR24's documented test vector (shared/ar24-api.md §2).
KEY = "7X9gx9E3Qx4EiUdB63nc"
DATE = "2021-05-26 14:00:00"
SIGNATURE = "bDop0cbjKpkySlpvnNGvBMg7PuYFFgPPqTTS2RAHoY0="
BODY = "WwBOU6s8DaMWmYdctBJwfuoujFgVygBUjhsbdf8eWqQ="


def test_documented_signature():
    assert crypto.sign(DATE, KEY) == SIGNATURE
    assert crypto.verify_signature(SIGNATURE, DATE, KEY)
    assert not crypto.verify_signature(SIGNATURE, "2021-05-26 14:00:01", KEY)
    assert not crypto.verify_signature("", DATE, KEY)


def test_documented_body_decrypts_and_emulator_side_reproduces_it():
    assert crypto.decrypt_body(BODY, DATE, KEY) == '{status: "SUCCESS"}'
    assert crypto.encrypt_body('{status: "SUCCESS"}', DATE, KEY) == BODY


def test_wrong_key_or_date_is_refused():
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_body(BODY, DATE, "another key")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_body("not base64 !!", DATE, KEY)


@pytest.mark.parametrize(
    "utc, paris",
    [
        (datetime(2026, 1, 15, 12, 0, tzinfo=crypto.ZoneInfo("UTC")), "2026-01-15 13:00:00"),  # CET
        (datetime(2026, 7, 15, 12, 0, tzinfo=crypto.ZoneInfo("UTC")), "2026-07-15 14:00:00"),  # CEST
        # DST starts in Paris on 2026-03-29 at 01:00 UTC
        (datetime(2026, 3, 29, 0, 59, 59, tzinfo=crypto.ZoneInfo("UTC")), "2026-03-29 01:59:59"),
        (datetime(2026, 3, 29, 1, 0, 0, tzinfo=crypto.ZoneInfo("UTC")), "2026-03-29 03:00:00"),
        # DST ends on 2026-10-25 at 01:00 UTC: 02:xx happens twice
        (datetime(2026, 10, 25, 0, 30, tzinfo=crypto.ZoneInfo("UTC")), "2026-10-25 02:30:00"),
        (datetime(2026, 10, 25, 1, 30, tzinfo=crypto.ZoneInfo("UTC")), "2026-10-25 02:30:00"),
    ],
)
def test_paris_date_uses_real_time_zone(utc, paris):
    assert crypto.paris_now(utc) == paris


def test_parse_requires_exact_format():
    assert crypto.parse_paris_date("2021-05-26 14:00:00").utcoffset().total_seconds() == 7200
    for bad in ("2021-5-26 14:00:00", "2021-05-26T14:00:00", "", None, "26/05/2021 14:00:00"):
        assert crypto.parse_paris_date(bad) is None
