import logging
from collections import deque
from datetime import timedelta, timezone

import psycopg2

from odoo import Command, api, fields, models, modules
from odoo.exceptions import UserError
from odoo.tools import SQL, html_sanitize

from ..ar24 import crypto
from ..ar24.errors import AR24ApiError, AR24Error, AR24TransportError
from ..ar24.workers import AR24Workers
from ..const import CONTENT_STATES
from ..tools import (
    CLOSE,
    SendProgress,
    ar24_error_text,
    commit,
    filing_evidence,
    notification,
    release_freed_memory,
)

_logger = logging.getLogger(__name__)

QUEUED = [("send_queued", "=", True), ("state", "in", CONTENT_STATES)]
# chunks whose PDFs are rendered while the current one is at AR24 (PDFs in flight: this many chunks)
RENDER_AHEAD = 2
# the first chunk's PDFs are made before any call to AR24: a small one, and the next ones twice as
# large each time up to the chunk size, so that each renders while the one before is at AR24
FIRST_CHUNK = 16
# seconds a wkhtmltopdf run may take (ar24_lre.render_timeout): a run of 50 letters takes a few
# seconds; under Odoo's limit_time_real (120 s), so that the run is stopped here, not the worker
RENDER_TIMEOUT = 90
# a queued letter AR24 may hold waits this long for AR24's list to be read, then leaves the queue in error
UNKNOWN_QUEUED_HOURS = 1
SEND_QUEUE_JOBS = ("ar24_lre.ir_cron_ar24_send_queue", "ar24_lre.ir_cron_ar24_send_queue_2")
# first key of the advisory locks by which an Odoo process claims letters ("AR24")
CLAIM_KEY = 0x41523234


