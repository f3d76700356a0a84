"""The LSC manual's "thermomètre": a sender sees, in his browser, how many letters of a batch are done."""

from collections import Counter

PROGRESS = "ar24_lre.progress"


class SendProgress:
    """Counts the letters of a batch done per sender and tells each sender on the bus.

    The bus delivers a notification when its transaction commits: the send engine commits after each
    chunk of letters (exactly once needs it), so the browser sees the count grow while a batch runs,
    sent at once or by the background queue alike (``static/src/progress``).
    """

    def __init__(self, letters, batch, totals=None):
        """:param batch: a key of the batch, the same for all its notifications
        :param totals: {user id: letters of his in the batch}; default: ``letters``'"""
        self.env = letters.env
        self.batch = batch
        self.totals = Counter(totals) if totals is not None else Counter(letter.user_id.id for letter in letters)
        self.done = Counter()

    def start(self):
        for user_id in list(self.totals):
            self._tell(user_id)

    def expect(self, user_id, remaining):
        """``remaining`` letters of ``user_id`` are still to come (letters queued while the batch runs)."""
        self.totals[user_id] = self.done[user_id] + remaining

    def advance(self, letters):
        """``letters`` are done: sent, waiting for the OTP code, or in error with their reason."""
        for user_id, count in Counter(letter.user_id.id for letter in letters).items():
            self.done[user_id] += count
            self.totals[user_id] = max(self.totals[user_id], self.done[user_id])
            self._tell(user_id)

    def _tell(self, user_id):
        user = self.env["res.users"].sudo().browse(user_id)
        env = self.env(context=dict(self.env.context, lang=user.lang))
        user._bus_send(
            PROGRESS,
            {
                "batch": self.batch,
                "title": env._("Registered letters being sent"),
                "done": self.done[user_id],
                "total": self.totals[user_id],
            },
        )
