"""Command line of the AR24 emulator."""

import argparse
import logging
import signal
import sys

from ..routes import DATE_GRACE_SECONDS
from .profile import DEFAULT_PROFILE, ID_PROFILES
from .server import EmulatorApp


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python3 -m ar24.emulator", description="Local AR24 API emulator.")
    parser.add_argument("--host", default="127.0.0.1", help="interface (test controls only on loopback)")
    parser.add_argument("--port", type=int, default=8024)
    parser.add_argument("--token", default="emulator-token")
    parser.add_argument("--private-key", default="emulator-private-key")
    parser.add_argument("--state", default=":memory:", help="SQLite file kept across restarts")
    parser.add_argument(
        "--latency-ms", type=int, default=0, help="each API call is answered this long after it arrived (work included)"
    )
    parser.add_argument("--fault-rate", type=float, default=0.0, help="share of API calls that fail (0..1)")
    parser.add_argument("--seed", type=int, default=None, help="seed of the fault draw")
    parser.add_argument(
        "--date-grace",
        type=int,
        default=DATE_GRACE_SECONDS,
        help="seconds a request date may be old (older: expired_date)",
    )
    parser.add_argument(
        "--ids",
        choices=ID_PROFILES,
        default=DEFAULT_PROFILE,
        help="JSON types of ids, 0/1 flags and prices in answers: as the live AR24 (user and file ids strings, "
        "mail ids numbers, send_fail a boolean), strings throughout, or numbers",
    )
    parser.add_argument("--send-delay", type=float, default=0.0, help="seconds before a letter becomes sent")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(asctime)s %(message)s")
    app = EmulatorApp(
        args.host,
        args.port,
        args.token,
        args.private_key,
        args.state,
        latency_ms=args.latency_ms,
        fault_rate=args.fault_rate,
        seed=args.seed,
        date_grace_seconds=args.date_grace,
        send_delay_seconds=args.send_delay,
        ids=args.ids,
    )
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("AR24 emulator on %s (token %s, ids as %s)" % (app.api_url, args.token, args.ids), flush=True)
    try:
        app.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        app.httpd.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
