"""Crash test of the background sender: kill -9 a real Odoo server mid-batch, restart it, and
check on AR24's side (the emulator) that every letter arrived exactly once.

Usage: python scripts/crash_test.py <odoo config> <database>   (run by scripts/test.sh, with the Python
of .build/venv: the emulator it starts needs cryptography and pyotp)
Prints one line "crash test: passed ..." or "crash test: FAILED ..." and exits 0 / 1.

It proves something only when the kill lands inside the batch: some letters already at AR24, not all of
them. A kill before the first or after the last one would pass without testing the recovery, so it fails.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LETTERS = int(os.environ.get("AR24_CRASH_LETTERS", 40))
KILL_AFTER = LETTERS // 3
# AR24's answer time: 2 calls per letter, 2 at a time, so the batch spends about LETTERS x 0.1 s at AR24,
# a window the kill (polled every POLL_SECONDS) cannot miss.
LATENCY_MS = 100
POLL_SECONDS = 0.05

SETUP = """
from odoo.addons.ar24_lre.ar24.emulator.controls import EmulatorControls
controls = EmulatorControls(%(base)r)
company = env.company
company.write({"ar24_environment": "custom", "ar24_api_url": %(api)r, "ar24_token": "emulator-token",
               "ar24_private_key": "emulator-private-key", "ar24_is_coownership": True,
               "ar24_webhook_base_url": "http://127.0.0.1:9"})
admin = env.ref("base.user_admin")
admin.email = "crash-test-sender@example.com"
sender = controls.sender(admin.email, "Crash", "Test")
admin.write({"ar24_email": admin.email, "ar24_user_id": sender["id_user"], "ar24_link_state": "linked"})
method = env["ar24.payment.method"].create({"name": "Crash", "slug": sender["payment_methods"][0], "user_id": admin.id})
company.ar24_payment_method_id = method
env["ir.config_parameter"].set_param("ar24_lre.concurrency", 2)
partners = env["res.partner"].create([
    {"name": "Crash owner %%d" %% i, "email": "crash%%d@example.org" %% i, "ar24_recipient_status": "professionnel",
     "ar24_consent": True, "ar24_consent_state": "accepted", "ar24_consent_email": "crash%%d@example.org" %% i}
    for i in range(%(letters)d)])
letters = env["ar24.letter"].create([
    {"partner_id": p.id, "subject": "Crash test", "body": "<p>AG</p>", "send_type": "ae", "user_id": admin.id,
     "send_queued": True} for p in partners])
env.ref("ar24_lre.ir_cron_ar24_send_queue").nextcall = "2000-01-01 00:00:00"
env.cr.commit()
print("SETUP-DONE", sender["id_user"])
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def emulator_mails(base):
    with urllib.request.urlopen(base + "/_emulator/calls", timeout=30) as response:
        calls = json.loads(response.read())["calls"]
    return sum(1 for c in calls if c["route"] == "send_mail" and c["outcome"] == "SUCCESS")


def psql(db, query):
    return subprocess.run(
        ["psql", "-tAq", "-d", db, "-c", query], capture_output=True, text=True, check=True
    ).stdout.strip()


