"""The bot's own records, in SQLite beside the index: the corpus audit log, the answers given and
the feedback on them, and the questions that got no answer.

Only what the features need is kept: question text and counts. Who asked or voted is recorded only
when ``keep_user_ids`` is on (``CITEBOT_KEEP_USER_IDS=true``); the audit log of corpus changes
always names the admin who made the change (their display name; their id only with that setting).
Pure Python and sqlite3: the ``citebot gaps`` command reads the same file without loading Discord.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from index.errors import CitebotError

log = logging.getLogger(__name__)

STATE_FILE = "citebot-state.sqlite3"
WRONG_REASONS = {
    "speaker": "wrong speaker",
    "not_answer": "not an answer",
    "context": "missing context",
}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    action TEXT NOT NULL,          -- 'add' or 'remove'
    doc TEXT NOT NULL,             -- the document's path in the corpus
    user_name TEXT NOT NULL,
    user_id INTEGER,               -- only with keep_user_ids
    detail TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS answers (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    question TEXT NOT NULL,
    doc TEXT NOT NULL,
    paragraph INTEGER NOT NULL,
    speaker TEXT,
    quote TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    answer_id INTEGER NOT NULL REFERENCES answers(id),
    verdict TEXT NOT NULL,         -- 'helpful' or 'wrong'
    reason TEXT,                   -- for 'wrong': a key of WRONG_REASONS, once chosen
    user_id INTEGER                -- only with keep_user_ids
);
CREATE TABLE IF NOT EXISTS unanswered (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    question TEXT NOT NULL,
    key TEXT NOT NULL,             -- the question folded, so that repeats count together
    user_id INTEGER                -- only with keep_user_ids
);
CREATE INDEX IF NOT EXISTS unanswered_key ON unanswered(key);
CREATE INDEX IF NOT EXISTS feedback_answer ON feedback(answer_id);
"""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: str
    action: str
    doc: str
    user_name: str
    detail: str


@dataclass(frozen=True, slots=True)
class Gap:
    """A question asked again and again without an answer."""

    question: str
    count: int
    last_at: str


@dataclass(frozen=True, slots=True)
class WrongAnswer:
    """An answer people marked wrong, with how often and why."""

    question: str
    doc: str
    paragraph: int
    speaker: str | None
    quote: str
    wrong: int
    helpful: int
    reasons: dict[str, int]


@dataclass(frozen=True, slots=True)
class Gaps:
    unanswered: list[Gap]
    wrong: list[WrongAnswer]

    def to_json(self) -> dict[str, object]:
        return {
            "unanswered": [
                {"question": g.question, "count": g.count, "last": g.last_at} for g in self.unanswered
            ],
            "wrong": [
                {
                    "question": w.question,
                    "doc": w.doc,
                    "paragraph": w.paragraph,
                    "speaker": w.speaker,
                    "quote": w.quote,
                    "wrong": w.wrong,
                    "helpful": w.helpful,
                    "reasons": {WRONG_REASONS.get(k, k): n for k, n in w.reasons.items()},
                }
                for w in self.wrong
            ],
        }


def question_key(question: str) -> str:
    """A question folded for counting: case, spacing and end punctuation do not make it new."""
    return " ".join(question.casefold().split()).rstrip("?!. ")


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class StateUnreadable(CitebotError):
    """The state file exists but is not a database this code can use."""


