"""Two servers, one queue: several real Odoo servers on one database send and follow the same letters.

Usage: python scripts/two_servers_test.py <odoo config> <database>   (run by scripts/test.sh, with the
Python of .build/venv: the emulator it starts needs cryptography and pyotp)
Prints one line "two servers: passed ..." or "two servers: FAILED ..." and exits 0 / 1.

Servers A and B run the scheduled jobs (both send-queue jobs and the status sync, two cron threads each)
and answer "Refresh from AR24" on the same letters, which this script asks of both at once while they
send; AR24 (the emulator) sends the letters a few seconds after they are deposited, calls the webhooks of
server A, and the recipients of some open them (a proof each). A third server C takes part too and is
killed with -9 when about half of the letters are at AR24. In the end each letter is at AR24 exactly
once, none is left queued, and each letter opened has its state and exactly one proof of receipt.

``--bench``: throughput instead: the same batch sent by one server, then by two (see scripts/bench.py).
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import server_harness as harness

LETTERS = int(os.environ.get("AR24_TWO_SERVERS_LETTERS", 200))
OPENED = LETTERS // 4  # letters whose recipient opens them while the servers work
LATENCY_MS = 50

SCRIPT = (
    harness.SETUP
    + """
slug = sender["payment_methods"][0]  # the crash test's emulator may have given this database the same one
method = env["ar24.payment.method"].search([("slug", "=", slug)]) or env["ar24.payment.method"].create(
    {"name": "Two servers", "slug": slug})
company.ar24_payment_method_id = method
params = env["ir.config_parameter"]
params.set_param("ar24_lre.concurrency", 2)
params.set_param("ar24_lre.chunk_size", %(chunk)d)  # small chunks: the servers take turns on the queue
params.set_param("report.url", "http://127.0.0.1:9")  # the letters print without the style sheets
"""
    + harness.QUEUED_LETTERS
    + """
for xmlid in ("ar24_lre.ir_cron_ar24_send_queue", "ar24_lre.ir_cron_ar24_send_queue_2",
              "ar24_lre.ir_cron_ar24_sync_status"):
    cron = env.ref(xmlid)
    cron.write({"active": True, "nextcall": "2000-01-01 00:00:00", "interval_number": 1,
                "interval_type": "minutes"})
