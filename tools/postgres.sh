#!/usr/bin/env bash
# A real PostgreSQL for the database tests and CI, on 127.0.0.1:5432 with a superuser
# chartgen/chartgen. Idempotent: installs Debian's package when missing, creates a cluster
# when there is none on the port, starts it when stopped, creates or repairs the role.
# Prints only the DSN on stdout (progress goes to stderr); the tests use it by default
# (CHARTGEN_TEST_POSTGRES_DSN overrides it there).
set -euo pipefail

HOST=127.0.0.1
PORT=5432
ROLE=chartgen
PASSWORD=chartgen
DSN="postgresql://$ROLE:$PASSWORD@$HOST:$PORT/postgres"

say() { echo "postgres.sh: $*" >&2; }

# The only check that matters to the tests: the role logs in with its password over TCP.
ready() {
    PGCONNECT_TIMEOUT=3 psql "$DSN" -XtAqc 'SELECT 1' >/dev/null 2>&1
}

if command -v psql >/dev/null && ready; then
    # Fast path (also for a non-root user on a machine already set up).
    echo "$DSN"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    say "PostgreSQL is not ready at $HOST:$PORT for role $ROLE, and setting it up needs root."
    say "Run: sudo $0   (or: sudo apt-get update && sudo apt-get install -y postgresql, then run it again)"
    exit 1
fi

if ! command -v pg_ctlcluster >/dev/null || ! command -v pg_lsclusters >/dev/null; then
    say "installing Debian's postgresql package"
    apt-get update >&2
    # The package's own start attempt may fail without an init system; started below.
    DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >&2
fi

# The cluster on our port, as "version name status" (pg_lsclusters: Ver Cluster Port Status ...).
cluster_on_port() {
    pg_lsclusters --no-header | awk -v port="$PORT" '$3 == port { print $1, $2, $4; exit }'
}

cluster=$(cluster_on_port)
if [ -z "$cluster" ]; then
    version=$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -n | tail -1)
    if [ -z "$version" ]; then
        say "no PostgreSQL server under /usr/lib/postgresql: apt-get install -y postgresql"
        exit 1
    fi
    # "main" may already exist on another port; then ours gets its own name.
    name=main
    [ -d "/etc/postgresql/$version/main" ] && name=chartgen
    say "creating cluster $version/$name on port $PORT"
    pg_createcluster --port "$PORT" "$version" "$name" >&2
    cluster=$(cluster_on_port)
fi
read -r version name status <<<"$cluster"

if [ "$status" != online ]; then
    say "starting cluster $version/$name"
    # pg_ctlcluster works without systemd (containers); the service script is the fallback.
    if ! pg_ctlcluster "$version" "$name" start; then
        service postgresql start || {
            say "could not start $version/$name; its log:"
            tail -n 30 "/var/log/postgresql/postgresql-$version-$name.log" >&2 || true
            exit 1
        }
    fi
fi

if ! pg_isready -q -h "$HOST" -p "$PORT" -t 30; then
    say "cluster $version/$name runs but does not accept connections on $HOST:$PORT"
    say "check listen_addresses in /etc/postgresql/$version/$name/postgresql.conf"
    exit 1
fi

# As the postgres OS user over the local socket (peer auth); cd / so psql can read its cwd.
(cd / && runuser -u postgres -- psql -X -q -p "$PORT" -v ON_ERROR_STOP=1 <<SQL
DO \$\$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE') THEN
        CREATE ROLE $ROLE;
    END IF;
END
\$\$;
-- Also repairs a role that exists with another password or without login.
ALTER ROLE $ROLE WITH LOGIN SUPERUSER PASSWORD '$PASSWORD';
SQL
)

if ! ready; then
    say "role $ROLE cannot log in with its password over TCP at $HOST:$PORT;"
    say "check /etc/postgresql/$version/$name/pg_hba.conf allows host connections with scram-sha-256"
    exit 1
fi
echo "$DSN"
