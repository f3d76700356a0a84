import logging
import random
import string

from odoo.tests import tagged

from ..ar24.routes import STATUSES
from .common import TOKEN, AR24HttpCase, every_logger_at_debug


@tagged("post_install", "-at_install")
class TestWebhook(AR24HttpCase):
    """AR24's callbacks are hints: right token + known letter queues a re-read; anything else is refused."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.ar24_payment_method_id = cls.env["ar24.payment.method"].create({"name": "A", "slug": "stripe-1"})
        cls.partner = cls.env["res.partner"].create({"name": "Denise Aloxe", "email": "denise@example.org"})
        cls.url = cls.company._ar24_webhook_url().split("/ar24_lre/", 1)[1]
        cls.token = cls.url.rsplit("/", 1)[1]

    def setUp(self):
        super().setUp()
        self.letter = self.env["ar24.letter"].create(
            {
                "partner_id": self.partner.id,
                "subject": "AG",
                "body": "<p>x</p>",
                "send_type": "ae",
                "user_id": self.ar24_user.id,
            }
        )
        self.letter.write({"state": "sent", "ar24_id": 900123})
        self.cron = self.env.ref("ar24_lre.ir_cron_ar24_sync_status")
        self.company._ar24_activate_jobs()  # what a successful "Test connection" does

    def post(self, token=None, data=None, method="POST", **kwargs):
        url = "/ar24_lre/webhook/%s" % (self.token if token is None else token)
        if method == "POST":
            return self.url_open(url, data=data if data is not None else {}, allow_redirects=False, **kwargs)
        return (
            self.url_open(url, allow_redirects=False, **kwargs)
            if method == "GET"
            else self.opener.request(method, self.base_url() + url, timeout=10)
        )

    def test_good_call_queues_a_reread_and_wakes_the_job(self):
        triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.cron.id)])
        response = self.post(
            data={
                "id_mail": "900123",
                "new_state": "AR",
                "proof_url": "http://x/y.pdf",
                "view_date": "2026-11-29 10:00:00",
            }
        )
        self.assertEqual(response.status_code, 200)
        self.letter.invalidate_recordset()
        self.assertTrue(self.letter.ar24_refresh_requested)
        # the body is never trusted: the state changes only when AR24 is re-read
        self.assertEqual(self.letter.state, "sent")
        self.assertFalse(self.letter.date_ar)
        self.assertGreater(self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.cron.id)]), triggers)
        # a replay is harmless
        self.assertEqual(self.post(data={"id_mail": "900123", "new_state": "AR"}).status_code, 200)

    def test_refusals(self):
        cases = [
            ("wrong token", {"token": "x" * 43}, {"id_mail": "900123", "new_state": "sent"}, 404),
            ("short token", {"token": "abc"}, {"id_mail": "900123", "new_state": "sent"}, 404),
            ("unknown letter", {}, {"id_mail": "42", "new_state": "sent"}, 404),
            ("missing id", {}, {"new_state": "sent"}, 400),
            ("id not a number", {}, {"id_mail": "12a", "new_state": "sent"}, 400),
            ("huge id", {}, {"id_mail": "9" * 40, "new_state": "sent"}, 400),
            ("unknown state", {}, {"id_mail": "900123", "new_state": "delivered"}, 400),
            ("missing state", {}, {"id_mail": "900123"}, 400),
        ]
        for label, kwargs, data, status in cases:
            with self.subTest(label):
                self.assertEqual(self.post(data=data, **kwargs).status_code, status)
        self.letter.invalidate_recordset()
        self.assertFalse(self.letter.ar24_refresh_requested)
        self.assertEqual(self.post(method="GET").status_code, 405)

    def test_a_thousand_hostile_requests_never_500_never_change_a_state(self):
        rng = random.Random(20261129)
        states = ["sent", "AR", "ar", "refused", "negligence", "bounced", "waiting", "to_valid", "", "x" * 300]

        def noise(size):
            return "".join(rng.choice(string.printable) for _ in range(size))

        statuses, expected_ok = {}, 0
        for i in range(1000):
            kind = i % 8
            token = None
            data = {
                "id_mail": rng.choice(["900123", "1", "-5", "", "0x1f", "900123 ", noise(8)]),
                "new_state": rng.choice(states),
            }
            if kind == 1:
                token = noise(rng.randint(0, 60)).replace("/", "").replace("?", "").replace("#", "") or "t"
            elif kind == 2:
                data = {noise(5): noise(rng.randint(0, 2000)) for _ in range(rng.randint(0, 5))}
            elif kind == 3:
                data = ("id_mail=900123&new_state=" + noise(10)).encode() + bytes([0xFF, 0xFE, 0x80])
            elif kind == 4:
                data = dict(data, proof_url=noise(5000), extra=noise(100))
            elif kind == 5:
                data = {"id_mail": ["900123", "900124"], "new_state": ["sent", "AR"]}
            # only the right token, this letter's id and a known state may be taken as a hint (a
            # repeated field counts by its first value, as in any form)
            fields = (
                {key: value[0] if isinstance(value, list) else value for key, value in data.items()}
                if isinstance(data, dict)
                else {}
            )
            expected_ok += (
                token is None
                and fields.get("id_mail") == "900123"
                and fields.get("new_state", "").strip().lower() in STATUSES
            )
            response = self.post(token=token, data=data)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            self.assertLess(response.status_code, 500, (i, data))
        self.assertEqual(statuses.get(200), expected_ok, statuses)
        self.assertTrue({200, 400, 404} <= set(statuses), statuses)
        self.letter.invalidate_recordset()
        self.assertEqual(self.letter.state, "sent")

    def test_a_body_larger_than_ar24_sends_is_refused_unread(self):
        response = self.post(data={"id_mail": "900123", "new_state": "sent", "padding": "x" * 20000})
        self.assertEqual(response.status_code, 413)
        self.letter.invalidate_recordset()
        self.assertFalse(self.letter.ar24_refresh_requested)

    def test_an_old_token_no_longer_answers_once_regenerated(self):
        self.assertEqual(self.post(data={"id_mail": "900123", "new_state": "sent"}).status_code, 200)
        self.env["res.company"]._ar24_regenerate_webhook_token()
        self.assertEqual(self.post(data={"id_mail": "900123", "new_state": "sent"}).status_code, 404)
        new_token = self.company._ar24_webhook_url().rsplit("/", 1)[1]
        self.assertEqual(self.post(token=new_token, data={"id_mail": "900123", "new_state": "sent"}).status_code, 200)

    def test_neither_token_reaches_a_log_line(self):
        """AR24's API token travels in GET query strings and the callback token in its URL: logged
        by urllib3 (DEBUG) and the HTTP server's access log (INFO), both masked."""
        self.link_sender(self.ar24_user)
        with every_logger_at_debug(), self.assertLogs(level=logging.DEBUG) as logs:
            self.post(data={"id_mail": "900123", "new_state": "sent"})
            self.letter._ar24_sync_status()  # GET /user/mail?token=…
        lines = "\n".join(logs.output)
        self.assertNotIn(TOKEN, lines)
        self.assertNotIn(self.token, lines)
        # the capture saw both URLs, masked
        self.assertIn("/ar24_lre/webhook/***", lines)
        self.assertRegex(lines, r"GET /api/user/mail\?[^ ]*token=\*\*\*")
