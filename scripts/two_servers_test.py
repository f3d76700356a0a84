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
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LETTERS = int(os.environ.get("AR24_TWO_SERVERS_LETTERS", 200))
OPENED = LETTERS // 4  # letters whose recipient opens them while the servers work
LATENCY_MS = 50

SETUP = """
from odoo.addons.ar24_lre.ar24.emulator.controls import EmulatorControls
controls = EmulatorControls(%(base)r)
company = env.company
company.write({"ar24_environment": "custom", "ar24_api_url": %(api)r, "ar24_token": "emulator-token",
               "ar24_private_key": "emulator-private-key", "ar24_is_coownership": True,
               "ar24_webhook_base_url": %(webhook)r})
admin = env.ref("base.user_admin")
admin.email = "two-servers-sender@example.com"
sender = controls.sender(admin.email, "Two", "Servers")
admin.write({"ar24_email": admin.email, "ar24_user_id": sender["id_user"], "ar24_link_state": "linked"})
slug = sender["payment_methods"][0]  # the crash test's emulator may have given this database the same one
method = env["ar24.payment.method"].search([("slug", "=", slug)]) or env["ar24.payment.method"].create(
    {"name": "Two servers", "slug": slug})
company.ar24_payment_method_id = method
params = env["ir.config_parameter"]
params.set_param("ar24_lre.concurrency", 2)
params.set_param("ar24_lre.chunk_size", %(chunk)d)  # small chunks: the servers take turns on the queue
params.set_param("report.url", "http://127.0.0.1:9")  # the letters print without the style sheets
partners = env["res.partner"].create([
    {"name": "Owner %%d" %% i, "email": "owner%%d@example.org" %% i, "ar24_recipient_status": "professionnel",
     "ar24_consent": True, "ar24_consent_state": "accepted", "ar24_consent_email": "owner%%d@example.org" %% i}
    for i in range(%(letters)d)])
letters = env["ar24.letter"].create([
    {"partner_id": p.id, "subject": %(subject)r, "body": "<p>AG du 4 avril</p>", "send_type": "ae",
     "user_id": admin.id, "send_queued": True} for p in partners])
for xmlid in ("ar24_lre.ir_cron_ar24_send_queue", "ar24_lre.ir_cron_ar24_send_queue_2",
              "ar24_lre.ir_cron_ar24_sync_status"):
    cron = env.ref(xmlid)
    cron.write({"active": True, "nextcall": "2000-01-01 00:00:00", "interval_number": 1,
                "interval_type": "minutes"})
env.cr.commit()
print("SETUP-DONE", sender["id_user"], letters[0].id, letters[-1].id)
"""


