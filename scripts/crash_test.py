"""Crash test of the background sender: kill -9 a real Odoo server mid-batch, restart it, and
check on AR24's side (the emulator) that every letter arrived exactly once.

Usage: python scripts/crash_test.py <odoo config> <database>   (run by scripts/test.sh, with the Python
of .build/venv: the emulator it starts needs cryptography and pyotp)
Prints one line "crash test: passed ..." or "crash test: FAILED ..." and exits 0 / 1.

It proves something only when the kill lands inside the batch: some letters already at AR24, not all of
them. A kill before the first or after the last one would pass without testing the recovery, so it fails.
"""

import os
import signal
import subprocess
import sys
import tempfile

import server_harness as harness

LETTERS = int(os.environ.get("AR24_CRASH_LETTERS", 40))
KILL_AFTER = LETTERS // 3
# AR24's answer time: 2 calls per letter, 2 at a time, so the batch spends about LETTERS x 0.1 s at AR24,
# a window the kill (polled every POLL_SECONDS) cannot miss.
LATENCY_MS = 100
POLL_SECONDS = 0.05
SUBJECT = "Crash test"

SCRIPT = (
    harness.SETUP
    + """
method = env["ar24.payment.method"].create({"name": "Crash", "slug": sender["payment_methods"][0], "user_id": admin.id})
company.ar24_payment_method_id = method
env["ir.config_parameter"].set_param("ar24_lre.concurrency", 2)
"""
    + harness.QUEUED_LETTERS
    + """
env.ref("ar24_lre.ir_cron_ar24_send_queue").nextcall = "2000-01-01 00:00:00"
"""
    + harness.SETUP_DONE
)


def start_odoo(conf, db, port, log):
    return subprocess.Popen(
        ["odoo", "-c", conf, "-d", db, "--http-port=%d" % port, "--max-cron-threads=1", "--log-level=warn"],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def main(conf, db):
    workdir = tempfile.mkdtemp(prefix="ar24-crash-")
    emulator, port, problem = harness.start_emulator(workdir, LATENCY_MS)
    if problem:
        return fail(problem)
    base = "http://127.0.0.1:%d" % port
    server = None
    log = open(os.path.join(workdir, "odoo.log"), "w")  # noqa: SIM115
    try:
        ids = harness.setup(
            conf,
            db,
            SCRIPT,
            base=base,
            api=base + "/api/",
            webhook="http://127.0.0.1:9",
            email="crash-test-sender@example.com",
            firstname="Crash",
            lastname="Test",
            owner="Crash owner %d",
            owner_email="crash%d@example.org",
            letters=LETTERS,
            subject=SUBJECT,
            body="<p>AG</p>",
        )
        if isinstance(ids, str):
            return fail("setup failed: %s" % ids)
        id_user = ids[0]
        server = start_odoo(conf, db, harness.free_port(), log)
        if not harness.wait(lambda: harness.sent_at_ar24(base) >= KILL_AFTER, 240, interval=POLL_SECONDS):
            return fail("the background sender did not start (see %s)" % log.name)
        os.killpg(server.pid, signal.SIGKILL)  # no goodbye: mid-batch, maybe between AR24 and the commit
        server.wait()
        killed_at = harness.sent_at_ar24(base)
        if not 0 < killed_at < LETTERS:
            return fail(
                "the kill did not come mid-batch: %d of the %d letters were at AR24 when Odoo was killed, "
                "so the restart had nothing to recover" % (killed_at, LETTERS)
            )
        # the killed run left the job waiting for its next slot (5 minutes): a restarted worker, or the
        # send wizard's trigger, would run it at once; do the same
        harness.psql(
            db,
            "UPDATE ir_cron SET nextcall = now() - interval '1 minute' WHERE id = (SELECT res_id FROM "
            "ir_model_data WHERE module = 'ar24_lre' AND name = 'ir_cron_ar24_send_queue')",
        )
        server = start_odoo(conf, db, harness.free_port(), log)
        if not harness.wait(lambda: harness.left_behind(db, SUBJECT) == 0, 300):
            return fail("letters still queued after the restart (see %s)" % log.name)
        problem = harness.sent_once(db, workdir, id_user, SUBJECT, LETTERS)
        if problem:
            return fail(problem)
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


def fail(message):
    print("crash test: FAILED: %s" % message)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