class State:
    """The SQLite file. Safe to share between threads (one connection, behind a lock)."""

    def __init__(self, path: Path, *, keep_user_ids: bool = False) -> None:
        self.path = path
        self.keep_user_ids = keep_user_ids
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as err:
            self._db.close()
            raise StateUnreadable(f"The state file {path} is damaged or not citebot's ({err}).") from None
        self._lock = threading.Lock()
        # Votes already counted in this process, so that clicking twice counts once even when user
        # ids are not stored (with them, the table itself is checked).
        self._voted: dict[tuple[int, int, str], int] = {}

    @classmethod
    def open_or_replace(cls, path: Path, *, keep_user_ids: bool = False) -> State:
        """The state at ``path``; a damaged file is moved aside (kept for inspection) and a new one
        started, so that a bad file never stops the bot."""
        try:
            return cls(path, keep_user_ids=keep_user_ids)
        except StateUnreadable as err:
            aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}")
            path.replace(aside)
            log.warning("state file unreadable, starting a new one reason=%s moved_to=%s", err, aside)
            return cls(path, keep_user_ids=keep_user_ids)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _user(self, user_id: int | None) -> int | None:
        return user_id if self.keep_user_ids else None

    # --- the audit log ---

    def record_change(
        self, action: str, doc: str, user_name: str, user_id: int | None, detail: str = ""
    ) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO audit (at, action, doc, user_name, user_id, detail) VALUES (?, ?, ?, ?, ?, ?)",
                (_now(), action, doc, user_name, self._user(user_id), detail),
            )

    def audit(self, limit: int = 100) -> list[AuditEntry]:
        with self._lock:
            rows = self._db.execute(
                "SELECT at, action, doc, user_name, detail FROM audit ORDER BY id DESC LIMIT ?", (limit,)
            ).fetchall()
        return [AuditEntry(*row) for row in rows]

    def added_by(self) -> dict[str, AuditEntry]:
        """For each document added from Discord and still listed, its latest 'add' entry."""
        with self._lock:
            rows = self._db.execute(
                "SELECT at, action, doc, user_name, detail FROM audit WHERE id IN "
                "(SELECT MAX(id) FROM audit GROUP BY doc) AND action = 'add'"
            ).fetchall()
        return {row[2]: AuditEntry(*row) for row in rows}

    # --- answers, feedback, gaps ---

    def record_answer(self, question: str, doc: str, paragraph: int, speaker: str | None, quote: str) -> int:
        """Keep the answer shown for ``question`` (its first quote); its id goes in the buttons."""
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO answers (at, question, doc, paragraph, speaker, quote)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (_now(), question, doc, paragraph, speaker, quote),
            )
            return int(cursor.lastrowid or 0)

    def record_unanswered(self, question: str, user_id: int | None) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO unanswered (at, question, key, user_id) VALUES (?, ?, ?, ?)",
                (_now(), question, question_key(question), self._user(user_id)),
            )

    def record_feedback(self, answer_id: int, verdict: str, user_id: int | None) -> int | None:
        """A Helpful/Wrong vote on an answer; its id (to add a reason to), None if no such answer.
        The same person's same vote on the same answer counts once."""
        with self._transaction() as db:
            if db.execute("SELECT 1 FROM answers WHERE id = ?", (answer_id,)).fetchone() is None:
                return None
            if user_id is not None:
                earlier = self._earlier_vote(db, answer_id, verdict, user_id)
                if earlier is not None:
                    return earlier
            cursor = db.execute(
                "INSERT INTO feedback (at, answer_id, verdict, user_id) VALUES (?, ?, ?, ?)",
                (_now(), answer_id, verdict, self._user(user_id)),
            )
            vote = int(cursor.lastrowid or 0)
            if user_id is not None:
                self._voted[(answer_id, user_id, verdict)] = vote
            return vote

    def _earlier_vote(self, db: sqlite3.Connection, answer_id: int, verdict: str, user_id: int) -> int | None:
        earlier = self._voted.get((answer_id, user_id, verdict))
        if earlier is not None or not self.keep_user_ids:
            return earlier
        row = db.execute(
            "SELECT MAX(id) FROM feedback WHERE answer_id = ? AND verdict = ? AND user_id = ?",
            (answer_id, verdict, user_id),
        ).fetchone()
        return int(row[0]) if row and row[0] is not None else None

    def record_reason(self, feedback_id: int, reason: str) -> bool:
        if reason not in WRONG_REASONS:
            return False
        with self._transaction() as db:
            cursor = db.execute(
                "UPDATE feedback SET reason = ? WHERE id = ? AND verdict = 'wrong'", (reason, feedback_id)
            )
            return cursor.rowcount == 1

    def gaps(self, limit: int = 10) -> Gaps:
        """The most asked unanswered questions and the answers most often marked wrong."""
        with self._lock:
            unanswered = self._db.execute(
                "SELECT (SELECT question FROM unanswered u2 WHERE u2.key = u.key ORDER BY id DESC LIMIT 1),"
                " COUNT(*), MAX(at) FROM unanswered u GROUP BY key"
                " ORDER BY COUNT(*) DESC, MAX(id) DESC LIMIT ?",
                (limit,),
            ).fetchall()
            # The same quote shown for several questions is one answer to judge.
            wrong = self._db.execute(
                "SELECT MAX(a.id), a.doc, a.quote, SUM(f.verdict = 'wrong'), SUM(f.verdict = 'helpful')"
                " FROM answers a JOIN feedback f ON f.answer_id = a.id"
                " GROUP BY a.doc, a.quote HAVING SUM(f.verdict = 'wrong') > 0"
                " ORDER BY SUM(f.verdict = 'wrong') DESC, MAX(a.id) DESC LIMIT ?",
                (limit,),
            ).fetchall()
            latest = {
                row[0]: self._db.execute(
                    "SELECT question, paragraph, speaker FROM answers WHERE id = ?", (row[0],)
                ).fetchone()
                for row in wrong
            }
            reasons = {
                row[0]: dict(
                    self._db.execute(
                        "SELECT f.reason, COUNT(*) FROM feedback f JOIN answers a ON f.answer_id = a.id"
                        " WHERE a.doc = ? AND a.quote = ? AND f.reason IS NOT NULL"
                        " GROUP BY f.reason ORDER BY COUNT(*) DESC",
                        (row[1], row[2]),
                    ).fetchall()
                )
                for row in wrong
            }
        return Gaps(
            [Gap(question, count, at) for question, count, at in unanswered],
            [
                WrongAnswer(
                    question=latest[last][0],
                    doc=doc,
                    paragraph=int(latest[last][1]),
                    speaker=latest[last][2],
                    quote=quote,
                    wrong=int(w),
                    helpful=int(h),
                    reasons=reasons[last],
                )
                for last, doc, quote, w, h in wrong
            ],
        )
