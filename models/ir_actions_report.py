import contextlib
import logging
import math
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor

from odoo import models
from odoo.exceptions import UserError

from odoo.addons.base.models import ir_actions_report as odoo_report

from ..ar24 import pdfbatch

_logger = logging.getLogger(__name__)
# letters are rendered while the engine talks to AR24: wkhtmltopdf yields the cores to the Odoo
# process, whose calls to AR24 are waited for, and to whatever else the server runs
RENDER_NICENESS = 10
MIN_PER_RUN = 8
# wkhtmltopdf runs at once in this Odoo process, whatever the batches under way: one per core.
# More would only share the cores, and the next chunk of a send would wait for the one after
# it; the runs queue about in the order they were asked (a semaphore wakes its oldest waiter).


def usable_cores(cpu_max="/sys/fs/cgroup/cpu.max"):
    """The cores this process may use: those it may run on, fewer when its container's CPU quota
    (cgroup v2 ``cpu.max``, e.g. ``docker --cpus=2``) allows less: more runs would only wait."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    try:
        with open(cpu_max, encoding="ascii") as file:
            quota, period = file.read().split()[:2]
        if quota != "max":
            cores = min(cores, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):
        pass  # no cgroup v2 quota here: the cores it may run on
    return max(1, cores)


CORES = usable_cores()
RUNS_AT_ONCE = threading.Semaphore(max(1, CORES))
# one run's PDF is split at a time: pypdf holds a run's pages in memory while it splits them, and
# splitting is Python work that holds the interpreter anyway (several at once would only add memory)
SPLITTING = threading.Lock()


class TimedOut:
    """The outcome of a wkhtmltopdf run stopped after ``seconds`` (a stuck run must not hold the
    queue, and every batch behind it, for ever)."""

    def __init__(self, seconds, stderr=""):
        self.seconds = seconds
        self.stderr = stderr or ""


class OdooReportHelpers:
    """The one place that calls Odoo's private report helpers (the parallel renderer needs them:
    Odoo's public ``_render_qweb_pdf`` runs one wkhtmltopdf at a time, with its print delay, and
    cannot split a batch with Debian's wkhtmltopdf). ``tests/test_letter_pdf.py`` checks that each
    still has the shape used here, and fails naming the one that changed."""

    # name: parameters after self, as Odoo 19.0 declares them
    SIGNATURES = {
        "_render_qweb_html": ("report_ref", "docids", "data"),
        "_prepare_html": ("html", "report_model"),
        "_build_wkhtmltopdf_args": ("paperformat_id", "landscape", "specific_paperformat_args", "set_viewport_size"),
    }

    @staticmethod
    def documents(report, res_ids):
        """(one HTML document per record, the record ids in the same order, header, footer, paper
        format arguments of the template), as Odoo prints them."""
        report = report.with_context(debug=False)
        html = report._render_qweb_html(report.report_name, res_ids, data={"report_type": "pdf", "debug": False})[0]
        return report._prepare_html(html, report_model=report.model)

    @staticmethod
    def wkhtmltopdf_args(report, paper_args):
        """wkhtmltopdf's options for ``report``, JavaScript off: a letter runs no script, and a body's
        script must never run, so Odoo's print delay (one second per run) is not waited either."""
        args = report._build_wkhtmltopdf_args(
            report.get_paperformat(),
            report.env.context.get("landscape"),
            specific_paperformat_args=paper_args,
            set_viewport_size=report.env.context.get("set_viewport_size"),
        )
        if "--javascript-delay" not in args:
            raise UserError(
                report.env._(
                    "Odoo's wkhtmltopdf options changed (no --javascript-delay): the letters cannot be printed."
                )
            )
        delay = args.index("--javascript-delay")
        return [*args[:delay], *args[delay + 2 :], "--disable-javascript"]

    @staticmethod
    def run(args, timeout=None):
        """One wkhtmltopdf run (a ``subprocess.CompletedProcess`` with text ``stderr``), as Odoo's
        ``_run_wkhtmltopdf`` makes it but at a lower CPU priority, or ``TimedOut`` when it was
        killed after ``timeout`` seconds; thread-safe. (Odoo's own function is not called: its
        browser tests replace it with one that hands the request thread's test lock over, which a
        worker thread must not do.)"""
        command = [odoo_report._wkhtml().bin, *args]
        nice = shutil.which("nice")
        if nice:
            command = [nice, "-n", str(RENDER_NICENESS), *command]
        # a process group of its own: a wrapper's children (xvfb-run, a shell script) die with it
        with subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, encoding="utf-8", start_new_session=True
        ) as process:
            try:
                stdout, stderr = process.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                _kill_group(process)
                return TimedOut(timeout, process.communicate()[1])
            except BaseException:
                _kill_group(process)
                raise
        return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def _kill_group(process):
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