class Ar24LetterSend(models.AbstractModel):
    """The send engine: what happens between "Send" (or "Valider") and AR24's answer.

    Like Odoo's ``account.move.send``, it works on the letters it is given: the send wizard, the
    OTP validation and the background queue call it; other modules call the letter's
    ``_ar24_send_or_queue`` / ``_ar24_send``. Exactly once: a letter that AR24 may hold is never
    sent blindly again (``send_started_at`` is committed before its call, and a letter whose
    outcome is unknown is looked up at AR24 first). It writes the letters' states, PDFs and AR24's
    answers, which only the module writes: its callers give it letters in superuser mode after
    their own access checks.
    """

    _name = "ar24.letter.send"
    _description = "Registered letter: send engine"

    # ------------------------------------------------------------------ entry points
    @api.model
    def _send_or_queue(self, letters):
        """What the wizard hands over leaves now; a large batch goes to the background queue.

        Avis électronique and paper letters are sent; qualified LRE letters are rendered and
        uploaded, then wait for the OTP code. Rendering takes a moment per letter: a batch
        larger than ``ar24_lre.inline_limit`` must not hold the sender's browser (nor outlast the
        request's time limit), the queue's job does it and tells him when it is done.
        """
        env = letters.env
        self._check_sendable(letters)
        limit = int(env["ir.config_parameter"].sudo().get_param("ar24_lre.inline_limit", 20))
        if len(letters) > limit:
            letters.write({"send_queued": True, "send_report_pending": True})
            for job in SEND_QUEUE_JOBS:  # several Odoo processes may share the queue
                env.ref(job)._trigger()
            if all(letter.send_type == "lre_eidas" for letter in letters):
                message = env._(
                    "%(count)s letters are being prepared in the background; you will be told when they wait "
                    "for your OTP code.",
                    count=len(letters),
                )
            else:
                message = env._(
                    "%(count)s letters are being sent in the background; their states update as AR24 accepts them.",
                    count=len(letters),
                )
            return notification(env._("Registered letters are being sent"), message, "info", CLOSE)
        progress = SendProgress(letters, "send-%s" % letters[:1].id)
        progress.start()
        self._commit()  # the sender sees the batch start (the bus delivers on commit)
        lre = letters.filtered(lambda letter: letter.send_type == "lre_eidas")
        if lre == letters:
            return self._prepare_for_otp(lre, progress)
        # a batch per recipient mixes them: the qualified LRE wait for the OTP code, the others leave
        self._prepare_in_groups(lre, progress)
        self._send(letters - lre, progress=progress)
        message, failed = self._summary(letters)
        return notification(env._("Registered letters"), message, "warning" if failed else "success", CLOSE)

    @api.model
    def _prepare_for_otp(self, letters, progress=None):
        """Qualified LRE: render and upload now, then wait in to_valid for the sender's OTP code."""
        env = letters.env
        prepared = self._prepare_in_groups(letters, progress)
        return notification(
            env._("Letters ready for OTP validation"),
            env._("%(count)s letters wait for your OTP code in “Awaiting OTP validation”.", count=len(prepared)),
            "success" if prepared == letters else "warning",
            CLOSE,
        )

    @api.model
    def _unsendable_reason(self, letter):
        """Why ``letter`` may not be sent or prepared (None: it may). Only drafts and letters in error
        that AR24 does not hold may go: anything else (a letter received, waiting, or deposited outside
        Odoo) never goes back, and one whose outcome is unknown waits until AR24 was asked."""
        env = letter.env
        if letter.send_started_at and not letter.ar24_id and letter.state in CONTENT_STATES:
            return env._(
                "AR24 may hold it already: the connection broke while it was sent. It is looked up at AR24 "
                "(a few minutes) and cannot be sent again until then."
            )
        if letter.state not in CONTENT_STATES or letter.ar24_id or letter.send_started_at:
            return env._("It left for AR24: it cannot be sent again.")
        return None

    @api.model
    def _check_sendable(self, letters):
        """Refuse the whole call when any of ``letters`` may not leave (see ``_unsendable_reason``)."""
        others = letters.filtered(self._unsendable_reason)
        if others:
            raise UserError(
                letters.env._(
                    "%(letters)s left for AR24, or may have: they cannot be sent again.",
                    letters=", ".join(others.mapped("name")),
                )
            )

    @api.model
    def _check_again(self, letters):
        """The letters that still pass every check; the others go to error with the reasons (they
        waited in the queue or for the OTP code: a consent, an address or a sender may have changed).
        A letter whose send started (a crash) is looked up at AR24 first: one AR24 holds is adopted,
        never told "not sent"; one AR24's list cannot tell about is not judged (and never sent blindly),
        one AR24 lacks is checked as any other."""
        for (company, _user), group in self._groups(letters).items():
            if company._ar24_is_configured():  # else its letters fail their checks, or wait
                self._reconcile(group, company)
        check = self.env["ar24.letter.check"]
        pdf_cache = {}
        failing = letters.browse()
        for letter in letters.filtered(lambda letter: not letter.ar24_id and not letter.send_started_at):
            problems = check._problems(letter, letter.send_type, pdf_cache)
            if problems:
                failing |= letter
                reasons = "; ".join("%s: %s" % (location, comment) for _record, location, comment in problems)
                letter.write(
                    {
                        "state": "error",
                        "error_code": "check",
                        "error_message": letters.env._("Not sent: %s", reasons),
                        "send_queued": False,
                    }
                )
                letter._message_log(body=letter.error_message)
        return letters - failing

    @api.model
    def _summary(self, letters):
        """(sentence, letters not sent) after a send: how many left (or, for qualified LRE, wait
        for the OTP code), which did not and why."""
        env = letters.env
        lre = letters.filtered(lambda letter: letter.send_type == "lre_eidas")
        parts, failed = [], letters.browse()
        if letters - lre:
            not_sent = (letters - lre).filtered(lambda letter: not letter.ar24_id)
            parts.append(
                env._(
                    "%(sent)s of %(count)s letters handed to AR24.",
                    sent=len(letters - lre) - len(not_sent),
                    count=len(letters - lre),
                )
            )
            failed |= not_sent
        if lre:
            not_ready = lre.filtered(lambda letter: letter.state != "to_valid" and not letter.ar24_id)
            parts.append(
                env._(
                    "%(ready)s of %(count)s qualified LRE letters wait for your OTP code in “Awaiting OTP validation”.",
                    ready=len(lre) - len(not_ready),
                    count=len(lre),
                )
            )
            failed |= not_ready
        message = " ".join(parts)
        if failed:
            message += " " + env._(
                "Not sent: %(letters)s.",
                letters="; ".join("%s (%s)" % (letter.name, letter.error_message) for letter in failed),
            )
        return message, failed

    # ------------------------------------------------------------------ background jobs
    @api.model
    def _cron_send_queue(self, batch_size=None):
        """Background sender. Several Odoo processes (workers, servers on one database) share the
        queue: each claims chunks of letters that no other is working on (``_claim``), and renders
        the PDFs of its next chunk while the current one is at AR24."""
        size = batch_size or max(1, int(self.env["ir.config_parameter"].sudo().get_param("ar24_lre.chunk_size", 64)))
        Letter = self.env["ar24.letter"]
        held = Letter
        state = {"stop": False}
        progress = SendProgress(Letter, "queue", totals={})

        def progressed(count):
            """Committed; the job's time is up: the chunks under way finish, no new one is taken."""
            # a letter waiting for AR24's list (it may hold it) is not work left for a run at once:
            # the scheduler would run the job again and again, asking AR24 while it fails
            remaining = self.env["ar24.letter"].search_count([*QUEUED, ("send_started_at", "=", False)])
            if self._can_commit() and self.env["ir.cron"]._commit_progress(count, remaining=remaining) <= 0:
                state["stop"] = True

        def sent(chunk):
            chunk.filtered("send_queued").write({"send_queued": False})
            self._report_done_batches(chunk.user_id)
            progressed(len(chunk))
            self._release(chunk)  # once committed: whoever claims them next reads what was written

        def chunks():
            nonlocal held
            sizes = self._chunk_sizes(size)
            while not state["stop"]:
                letters = self._claim_queued(next(sizes), held)
                if letters is None:
                    return
                held |= letters
                for user, count in Letter._read_group(QUEUED, ["user_id"], ["__count"]):
                    progress.expect(user.id, count)
                ready = self._queued_ready(letters)
                # prepared for the OTP code, in error with their reason, or found at AR24: done too
                if letters - ready:
                    progress.advance(letters - ready)
                    left = (letters - ready).filtered(
                        lambda letter: not (letter.send_queued and letter.state in CONTENT_STATES)
                    )
                    if left:  # a queue of qualified LRE letters sends none: its time is checked here
                        progressed(len(left))
                    self._release(letters - ready)
                if ready:
                    yield ready

        try:
            self._pipeline(chunks(), on_sent=sent, progress=progress)
            # batches done meanwhile by another process, or before a crash, and batches of qualified LRE
            # letters only (prepared for the OTP code, nothing sent)
            self._report_done_batches()
        finally:
            self._release(held)

    @api.model
    def _report_done_batches(self, senders=None):
        """Tell each sender (of ``senders``, or any) none of whose letters is left in the queue how
        his background batch went: once, whichever Odoo process sent its letters (the letters told
        are taken in one UPDATE: two processes never tell the same letter)."""
        domain = [("send_report_pending", "=", True), ("send_queued", "=", False)]
        if senders is not None:
            domain.append(("user_id", "in", senders.ids))
        candidates = {user for (user,) in self.env["ar24.letter"]._read_group(domain, ["user_id"])}
        if not candidates:
            return
        busy = {user for (user,) in self.env["ar24.letter"]._read_group(QUEUED, ["user_id"])}
        for user in candidates - busy:
            try:
                with self.env.cr.savepoint(flush=False):
                    self.env.cr.execute(
                        SQL(
                            "UPDATE ar24_letter SET send_report_pending = FALSE WHERE user_id = %s "
                            "AND send_report_pending AND send_queued IS NOT TRUE RETURNING id",
                            user.id,
                        )
                    )
                    ids = sorted(row[0] for row in self.env.cr.fetchall())
            except psycopg2.errors.SerializationFailure:
                continue  # another process wrote one of his letters meanwhile: he is told by a later call
            letters = self.env["ar24.letter"].browse(ids)
            letters.invalidate_recordset(["send_report_pending"])
            if letters:
                self._report_to_senders(letters)

    @api.model
    def _chunk_sizes(self, size, first=None):
        """Sizes of the chunks of a batch: ``first`` (``FIRST_CHUNK``), then twice as many each time, up
        to ``size``."""
        current = min(size, first or FIRST_CHUNK)
        while True:
            yield current
            current = min(size, current * 2)

    @api.model
    def _claim_queued(self, size, taken):
        """Up to ``size`` queued letters of one sender that no other Odoo process is working on, nor
        this one (``taken``: the chunks it already has, still queued until they are sent), now
        claimed by this one; None when there are no more."""
        Letter = self.env["ar24.letter"]
        free = [*QUEUED, ("id", "not in", self._claimed_elsewhere() + taken.ids)]
        first = Letter.search(free, limit=1, order="id")
        if not first:
            return None
        same_sender = [("company_id", "=", first.company_id.id), ("user_id", "=", first.user_id.id)]
        return self._claim(Letter.search(free + same_sender, limit=size, order="id"))

    @api.model
    def _queued_ready(self, letters):
        """Of claimed queued letters, those to send now: still queued (another process may have sent
        them before this one claimed them), passing the checks again, reconciled with AR24 after an
        interrupted send. Qualified LRE letters are prepared for the OTP code here."""
        letters = letters.filtered(lambda letter: letter.send_queued and letter.state in CONTENT_STATES)
        letters = self._check_again(letters)  # reconciled with AR24 first
        lre = letters.filtered(lambda letter: letter.send_type == "lre_eidas")
        if lre:
            self._prepare_in_groups(lre)
        letters -= lre
        # a letter AR24 may hold (its listing could not be read) stays queued and waits, never sent
        # blindly: the next run looks it up again. After UNKNOWN_QUEUED_HOURS it leaves the queue in
        # error (its sender is told; the reconciliation job still looks it up)
        unknown = letters.filtered(lambda letter: letter.send_started_at and not letter.ar24_id)
        stale = unknown.filtered(
            lambda letter: letter.send_started_at < fields.Datetime.now() - timedelta(hours=UNKNOWN_QUEUED_HOURS)
        )
        stale.write({"state": "error", "error_code": "unknown_outcome", "send_queued": False})
        for letter in stale:
            letter.error_message = self._unsendable_reason(letter)
        unknown -= stale
        ready = letters.filtered(lambda letter: not letter.ar24_id and not letter.send_started_at)
        (letters - ready - unknown).write({"send_queued": False})
        self._commit()
        return ready

    # ------------------------------------------------------------------ several Odoo processes
    @api.model
    def _claim(self, letters):
        """The letters of ``letters`` that no other Odoo process works on, now held by this one.

        PostgreSQL advisory locks of this connection: unlike row locks they outlive the engine's
        commits, and they die with the process (``kill -9`` included), so a letter is never left
        claimed by a dead server. The letters are read again after the locks are taken (a new
        transaction): what the previous holder committed, e.g. AR24's answer, is seen. Release them
        with ``_release`` once what was written about them is committed.
        """
        if not letters:
            return letters
        self.env.cr.execute(
            SQL("SELECT id FROM unnest(%s::int[]) AS id WHERE pg_try_advisory_lock(%s, id)", letters.ids, CLAIM_KEY)
        )
        held = {row[0] for row in self.env.cr.fetchall()}
        self._commit()
        letters.invalidate_recordset()
        return letters.filtered(lambda letter: letter.id in held)

    @api.model
    def _release(self, letters):
        """Let other Odoo processes work on these letters again (see ``_claim``)."""
        if not letters:
            return
        query = SQL("SELECT pg_advisory_unlock(%s, id) FROM unnest(%s::int[]) AS id", CLAIM_KEY, letters.ids)
        try:
            self.env.cr.execute(query)
        except psycopg2.Error:
            # the transaction failed: it is rolled back anyway, and the locks must not outlive it
            self.env.cr.rollback()
            self.env.cr.execute(query)

    @api.model
    def _claimed_elsewhere(self):
        """Ids of the letters other Odoo processes hold (see ``_claim``)."""
        self.env.cr.execute(
            SQL(
                "SELECT objid::int FROM pg_locks WHERE locktype = 'advisory' AND classid = %s AND objsubid = 2 "
                "AND pid <> pg_backend_pid()",
                CLAIM_KEY,
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _report_to_senders(self, letters):
        """Tell each sender, in his browser, how his letters sent in the background went."""
        for user, own in letters.grouped("user_id").items():
            message, failed = self._summary(own)
            user._bus_send(
                "simple_notification",
                {
                    "type": "warning" if failed else "success",
                    "title": letters.env._("Registered letters: background batch done"),
                    "message": message,
                    "sticky": bool(failed),
                },
            )

    @api.model
    def _cron_reconcile(self):
        """Letters left with an unknown outcome (crash, lost answer) are looked up at AR24."""
        unknown = [("send_started_at", "!=", False), ("ar24_id", "=", 0), ("id", "not in", self._claimed_elsewhere())]
        claimed = self._claim(self.env["ar24.letter"].search(unknown))
        try:
            # a letter another process was sending when this one claimed it may have its answer now
            letters = claimed.filtered(lambda letter: letter.send_started_at and not letter.ar24_id)
            for company, group in letters.grouped("company_id").items():
                if company._ar24_is_configured():
                    self._reconcile(group, company)
        finally:
            self._release(claimed)

    # ------------------------------------------------------------------ preparing
    @api.model
    def _prepare_in_groups(self, letters, progress=None):
        """Render and upload per sender; the letters ready for the OTP code (to_valid)."""
        self._check_sendable(letters)
        prepared = letters.browse()
        for (company, _user), group in self._groups(letters).items():
            try:
                self._prepare(group, company._ar24_client())
            except AR24Error as exc:
                self._set_error(group, exc)
            else:
                ready = group.filtered("body_file_id")
                ready.write({"state": "to_valid", "error_code": False, "error_message": False, "send_queued": False})
                prepared |= ready
            if progress:
                progress.advance(group)
                self._commit()  # what AR24 received is recorded, and the sender told
        return prepared

    @api.model
    def _prepare(self, letters, client, workers=None):
        """Render and upload what AR24 needs before the OTP validation; shared attachments are
        uploaded once. A letter whose upload AR24 refuses gets the error; the others go on."""
        self._own_attachments(letters)
        rendered = self._render_pdf(letters)
        workers = workers or AR24Workers(lambda: client)
        for (_company, user), group in self._groups(rendered).items():
            self._shared_file_ids(group, client)
            missing = group.filtered(lambda letter: not letter.body_file_id)
            uploaded = workers.map(
                lambda c, payload, uid=user.ar24_user_id: c.upload_attachment(uid, *payload),
                [self._upload_payload(letter) for letter in missing],
            )
            for letter, result in zip(missing, uploaded):
                self._record_upload(letter, result)

    @api.model
    def _own_attachments(self, letters):
        """What AR24 receives hangs on a letter, never on another record: Odoo deletes a record's
        attachments with it, in superuser mode, so a building's documents deleted by a colleague
        would take a letter's evidence along. An attachment filed elsewhere is replaced, in the
        letters about to leave, by a copy on the first of them (same file in the filestore, one
        copy per attachment and batch)."""
        copies = {}
        for letter in letters:
            foreign = letter.attachment_ids.filtered(lambda a: a.res_model != "ar24.letter")
            if not foreign:
                continue
            for attachment in foreign.filtered(lambda a: a.id not in copies):
                copies[attachment.id] = attachment.sudo().copy({"res_model": letter._name, "res_id": letter.id}).id
            letter.sudo().write(
                {
                    "attachment_ids": [Command.unlink(a.id) for a in foreign]
                    + [Command.link(copies[a.id]) for a in foreign],
                    # the same files: the PDF already rendered stays valid
                    "pdf_attachment_id": letter.pdf_attachment_id.id,
                }
            )

    @api.model
    def _render_pdf(self, letters):
        """Render the text of the letters that have no PDF yet, each to its own A4 PDF; returns
        the letters that have their PDF. A letter that cannot be rendered is put in error with
        the reason (wkhtmltopdf's message): it does not stop the others, nor the queue."""
        return self._render_finish(self._render_start(letters))

    @api.model
    def _render_start(self, letters):
        """Start rendering the letters that have no PDF yet; ``_render_finish`` waits for it.

        The QWeb documents are made now; wkhtmltopdf works in the background, several letters
        per run (``ar24_lre.render_letters_per_run``), ``ar24_lre.render_processes`` runs at a
        time, without JavaScript (see ``ir.actions.report._ar24_start_pdfs``), so that the send
        engine talks to AR24 about the previous letters meanwhile. A run still going after
        ``ar24_lre.render_timeout`` seconds (90; 0: no limit) is killed and its letters fail.
        """
        env = letters.env
        todo = letters.filtered(lambda letter: not letter.pdf_attachment_id)
        if not todo:
            return letters, todo, None
        report = env.ref("ar24_lre.action_report_ar24_letter")
        params = env["ir.config_parameter"].sudo()
        try:
            runs = report._ar24_start_pdfs(
                todo.ids,
                processes=int(params.get_param("ar24_lre.render_processes", 4)),
                letters_per_run=int(params.get_param("ar24_lre.render_letters_per_run", 50)),
                timeout=self._render_timeout(),
                # whose last run was stopped: alone this time, so that the one that hangs fails alone
                alone=todo.filtered(lambda letter: letter.error_code == "render_timeout").ids,
            )
        except UserError as exc:
            runs = exc
        return letters, todo, runs

    @api.model
    def _render_timeout(self):
        """``ar24_lre.render_timeout``: seconds a wkhtmltopdf run may take, None for no limit (0 or less).
        A value that is no number must not stop every send: the default, said in the log."""
        raw = self.env["ir.config_parameter"].sudo().get_param("ar24_lre.render_timeout", RENDER_TIMEOUT)
        try:
            seconds = float(raw)
        except (TypeError, ValueError):
            _logger.warning("ar24_lre.render_timeout %r is no number of seconds: %s s", raw, RENDER_TIMEOUT)
            seconds = RENDER_TIMEOUT
        if not seconds > 0:  # 0, negative or NaN
            return None
        return max(1, round(min(seconds, 86400)))  # beyond a day the waiting overflows

    @api.model
    def _render_finish(self, rendering):
        """The letters of a ``_render_start`` that have their PDF, filed on them; the others are put
        in error with the reason."""
        letters, todo, runs = rendering
        if not todo:
            return letters
        env = letters.env
        if isinstance(runs, UserError):
            contents, errors, timed_out = {}, dict.fromkeys(todo.ids, runs.args[0]), ()
        else:
            contents, errors = runs.result(env)
            timed_out = runs.timed_out
        failed = todo.filtered(lambda letter: letter.id not in contents)
        for letter in failed:
            reason = errors.get(letter.id) or env._("The letter could not be rendered.")
            self._set_render_error(letter, reason, "render_timeout" if letter.id in timed_out else "render")
        rendered = todo - failed
        with filing_evidence():  # the module's rendering
            attachments = env["ir.attachment"].create(
                [
                    {
                        "name": "%s.pdf" % letter.name.replace("/", "-"),
                        "raw": contents[letter.id],
                        "mimetype": "application/pdf",
                        "res_model": letter._name,
                        "res_id": letter.id,
                    }
                    for letter in rendered
                ]
            )
        for letter, attachment in zip(rendered, attachments):
            letter.pdf_attachment_id = attachment
        return letters - failed

    @api.model
    def _file_ahead(self, rendering):
        """``_render_finish`` of a chunk rendered ahead, while another chunk is at AR24: None if it
        failed (its PDFs are then made again at its turn). A failure here must not cost the chunk
        under way its answers."""
        try:
            with self.env.cr.savepoint():
                rendered = self._render_finish(rendering)
        except Exception:  # noqa: BLE001 (any failure defers the work; the chunk at AR24 goes on)
            _logger.warning("The PDFs rendered ahead could not be filed: made again at their turn", exc_info=True)
            return None
        release_freed_memory()  # the run's PDFs, split in other threads, are in the filestore now
        return rendered

    @api.model
    def _render_done(self, rendering):
        """Whether the PDFs of a ``_render_start`` are all made (``_render_finish`` would not wait)."""
        _letters, todo, runs = rendering
        return not todo or isinstance(runs, UserError) or runs.done()

    @api.model
    def _render_abandon(self, rendering):
        """Stop waiting for a rendering whose letters will not be sent now (their PDFs are made
        again next time)."""
        if rendering and not isinstance(rendering[2], (UserError, type(None))):
            rendering[2].close()

    @api.model
    def _set_render_error(self, letters, reason, code="render"):
        letters.write(
            {
                "state": "error",
                "error_code": code,
                "error_message": letters.env._("Its PDF could not be made: %s", reason),
                "send_started_at": False,
                "send_queued": False,
            }
        )
        for letter in letters:
            letter._message_log(body=letter.error_message)

    @api.model
    def _shared_file_ids(self, letters, client):
        """{attachment id: AR24 file id} of these letters' shared attachments (one sender and
        entity); each is uploaded once per AR24 account."""
        return (
            self.env["ar24.upload"]
            .sudo()
            ._file_ids_for(letters.company_id, letters.user_id.ar24_user_id, letters.attachment_ids, client)
        )

    @api.model
    def _upload_payload(self, letter):
        """Upload arguments of the letter's own PDF (see ``ar24.upload._upload_payload``)."""
        return self.env["ar24.upload"]._upload_payload(letter.pdf_attachment_id)

    @api.model
    def _record_upload(self, letter, result):
        """Keep the AR24 file id of the letter's own PDF (unique: it finds the letter again after a
        crash), or AR24's refusal. True when uploaded."""
        letter.ensure_one()
        if isinstance(result, AR24Error):
            self._set_error(letter, result)
            return False
        letter.body_file_id = result
        return True

    @api.model
    def _groups(self, letters):
        """{(entity, sender): letters}: one AR24 client and account per group."""
        return letters.grouped(lambda letter: (letter.company_id, letter.user_id))

    @api.model
    def _mail_params(self, letter):
        """Fields of POST /mail for this letter, but its files (``attachment``)."""
        letter.ensure_one()
        check = self.env["ar24.letter.check"]
        recipient = check._addressee(letter)
        email, _reason = check._recipient_email(letter)
        params = {
            "to_email": email,
            "dest_statut": letter.recipient_status,
            "content": html_sanitize(letter.body or "") or letter.subject,
            "payment_slug": (letter.payment_method_id or letter.company_id.ar24_payment_method_id).slug,
            "ref_dossier": letter.ref_dossier,
            "ref_client": letter.ref_client,
            "ref_facturation": letter.ref_facturation,
            "webhook": letter.company_id._ar24_webhook_url(),
        }
        if letter.recipient_status == "professionnel":
            params["to_company"] = (recipient.commercial_partner_id or recipient).name
            if recipient.parent_id:
                params["to_lastname"] = recipient.name
        else:
            params["to_lastname"] = recipient.name
        if letter.send_type == "lr_paper":
            params.update(
                {
                    "to_address1": recipient.street,
                    "to_address2": recipient.street2,
                    "to_zipcode": recipient.zip,
                    "to_city": recipient.city,
                    "to_country": recipient.country_id.code,
                    "print_color": letter.print_color,
                    "print_duplex": letter.print_duplex,
                }
            )
        return params

    # ------------------------------------------------------------------ sending
    @api.model
    def _send(self, letters, otp_hash=None, progress=None):
        """Send these letters to AR24 now. Exactly once: reconciles first, commits around each call.

        Letters whose outcome is unknown (crash or timeout after AR24 may have accepted them) keep
        ``send_started_at`` and are looked up in AR24's list of the sender's letters before any
        new attempt. Uploads and POST /mail run ``ar24_lre.concurrency`` at a time. Each sender sees in
        his browser how many of his letters are done: ``progress`` (the batch's, given by the send
        wizard and the queue), or this call's own when its letters take several chunks (one chunk is
        done before a bar could move).
        """
        chunk_size = max(1, int(self.env["ir.config_parameter"].sudo().get_param("ar24_lre.chunk_size", 64)))
        claimed = self._claim(letters)
        if progress is None and len(claimed) > chunk_size:
            progress = SendProgress(claimed, "send-%s" % claimed[:1].id)
            progress.start()

        def chunks():
            for (company, _user), group in self._groups(claimed).items():
                self._reconcile(group, company)
                # a qualified LRE leaves only with its sender's OTP hash: without it, it keeps waiting
                todo = group.filtered(
                    lambda letter: (
                        not letter.ar24_id
                        and not letter.send_started_at  # AR24 may hold it: its listing could not be read
                        and letter.state in ("draft", "to_valid", "error")
                        and (otp_hash or letter.send_type != "lre_eidas")
                    )
                )
                if progress:
                    progress.advance(group - todo)  # at AR24 already (reconciled), or waiting for a code
                # letters whose PDFs are made already need no small first chunk
                rendered = all(letter.pdf_attachment_id for letter in todo)
                sizes, start = self._chunk_sizes(chunk_size, chunk_size if rendered else None), 0
                while start < len(todo):
                    end = start + next(sizes)
                    yield todo[start:end]
                    start = end

        try:
            self._pipeline(chunks(), otp_hash, progress=progress)
        finally:
            self._release(claimed)

    @api.model
    def _pipeline(self, chunks, otp_hash=None, on_sent=None, progress=None):
        """Send each chunk (letters of one sender) in turn, ``ar24_lre.concurrency`` AR24 calls at a
        time per sender; ``on_sent(chunk)`` after each. While a chunk's files fly to AR24, the next
        chunks are taken (``next(chunks)``) and their PDFs started, ``RENDER_AHEAD`` chunks ahead:
        wkhtmltopdf renders while AR24 answers, and the AR24 calls never wait for the ORM work
        between two chunks."""
        concurrency = max(1, int(self.env["ir.config_parameter"].sudo().get_param("ar24_lre.concurrency", 4)))
        workers, ahead, taken, rendering = {}, deque(), {"done": False}, None

        def meanwhile():
            """Take the next chunks and start their PDFs; file the PDFs of those rendered already,
            so that the next chunk's first calls do not wait for it."""
            while len(ahead) < RENDER_AHEAD and not taken["done"]:
                upcoming = next(chunks, None)
                if not upcoming:
                    taken["done"] = True
                    break
                self._own_attachments(upcoming)
                ahead.append({"chunk": upcoming, "rendering": self._render_start(upcoming), "rendered": None})
            for item in ahead:
                if item["rendered"] is None and item["rendering"] and self._render_done(item["rendering"]):
                    item["rendered"] = self._file_ahead(item["rendering"])
                    if item["rendered"] is None:
                        item["rendering"] = None  # made again at its turn, where a failure stops the job as before

        try:
            chunk, rendered = next(chunks, None), None
            while chunk:
                company, user = chunk.company_id, chunk.user_id
                if (company, user) not in workers:
                    factory = company._ar24_client_factory(company._ar24_client())
                    workers[company, user] = AR24Workers(factory, concurrency)
                self._send_chunk(
                    chunk, workers[company, user], user, otp_hash, rendering, meanwhile, progress, rendered
                )
                if on_sent:
                    on_sent(chunk)
                release_freed_memory()
                meanwhile()  # a chunk without letters to send calls for no files
                item = ahead.popleft() if ahead else dict.fromkeys(("chunk", "rendering", "rendered"))
                chunk, rendering, rendered = item["chunk"], item["rendering"], item["rendered"]
        finally:
            self._render_abandon(rendering)
            for item in ahead:
                self._render_abandon(item["rendering"])
            for pool in workers.values():
                pool.__exit__(None, None, None)

    @api.model
    def _send_chunk(
        self, letters, workers, user, otp_hash, rendering=None, meanwhile=None, progress=None, rendered=None
    ):
        """Send these letters (their PDFs rendered first, unless ``rendering`` of them is under way,
        or ``rendered``: those whose PDFs are filed) and commit; ``meanwhile()`` runs while their
        files fly to AR24."""
        if rendered is None:
            if rendering is None:
                self._own_attachments(letters)
                rendering = self._render_start(letters)
            rendered = self._render_finish(rendering)
        # a letter AR24 holds, or may hold, never leaves again from here (exactly once)
        rendered = rendered.filtered(lambda letter: not letter.ar24_id)
        if rendered:
            self._send_rendered(rendered, workers, user, otp_hash, meanwhile)
        elif meanwhile:
            meanwhile()
        if progress:
            progress.advance(letters)  # told with this commit
        self._commit()

    @api.model
    def _send_rendered(self, letters, workers, user, otp_hash, meanwhile=None):
        """Upload what AR24 lacks and POST each letter's /mail as soon as its files are there.

        Every call goes through the workers (``ar24_lre.concurrency`` at a time) and the calls
        overlap: a letter's /mail does not wait for the other letters' uploads, so the workers
        stay busy. Exactly once: a letter's own file id and its ``send_started_at`` are committed
        before its POST /mail leaves. A shared attachment AR24 refuses stops only its letters.
        """
        company, ar24_user_id = letters.company_id, user.ar24_user_id  # the workers must not touch the ORM
        uploads = self.env["ar24.upload"].sudo()
        extra = {"auth_otp_hash": otp_hash} if otp_hash else {}

        def upload(c, payload):
            return c.upload_attachment(ar24_user_id, *payload)

        def send(c, call):
            return c.send_mail(ar24_user_id, call[0], **dict(call[1], **extra))

        shared, missing = uploads._known_file_ids(company, ar24_user_id, letters.attachment_ids)
        pending = {}  # future -> (step, records)
        for same_content in missing.values():
            pending[workers.submit(upload, uploads._upload_payload(same_content[0]))] = ("shared", same_content)
        for letter in letters.filtered(lambda letter: not letter.body_file_id):
            pending[workers.submit(upload, self._upload_payload(letter))] = ("own", letter)
        # read while the uploads fly and the cache is warm: each commit below empties Odoo's cache
        by_id = {letter.id: letter for letter in letters}
        calls = {letter.id: (letter.send_type, self._mail_params(letter)) for letter in letters}
        needs = {letter.id: letter.attachment_ids.ids for letter in letters}
        own = {letter.id: letter.body_file_id for letter in letters if letter.body_file_id}
        waiting, failed = set(own), set()  # own file at AR24 / stopped by an upload
        if meanwhile:
            # the workers have the uploads to do: the ORM work of what follows costs them nothing
            meanwhile()
        # AR24's answers are written as they come, while the workers wait for the next ones, and
        # committed with the next letters that leave; a crash before that is reconciled like any
        # unknown outcome (send_started_at is committed)
        answers = []

        def uploading(pending):
            return any(step != "send" for step, _records in pending.values())

        while True:
            ready = [letter_id for letter_id in waiting if all(a in shared for a in needs[letter_id])]
            if ready and len(pending) >= 2 * workers.concurrency:
                # the workers have more than a round of calls queued: the letters ready meanwhile
                # wait and leave together, one commit for many (a commit per upload answered held
                # this thread, and the calls behind it, about 8 ms each)
                ready = []
            if ready:
                waiting.difference_update(ready)
                letters.browse(ready).write({"send_started_at": fields.Datetime.now()})
                self._commit()  # from here on, a crash is reconciled, never re-sent blindly
            for letter_id in ready:
                product, params = calls[letter_id]
                files = [own[letter_id], *(shared[a] for a in needs[letter_id])]
                pending[workers.submit(send, (product, dict(params, attachment=files)))] = ("send", by_id[letter_id])
            if not pending:
                break
            if len(answers) >= 2 * workers.concurrency or (answers and not waiting and not uploading(pending)):
                # written while other calls fly, a few at a time, their chatter notes (tracking)
                # included: the chunk's last answer leaves little to write; committed with the
                # next letters that leave
                self._apply_answers(answers, commit=False)
                self.env.cr.flush()
            if meanwhile and len(pending) >= 2 * workers.concurrency:
                meanwhile()  # the workers are busy for a round at least
            for future in workers.wait_some(pending):
                step, records = pending.pop(future)
                result = future.result()
                if step == "send":
                    answers.append((records, result))
                elif step == "own":
                    if self._record_upload(records, result):
                        own[records.id] = result
                        if records.id not in failed:
                            waiting.add(records.id)
                    else:
                        failed.add(records.id)
                elif isinstance(result, AR24Error):
                    stopped = [i for i in by_id if i not in failed and set(needs[i]) & set(records.ids)]
                    self._set_error(letters.browse(stopped), result)
                    failed.update(stopped)
                    waiting.difference_update(stopped)
                else:
                    shared.update(uploads._remember(company, ar24_user_id, records, result))
        self._apply_answers(answers)

    @api.model
    def _apply_answers(self, answers, commit=True):
        """Record AR24's answers [(letter, result)], committed when ``commit``; empties ``answers``."""
        for letter, result in answers:
            self._apply_send_result(letter, result)
        answers.clear()
        if commit:
            self._commit()

    @api.model
    def _apply_send_result(self, letter, result):
        letter.ensure_one()
        if isinstance(result, AR24TransportError) and result.maybe_processed:
            # AR24 may hold the letter: keep send_started_at, the next run reconciles it
            letter.write(
                {
                    "error_code": "unknown_outcome",
                    "error_message": ar24_error_text(letter.env, result),
                    "state": "error",
                    "send_queued": False,
                }
            )
            return
        if isinstance(result, AR24ApiError) and result.slug == "authentication_otp_hash_invalid":
            # the hour of the OTP validation ran out mid-batch: the letter waits for a new code
            letter.write(
                {
                    "state": "to_valid",
                    "send_started_at": False,
                    "error_code": result.slug,
                    "error_message": ar24_error_text(letter.env, result),
                }
            )
            return
        if isinstance(result, AR24Error):
            self._set_error(letter, result)
            return
        self.env["ar24.letter.sync"]._apply_mail(letter, result, sending=True)

    @api.model
    def _set_error(self, letters, exc):
        code = exc.slug if isinstance(exc, AR24ApiError) else "transport"
        letters.write(
            {
                "state": "error",
                "error_code": code,
                "error_message": ar24_error_text(letters.env, exc),
                "send_started_at": False,
                "send_queued": False,
            }
        )
        for letter in letters:
            letter._message_log(body=letters.env._("AR24 refused the letter: %s", letter.error_message))

    @api.model
    def _reconcile(self, letters, company):
        """Adopt letters that AR24 accepted while Odoo did not record it (crash, lost answer)."""
        unknown = letters.filtered(lambda letter: letter.send_started_at and not letter.ar24_id)
        if not unknown:
            return  # nothing to look up, nothing to commit: the letters stay in Odoo's cache
        client = company._ar24_client()  # only then: a client reads the settings and the environment
        sync = self.env["ar24.letter.sync"]
        for user, group in unknown.grouped("user_id").items():
            since = min(group.mapped("send_started_at")) - timedelta(minutes=10)
            by_file = {letter.body_file_id: letter for letter in group if letter.body_file_id}
            try:
                mails = client.iter_mails(
                    user.ar24_user_id, date_from=crypto.paris_now(since.replace(tzinfo=timezone.utc))
                )
                for mail in mails:
                    for file_id in mail.get("attachments") or ():
                        letter = by_file.pop(file_id, None)
                        if letter:
                            sync._apply_mail(letter, mail, sending=True)
                            letter._message_log(
                                body=letters.env._("Found at AR24 after an interrupted send: not sent twice.")
                            )
            except AR24Error as exc:
                _logger.warning("AR24 reconciliation failed for %s: %s", user.login, exc)
                continue
            # what AR24 does not hold was never received: it may be sent again
            letters.browse([letter.id for letter in by_file.values()]).write({"send_started_at": False})
            group.filtered(lambda letter: not letter.body_file_id).write({"send_started_at": False})
        self._commit()

    # ------------------------------------------------------------------ transactions
    @api.model
    def _can_commit(self):
        """Commit after each step, except in tests (whose cursor must stay in one transaction)."""
        return not modules.module.current_test

    @api.model
    def _commit(self):
        """Exactly once needs it: what AR24 was asked must be durable before and after each call."""
        commit(self.env)
