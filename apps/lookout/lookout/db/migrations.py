"""Lookout's schema as an ordered list of migrations: SQL only, no connection code.

Append new migrations at the end and never edit an applied one: a database records the
versions it has, not their SQL. Each migration runs in one transaction of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import LiteralString

HEAD = "head"


@dataclass(frozen=True)
class Migration:
    version: str
    statements: tuple[LiteralString, ...]


# Identity keys, not serial: no separate sequence to grant or forget when restoring.
INITIAL = Migration(
    "0001_initial",
    (
        """
        CREATE TABLE organizations (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
            name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
            created_at timestamptz NOT NULL DEFAULT now()
        )
        """,
        """
        CREATE TABLE projects (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            organization_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
            slug text NOT NULL CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
            name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
            created_at timestamptz NOT NULL DEFAULT now(),
            UNIQUE (organization_id, slug)
        )
        """,
        # Roles as in lookout.settings.admin.UserRole; a user signs in with a password,
        # through OIDC, or both.
        """
        CREATE TABLE users (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            organization_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
            email text NOT NULL CHECK (email ~ '^[^@\\s]+@[^@\\s]+$'),
            display_name text,
            role text NOT NULL DEFAULT 'viewer'
                CHECK (role IN ('instance-admin', 'admin', 'member', 'viewer')),
            password_hash text,
            oidc_subject text,
            created_at timestamptz NOT NULL DEFAULT now(),
            last_login_at timestamptz,
            disabled_at timestamptz
        )
        """,
        # Emails compare case-insensitively, so the same person cannot sign up twice.
        "CREATE UNIQUE INDEX users_email_key ON users (lower(email))",
        """
        CREATE UNIQUE INDEX users_oidc_subject_key ON users (oidc_subject)
            WHERE oidc_subject IS NOT NULL
        """,
        "CREATE INDEX users_organization_id_idx ON users (organization_id)",
        # Only a hash of the key is stored; the prefix identifies it in lists and logs.
        """
        CREATE TABLE api_keys (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
            created_by bigint REFERENCES users (id) ON DELETE SET NULL,
            name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
            prefix text NOT NULL UNIQUE CHECK (length(prefix) BETWEEN 8 AND 16),
            secret_hash bytea NOT NULL,
            scopes text[] NOT NULL DEFAULT '{ingest}'
                CHECK (scopes <@ ARRAY['ingest', 'query', 'admin']::text[]),
            created_at timestamptz NOT NULL DEFAULT now(),
            expires_at timestamptz,
            last_used_at timestamptz,
            revoked_at timestamptz
        )
        """,
        "CREATE INDEX api_keys_project_id_idx ON api_keys (project_id)",
        """
        CREATE TABLE dashboards (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
            created_by bigint REFERENCES users (id) ON DELETE SET NULL,
            title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
            definition jsonb NOT NULL DEFAULT '{}'::jsonb,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now()
        )
        """,
        "CREATE INDEX dashboards_project_id_idx ON dashboards (project_id)",
        """
        CREATE TABLE alert_rules (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
            created_by bigint REFERENCES users (id) ON DELETE SET NULL,
            name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
            query text NOT NULL,
            comparison text NOT NULL CHECK (comparison IN ('>', '>=', '<', '<=')),
            threshold double precision NOT NULL,
            for_seconds integer NOT NULL DEFAULT 0 CHECK (for_seconds >= 0),
            severity text NOT NULL DEFAULT 'warning'
                CHECK (severity IN ('info', 'warning', 'critical')),
            notify_emails text[] NOT NULL DEFAULT '{}',
            enabled boolean NOT NULL DEFAULT true,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            UNIQUE (project_id, name)
        )
        """,
        # The evaluator reads only enabled rules; a partial index stays small.
        "CREATE INDEX alert_rules_enabled_idx ON alert_rules (project_id) WHERE enabled",
    ),
)

DASHBOARD_TAGS = Migration(
    "0002_dashboard_tags",
    (
        "ALTER TABLE dashboards ADD COLUMN tags text[] NOT NULL DEFAULT '{}'",
        # GIN answers "dashboards tagged X" (tags @> ARRAY['X']) without a scan.
        "CREATE INDEX dashboards_tags_idx ON dashboards USING gin (tags)",
    ),
)

# Ingested spans: each upload to object storage is a batch (one object, one project, one UTC
# day of span start times), and each span is indexed here, pointing at its batch. Retention
# deletes spans, then the batches left empty with their objects.
SPANS = Migration(
    "0003_spans",
    (
        """
        CREATE TABLE span_batches (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
            object_key text NOT NULL UNIQUE,
            span_count integer NOT NULL CHECK (span_count >= 0),
            size_bytes bigint NOT NULL CHECK (size_bytes >= 0),
            created_at timestamptz NOT NULL DEFAULT now()
        )
        """,
        "CREATE INDEX span_batches_project_id_idx ON span_batches (project_id)",
        """
        CREATE TABLE spans (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
            batch_id bigint NOT NULL REFERENCES span_batches (id) ON DELETE CASCADE,
            trace_id text NOT NULL CHECK (trace_id ~ '^[0-9a-f]{32}$'),
            span_id text NOT NULL CHECK (span_id ~ '^[0-9a-f]{16}$'),
            parent_span_id text CHECK (parent_span_id ~ '^[0-9a-f]{16}$'),
            name text NOT NULL,
            service_name text,
            kind smallint NOT NULL DEFAULT 0,
            start_time timestamptz NOT NULL,
            end_time timestamptz NOT NULL,
            status_code smallint NOT NULL DEFAULT 0,
            attributes jsonb NOT NULL DEFAULT '{}'::jsonb
        )
        """,
        "CREATE INDEX spans_project_start_idx ON spans (project_id, start_time DESC)",
        "CREATE INDEX spans_trace_idx ON spans (project_id, trace_id)",
        "CREATE INDEX spans_batch_id_idx ON spans (batch_id)",
        "CREATE INDEX spans_start_time_idx ON spans (start_time)",
    ),
)

# Background jobs for the worker: claimed with FOR UPDATE SKIP LOCKED, retried with backoff.
JOBS = Migration(
    "0004_jobs",
    (
        """
        CREATE TABLE jobs (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            kind text NOT NULL CHECK (kind IN ('email', 'export', 'alert')),
            payload jsonb NOT NULL DEFAULT '{}'::jsonb,
            status text NOT NULL DEFAULT 'queued'
                CHECK (status IN ('queued', 'running', 'done', 'failed')),
            attempts integer NOT NULL DEFAULT 0,
            run_after timestamptz NOT NULL DEFAULT now(),
            locked_until timestamptz,
            last_error text,
            created_at timestamptz NOT NULL DEFAULT now(),
            finished_at timestamptz
        )
        """,
        "CREATE INDEX jobs_queued_idx ON jobs (run_after) WHERE status = 'queued'",
        "CREATE INDEX jobs_running_idx ON jobs (locked_until) WHERE status = 'running'",
    ),
)

MIGRATIONS: tuple[Migration, ...] = (INITIAL, DASHBOARD_TAGS, SPANS, JOBS)
VERSIONS: tuple[str, ...] = tuple(m.version for m in MIGRATIONS)


def up_to(target: str) -> tuple[Migration, ...]:
    """The migrations a database at ``target`` has: all for "head", else up to that version."""
    if target == HEAD:
        return MIGRATIONS
    if target not in VERSIONS:
        known = ", ".join((*VERSIONS, HEAD))
        raise ValueError(f"unknown target revision {target!r} (known: {known})")
    return MIGRATIONS[: VERSIONS.index(target) + 1]