class LetterRuns:
    """wkhtmltopdf runs of a batch of letters, under way in threads (no ORM there): ``result()``
    waits for them. Letters whose documents share their shell go ``letters_per_run`` to a run,
    ``processes`` runs at a time; identical documents are rendered once. A run that cannot be
    split with certainty, or that fails, is rendered again one letter per run, so that each letter
    gets its own PDF or its own wkhtmltopdf error; a run still going after ``timeout`` seconds is
    killed and its letters fail (``timed_out``; rendered again one by one now, each could wait as
    long). ``alone``: records rendered one per run (their last run timed out: the one that hangs
    must not take the others along again)."""

    def __init__(self, args, documents, processes, letters_per_run, header=None, footer=None, timeout=None, alone=()):
        self.args = list(args)
        self.timeout = timeout
        self.timed_out = set()
        self.folder = tempfile.mkdtemp(prefix="ar24_letters.")
        self.stats = {"letters": 0, "distinct": 0, "runs": 0, "single_runs": 0}
        self.lock = threading.Lock()
        # header and footer as Odoo passes them (Debian's wkhtmltopdf prints neither)
        for name, content in (("header", header), ("footer", footer)):
            if content:
                self.args += ["--%s-html" % name, self._write("%s.html" % name, content)]
        groups, runs = {}, []  # shell -> {document: [res_id, ...]}
        for res_id, document in documents:
            self.stats["letters"] += 1
            if res_id in alone:
                self.stats["distinct"] += 1
                runs.append([[(res_id, document)]])
                continue
            # the record's id is the only thing two letters with the same content differ by
            same = document.replace(' data-oe-id="%d"' % res_id, "", 1)
            groups.setdefault(pdfbatch.shell_key(same), {}).setdefault(same, []).append((res_id, document))
        for group in groups.values():
            letters = list(group.values())
            self.stats["distinct"] += len(letters)
            # the letters shared across the cores (the caller may be waiting for them), but runs
            # of MIN_PER_RUN letters at least: a run's start costs about as much CPU as four letters
            share = max(math.ceil(len(letters) / max(1, min(processes, CORES))), MIN_PER_RUN)
            size = max(1, min(letters_per_run, share))
            runs += [letters[start : start + size] for start in range(0, len(letters), size)]
        self.pool = ThreadPoolExecutor(max(1, processes), thread_name_prefix="ar24_pdf")
        self.futures = [self.pool.submit(self._render, number, run) for number, run in enumerate(runs)]

    def _count(self, key):
        with self.lock:
            self.stats[key] += 1

    def _write(self, name, content):
        path = os.path.join(self.folder, name)
        with open(path, "w", encoding="utf-8") as file:
            file.write(content)
        return path

    def _run(self, name, document):
        """(PDF bytes or None, CompletedProcess) of one document."""
        source, target = self._write(name + ".html", document), os.path.join(self.folder, name + ".pdf")
        with RUNS_AT_ONCE:
            run = OdooReportHelpers.run([*self.args, source, target], timeout=self.timeout)
        content = None
        if os.path.exists(target):
            with open(target, "rb") as file:
                content = file.read() or None
            os.unlink(target)
        os.unlink(source)
        return content, run

    def _render(self, number, letters):
        """[(res_ids sharing a document, PDF bytes or the failed run)] for one run's letters."""
        if len(letters) > 1:
            token = pdfbatch.new_token()
            try:
                content, run = self._run("run%d" % number, pdfbatch.join([same[0][1] for same in letters], token))
                if isinstance(run, TimedOut):
                    _logger.warning("wkhtmltopdf stopped after %s s on %d letters", run.seconds, len(letters))
                    return [([res_id for res_id, _doc in same], run) for same in letters]
                if content and run.returncode in (0, 1):
                    with SPLITTING:
                        pdfs = pdfbatch.split(content, token, len(letters))
                    self._count("runs")
                    if run.returncode:
                        _logger.warning("wkhtmltopdf (%d letters): %s", len(letters), run.stderr[-1000:])
                    return [([res_id for res_id, _doc in same], pdf) for same, pdf in zip(letters, pdfs)]
                _logger.info(
                    "wkhtmltopdf failed on %d letters (rc %s): one run per letter", len(letters), run.returncode
                )
            except pdfbatch.BatchSplitError as exc:
                _logger.warning(
                    "%d letters rendered together cannot be told apart (%s): one run per letter", len(letters), exc
                )
        results = []
        for rank, same in enumerate(letters):
            content, run = self._run("run%d-%d" % (number, rank), same[0][1])
            self._count("single_runs")
            res_ids = [res_id for res_id, _doc in same]
            if isinstance(run, TimedOut):
                _logger.warning("wkhtmltopdf stopped after %s s (letter %s)", run.seconds, same[0][0])
                results.append((res_ids, run))
                continue
            if content and run.returncode == 1:
                _logger.warning("wkhtmltopdf (letter %s): %s", same[0][0], run.stderr[-1000:])
            results.append((res_ids, content if content and run.returncode in (0, 1) else run))
        return results

    def done(self):
        """Whether every run is over (``result`` would not wait)."""
        return all(future.done() for future in self.futures)

    def result(self, env):
        """({record id: PDF bytes}, {record id: why it failed}) once every run is done."""
        contents, errors = {}, {}
        try:
            for future in self.futures:
                for res_ids, outcome in future.result():
                    for res_id in res_ids:
                        if isinstance(outcome, bytes):
                            contents[res_id] = outcome
                        elif isinstance(outcome, TimedOut):
                            self.timed_out.add(res_id)
                            errors[res_id] = env._(
                                "Wkhtmltopdf did not finish within %s seconds and was stopped.", outcome.seconds
                            )
                        else:
                            errors[res_id] = env._(
                                "Wkhtmltopdf failed (error code: %(error_code)s). Message: %(message)s",
                                error_code=outcome.returncode,
                                message=outcome.stderr[-1000:],
                            )
        finally:
            self.close()
            self.futures = []  # the PDFs are the caller's now
        return contents, errors

    def close(self):
        self.pool.shutdown(wait=True)
        shutil.rmtree(self.folder, ignore_errors=True)


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def _ar24_render_pdfs(self, res_ids, processes=4, letters_per_run=50, timeout=None, alone=()):
        """({record id: PDF bytes}, {record id: why it failed}); see ``_ar24_start_pdfs``."""
        return self._ar24_start_pdfs(res_ids, processes, letters_per_run, timeout, alone).result(self.env)

    def _ar24_start_pdfs(self, res_ids, processes=4, letters_per_run=50, timeout=None, alone=()):
        """Start rendering one PDF per record; returns the ``LetterRuns`` under way (``result(env)``
        waits for them), so that the caller works meanwhile (the send engine talks to AR24).

        The QWeb documents are made here, in the caller's thread (the ORM never leaves it); only
        wkhtmltopdf runs and the splitting of their PDFs go to threads. A record that fails does not
        stop the others; a wkhtmltopdf run still going after ``timeout`` seconds is killed (records of
        ``alone`` get a run each, see ``LetterRuns``). Odoo
        renders a batch in one run only with the patched Qt (it splits the result by outlines); with
        Debian's wkhtmltopdf the letters of a run are told apart by markers (``ar24.pdfbatch``).
        """
        self.ensure_one()
        if self.get_wkhtmltopdf_state() == "install":
            raise UserError(self.env._("Unable to find Wkhtmltopdf on this system. The PDF can not be created."))
        documents, html_ids, header, footer, paper_args = OdooReportHelpers.documents(self, res_ids)
        if sorted(html_ids) != sorted(res_ids):
            raise UserError(
                self.env._(
                    "Report template “%s” must put each record in a div of class “article” with "
                    "data-oe-model and data-oe-id: its PDF cannot be split per record.",
                    self.name,
                )
            )
        args = OdooReportHelpers.wkhtmltopdf_args(self, paper_args)
        return LetterRuns(
            args, list(zip(html_ids, documents)), processes, letters_per_run, header, footer, timeout, set(alone)
        )
