"""State of the AR24 emulator, kept in SQLite (a file survives restarts, memory by default)."""

import json
import sqlite3
import threading

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT UNIQUE NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS payment_methods (
    slug TEXT PRIMARY KEY, id_user INTEGER NOT NULL, label TEXT, type TEXT);
CREATE TABLE IF NOT EXISTS attachments (
    id INTEGER PRIMARY KEY AUTOINCREMENT, id_user INTEGER NOT NULL, name TEXT, size INTEGER,
    sha1 TEXT, sha256 TEXT, created TEXT, content BLOB);
CREATE TABLE IF NOT EXISTS mails (
    id INTEGER PRIMARY KEY AUTOINCREMENT, id_user INTEGER NOT NULL, status TEXT NOT NULL,
    date TEXT NOT NULL, due_at REAL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS mails_user ON mails (id_user, id);
CREATE INDEX IF NOT EXISTS mails_due ON mails (due_at);
CREATE TABLE IF NOT EXISTS consents (
    id INTEGER PRIMARY KEY AUTOINCREMENT, id_user INTEGER NOT NULL, email TEXT NOT NULL,
    firstname TEXT, lastname TEXT, status TEXT NOT NULL, date TEXT, updated TEXT,
    UNIQUE (id_user, email));
CREATE TABLE IF NOT EXISTS otp_hashes (hash TEXT PRIMARY KEY, id_user INTEGER, expires REAL);
CREATE TABLE IF NOT EXISTS calls (
    id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT, method TEXT, route TEXT, params TEXT,
    fault TEXT, outcome TEXT);
CREATE TABLE IF NOT EXISTS webhooks (
    id INTEGER PRIMARY KEY AUTOINCREMENT, mail_id INTEGER, url TEXT, payload TEXT,
    attempt INTEGER, status INTEGER, error TEXT, at TEXT);
"""

# First ids, so that AR24 ids never look like small Odoo ids in tests.
FIRST_IDS = {"users": 5000, "attachments": 70000, "mails": 900000, "consents": 3000}


class Store:
    """Thread-safe SQLite access: every call holds one lock (the emulator is a test tool)."""

    def __init__(self, path=":memory:"):
        self.path = path
        self.lock = threading.RLock()
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        if path != ":memory:":
            self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(SCHEMA)
        self._seed_sequences()

    def _seed_sequences(self):
        with self.lock:
            for table, first in FIRST_IDS.items():
                row = self.db.execute("SELECT seq FROM sqlite_sequence WHERE name = ?", (table,)).fetchone()
                if row is None:
                    self.db.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (table, first))

    def reset(self):
        with self.lock:
            for table in (
                "meta",
                "users",
                "payment_methods",
                "attachments",
                "mails",
                "consents",
                "otp_hashes",
                "calls",
                "webhooks",
            ):
                self.db.execute("DELETE FROM %s" % table)
            self.db.execute("DELETE FROM sqlite_sequence")
            self._seed_sequences()

    def execute(self, sql, params=()):
        with self.lock:
            return self.db.execute(sql, params)

    def one(self, sql, params=()):
        with self.lock:
            return self.db.execute(sql, params).fetchone()

    def all(self, sql, params=()):
        with self.lock:
            return self.db.execute(sql, params).fetchall()

    def transaction(self):
        return _Transaction(self)

    # meta values (clock offset, ...)
    def get_meta(self, key, default=None):
        row = self.one("SELECT value FROM meta WHERE key = ?", (key,))
        return json.loads(row["value"]) if row else default

    def set_meta(self, key, value):
        self.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, json.dumps(value)))


class _Transaction:
    def __init__(self, store):
        self.store = store

    def __enter__(self):
        self.store.lock.acquire()
        self.store.db.execute("BEGIN IMMEDIATE")
        return self.store

    def __exit__(self, exc_type, exc, tb):
        try:
            self.store.db.execute("ROLLBACK" if exc_type else "COMMIT")
        finally:
            self.store.lock.release()
        return False