"""
    + harness.SETUP_DONE
)


def server_ports():
    """Ports of servers A, B and C: the three after ``ODOO_TEST_PORT`` when it is set (make test's
    servers keep to their own ports), else free ones."""
    base = os.environ.get("ODOO_TEST_PORT")
    return [int(base) + n for n in (1, 2, 3)] if base else [harness.free_port() for _n in range(3)]


class Server:
    def __init__(self, name, conf, db, workdir, port=None, cron_threads=2):
        self.name, self.port = name, port or harness.free_port()
        self.log_path = os.path.join(workdir, "odoo-%s.log" % name)
        self.log = open(self.log_path, "w")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [
                "odoo",
                "-c",
                conf,
                "-d",
                db,
                "--http-port=%d" % self.port,
                "--max-cron-threads=%d" % cron_threads,
                "--log-level=info",
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self):
        os.killpg(self.process.pid, signal.SIGKILL)  # no goodbye: its claims die with its connections
        self.process.wait()

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()

    def errors(self):
        """Errors of this server's log. PostgreSQL refuses a write that crosses another transaction's
        (a webhook marking a letter while a sync writes it): the query is logged by Odoo's SQL layer,
        the transaction rolled back and done again; only what is not handled counts."""
        with open(self.log_path) as log:
            return [
                line.strip()
                for line in log
                if (" ERROR " in line or " CRITICAL " in line) and " odoo.sql_db: bad query" not in line
            ]


def refresh_loop(server, db, ids, stop, problems):
    """ "Refresh from AR24" on every letter, again and again, as users of this server would click it."""
    base = "http://127.0.0.1:%d" % server.port
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())

    def call(path, params):
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "params": params}).encode()
        request = urllib.request.Request(base + path, body, {"Content-Type": "application/json"})
        with opener.open(request, timeout=120) as response:
            answer = json.loads(response.read())
        if answer.get("error"):
            raise RuntimeError(answer["error"].get("data", {}).get("message") or answer["error"])
        return answer["result"]

    try:
        call("/web/session/authenticate", {"db": db, "login": "admin", "password": "admin"})
        while not stop.is_set():
            params = {"model": "ar24.letter", "method": "action_ar24_refresh", "args": [ids], "kwargs": {}}
            call("/web/dataset/call_kw/ar24.letter/action_ar24_refresh", params)
            time.sleep(0.2)
    except Exception as exc:  # noqa: BLE001 (reported as the test's failure)
        if not stop.is_set():
            problems.append("%s: Refresh from AR24 failed: %s" % (server.name, exc))


def main(conf, db):
    workdir = tempfile.mkdtemp(prefix="ar24-two-servers-")
    # AR24 sends each letter 3 s after its deposit: the webhooks and the syncs run while the queue does
    process, port, problem = harness.start_emulator(workdir, LATENCY_MS, "--send-delay", "3")
    if problem:
        return fail(problem)
    base = "http://127.0.0.1:%d" % port
    servers, stop, problems, threads = [], threading.Event(), [], []
    try:
        a_port, b_port, c_port = server_ports()
        subject = "Two servers %d" % os.getpid()
        ids = harness.setup(
            conf,
            db,
            SCRIPT,
            base=base,
            api=base + "/api/",
            webhook="http://127.0.0.1:%d" % a_port,
            email="two-servers-sender@example.com",
            firstname="Two",
            lastname="Servers",
            owner="Owner %d",
            owner_email="owner%d@example.org",
            letters=LETTERS,
            subject=subject,
            body="<p>AG du 4 avril</p>",
            chunk=16,
        )
        if isinstance(ids, str):
            return fail("setup failed: %s" % ids)
        id_user, first_id, last_id = ids
        letter_ids = list(range(first_id, last_id + 1))
        for name, server_port in (("A", a_port), ("B", b_port), ("C", c_port)):
            servers.append(Server(name, conf, db, workdir, server_port))
        if not all(harness.wait(lambda s=s: harness.answers(s.port), 120) for s in servers):
            return fail("a server did not start (logs in %s)" % workdir)
        for server in servers[:2]:
            thread = threading.Thread(target=refresh_loop, args=(server, db, letter_ids, stop, problems), daemon=True)
            thread.start()
            threads.append(thread)
        if not harness.wait(lambda: harness.sent_at_ar24(base) >= LETTERS // 2, 300, 0.05):
            return fail("the servers did not send half of the letters (logs in %s)" % workdir)
        servers[2].kill()
        killed_at = harness.sent_at_ar24(base)
        if not 0 < killed_at < LETTERS:
            return fail("server C was not killed mid-batch: %d of %d letters at AR24" % (killed_at, LETTERS))
        # the recipients of some letters open them: state AR, a proof of receipt each, read by the syncs
        opened = []
        harness.wait(lambda: len(ar24_ids(db, subject)) >= OPENED, 120)
        for ar24_id in ar24_ids(db, subject)[:OPENED]:
            harness.emulator(base, "mails/%d/accept" % ar24_id, {})
            opened.append(ar24_id)
        if not harness.wait(lambda: harness.left_behind(db, subject) == 0, 300):
            return fail("%d letters left behind (logs in %s)" % (harness.left_behind(db, subject), workdir))
        received = "SELECT COUNT(*) FROM ar24_letter WHERE subject = '%s' AND state = 'ar'" % subject
        if not harness.wait(lambda: int(harness.psql(db, received)) >= len(opened), 180):
            return fail("%s of %d opened letters read as received" % (harness.psql(db, received), len(opened)))
        stop.set()
        for thread in threads:
            thread.join(30)
        return verify(db, workdir, id_user, subject, opened, killed_at, servers, problems)
    finally:
        stop.set()
        for server in servers:
            server.stop()
        process.terminate()
        process.wait(10)


def ar24_ids(db, subject):
    query = "SELECT ar24_id FROM ar24_letter WHERE subject = '%s' AND ar24_id != 0 ORDER BY id" % subject
    rows = harness.psql(db, query)
    return [int(x) for x in rows.split()] if rows else []


def verify(db, workdir, id_user, subject, opened, killed_at, servers, problems):
    problem = harness.sent_once(db, workdir, id_user, subject, LETTERS)
    if problem:
        return fail(problem)
    filed = harness.psql(
        db,
        "SELECT l.ar24_id, a.name, COUNT(*) FROM ar24_letter l JOIN ar24_letter_proof_rel r ON r.letter_id = l.id "
        "JOIN ir_attachment a ON a.id = r.attachment_id WHERE l.subject = '%s' GROUP BY l.ar24_id, a.name" % subject,
    )
    proofs = [line.split("|") for line in filed.splitlines()]
    twice = [name for _ar24_id, name, n in proofs if int(n) > 1]
    receipts = {int(ar24_id) for ar24_id, name, _n in proofs if name.endswith(" - acknowledgement of receipt.pdf")}
    missing = [ar24_id for ar24_id in opened if ar24_id not in receipts]
    if twice or missing:
        return fail("proofs filed twice: %s; opened letters without their receipt: %s" % (twice[:5], missing[:5]))
    errors = [line for server in servers[:2] for line in server.errors()]
    if problems or errors:
        return fail("; ".join(problems + errors[:5]))
    print(
        "two servers: passed (%d letters queued; servers A and B ran the send queue and the status sync at once, "
        "C was killed with -9 after %d were at AR24; each letter at AR24 exactly once, none left behind, "
        "%d received letters with one proof each)" % (LETTERS, killed_at, len(opened))
    )
    return 0


def fail(message):
    print("two servers: FAILED: %s" % message)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
