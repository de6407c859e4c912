# What the upstream postgres image's docker-entrypoint.sh does for the chart, made explicit
# (the chart should ship this, e.g. in its init ConfigMap, and run it as the container's
# command): first start of an empty volume: initdb with the superuser's password file, allow
# password logins over TCP, run the init scripts against a socket-only server; then serve.
set -eu
# The kubelet applies fsGroup to the volume (group rwx, recursively) and PostgreSQL
# refuses a data directory others can enter: 0700, as the upstream entrypoint does.
mkdir -p "$PGDATA"
chmod 0700 "$PGDATA"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  initdb --username="$POSTGRES_USER" --pwfile="$POSTGRES_PASSWORD_FILE" \
    --auth-local=trust --auth-host=scram-sha-256 -D "$PGDATA"
  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
  pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start
  for f in /docker-entrypoint-initdb.d/*.sh; do
    [ -e "$f" ] && "$f"
  done
  pg_ctl -D "$PGDATA" -m fast -w stop
fi
exec postgres -D "$PGDATA" -c listen_addresses='*'
