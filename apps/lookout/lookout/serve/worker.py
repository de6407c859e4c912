"""The worker service: background jobs from the ``jobs`` table, email through SMTP.

Concurrency: ``concurrency`` threads each poll the queue (every ``poll_interval_ms`` when
idle), claiming jobs with ``FOR UPDATE SKIP LOCKED`` so threads and replicas never take the
same one. An email job takes up to ``email_batch_size`` queued emails along and sends them
over one SMTP connection. A failed job is retried with backoff up to ``max_attempts``; a job
whose worker died is taken again once its ``job_timeouts`` lease ran out. On SIGTERM every
thread finishes its current job and stops.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from email.message import EmailMessage
from typing import Any

import psycopg

from lookout.db.connection import DatabaseUnavailable
from lookout.serve.pool import Pool
from lookout.serve.runtime import Stopper
from lookout.settings.smtp import SMTPSettings
from lookout.settings.worker import WorkerSettings

log = logging.getLogger("lookout.worker")

DEFAULT_TIMEOUT_SECONDS = 60
IMPLICIT_TLS_PORT = 465
STOP_GRACE_SECONDS = 25.0

Job = tuple[int, str, dict[str, Any], int]  # id, kind, payload, attempts


class JobFailed(Exception):
    pass


def send_emails(smtp: SMTPSettings, messages: list[EmailMessage], timeout: float) -> None:
    """Send over one connection: implicit TLS on 465, else STARTTLS when ``smtp.starttls``."""
    if smtp.host is None:
        raise JobFailed("smtp.host is unset: email is disabled")
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if smtp.port == IMPLICIT_TLS_PORT:
        client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=timeout, context=context)
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=timeout)
    with client:
        client.ehlo()
        if smtp.starttls and smtp.port != IMPLICIT_TLS_PORT:
            client.starttls(context=context)
            client.ehlo()
        if smtp.username:
            password = smtp.password.get_secret_value() if smtp.password else ""
            client.login(smtp.username, password)
        for message in messages:
            client.send_message(message)


class Worker:
    def __init__(self, settings: WorkerSettings, pool: Pool, stop: threading.Event) -> None:
        self.settings = settings
        self.pool = pool
        self.stop = stop

    def timeout(self, kind: str) -> int:
        return self.settings.job_timeouts.get(kind, DEFAULT_TIMEOUT_SECONDS)

    def lease_seconds(self) -> int:
        # Long enough for the slowest kind: a job is taken again only when its worker died.
        return max([DEFAULT_TIMEOUT_SECONDS, *self.settings.job_timeouts.values()]) + 30

    def claim(self, conn: psycopg.Connection, kind: str | None, limit: int) -> list[Job]:
        """Take up to ``limit`` due jobs (of ``kind``, if given), leased for their timeout."""
        rows = conn.execute(
            "UPDATE jobs SET status = 'running', attempts = attempts + 1,"
            " locked_until = now() + make_interval(secs => %s)"
            " WHERE id IN (SELECT id FROM jobs"
            "  WHERE ((status = 'queued' AND run_after <= now())"
            "   OR (status = 'running' AND locked_until < now()))"
            "  AND (%s::text IS NULL OR kind = %s)"
            "  ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED)"
            " RETURNING id, kind, payload, attempts",
            (self.lease_seconds(), kind, kind, limit),
        ).fetchall()
        return [(int(r[0]), str(r[1]), dict(r[2]), int(r[3])) for r in rows]

    def finish(self, job: Job, error: str | None) -> None:
        with self.pool.connection() as conn:
            if error is None:
                conn.execute(
                    "UPDATE jobs SET status = 'done', finished_at = now(), locked_until = NULL,"
                    " last_error = NULL WHERE id = %s",
                    (job[0],),
                )
                return
            final = job[3] >= self.settings.max_attempts
            conn.execute(
                "UPDATE jobs SET status = %s, last_error = %s, locked_until = NULL,"
                " finished_at = CASE WHEN %s THEN now() END,"
                " run_after = now() + make_interval(secs => %s) WHERE id = %s",
                ("failed" if final else "queued", error[:1000], final, 2 ** job[3], job[0]),
            )
        log.warning(
            "job %d (%s) attempt %d failed%s: %s",
            job[0],
            job[1],
            job[3],
            "; giving up" if final else "; retrying",
            error,
        )

    def run_jobs(self, jobs: list[Job]) -> None:
        emails = [job for job in jobs if job[1] == "email"]
        for job in jobs:
            if job[1] != "email":
                self.finish(job, f"job kind {job[1]!r} is not implemented")
        if not emails:
            return
        messages = []
        for job in emails:
            message = EmailMessage()
            message["From"] = self.settings.smtp.from_address
            message["To"] = str(job[2].get("to"))
            message["Subject"] = str(job[2].get("subject") or self.settings.instance.name)
            message.set_content(str(job[2].get("body") or ""))
            messages.append(message)
        try:
            send_emails(self.settings.smtp, messages, self.timeout("email"))
        except (OSError, smtplib.SMTPException, JobFailed) as error:
            for job in emails:
                self.finish(job, f"{type(error).__name__}: {error}")
            return
        for job in emails:
            self.finish(job, None)
        log.info("sent %d email(s)", len(emails), extra={"jobs": [job[0] for job in emails]})

    def poll_once(self) -> bool:
        """Claim and run due jobs; False when there were none."""
        with self.pool.connection() as conn:
            jobs = self.claim(conn, None, 1)
            if jobs and jobs[0][1] == "email" and self.settings.email_batch_size > 1:
                jobs += self.claim(conn, "email", self.settings.email_batch_size - 1)
        if not jobs:
            return False
        self.run_jobs(jobs)
        return True

    def loop(self, number: int) -> None:
        idle = self.settings.poll_interval_ms / 1000
        while not self.stop.is_set():
            try:
                busy = self.poll_once()
            except (DatabaseUnavailable, psycopg.Error) as error:
                log.warning("thread %d: job queue unavailable: %s", number, error)
                busy = False
            except Exception:
                log.exception("thread %d: unexpected error", number)
                busy = False
            if not busy:
                self.stop.wait(idle)


def serve(settings: WorkerSettings, stop: Stopper) -> int:
    concurrency = settings.concurrency or 1
    smtp = settings.smtp
    log.info(
        "worker starting",
        extra={
            "concurrency": concurrency,
            "poll_interval_ms": settings.poll_interval_ms,
            "email_batch_size": settings.email_batch_size,
            "smtp": f"{smtp.host}:{smtp.port} starttls={smtp.starttls}" if smtp.host else "off",
        },
    )
    pool = Pool(settings.database, "lookout-worker")
    worker = Worker(settings, pool, stop.event)
    threads = [
        threading.Thread(target=worker.loop, args=(n,), name=f"job-{n}") for n in range(concurrency)
    ]
    for thread in threads:
        thread.start()
    stop.wait()
    for thread in threads:
        thread.join(STOP_GRACE_SECONDS / concurrency)
    pool.close()
    log.info("worker stopped")
    return 0
