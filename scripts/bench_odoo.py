"""Odoo half of ``make bench``: runs inside a real Odoo 19 with ar24_lre installed.

    BENCH_API_URL=http://127.0.0.1:PORT/api/ BENCH_OUT=figures.json \\
        odoo shell -c CONF -d DB --log-level=warn < scripts/bench_odoo.py

``odoo shell`` executes its standard input with ``env`` (superuser) defined; this script only
measures, it never asserts: ``scripts/bench.py`` creates the database, starts the emulator, runs
this file, reads the JSON written to ``BENCH_OUT`` and prints the table with the targets.

Measured, against the AR24 emulator (its ``/_emulator/calls`` log counts AR24 calls):

- send wizard: SQL queries (``cr.sql_log_count``) and time of its computation (counts, per-letter
  detail, error summary) for each batch size, opened on letters and opened on contacts (each
  recipient's channel, rows in memory, AR24's consents re-read first);
- send: wall time of ``letters._ar24_send()`` (avis électronique) at the emulator latency given
  in ``BENCH_LATENCY_MS``, AR24 calls per route; the letters' own PDFs are rendered beforehand
  (rendering is timed apart, with wkhtmltopdf, on the smallest batch);
- "Envoyer en AR : Mise en demeure" on ``BENCH_DOCUMENTS`` of the demo's unpaid calls for funds (a
  model made without code, a template and a one-page report): the wizard's SQL queries and time when
  it opens (each call's report rendered the way Odoo does: wkhtmltopdf runs, their wall and CPU
  time) and again once the renderings are kept;
- status sync of ``BENCH_SYNC`` letters (``_ar24_sync_status``) and consent sync of
  ``BENCH_CONSENTS`` consents (``_ar24_consent_sync_from_ar24``): AR24 calls, proof downloads,
  SQL queries and time, then the same sync again when nothing changed.

The engine commits (one transaction per chunk): the database is a throw-away one.
"""

import json
import os
import time
import traceback
import urllib.request

from odoo import Command, fields
from odoo.tests.common import new_test_user
from odoo.tools import convert_file

from odoo.addons.ar24_lre.ar24.client import AR24Client
from odoo.addons.ar24_lre.ar24.emulator.controls import EmulatorControls
from odoo.addons.ar24_lre.ar24.pdf import make_pdf
from odoo.addons.base.models.ir_actions_report import _wkhtml

QUIET = {"tracking_disable": True, "mail_create_nolog": True, "mail_notrack": True, "no_reset_password": True}
ADDRESS = {"street": "32 rue du Septentrion", "zip": "83700", "city": "Saint-Raphaël"}
OPEN_STATES = ("to_valid", "waiting", "sent")


class DownloadCounter:
    """Counts proof downloads (plain GETs of documents, which the emulator's call log omits)."""

    def __init__(self):
        self.count = 0
        self.original = AR24Client.download

    def __enter__(self):
        counter = self

        def download(client, url, *args, **kwargs):
            counter.count += 1
            return counter.original(client, url, *args, **kwargs)

        AR24Client.download = download
        return self

    def __exit__(self, *exc):
        AR24Client.download = self.original


class PeakMemory:
    """Peak resident memory of this Odoo process in the ``with`` block (Linux: the kernel's high-water
    mark, reset on entry), and the resident memory on entry, in MB."""

    def __enter__(self):
        self.start = self.peak = self.before = None
        try:
            with open("/proc/self/clear_refs", "w") as refs:
                refs.write("5")  # resets VmHWM to the current resident size
            self.before = self._status("VmRSS")
        except OSError:
            pass
        return self

    @staticmethod
    def _status(key):
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) / 1024.0
        return None

    def __exit__(self, *exc):
        if self.before is not None:
            self.peak = self._status("VmHWM")

    def figures(self):
        return {"rss_before_mb": self.before, "peak_mb": self.peak}


class RenderStats:
    """What the letters' renderer did in the ``with`` block: letters, distinct documents, runs."""

    def __enter__(self):
        from odoo.addons.ar24_lre.models.ir_actions_report import LetterRuns  # noqa: PLC0415

        self.cls, self.original = LetterRuns, LetterRuns.result
        self.totals = {"letters": 0, "distinct": 0, "runs": 0, "single_runs": 0}
        stats = self

        def result(runs, env):
            try:
                return stats.original(runs, env)
            finally:
                for key in stats.totals:
                    stats.totals[key] += runs.stats[key]

        LetterRuns.result = result
        return self

    def __exit__(self, *exc):
        self.cls.result = self.original