def server_ports():
    """Ports of servers A, B and C: the three after ``ODOO_TEST_PORT`` when it is set (make test's
    servers keep to their own ports), else free ones."""
    base = os.environ.get("ODOO_TEST_PORT")
    return [int(base) + n for n in (1, 2, 3)] if base else [free_port() for _n in range(3)]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers(port):
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait(predicate, timeout, interval=0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def psql(db, query):
    return subprocess.run(
        ["psql", "-tAq", "-d", db, "-c", query], capture_output=True, text=True, check=True
    ).stdout.strip()


def emulator(base, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + "/_emulator/" + path, data=data, method="POST" if data else "GET")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def sent_at_ar24(base):
    return sum(1 for c in emulator(base, "calls")["calls"] if c["route"] == "send_mail" and c["outcome"] == "SUCCESS")


class Server:
    def __init__(self, name, conf, db, workdir, port=None, cron_threads=2):
        self.name, self.port = name, port or free_port()
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


def start_emulator(workdir, send_delay):
    port = free_port()
    log = open(os.path.join(workdir, "emulator.log"), "w")  # noqa: SIM115 (the process keeps it)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ar24.emulator",
            "--port",
            str(port),
            "--state",
            os.path.join(workdir, "ar24.sqlite"),
            "--latency-ms",
            str(LATENCY_MS),
            "--send-delay",
            str(send_delay),
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    if not wait(lambda: answers(port), 60, 0.05):
        process.terminate()
        return None, port
    return process, port


def setup(conf, db, base, webhook, subject, chunk=16):
    values = {
        "base": base,
        "api": base + "/api/",
        "webhook": webhook,
        "letters": LETTERS,
        "subject": subject,
        "chunk": chunk,
    }
    done = subprocess.run(
        ["odoo", "shell", "-c", conf, "-d", db, "--no-http"], input=SETUP % values, capture_output=True, text=True
    )
    if "SETUP-DONE" not in done.stdout:
        return (done.stdout + done.stderr)[-1500:]
    return [int(x) for x in done.stdout.split("SETUP-DONE", 1)[1].split()[:3]]


def left_behind(db, subject):
    return int(
        psql(db, "SELECT COUNT(*) FROM ar24_letter WHERE subject = '%s' AND (send_queued OR ar24_id = 0)" % subject)
    )


def at_ar24(workdir, id_user):
    """{first attachment (the letter's own PDF): how many letters AR24 holds with it}."""
    import sqlite3  # noqa: PLC0415

    db = sqlite3.connect(os.path.join(workdir, "ar24.sqlite"))
    rows = db.execute("SELECT data FROM mails WHERE id_user = ?", (id_user,)).fetchall()
    return Counter(json.loads(data)["attachments"][0] for (data,) in rows)


def main(conf, db):
    workdir = tempfile.mkdtemp(prefix="ar24-two-servers-")
    # AR24 sends each letter 3 s after its deposit: the webhooks and the syncs run while the queue does
    process, port = start_emulator(workdir, send_delay=3)
    if not process:
        return fail("the AR24 emulator did not answer on port %d" % port)
    base = "http://127.0.0.1:%d" % port
    servers, stop, problems, threads = [], threading.Event(), [], []
    try:
        a_port, b_port, c_port = server_ports()
        subject = "Two servers %d" % os.getpid()
        ids = setup(conf, db, base, "http://127.0.0.1:%d" % a_port, subject)
        if isinstance(ids, str):
            return fail("setup failed: %s" % ids)
        id_user, first_id, last_id = ids
        letter_ids = list(range(first_id, last_id + 1))
        for name, server_port in (("A", a_port), ("B", b_port), ("C", c_port)):
            servers.append(Server(name, conf, db, workdir, server_port))
        if not all(wait(lambda s=s: answers(s.port), 120) for s in servers):
            return fail("a server did not start (logs in %s)" % workdir)
        for server in servers[:2]:
            thread = threading.Thread(target=refresh_loop, args=(server, db, letter_ids, stop, problems), daemon=True)
            thread.start()
            threads.append(thread)
        if not wait(lambda: sent_at_ar24(base) >= LETTERS // 2, 300, 0.05):
            return fail("the servers did not send half of the letters (logs in %s)" % workdir)
        servers[2].kill()
        killed_at = sent_at_ar24(base)
        if not 0 < killed_at < LETTERS:
            return fail("server C was not killed mid-batch: %d of %d letters at AR24" % (killed_at, LETTERS))
        # the recipients of some letters open them: state AR, a proof of receipt each, read by the syncs
        opened = []
        wait(lambda: len(ar24_ids(db, subject)) >= OPENED, 120)
        for ar24_id in ar24_ids(db, subject)[:OPENED]:
            emulator(base, "mails/%d/accept" % ar24_id, {})
            opened.append(ar24_id)
        if not wait(lambda: left_behind(db, subject) == 0, 300):
            return fail("%d letters left behind (logs in %s)" % (left_behind(db, subject), workdir))
        received = "SELECT COUNT(*) FROM ar24_letter WHERE subject = '%s' AND state = 'ar'" % subject
        if not wait(lambda: int(psql(db, received)) >= len(opened), 180):
            return fail("%s of %d opened letters read as received" % (psql(db, received), len(opened)))
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
    rows = psql(db, "SELECT ar24_id FROM ar24_letter WHERE subject = '%s' AND ar24_id != 0 ORDER BY id" % subject)
    return [int(x) for x in rows.split()] if rows else []


def verify(db, workdir, id_user, subject, opened, killed_at, servers, problems):
    rows = psql(db, "SELECT COUNT(*), COUNT(DISTINCT ar24_id) FROM ar24_letter WHERE subject = '%s'" % subject)
    count, distinct = (int(x) for x in rows.split("|"))
    held = at_ar24(workdir, id_user)
    duplicates = sum(n - 1 for n in held.values() if n > 1)
    if count != LETTERS or distinct != LETTERS or len(held) != LETTERS or duplicates:
        return fail(
            "%d letters, %d AR24 numbers, %d letters at AR24, %d sent twice" % (count, distinct, len(held), duplicates)
        )
    filed = psql(
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
