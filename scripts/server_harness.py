"""What the crash test and the two-server test share: real Odoo servers and the AR24 emulator as processes.

The emulator runs with a file state (``ar24.sqlite`` in the test's working folder) so that the test reads
what AR24 holds once the servers are gone; the database is set up through ``odoo shell`` (an admin linked
to an emulator sender, co-owners who consented, queued letters) and read back with ``psql``.
Used by scripts/crash_test.py and scripts/two_servers_test.py, run with the Python of .build/venv.
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The setup of the database, in ``odoo shell``: SETUP (the entity sends through the emulator with
# ``admin`` as its sender), the script's payment method and parameters, QUEUED_LETTERS (``letters``
# co-owners who consented, one queued avis électronique each), the script's jobs, then SETUP_DONE.
SETUP = """
from odoo.addons.ar24_lre.ar24.emulator.controls import EmulatorControls
controls = EmulatorControls(%(base)r)
company = env.company
company.write({"ar24_environment": "custom", "ar24_api_url": %(api)r, "ar24_token": "emulator-token",
               "ar24_private_key": "emulator-private-key", "ar24_is_coownership": True,
               "ar24_webhook_base_url": %(webhook)r})
admin = env.ref("base.user_admin")
admin.email = %(email)r
sender = controls.sender(admin.email, %(firstname)r, %(lastname)r)
admin.write({"ar24_email": admin.email, "ar24_user_id": sender["id_user"], "ar24_link_state": "linked"})
"""
QUEUED_LETTERS = """
partners = env["res.partner"].create([
    {"name": %(owner)r %% i, "email": %(owner_email)r %% i, "ar24_recipient_status": "professionnel",
     "ar24_consent": True, "ar24_consent_state": "accepted", "ar24_consent_email": %(owner_email)r %% i}
    for i in range(%(letters)d)])
letters = env["ar24.letter"].create([
    {"partner_id": p.id, "subject": %(subject)r, "body": %(body)r, "send_type": "ae", "user_id": admin.id,
     "send_queued": True} for p in partners])
"""
SETUP_DONE = """
env.cr.commit()
print("SETUP-DONE", sender["id_user"], letters[0].id, letters[-1].id)
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers(port):
    """Whether something accepts connections on the loopback ``port``."""
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


def start_emulator(workdir, latency_ms, *options, timeout=60):
    """The emulator on a free port, its state in ``workdir``: (process, port, None) once it answers, or
    (None, port, why it never will: it exited, or took too long)."""
    port = free_port()
    log_path = os.path.join(workdir, "emulator.log")
    state = os.path.join(workdir, "ar24.sqlite")
    with open(log_path, "w") as log:  # the process keeps its own copy of the file
        process = subprocess.Popen(
            [sys.executable, "-m", "ar24.emulator", "--port", str(port), "--state", state]
            + ["--latency-ms", str(latency_ms), *options],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if answers(port):
            return process, port, None
        if process.poll() is not None:
            with open(log_path) as log:
                last = [line.strip() for line in log if line.strip()][-1:] or ["no output"]
            why = "the AR24 emulator exited with %s: %s (%s)" % (process.returncode, last[0], sys.executable)
            return None, port, why
        time.sleep(0.05)
    process.terminate()
    process.wait(10)
    return None, port, "the AR24 emulator did not answer on port %d within %d s" % (port, timeout)


def emulator(base, path, body=None):
    """One call to the emulator's test controls (``/_emulator/<path>``); its JSON answer."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + "/_emulator/" + path, data=data, method="POST" if data else "GET")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def sent_at_ar24(base):
    """How many letters AR24 accepted so far."""
    return sum(1 for c in emulator(base, "calls")["calls"] if c["route"] == "send_mail" and c["outcome"] == "SUCCESS")


def setup(conf, db, script, **values):
    """Run ``script`` (see ``SETUP``) in ``odoo shell`` with ``values``:
    [sender's AR24 id, first letter id, last letter id], or the end of its output when it failed."""
    done = subprocess.run(
        ["odoo", "shell", "-c", conf, "-d", db, "--no-http"], input=script % values, capture_output=True, text=True
    )
    if "SETUP-DONE" not in done.stdout:
        return (done.stdout + done.stderr)[-1500:]
    return [int(x) for x in done.stdout.split("SETUP-DONE", 1)[1].split()[:3]]


def left_behind(db, subject):
    """Letters of ``subject`` still queued, or that AR24 does not hold."""
    return int(
        psql(db, "SELECT COUNT(*) FROM ar24_letter WHERE subject = '%s' AND (send_queued OR ar24_id = 0)" % subject)
    )


def sent_once(db, workdir, id_user, subject, letters):
    """None when each of the ``letters`` letters of ``subject`` is at AR24 exactly once (each its own AR24
    number, and AR24 holding one letter per letter's own PDF); else what is wrong."""
    rows = psql(db, "SELECT COUNT(*), COUNT(DISTINCT ar24_id) FROM ar24_letter WHERE subject = '%s'" % subject)
    count, distinct = (int(x) for x in rows.split("|"))
    held = at_ar24(workdir, id_user)
    duplicates = sum(n - 1 for n in held.values() if n > 1)
    if count != letters or distinct != letters or len(held) != letters or duplicates:
        return "%d letters, %d AR24 numbers, %d letters at AR24, %d sent twice" % (
            count,
            distinct,
            len(held),
            duplicates,
        )
    return None


def at_ar24(workdir, id_user):
    """{first attachment (the letter's own PDF): how many letters AR24 holds with it}."""
    import sqlite3  # noqa: PLC0415

    db = sqlite3.connect(os.path.join(workdir, "ar24.sqlite"))
    rows = db.execute("SELECT data FROM mails WHERE id_user = ?", (id_user,)).fetchall()
    return Counter(json.loads(data)["attachments"][0] for (data,) in rows)