def start_odoo(conf, db, port, log):
    return subprocess.Popen(
        ["odoo", "-c", conf, "-d", db, "--http-port=%d" % port, "--max-cron-threads=1", "--log-level=warn"],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait(predicate, timeout, interval=0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def answers(port):
    """Whether something accepts connections on the loopback ``port``."""
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_for_emulator(emulator, port, log_path, timeout=60):
    """Polls the emulator's port until it answers; None, or why it never will (it exited, or took too long)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if answers(port):
            return None
        if emulator.poll() is not None:
            with open(log_path) as log:
                last = [line.strip() for line in log if line.strip()][-1:] or ["no output"]
            return "the AR24 emulator exited with %s: %s (%s)" % (emulator.returncode, last[0], sys.executable)
        time.sleep(0.05)
    return "the AR24 emulator did not answer on port %d within %d s" % (port, timeout)


def main(conf, db):
    workdir = tempfile.mkdtemp(prefix="ar24-crash-")
    port = free_port()
    base = "http://127.0.0.1:%d" % port
    emulator_log = os.path.join(workdir, "emulator.log")
    with open(emulator_log, "w") as emulator_out:
        emulator = subprocess.Popen(
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
            ],
            cwd=ROOT,
            stdout=emulator_out,
            stderr=subprocess.STDOUT,
        )
    server = None
    log = open(os.path.join(workdir, "odoo.log"), "w")  # noqa: SIM115
    try:
        problem = wait_for_emulator(emulator, port, emulator_log)
        if problem:
            return fail(problem)
        setup = subprocess.run(
            ["odoo", "shell", "-c", conf, "-d", db, "--no-http"],
            input=SETUP % {"base": base, "api": base + "/api/", "letters": LETTERS},
            capture_output=True,
            text=True,
        )
        if "SETUP-DONE" not in setup.stdout:
            return fail("setup failed: %s" % (setup.stdout + setup.stderr)[-1500:])
        id_user = int(setup.stdout.split("SETUP-DONE", 1)[1].split()[0])
        server = start_odoo(conf, db, free_port(), log)
        if not wait(lambda: emulator_mails(base) >= KILL_AFTER, 240, interval=POLL_SECONDS):
            return fail("the background sender did not start (see %s)" % log.name)
        os.killpg(server.pid, signal.SIGKILL)  # no goodbye: mid-batch, maybe between AR24 and the commit
        server.wait()
        killed_at = emulator_mails(base)
        if not 0 < killed_at < LETTERS:
            return fail(
                "the kill did not come mid-batch: %d of the %d letters were at AR24 when Odoo was killed, "
                "so the restart had nothing to recover" % (killed_at, LETTERS)
            )
        # the killed run left the job waiting for its next slot (5 minutes): a restarted worker, or the
        # send wizard's trigger, would run it at once; do the same
        psql(
            db,
            "UPDATE ir_cron SET nextcall = now() - interval '1 minute' WHERE id = (SELECT res_id FROM "
            "ir_model_data WHERE module = 'ar24_lre' AND name = 'ir_cron_ar24_send_queue')",
        )
        server = start_odoo(conf, db, free_port(), log)
        done = wait(
            lambda: (
                psql(
                    db, "SELECT COUNT(*) FROM ar24_letter WHERE subject = 'Crash test' AND (send_queued OR ar24_id = 0)"
                )
                == "0"
            ),
            300,
        )
        if not done:
            return fail("letters still queued after the restart (see %s)" % log.name)
        rows = psql(db, "SELECT COUNT(*), COUNT(DISTINCT ar24_id) FROM ar24_letter WHERE subject = 'Crash test'")
        count, distinct = (int(x) for x in rows.split("|"))
        per_letter = Counter(_first_attachments(workdir, id_user))
        duplicates = sum(n - 1 for n in per_letter.values() if n > 1)
        if count != LETTERS or distinct != LETTERS or len(per_letter) != LETTERS or duplicates:
            return fail(
                "%d letters, %d AR24 numbers, %d letters at AR24, %d duplicates"
                % (count, distinct, len(per_letter), duplicates)
            )
        print(
            "crash test: passed (%d letters; Odoo killed with -9 after %d were at AR24; after the restart each "
            "letter is at AR24 exactly once)" % (LETTERS, killed_at)
        )
        return 0
    finally:
        if server and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(30)
        emulator.terminate()
        emulator.wait(10)
        log.close()


def _first_attachments(workdir, id_user):
    import sqlite3  # noqa: PLC0415

    db = sqlite3.connect(os.path.join(workdir, "ar24.sqlite"))
    for (data,) in db.execute("SELECT data FROM mails WHERE id_user = ?", (id_user,)):
        yield json.loads(data)["attachments"][0]


def fail(message):
    print("crash test: FAILED: %s" % message)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
