"""Client of the emulator's test controls (/_emulator/...), for tests, the demo and benchmarks."""

import json
import urllib.error
import urllib.request


class EmulatorControls:
    def __init__(self, base_url):
        self.base_url = base_url.rstrip("/")

    def _call(self, method, path, data=None):
        body = json.dumps(data).encode() if data is not None else None
        request = urllib.request.Request(
            "%s/_emulator/%s" % (self.base_url, path.strip("/")),
            data=body,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            raise RuntimeError(
                "emulator control %s %s failed: HTTP %s %s"
                % (method, path, exc.code, exc.read().decode("utf-8", "replace"))
            ) from exc

    def post(self, path, **data):
        return self._call("POST", path, data)

    def get(self, path):
        return self._call("GET", path)

    # shortcuts named after what a test means
    def sender(self, email, firstname="Test", lastname="Sender", **options):
        return self.post("senders", email=email, firstname=firstname, lastname=lastname, **options)

    def otp(self, id_user):
        return self.get("senders/%d/otp" % id_user)["otp"]

    def accept_access(self, id_user):
        return self.post("access/%d/accept" % id_user)

    def recipient(self, id_mail, action):
        """``action``: accept, refuse or bounce."""
        return self.post("mails/%d/%s" % (id_mail, action))

    def sender_action(self, id_mail, action):
        """On a letter awaiting its OTP validation at AR24: ``validate`` (the sender does it on
        AR24's site) or ``expire`` (AR24 gives up: not_valided)."""
        return self.post("mails/%d/%s" % (id_mail, action))

    def id_profile(self, ids):
        """Type ids, 0/1 flags and prices as ``live`` (the live AR24), ``string`` or ``int`` from now on."""
        return self.faults(ids=ids)

    def refuse_next(self, route, slug):
        """AR24 refuses the next call of ``route`` (a name of ``routes.ROUTES``) with ``slug``."""
        return self.faults(script=[{"route": route, "kind": "refuse", "slug": slug}])

    def advance(self, days=0, seconds=0):
        return self.post("clock", advance_days=days, advance_seconds=seconds)

    def faults(self, **settings):
        return self.post("faults", **settings)

    def consent(self, id_user, email, status="accepted", **names):
        return self.post("consents", id_user=id_user, email=email, status=status, **names)

    def calls(self, route=None):
        calls = self.get("calls")["calls"]
        return [c for c in calls if route is None or c["route"] == route]

    def webhooks(self):
        return self.get("webhooks")["webhooks"]

    def reset(self):
        return self.post("reset")
