import inspect
import io
import os
import re
import subprocess
import threading
import time
from unittest.mock import patch

import pypdf

from odoo.tests import TransactionCase, tagged

from odoo.addons.ar24_lre.models import ar24_letter_send as report_module_send
from odoo.addons.ar24_lre.models import ir_actions_report as report_module
from odoo.addons.ar24_lre.models.ir_actions_report import LetterRuns, OdooReportHelpers
from odoo.addons.base.models import ir_actions_report as odoo_report
from odoo.addons.base.models.ir_actions_report import _wkhtml

from ..ar24.pdfcheck import check_pdf


@tagged("post_install", "-at_install")
class TestLetterPdf(TransactionCase):
    """The letters' own PDFs, rendered by the real wkhtmltopdf, several processes at a time."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partners = cls.env["res.partner"].create(
            [
                {
                    "name": name,
                    "street": "32 rue du Septentrion",
                    "zip": "83700",
                    "city": "Saint-Raphaël",
                    "country_id": cls.env.ref("base.fr").id,
                }
                for name in ("Denise Aloxe", "Alfred Brouilly", "Jeannine Meursault")
            ]
        )

    def setUp(self):
        super().setUp()
        if _wkhtml().state == "install":
            if os.environ.get("AR24_REQUIRE_BROWSER"):  # make test: the real renderer must be there
                self.fail(
                    "wkhtmltopdf is not installed: the letters' PDFs cannot be rendered (apt-get install wkhtmltopdf)"
                )
            self.skipTest("wkhtmltopdf is not installed")
        # the style sheets come from the Odoo server, which a test's open transaction would block:
        # nothing listens here, so wkhtmltopdf renders without them
        self.env["ir.config_parameter"].sudo().set_param("report.url", "http://127.0.0.1:9")

    def test_each_letter_gets_its_own_a4_pdf(self):
        long_body = "".join("<p>Résolution n°%d : approbation des comptes de l'exercice.</p>" % i for i in range(90))
        letters = self.env["ar24.letter"].create(
            [
                {"partner_id": partner.id, "subject": "Convocation AG %s" % partner.name, "body": body}
                for partner, body in zip(self.partners, ("<p>AG du 4 avril</p>", long_body, "<p>Relance</p>"))
            ]
        )
        self.env["ir.config_parameter"].sudo().set_param("ar24_lre.render_processes", 2)
        self.env["ar24.letter.send"]._render_pdf(letters)
        for letter in letters:
            attachment = letter.pdf_attachment_id
            self.assertRecordValues(
                attachment,
                [{"res_model": "ar24.letter", "res_id": letter.id, "mimetype": "application/pdf"}],
            )
            data = attachment.with_context(bin_size=False).raw
            self.assertTrue(check_pdf(data, attachment.name, require_portrait=True).ok, attachment.name)
            pages = pypdf.PdfReader(io.BytesIO(data)).pages
            text = " ".join(" ".join(page.extract_text().split()) for page in pages)
            # each PDF is its own letter's: reference, recipient and subject, no one else's
            self.assertIn(letter.name, text)
            self.assertIn(letter.partner_id.name, text)
            for other in letters - letter:
                self.assertNotIn(other.partner_id.name, text)
        self.assertGreater(len(pypdf.PdfReader(io.BytesIO(letters[1].pdf_attachment_id.raw)).pages), 1)
        # rendered once: a second call keeps the PDFs
        before = letters.pdf_attachment_id
        self.env["ar24.letter.send"]._render_pdf(letters)
        self.assertEqual(letters.pdf_attachment_id, before)

    def test_a_letter_that_cannot_be_rendered_is_in_error_and_the_others_go_on(self):
        values = {"subject": "Relance", "body": "<p>Relance</p>"}
        letters = self.env["ar24.letter"].create([dict(values, partner_id=partner.id) for partner in self.partners[:2]])
        self.env["ir.config_parameter"].sudo().set_param("ar24_lre.render_processes", 1)
        real_run = OdooReportHelpers.run
        runs = []

        def run(args, timeout=None):
            with open(args[-2], encoding="utf-8") as source:
                document = source.read()
            runs.append(document.count('class="article'))
            if letters[1].name in document:  # the run holding that letter crashes
                return subprocess.CompletedProcess(args, -11, "", "Segmentation fault")
            return real_run(args, timeout)

        with patch.object(OdooReportHelpers, "run", staticmethod(run)):
            rendered = self.env["ar24.letter.send"]._render_pdf(letters)
        # both letters went to one run, which crashed; each was then rendered on its own
        self.assertEqual(runs, [2, 1, 1])
        self.assertEqual(rendered, letters[0])
        self.assertTrue(letters[0].pdf_attachment_id)
        self.assertRecordValues(letters[1], [{"state": "error", "error_code": "render", "pdf_attachment_id": False}])
        self.assertIn("Its PDF could not be made", letters[1].error_message)
        self.assertIn("Segmentation fault", letters[1].error_message)

    def test_a_stuck_wkhtmltopdf_is_killed_and_its_letters_say_so(self):
        """A wkhtmltopdf that never ends (a style sheet URL that never answers, a broken font) must not
        hold the queue, and every batch behind it, for ever: it is killed after
        ``ar24_lre.render_timeout`` seconds. Its letters fail with the reason, without being rendered
        again one by one (each would wait as long); the other runs' letters go on."""
        letters = self.env["ar24.letter"].create(
            [{"partner_id": self.partners[i % 3].id, "subject": "AG %d" % i, "body": "<p>AG</p>"} for i in range(4)]
        )
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("ar24_lre.render_processes", 2)
        params.set_param("ar24_lre.render_timeout", 7)
        real_run, runs = OdooReportHelpers.run, []

        def run(args, timeout=None):
            with open(args[-2], encoding="utf-8") as source:
                document = source.read()
            runs.append((document.count('class="article'), timeout))
            if letters[0].name in document:  # this run hangs: what subprocess.run's timeout gives
                return report_module.TimedOut(timeout)
            return real_run(args, timeout)

        cores = patch.multiple(report_module, CORES=2, RUNS_AT_ONCE=threading.Semaphore(2), MIN_PER_RUN=2)
        with patch.object(OdooReportHelpers, "run", staticmethod(run)), cores:
            rendered = self.env["ar24.letter.send"]._render_pdf(letters)
        self.assertEqual(sorted(runs), [(2, 7), (2, 7)], "two runs of two letters, no run per letter after")
        stuck = letters.filtered(lambda letter: not letter.pdf_attachment_id)
        self.assertEqual(len(stuck), 2)
        self.assertIn(letters[0], stuck)
        self.assertEqual(rendered, letters - stuck)
        for letter in stuck:
            self.assertRecordValues(letter, [{"state": "error", "error_code": "render_timeout", "send_queued": False}])
            self.assertEqual(
                letter.error_message,
                "Its PDF could not be made: Wkhtmltopdf did not finish within 7 seconds and was stopped.",
            )

    def _run_stuck(self, shell):
        """``OdooReportHelpers.run`` of a program that hangs (``shell``: a script writing a process id
        to its argument), stopped after one second: (the run, that process id)."""
        folder = self.env["ir.attachment"]._filestore()
        os.makedirs(folder, exist_ok=True)
        script = os.path.join(folder, "ar24-stuck-wkhtmltopdf.sh")
        with open(script, "w", encoding="ascii") as file:
            file.write("#!/bin/sh\n%s\n" % shell)
        os.chmod(script, 0o700)
        self.addCleanup(os.unlink, script)
        pid_file = script + ".pid"
        self.addCleanup(lambda: os.path.exists(pid_file) and os.unlink(pid_file))
        wkhtml = type("Wkhtml", (), {"bin": script, "state": "ok"})()
        with patch.object(odoo_report, "_wkhtml", lambda: wkhtml):
            run = OdooReportHelpers.run([pid_file], timeout=1)
        self.assertIsInstance(run, report_module.TimedOut)
        with open(pid_file, encoding="ascii") as file:
            return run, int(file.read())

    def test_the_run_time_limit_kills_wkhtmltopdf(self):
        """``OdooReportHelpers.run`` really stops the program after ``timeout`` seconds."""
        run, pid = self._run_stuck('echo starting >&2\necho $$ > "$1"\nexec sleep 60')
        self.assertEqual((run.seconds, run.stderr.strip()), (1, "starting"))
        with self.assertRaises(ProcessLookupError, msg="the stuck program is killed and reaped"):
            os.kill(pid, 0)

    def test_a_wrapper_and_what_it_started_are_killed_with_the_run(self):
        """wkhtmltopdf started by a wrapper that does not exec it (xvfb-run, a shell script): the
        renderer it started is killed too, not left running after its letters were failed."""
        _run, child = self._run_stuck('sleep 60 &\necho $! > "$1"\nwait')
        for _attempt in range(50):  # killed at once; reaped by init in a moment
            if not _running(child):
                break
            time.sleep(0.02)
        if _running(child):
            os.kill(child, 9)
            self.fail("the renderer started by the wrapper outlived the time limit")

    def test_the_render_timeout_setting_never_stops_the_sends(self):
        """A setting that is no number, or a huge one, falls back or is capped: a typo in a system
        parameter must not stop every send."""
        engine = self.env["ar24.letter.send"]
        params = self.env["ir.config_parameter"].sudo()
        for value, seconds in (
            ("90", 90),
            ("300.0", 300),
            ("5 min", report_module_send.RENDER_TIMEOUT),
            ("3000000", 86400),
            ("0", None),
            ("-5", None),
            ("nan", None),
        ):
            params.set_param("ar24_lre.render_timeout", value)
            with self.subTest(value=value):
                self.assertEqual(engine._render_timeout(), seconds)
        params.set_param("ar24_lre.render_timeout", "5 min")
        letter = self.env["ar24.letter"].create(
            {"partner_id": self.partners[0].id, "subject": "AG", "body": "<p>AG</p>"}
        )
        self.assertEqual(engine._render_pdf(letter), letter)

    def test_letters_of_a_run_stopped_are_rendered_alone_next_time(self):
        """One letter hangs wkhtmltopdf: its whole run is stopped and its letters fail. Sent again,
        each is rendered alone: the others get their PDFs, the one that hangs fails alone."""
        letters = self.env["ar24.letter"].create(
            [{"partner_id": self.partners[i % 3].id, "subject": "AG %d" % i, "body": "<p>AG</p>"} for i in range(3)]
        )
        real_run, runs = OdooReportHelpers.run, []

        def run(args, timeout=None):
            with open(args[-2], encoding="utf-8") as source:
                document = source.read()
            runs.append(document.count('class="article'))
            if letters[1].name in document:
                return report_module.TimedOut(timeout)
            return real_run(args, timeout)

        cores = patch.multiple(report_module, CORES=1, RUNS_AT_ONCE=threading.Semaphore(1))
        with patch.object(OdooReportHelpers, "run", staticmethod(run)), cores:
            self.assertFalse(self.env["ar24.letter.send"]._render_pdf(letters))
            self.assertEqual(runs, [3])
            self.assertEqual(set(letters.mapped("error_code")), {"render_timeout"})
            runs.clear()
            rendered = self.env["ar24.letter.send"]._render_pdf(letters)  # sent again
        self.assertEqual(runs, [1, 1, 1])
        self.assertEqual(rendered, letters[0] | letters[2])
        self.assertRecordValues(letters[1], [{"state": "error", "error_code": "render_timeout"}])
        self.assertIn("did not finish within 90 seconds", letters[1].error_message)

    def test_runs_at_once_follow_the_cpu_quota_of_the_container(self):
        """A container limited to 2 CPUs on a 16-core host must not start 16 wkhtmltopdf at once."""
        affinity = len(os.sched_getaffinity(0))
        folder = self.env["ir.attachment"]._filestore()
        os.makedirs(folder, exist_ok=True)
        cpu_max = os.path.join(folder, "ar24-cpu.max")
        self.addCleanup(lambda: os.path.exists(cpu_max) and os.unlink(cpu_max))
        for content, cores in (
            ("max 100000\n", affinity),  # no quota
            ("50000 100000\n", 1),  # half a CPU: one run
            ("150000 100000\n", min(affinity, 2)),  # 1.5 CPUs: two runs share them
            ("garbage\n", affinity),
        ):
            with open(cpu_max, "w", encoding="ascii") as file:
                file.write(content)
            with self.subTest(content=content):
                self.assertEqual(report_module.usable_cores(cpu_max), cores)
        self.assertEqual(report_module.usable_cores(cpu_max + ".absent"), affinity)

    def test_letters_rendered_together_are_the_pdfs_of_a_run_each(self):
        """Several letters per wkhtmltopdf run, split by markers: each letter's PDF has the text,
        the pages and the layout the one-letter-per-run rendering gives it, its own links and no
        marker."""
        bodies = [
            "<p>AG du 4 avril</p>",
            "".join("<p>Résolution n°%d : approbation des comptes de l'exercice.</p>" % i for i in range(90)),
            '<p>Voir <a href="https://example.org/pv">le procès-verbal</a>.</p>',
            "<h1>Mise en demeure</h1>" + "<p>Loyers impayés du lot n°12.</p>" * 45,
        ]
        partners = [*self.partners, self.partners[0]]
        letters = self.env["ar24.letter"].create(
            [
                {"partner_id": partner.id, "subject": "Lettre %d" % n, "body": body}
                for n, (partner, body) in enumerate(zip(partners, bodies))
            ]
        )
        report = self.env.ref("ar24_lre.action_report_ar24_letter")
        alone, alone_errors = report._ar24_render_pdfs(letters.ids, processes=2, letters_per_run=1)
        runs = report._ar24_start_pdfs(letters.ids, processes=1, letters_per_run=50)
        together, errors = runs.result(self.env)
        self.assertEqual((alone_errors, errors), ({}, {}))
        self.assertEqual(runs.stats, {"letters": 4, "distinct": 4, "runs": 1, "single_runs": 0})
        for letter in letters:
            self.assertEqual(_layout(together[letter.id]), _layout(alone[letter.id]), letter.subject)
            self.assertNotIn(b"ar24-letter-start", together[letter.id])
        pages = [len(_layout(together[letter.id])) for letter in letters]
        self.assertEqual(pages[0], 1)
        self.assertGreater(pages[1], 1)
        links = [_links(together[letter.id]) for letter in letters]
        self.assertEqual(links, [[], [], ["https://example.org/pv"], []])

    def test_a_batch_is_shared_across_the_cores_and_runs_queue_in_their_order(self):
        """The send waits for a chunk's PDFs: its letters go to one run per core (runs of
        MIN_PER_RUN letters at least), and this Odoo process never runs more wkhtmltopdf at once
        than it has cores, whatever the batches under way, so that the next chunk's runs are not
        slowed by those of the chunk after it. Each letter still gets its own one-page PDF."""
        letters = self.env["ar24.letter"].create(
            [{"partner_id": self.partners[i % 3].id, "subject": "AG %d" % i, "body": "<p>AG</p>"} for i in range(24)]
        )
        report = self.env.ref("ar24_lre.action_report_ar24_letter")
        real_run, lock = OdooReportHelpers.run, threading.Lock()
        sizes, running, most, started = [], [0], [0], []

        def run(args, timeout=None):
            with open(args[-2], encoding="utf-8") as source:
                document = source.read()
            sizes.append(document.count('class="article'))
            started.append(min(int(i) for i in re.findall(r'data-oe-id="(\d+)"', document)))
            with lock:
                running[0] += 1
                most[0] = max(most[0], running[0])
            try:
                return real_run(args, timeout)
            finally:
                with lock:
                    running[0] -= 1

        cores = patch.multiple(report_module, CORES=2, RUNS_AT_ONCE=threading.Semaphore(2))
        with patch.object(OdooReportHelpers, "run", staticmethod(run)), cores:
            first = report._ar24_start_pdfs(letters[:16].ids, processes=4, letters_per_run=50)
            second = report._ar24_start_pdfs(letters[16:].ids, processes=4, letters_per_run=50)
            contents, errors = first.result(self.env)
            more, more_errors = second.result(self.env)
        self.assertEqual((errors, more_errors), ({}, {}))
        self.assertEqual(sorted(sizes), [8, 8, 8], "16 letters on 2 cores: 2 runs; 8 letters: one (MIN_PER_RUN)")
        self.assertLessEqual(most[0], 2, "never more wkhtmltopdf at once than cores")
        self.assertLess(max(started[:2]), started[2], "the second batch's run waited for the first batch's")
        contents.update(more)
        self.assertEqual(sorted(contents), sorted(letters.ids))
        self.assertEqual({len(_layout(pdf)) for pdf in contents.values()}, {1})

    def test_identical_letters_are_rendered_once(self):
        report = self.env.ref("ar24_lre.action_report_ar24_letter")
        values = {"partner_id": self.partners[0].id, "subject": "AG", "body": "<p>AG</p>"}
        letter = self.env["ar24.letter"].create(values)
        documents, _ids, _header, _footer, paper_args = OdooReportHelpers.documents(report, letter.ids)
        args = OdooReportHelpers.wkhtmltopdf_args(report, paper_args)
        twin = documents[0].replace('data-oe-id="%d"' % letter.id, 'data-oe-id="%d"' % (letter.id + 1))
        runs = LetterRuns(args, [(letter.id, documents[0]), (letter.id + 1, twin)], 2, 50)
        contents, errors = runs.result(self.env)
        self.assertEqual(runs.stats, {"letters": 2, "distinct": 1, "runs": 0, "single_runs": 1})
        self.assertEqual(contents[letter.id], contents[letter.id + 1])
        self.assertEqual(len(_layout(contents[letter.id])), 1)

    def test_odoo_report_helpers_keep_the_shape_the_renderer_needs(self):
        """The parallel renderer calls private helpers of Odoo's ir.actions.report: when Odoo changes
        one, this test names it (the letters would otherwise fail to print, or print differently)."""
        Report = type(self.env["ir.actions.report"])
        for name, expected in OdooReportHelpers.SIGNATURES.items():
            method = getattr(Report, name, None)
            self.assertTrue(callable(method), "Odoo's ir.actions.report.%s is gone" % name)
            params = tuple(inspect.signature(method).parameters)[1:]
            self.assertEqual(params, expected, "Odoo's ir.actions.report.%s changed its parameters" % name)
        binary = odoo_report._wkhtml().bin
        self.assertTrue(os.path.isfile(binary), "Odoo's ir_actions_report._wkhtml().bin no longer names wkhtmltopdf")
        report = self.env.ref("ar24_lre.action_report_ar24_letter")
        letters = self.env["ar24.letter"].create(
            [{"partner_id": p.id, "subject": "AG", "body": "<p>AG</p>"} for p in self.partners[:2]]
        )
        documents, ids, header, footer, paper_args = OdooReportHelpers.documents(report, letters.ids)
        self.assertEqual(ids, letters.ids, "_prepare_html no longer gives one record id per document")
        self.assertEqual(len(documents), 2)
        for letter, document in zip(letters, documents):
            self.assertEqual(document.count('class="article'), 1, "a document no longer holds one article")
            self.assertIn('data-oe-id="%d"' % letter.id, document)
            self.assertIn(letter.name, document)
        self.assertIsInstance(paper_args, dict)
        args = OdooReportHelpers.wkhtmltopdf_args(report, paper_args)
        self.assertIn("--disable-javascript", args)
        self.assertNotIn("--javascript-delay", args)
        self.assertIn("--disable-local-file-access", args)
        run = OdooReportHelpers.run(["--version"])
        self.assertEqual(run.returncode, 0)
        self.assertIsInstance(run.stderr, str, "_run_wkhtmltopdf no longer returns text")

    def test_without_wkhtmltopdf_the_letters_say_so(self):
        values = {"partner_id": self.partners[0].id, "subject": "AG", "body": "<p>AG</p>"}
        letter = self.env["ar24.letter"].create(values)
        with patch.object(type(self.env["ir.actions.report"]), "get_wkhtmltopdf_state", lambda self: "install"):
            self.assertFalse(self.env["ar24.letter.send"]._render_pdf(letter))
        self.assertEqual(letter.state, "error")
        self.assertIn("Unable to find Wkhtmltopdf", letter.error_message)


def _running(pid):
    """Whether process ``pid`` still runs (a zombie waiting for its reaper does not)."""
    try:
        with open("/proc/%d/stat" % pid, encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _layout(data):
    """Each page's text with where it stands (points from the bottom of the page)."""
    return [_page_lines(page) for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def _page_lines(page):
    lines = []

    def visit(text, matrix, text_matrix, _font, _size):
        if text.strip():
            lines.append((round(matrix[5] + text_matrix[5] * matrix[3], 1), text.strip()))

    page.extract_text(visitor_text=visit)
    return lines


def _links(data):
    return [
        str(annotation.get_object()["/A"]["/URI"])
        for page in pypdf.PdfReader(io.BytesIO(data)).pages
        for annotation in page.get("/Annots", [])
    ]
