"""AR24's API token and the callback token never reach a log line, whatever logs the URL."""

import logging

import pytest

from ar24 import redact

TOKEN = "s3cr3t-Token_value"


@pytest.mark.parametrize(
    "line",
    [
        'http://127.0.0.1:8024 "GET /api/user/mail?id_user=5001&max=100&token=%s&date=2026 HTTP/1.1" 200 88' % TOKEN,
        "GET /api/user?token=%s" % TOKEN,
        "body: token=%s&date=2026-12-02+10%%3A00%%3A00" % TOKEN,
        '127.0.0.1 - - "POST /ar24_lre/webhook/%s HTTP/1.1" 200 -' % TOKEN,
        "https://odoo.example.com/ar24_lre/webhook/%s?x=1" % TOKEN,
    ],
)
def test_the_token_is_masked(line):
    cleaned = redact.redact(line)
    assert TOKEN not in cleaned
    assert "***" in cleaned


def test_a_line_without_secret_is_left_alone():
    line = 'http://127.0.0.1:8024 "GET /api/user/mail?id_user=5001&max=100 HTTP/1.1" 200 88'
    assert redact.redact(line) == line


def test_the_filter_rewrites_records_of_the_loggers_it_is_installed_on(caplog):
    logger = logging.getLogger("ar24.tests.redact")
    redact.install(logger.name)
    redact.install(logger.name)  # twice: still one filter
    assert len(logger.filters) == 1
    with caplog.at_level(logging.DEBUG, logger=logger.name):
        logger.debug('%s "%s %s"', "http://127.0.0.1", "GET", "/api/user?token=%s" % TOKEN)
    assert caplog.records and TOKEN not in caplog.text
    assert "/api/user?token=***" in caplog.text
