#!/usr/bin/env bash
# One backup of the site: the PostgreSQL database (pg_dump, custom format), MEDIA_ROOT and
# PRIVATE_MEDIA_ROOT (tar), and a manifest (sha256 and size of each file, row count of every
# table in the dumped snapshot), in BACKUP_DIR/formations-<UTC timestamp>/. Keeps the last
# BACKUP_KEEP backups. Reads the application's environment file (see lib.sh, env.example).
#
#   deploy/backup.sh                 # what formations-backup.timer runs nightly
#   FORMATIONS_ENV_FILE=/path/env deploy/backup.sh
set -euo pipefail

APP_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=deploy/lib.sh
source "$APP_DIR/deploy/lib.sh"
load_env_file

: "${DATABASE_URL:?DATABASE_URL is not set}"
: "${MEDIA_ROOT:?MEDIA_ROOT is not set}"
: "${PRIVATE_MEDIA_ROOT:?PRIVATE_MEDIA_ROOT is not set}"
BACKUP_DIR="${BACKUP_DIR:-/var/backups/formations}"
BACKUP_KEEP="${BACKUP_KEEP:-14}"
[[ "$BACKUP_KEEP" =~ ^[1-9][0-9]*$ ]] || die "BACKUP_KEEP must be a positive number, not '$BACKUP_KEEP'"

db_url="$(libpq_url "$DATABASE_URL")"
server="$(server_major "$db_url")" || die "the database does not answer"
client="$(client_major pg_dump)"
(( client >= server )) || die "pg_dump $client cannot dump a PostgreSQL $server server: install postgresql-client-$server"

umask 077
mkdir -p "$BACKUP_DIR"
name="formations-$(date -u +%Y%m%dT%H%M%S.%3NZ)"
work="$BACKUP_DIR/.$name.partial"
rm -rf "$work"
mkdir "$work"
trap 'rm -rf "$work"; [[ -n "${holder_pid:-}" ]] && kill "$holder_pid" 2>/dev/null || true' EXIT

# The dump and the row counts read the same snapshot: a transaction held open by a psql in the
# background exports it; pg_dump and the counting psql import it.
log "backup $name of PostgreSQL $server with pg_dump $client"
fifo="$work/.holder"
mkfifo "$fifo"
psql "$db_url" -XAtq -v ON_ERROR_STOP=1 < "$fifo" > "$work/.snapshot" &
holder_pid=$!
exec 3> "$fifo"
printf 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;\nSELECT pg_export_snapshot();\n' >&3
for _ in $(seq 100); do [[ -s "$work/.snapshot" ]] && break; sleep 0.1; done
snapshot="$(head -n1 "$work/.snapshot")"
[[ -n "$snapshot" ]] || die "could not export a snapshot of the database"

pg_dump "$db_url" --format=custom --compress=6 --no-owner --no-privileges --snapshot="$snapshot" \
    --file="$work/database.dump"
psql "$db_url" -XAtq -v ON_ERROR_STOP=1 \
    -c "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" \
    -c "SET TRANSACTION SNAPSHOT '$snapshot'" \
    -c "$ROW_COUNTS_SQL" \
    -c "COMMIT" > "$work/row-counts"
printf 'COMMIT;\n' >&3
exec 3>&-
wait "$holder_pid"
holder_pid=""
rm -f "$fifo" "$work/.snapshot"

# Files after the database: a file written meanwhile is in the archive, unreferenced, harmless.
archive() {
    local source="$1" target="$2" status=0
    [[ -d "$source" ]] || die "$source does not exist"
    tar --create --gzip --file="$target" --directory="$source" --warning=no-file-changed . || status=$?
    (( status <= 1 )) || die "tar of $source failed ($status)"   # 1: a file changed while read
}
archive "$MEDIA_ROOT" "$work/media.tar.gz"
archive "$PRIVATE_MEDIA_ROOT" "$work/private.tar.gz"

{
    printf 'format formations-backup 1\n'
    printf 'created %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    printf 'database %s\n' "$(psql "$db_url" -XAtqc 'SELECT current_database()')"
    printf 'server_major %s\n' "$server"
    printf 'pg_dump %s\n' "$(pg_dump --version)"
    for file in database.dump media.tar.gz private.tar.gz; do
        printf 'file %s %s %s\n' "$(sha256sum "$work/$file" | cut -d' ' -f1)" "$(stat -c %s "$work/$file")" "$file"
    done
    awk -F'\t' '{ printf "rows %s %s\n", $1, $2 }' "$work/row-counts"
} > "$work/manifest"
rm -f "$work/row-counts"

mv "$work" "$BACKUP_DIR/$name"
trap - EXIT
log "backup written: $BACKUP_DIR/$name ($(du -sh "$BACKUP_DIR/$name" | cut -f1), $(grep -c '^rows ' "$BACKUP_DIR/$name/manifest") tables)"

# Keep the last BACKUP_KEEP complete backups (their names sort by date).
mapfile -t backups < <(find "$BACKUP_DIR" -mindepth 1 -maxdepth 1 -type d -name 'formations-*' -printf '%f\n' | sort)
excess=$(( ${#backups[@]} - BACKUP_KEEP ))
for (( i = 0; i < excess; i++ )); do
    log "removing the old backup ${backups[i]}"
    rm -rf "${BACKUP_DIR:?}/${backups[i]}"
done
printf '%s\n' "$BACKUP_DIR/$name"