class PhaseTimer:
    """Cumulated wall time and calls of some methods of a model class while in the ``with`` block."""

    def __init__(self, cls, names):
        self.cls = cls
        self.names = names
        self.seconds = dict.fromkeys(names, 0.0)
        self.calls = dict.fromkeys(names, 0)

    def __enter__(self):
        self.own = {name: self.cls.__dict__.get(name) for name in self.names}
        for name in self.names:
            setattr(self.cls, name, self._timed(name, getattr(self.cls, name)))
        return self

    def _timed(self, name, method):
        timer = self

        def timed(*args, **kwargs):
            timer.calls[name] += 1
            started = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                timer.seconds[name] += time.perf_counter() - started

        return timed

    def __exit__(self, *exc):
        for name, own in self.own.items():
            if own is None:
                delattr(self.cls, name)
            else:
                setattr(self.cls, name, own)


class Bench:
    def __init__(self, env):
        self.env = env
        self.api_url = os.environ["BENCH_API_URL"]
        self.controls = EmulatorControls(self.api_url.rsplit("/api/", 1)[0])
        self.token = os.environ.get("BENCH_TOKEN", "bench-token")
        self.private_key = os.environ.get("BENCH_PRIVATE_KEY", "bench-private-key")
        self.latency_ms = int(os.environ.get("BENCH_LATENCY_MS", "50"))
        self.sizes = [int(n) for n in os.environ.get("BENCH_SIZES", "10,100,1000").split(",")]
        self.render_size = int(os.environ.get("BENCH_RENDER", "100"))
        self.whole_sizes = [int(n) for n in os.environ.get("BENCH_WHOLE", "100,300,1000").split(",")]
        self.sync_size = int(os.environ.get("BENCH_SYNC", "10000"))
        self.sync_changed = int(os.environ.get("BENCH_SYNC_CHANGED", str(self.sync_size // 10)))
        self.consent_size = int(os.environ.get("BENCH_CONSENTS", "10000"))
        self.document_sizes = [int(n) for n in os.environ.get("BENCH_DOCUMENTS", "10,100").split(",")]
        self.company = env.company
        self.figures = {"sizes": {}, "errors": []}

    # ------------------------------------------------------------------ helpers
    def commit(self):
        self.env.flush_all()
        self.env.cr.commit()

    def queries(self):
        return self.env.cr.sql_log_count

    def last_call_id(self):
        calls = self.controls.get("calls")["calls"]
        return calls[-1]["id"] if calls else 0

    def calls_since(self, mark):
        """{route: count} of the AR24 API calls logged by the emulator after call id ``mark``."""
        routes = {}
        for call in self.controls.get("calls")["calls"]:
            if call["id"] > mark:
                routes[call["route"]] = routes.get(call["route"], 0) + 1
        return routes

    def sender(self, key):
        """An Odoo user linked to a fresh, identified AR24 sender account of the emulator."""
        email = "bench-%s@syndic.example.com" % key
        user = new_test_user(
            self.env,
            login=email,
            name="Bench %s" % key.title(),
            email=email,
            groups="base.group_user,ar24_lre.group_ar24_manager",
            context=QUIET,
        )
        info = self.controls.sender(email, "Bench", key.title())
        user.write(
            {
                "ar24_email": email,
                "ar24_user_id": info["id_user"],
                "ar24_link_state": "linked",
                "ar24_identity_verified": True,
            }
        )
        return user, info

    def partners(self, emails, consent=True):
        values = []
        for index, email in enumerate(emails):
            vals = dict(ADDRESS, name="Owner %d" % index, email=email, country_id=self.env.ref("base.fr").id)
            if consent:
                vals.update(ar24_consent=True, ar24_consent_state="accepted", ar24_consent_email=email)
            values.append(vals)
        return self.env["res.partner"].with_context(**QUIET).create(values)

    # ------------------------------------------------------------------ set-up
    def setup(self):
        self.company.write(
            {
                "name": "Syndic Bench",
                "street": "32 rue du Septentrion",
                "zip": "83700",
                "city": "Saint-Raphaël",
                "country_id": self.env.ref("base.fr").id,
                "company_registry": "123 456 782 00010",
                "ar24_environment": "custom",
                "ar24_api_url": self.api_url,
                "ar24_token": self.token,
                "ar24_private_key": self.private_key,
                "ar24_is_coownership": True,
                # loopback port 9 refuses: no webhook is ever delivered anywhere
                "ar24_webhook_base_url": "http://127.0.0.1:9",
            }
        )
        self.send_user, info = self.sender("send")
        method = self.env["ar24.payment.method"].create(
            {"name": "Bench card", "slug": info["payment_methods"][0], "user_id": self.send_user.id}
        )
        self.company.ar24_payment_method_id = method
        params = self.env["ir.config_parameter"].sudo()
        # wkhtmltopdf fetches the report's CSS from this Odoo server (bench.py starts one): never
        # from whatever else may listen on the default port
        params.set_param("report.url", os.environ.get("BENCH_REPORT_URL", "http://127.0.0.1:9"))
        self.concurrency = max(1, int(params.get_param("ar24_lre.concurrency", 4)))
        self.figures["concurrency"] = self.concurrency
        self.figures["latency_ms"] = self.latency_ms
        # letters sent by the bench stay "waiting" at AR24: later list calls move nothing
        self.controls.faults(latency_ms=0, send_delay_seconds=30 * 86400)
        self.commit()

    # ------------------------------------------------------------------ wizard and send
    def letters(self, size, batch="send"):
        """``size`` letters with a shared annex of their own (new content: AR24 must receive it)."""
        emails = ["owner-%s-%d-%d@bench.example.org" % (batch, size, i) for i in range(size)]
        partners = self.partners(emails)
        shared = self.env["ir.attachment"].create(
            {
                "name": "convocation-%d.pdf" % size,
                "raw": make_pdf(["Convocation to the general assembly (%d co-owners, %s)" % (size, batch)], pages=2),
                "mimetype": "application/pdf",
            }
        )
        letters = (
            self.env["ar24.letter"]
            .with_context(**QUIET)
            .create(
                [
                    {
                        "partner_id": partner.id,
                        "subject": "Convocation AG",
                        "body": "<p>Vous êtes convoqué à l'assemblée générale du 4 avril.</p>",
                        "send_type": "ae",
                        "attachment_ids": [Command.set(shared.ids)],
                        "user_id": self.send_user.id,
                        "company_id": self.company.id,
                    }
                    for partner in partners
                ]
            )
        )
        self.commit()
        return letters

    def wizard(self, letters):
        """SQL queries and time of the wizard's computation, cold cache, as the sender opens it."""
        Wizard = (
            self.env["ar24.send.wizard"]
            .with_user(self.send_user)
            .with_context(active_model="ar24.letter", active_ids=letters.ids)
        )
        self.env.flush_all()
        self.env.invalidate_all()
        before, started = self.queries(), time.perf_counter()
        wizard = Wizard.create({"send_type": "ae"})
        counts = [wizard.requested_count, wizard.compatible_count, wizard.incompatible_count]
        self.env.flush_all()
        seconds = time.perf_counter() - started
        result = {"queries": self.queries() - before, "seconds": seconds, "counts": counts}
        if counts[1] != len(letters):
            problems = sorted(set(wizard.error_line_ids.mapped("comment")))[:5]
            self.figures["errors"].append("wizard on %d letters: %s compatible; %s" % (len(letters), counts, problems))
        self.env.cr.rollback()  # the wizard records are not needed
        return result

    def wizard_from_contacts(self, letters):
        """The same batch as a syndic sends it: "Envoyer en AR" on his co-owners, each one's channel
        chosen by the wizard, whose rows are in memory (nothing is created), AR24's consents re-read
        first (one paged read). SQL queries, AR24 calls and time, cold cache."""
        partners = letters.partner_id
        action = self.env["ar24.letter"].with_user(self.send_user)._prepare_from_records(partners)
        Wizard = self.env["ar24.send.wizard"].with_user(self.send_user).with_context(**action["context"])
        values = {
            "send_type": "per_recipient",
            "subject": "Convocation AG",
            "body": "<p>Vous êtes convoqué à l'assemblée générale du 4 avril.</p>",
            "attachment_ids": [Command.set(letters.attachment_ids.ids)],
        }
        self.env.flush_all()
        self.env.invalidate_all()
        letters_before = self.env["ar24.letter"].search_count([])
        mark = self.last_call_id()
        before, started = self.queries(), time.perf_counter()
        wizard = Wizard.create(values)
        counts = [wizard.requested_count, wizard.compatible_count, wizard.incompatible_count]
        self.env.flush_all()
        seconds = time.perf_counter() - started
        queries = self.queries() - before
        result = {
            "queries": queries,
            "seconds": seconds,
            "counts": counts,
            "ar24_calls": sum(self.calls_since(mark).values()),
            "letters_created": self.env["ar24.letter"].search_count([]) - letters_before,
        }
        if counts[1] != len(partners):
            problems = sorted(set(wizard.error_line_ids.mapped("comment")))[:5]
            self.figures["errors"].append(
                "wizard on %d contacts: %s compatible; %s" % (len(partners), counts, problems)
            )
        self.env.cr.rollback()  # the wizard records are not needed
        return result

    def render(self, letters):
        """The letters' own PDFs with the module's QWeb report and the real wkhtmltopdf: Odoo's way
        (``_render_qweb_pdf``, one run at a time with its ``report.print_delay``) on a few letters,
        then the engine's (``ar24.letter.send._render_pdf``: ``ar24_lre.render_processes`` runs at a time,
        without JavaScript) on the rest of the batch."""
        report = self.env.ref("ar24_lre.action_report_ar24_letter")
        self.env["ar24.letter.send"]._render_pdf(letters[:1])  # warm-up: the report's assets are compiled on first use
        self.commit()
        few = letters[1:6]
        started = time.perf_counter()
        for letter in few:
            report._render_qweb_pdf(report.report_name, res_ids=letter.ids)
        odoo_per_letter = (time.perf_counter() - started) / len(few)
        self.env.cr.rollback()
        rest = letters[1:]
        cpu_before = os.times()
        started = time.perf_counter()
        self.env["ar24.letter.send"]._render_pdf(rest)
        seconds = time.perf_counter() - started
        cpu_after = os.times()
        self.commit()
        params = self.env["ir.config_parameter"].sudo()
        return {
            "letters": len(rest),
            "odoo_letters": len(few),
            "odoo_per_letter_s": odoo_per_letter,
            "odoo_print_delay_ms": int(params.get_param("report.print_delay", 1000)),
            "per_letter_s": seconds / len(rest),
            # wkhtmltopdf's own CPU (children) and Odoo's (rendering the QWeb, writing files)
            "cpu_per_letter_s": (
                (cpu_after.children_user + cpu_after.children_system)
                - (cpu_before.children_user + cpu_before.children_system)
            )
            / len(rest),
            "odoo_cpu_per_letter_s": ((cpu_after.user + cpu_after.system) - (cpu_before.user + cpu_before.system))
            / len(rest),
            "processes": int(params.get_param("ar24_lre.render_processes", 4)),
            "cores": os.cpu_count(),
            "server": self.report_server(),
        }

    def report_server(self):
        url = self.env["ir.config_parameter"].sudo().get_param("report.url")
        try:
            with urllib.request.urlopen(url + "/web/health", timeout=5):
                return url
        except (OSError, ValueError):
            return None

    def fake_pdfs(self, letters):
        """A unique small PDF per letter, as if rendered, so that the send measures AR24's part."""
        attachments = self.env["ir.attachment"].create(
            [
                {
                    "name": "%s.pdf" % letter.name.replace("/", "-"),
                    "raw": make_pdf(["Registered letter %s" % letter.name, letter.subject]),
                    "mimetype": "application/pdf",
                    "res_model": "ar24.letter",
                    "res_id": letter.id,
                }
                for letter in letters
            ]
        )
        for letter, attachment in zip(letters, attachments):
            letter.pdf_attachment_id = attachment
        self.commit()

    def send(self, letters):
        self.controls.faults(latency_ms=self.latency_ms)
        mark = self.last_call_id()
        self.env.invalidate_all()
        before, started = self.queries(), time.perf_counter()
        try:
            engine = type(self.env["ar24.letter.send"])
            with PhaseTimer(engine, ("_reconcile", "_render_pdf", "_send_chunk")) as phases:
                letters._ar24_send()
        finally:
            seconds = time.perf_counter() - started
            self.controls.faults(latency_ms=0)
        queries = self.queries() - before
        routes = self.calls_since(mark)
        self.env.invalidate_all()
        sent = len(letters.filtered("ar24_id"))
        if sent != len(letters):
            errors = sorted(set(letters.filtered(lambda x: not x.ar24_id).mapped("error_message")))[:5]
            self.figures["errors"].append("send of %d letters: %d sent; %s" % (len(letters), sent, errors))
        return {
            "seconds": seconds,
            "queries": queries,
            "routes": routes,
            "calls": sum(routes.values()),
            "sent": sent,
            "phases": phases.seconds,
            # the engine's minimum: the letter's own PDF (unique, it finds the letter again after a
            # crash) and the POST /mail per letter, plus each distinct shared attachment once
            "minimal_calls": 2 * len(letters) + len(letters.attachment_ids),
        }

    def send_bench(self):
        # A running Odoo server has long paid Python's one-time costs (imports, the compiled
        # sanitizer, the workers' first connections): one letter first, so that the smallest
        # batch measures the engine and not the start of this process
        warm_up = self.letters(1, "warm-up")
        self.wizard(warm_up)  # the first wizard of a process also reads the access rules
        self.wizard_from_contacts(warm_up)
        self.fake_pdfs(warm_up)
        warm_up._ar24_send()
        self.commit()
        for size in self.sizes:
            # a batch under a second is at the mercy of the scheduler: its median of 5 runs
            runs = []
            for run in range(5 if size * self.latency_ms < 1000 else 1):
                letters = self.letters(size, "send-%d" % run)
                figures = {"wizard": self.wizard(letters), "contacts": self.wizard_from_contacts(letters)}
                self.fake_pdfs(letters)
                figures["send"] = self.send(letters)
                runs.append(figures)
                self.commit()
            runs.sort(key=lambda figures: figures["send"]["seconds"])
            self.figures["sizes"][str(size)] = dict(runs[len(runs) // 2], runs=len(runs))
        # the letters' own PDFs, the way Odoo renders them and the way the engine does
        self.figures["render"] = self.render(self.letters(self.render_size, "render"))
        # the whole send, rendering included, as a manager does it: Send in the wizard, then the
        # background queue's job, to the last answer of AR24
        self.figures["whole_send"] = {str(size): self.whole_send(size) for size in self.whole_sizes}

    def whole_send(self, size):
        """From the click on Send (the wizard queues the batch) to AR24's last answer: the queue's job
        renders every PDF and sends, as the scheduler runs it. Peak memory of this process meanwhile."""
        letters = self.letters(size, "whole")
        wizard = (
            self.env["ar24.send.wizard"]
            .with_user(self.send_user)
            .with_context(active_model="ar24.letter", active_ids=letters.ids)
            .create({"send_type": "ae"})
        )
        self.commit()
        self.controls.faults(latency_ms=self.latency_ms)
        mark = self.last_call_id()
        self.env.invalidate_all()
        before = self.queries()
        engine = type(self.env["ar24.letter.send"])
        with RenderStats() as rendering:
            with PhaseTimer(engine, ("_render_start", "_render_finish", "_send_rendered")) as phases:
                started = time.perf_counter()
                try:
                    with PeakMemory() as click_memory:
                        wizard.action_send()  # the click: more than the inline limit, the batch is queued
                        self.commit()
                    with PeakMemory() as memory:
                        self.env["ar24.letter.send"]._cron_send_queue()  # the queue's job
                finally:
                    seconds = time.perf_counter() - started
                    self.controls.faults(latency_ms=0)
        routes = self.calls_since(mark)
        self.env.invalidate_all()
        sent = len(letters.filtered("ar24_id"))
        if sent != size:
            errors = sorted(set(letters.filtered(lambda x: not x.ar24_id).mapped("error_message")))[:5]
            self.figures["errors"].append("whole send of %d letters: %d sent; %s" % (size, sent, errors))
        self.commit()
        return dict(
            memory.figures(),
            click_memory=click_memory.figures(),
            letters=size,
            seconds=seconds,
            sent=sent,
            queries=self.queries() - before,
            calls=sum(routes.values()),
            routes=routes,
            minimal_calls=2 * size + len(letters.attachment_ids),
            phases=phases.seconds,
            rendering=rendering.totals,
        )

    # ------------------------------------------------------------------ documents of another model
    def documents_bench(self):
        """ "Envoyer en AR : Mise en demeure" on the demo's unpaid calls for funds, as the bound action opens
        the wizard: SQL queries and time of its opening (each call's one-page report rendered with
        Odoo's ``_pre_render_qweb_pdf``: wkhtmltopdf runs, their wall and CPU time), then of the same
        wizard once the renderings are kept (a change of send type, "Validate")."""
        convert_file(self.env, "ar24_lre", "data/ar24_demo_mise_en_demeure.xml", {}, mode="init", noupdate=True)
        self.commit()
        template = self.env.ref("ar24_lre.demo_template_mise_en_demeure")
        documents = type(self.env["ar24.send.wizard.document"])
        reports = type(self.env["ir.actions.report"])
        results = {}
        # the first rendering of a process compiles the report's templates and reads its assets: one call first
        for size in [1, *self.document_sizes]:
            emails = ["owner-documents-%d-%d@bench.example.org" % (size, i) for i in range(size)]
            partners = self.partners(emails, consent=False)  # paper letters: the report must be A4 portrait
            calls = (
                self.env["x_ar24_appel_fonds"]
                .with_context(**QUIET)
                .create(
                    [
                        {
                            "x_name": "Appel de fonds T1 2027 - lot %d-%d" % (size, i),
                            "x_partner_id": partner.id,
                            "x_lot": str(i),
                            "x_amount": 100.0 + i,
                            "x_due_date": "2027-01-15",
                        }
                        for i, partner in enumerate(partners)
                    ]
                )
            )
            self.commit()
            action = template.with_user(self.send_user)._ar24_action_send(calls)
            Wizard = self.env["ar24.send.wizard"].with_user(self.send_user).with_context(**action["context"])
            runs = {}
            for run in ("first", "kept"):
                self.env.flush_all()
                self.env.invalidate_all()
                cpu_before = os.times()
                with (
                    PhaseTimer(documents, ("_render_batch",)) as rendering,
                    PhaseTimer(reports, ("_run_wkhtmltopdf",)) as runs_of,
                ):
                    before, started = self.queries(), time.perf_counter()
                    wizard = Wizard.create({"send_type": "lr_paper"})
                    counts = [wizard.requested_count, wizard.compatible_count, wizard.incompatible_count]
                    self.env.flush_all()
                    seconds = time.perf_counter() - started
                    queries = self.queries() - before
                cpu_after = os.times()
                runs[run] = {
                    "queries": queries,
                    "seconds": seconds,
                    "counts": counts,
                    "render_seconds": rendering.seconds["_render_batch"],
                    "render_batches": rendering.calls["_render_batch"],
                    "wkhtmltopdf_runs": runs_of.calls["_run_wkhtmltopdf"],
                    "wkhtmltopdf_seconds": runs_of.seconds["_run_wkhtmltopdf"],
                    "wkhtmltopdf_cpu": (cpu_after.children_user + cpu_after.children_system)
                    - (cpu_before.children_user + cpu_before.children_system),
                }
                if counts[1] != size:
                    problems = sorted(set(wizard.error_line_ids.mapped("comment")))[:5]
                    self.figures["errors"].append("wizard on %d calls for funds: %s; %s" % (size, counts, problems))
                self.commit()  # the renderings are kept for the next opening
            if size != 1 or 1 in self.document_sizes:
                results[str(size)] = runs
        params = self.env["ir.config_parameter"].sudo()
        self.figures["documents"] = {
            "sizes": results,
            "patched_qt": _wkhtml().is_patched_qt,
            "wkhtmltopdf": _wkhtml().version,
            "print_delay_ms": int(params.get_param("report.print_delay", 1000)),
        }

    # ------------------------------------------------------------------ status sync
    def measure_sync(self, model_class, phase_names, call):
        """(what ``call()`` returned, its figures): AR24 calls, proof downloads, SQL queries, time
        and the time of the named phases, at the bench latency and from a cold ORM cache."""
        self.env.invalidate_all()
        mark = self.last_call_id()
        self.controls.faults(latency_ms=self.latency_ms)
        with DownloadCounter() as downloads, PhaseTimer(model_class, phase_names) as phases, PeakMemory() as memory:
            before, started = self.queries(), time.perf_counter()
            result = call()
            seconds = time.perf_counter() - started
        self.controls.faults(latency_ms=0)
        figures = {
            **memory.figures(),
            "calls": sum(self.calls_since(mark).values()),
            "downloads": downloads.count,
            "queries": self.queries() - before,
            "seconds": seconds,
            "phases": phases.seconds,
        }
        self.commit()
        return result, figures

    def sync_bench(self):
        """The status sync of ``BENCH_SYNC`` letters (a tenth of them changed at AR24), then of a
        tenth as many (its peak memory, to compare), as the scheduled job runs it (chatter tracking on)."""
        size, changed = self.sync_size, self.sync_changed
        self.figures["status_sync"] = dict(self.sync_run(size, changed, "status"), size=size, expected_changes=changed)
        small = max(1, size // 10)
        self.figures["status_sync_small"] = self.sync_run(small, max(1, changed // 10), "status-small", again=False)

    def sync_run(self, size, changed, key, again=True):
        user, info = self.sender(key)
        first = self.controls.post("mails/seed", id_user=info["id_user"], count=size, status="sent")["first_id"]
        for offset in range(changed):  # received since the last sync: new state, new proof
            self.controls.recipient(first + offset, "accept")
        partners = self.env["res.partner"].search([("email", "=like", "owner-%@bench.example.org")], limit=200)
        deposit = fields.Datetime.subtract(fields.Datetime.now(), hours=1)
        Letter = self.env["ar24.letter"].with_context(**QUIET)
        ids = []
        for start in range(0, size, 2000):
            ids += Letter.create(
                [
                    {
                        "partner_id": partners[i % len(partners)].id,
                        "subject": "Mise en demeure %d" % i,
                        "send_type": "lre_eidas",
                        "user_id": user.id,
                        "company_id": self.company.id,
                        "state": "sent",
                        "ar24_id": first + i,
                        "ar24_status": "sent",
                        "date_deposit": deposit,
                        "date_sent": deposit,
                        "proof_kinds": "ev",
                    }
                    for i in range(start, min(size, start + 2000))
                ]
            ).ids
        self.commit()
        runs = {}
        # the letters as the scheduled job reads them: no bench context (the chatter tracks states)
        letters = self.env["ar24.letter"].browse(ids)
        for run in ("first", "again") if again else ("first",):
            todo = letters if run == "first" else letters.filtered(lambda x: x.state in OPEN_STATES)
            moved, figures = self.measure_sync(
                type(self.env["ar24.letter.sync"]), ("_apply_page", "_fetch_proofs"), todo._ar24_sync_status
            )
            runs[run] = dict(figures, letters=len(todo), changed=moved)
        return runs

    # ------------------------------------------------------------------ consent sync
    def consent_bench(self):
        """A tenth of the consents first (another AR24 account, same e-mails), then all of them,
        then all again: the queries a consent adds are the difference between the first two."""
        size, small = self.consent_size, max(1, self.consent_size // 10)
        Partner = self.env["res.partner"]
        for start in range(0, size, 2000):
            self.partners(["owner%d@example.com" % i for i in range(start, min(size, start + 2000))], consent=False)
        self.commit()
        runs = {}
        for run, count in (("small", small), ("first", size), ("again", size)):
            if run != "again":
                user, info = self.sender("consent-%s" % run)
                # the emulator's seeded address book: owner<i>@example.com, all accepted, each with a proof
                self.controls.post("consents/seed", id_user=info["id_user"], count=count, status="accepted")
            result, figures = self.measure_sync(
                type(Partner),
                ("_ar24_consent_write", "_ar24_consent_attach_proofs"),
                lambda user=user: Partner._ar24_consent_sync_from_ar24(sender=user),
            )
            runs[run] = dict(figures, consents=result["consents"], changed=len(result["changed"]))
        self.figures["consent_sync"] = dict(runs, size=size)

    def run(self):
        for name, step in (
            ("setup", self.setup),
            ("send", self.send_bench),
            ("documents", self.documents_bench),
            ("status sync", self.sync_bench),
            ("consent sync", self.consent_bench),
        ):
            started = time.perf_counter()
            try:
                step()
            except Exception:
                self.env.cr.rollback()
                self.controls.faults(latency_ms=0)
                self.figures["errors"].append("%s failed:\n%s" % (name, traceback.format_exc()))
                if name == "setup":
                    break
            self.figures.setdefault("phase_seconds", {})[name] = time.perf_counter() - started
        return self.figures


def main(env):
    figures = Bench(env).run()
    with open(os.environ["BENCH_OUT"], "w", encoding="utf-8") as out:
        json.dump(figures, out, indent=1, default=str)


if "env" in globals():  # odoo shell
    main(globals()["env"])
