#!/usr/bin/env bash
# Restore a backup made by backup.sh: check every file's sha256 against the manifest, restore the
# database (pg_restore) into the target database, which must be empty unless --force, compare the
# row count of every table with the manifest, unpack the media and private files into MEDIA_ROOT
# and PRIVATE_MEDIA_ROOT (empty unless --force), then `manage.py migrate --check` on the target.
#
#   deploy/restore.sh [--force] [--database NAME] BACKUP
#
# BACKUP is a directory BACKUP_DIR/formations-<timestamp>. The target database is DATABASE_URL's,
# or NAME on the same server (a restore drill: createdb NAME first). --force empties the target
# database (every schema dropped) and the two file directories first. Stop the web, worker and
# beat services before restoring over the live site.
set -euo pipefail

APP_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=deploy/lib.sh
source "$APP_DIR/deploy/lib.sh"

usage() { sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
force=0
database=""
while (( $# )); do
    case "$1" in
        --force) force=1 ;;
        --database) (( $# >= 2 )) || usage; database="$2"; shift ;;
        --database=*) database="${1#*=}" ;;
        -h | --help) usage ;;
        -*) usage ;;
        *) break ;;
    esac
    shift
done
(( $# == 1 )) || usage
backup="${1%/}"
[[ -f "$backup/manifest" ]] || die "$backup is not a backup (no manifest)"

load_env_file
: "${DATABASE_URL:?DATABASE_URL is not set}"
: "${MEDIA_ROOT:?MEDIA_ROOT is not set}"
: "${PRIVATE_MEDIA_ROOT:?PRIVATE_MEDIA_ROOT is not set}"
db_url="$(libpq_url "$DATABASE_URL")"
[[ -z "$database" ]] || db_url="$(url_with_database "$db_url" "$database")"
PYTHON="${PYTHON:-}"
if [[ -z "$PYTHON" ]]; then
    if [[ -x "$APP_DIR/.venv/bin/python" ]]; then PYTHON="$APP_DIR/.venv/bin/python"; else PYTHON=python3; fi
fi

grep -q '^format formations-backup 1$' "$backup/manifest" || die "unknown manifest format in $backup"

# 1. Integrity: every file as the backup wrote it.
while read -r _ sha size file; do
    [[ -f "$backup/$file" ]] || die "$file is missing from $backup"
    [[ "$(stat -c %s "$backup/$file")" == "$size" ]] || die "$file does not have its size ($size bytes)"
    [[ "$(sha256sum "$backup/$file" | cut -d' ' -f1)" == "$sha" ]] || die "$file does not match its sha256"
done < <(grep '^file ' "$backup/manifest")
log "files match the manifest: $backup"

# 2. The target database: reachable, of a major version able to take the dump, empty unless --force.
target="$(psql "$db_url" -XAtqc 'SELECT current_database()')" || die "the target database does not answer"
server="$(server_major "$db_url")"
source_major="$(awk '$1 == "server_major" { print $2 }' "$backup/manifest")"
(( server >= source_major )) || die "the dump comes from PostgreSQL $source_major: restore it into $source_major or later, not $server"
tables="$(psql "$db_url" -XAtqc "SELECT count(*) FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')")"
if (( tables > 0 )); then
    (( force )) || die "the database $target holds $tables tables: restore into an empty database, or add --force to replace its content"
    log "--force: emptying the database $target"
    psql "$db_url" -XAtq -v ON_ERROR_STOP=1 <<'SQL'
DO $$
DECLARE name text;
BEGIN
    FOR name IN SELECT nspname FROM pg_namespace
        WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\_%'
    LOOP
        EXECUTE format('DROP SCHEMA %I CASCADE', name);
    END LOOP;
    CREATE SCHEMA IF NOT EXISTS public;
END $$;
SQL
fi

# 3. The file directories: empty unless --force.
for dir in "$MEDIA_ROOT" "$PRIVATE_MEDIA_ROOT"; do
    mkdir -p "$dir"
    if [[ -n "$(find "$dir" -mindepth 1 -maxdepth 1 -print -quit)" ]]; then
        (( force )) || die "$dir is not empty: restore into empty directories, or add --force to replace their content"
        log "--force: emptying $dir"
        find "$dir" -mindepth 1 -delete
    fi
done

# 4. The database, in one transaction (all or nothing), then its row counts against the manifest.
log "restoring the database into $target (PostgreSQL $server)"
pg_restore --dbname="$db_url" --no-owner --no-privileges --single-transaction --exit-on-error "$backup/database.dump"
diff <(grep '^rows ' "$backup/manifest" | awk '{ print $2 "\t" $3 }') \
     <(psql "$db_url" -XAtq -v ON_ERROR_STOP=1 -c "$ROW_COUNTS_SQL") >&2 \
    || die "the restored database does not have the row counts of the manifest (differences above)"
log "every table has its row count ($(grep -c '^rows ' "$backup/manifest") tables)"

# 5. The files.
tar --extract --gzip --file="$backup/media.tar.gz" --directory="$MEDIA_ROOT" --no-same-owner
tar --extract --gzip --file="$backup/private.tar.gz" --directory="$PRIVATE_MEDIA_ROOT" --no-same-owner
log "files unpacked into $MEDIA_ROOT and $PRIVATE_MEDIA_ROOT"

# 6. The code and the restored schema agree: no migration missing or unknown.
DATABASE_URL="$db_url" "$PYTHON" "$APP_DIR/manage.py" migrate --check --noinput >&2 \
    || die "the restored database and this version of the code do not agree on migrations (see above): run the code of the backup's date, or migrate"
log "restore complete: database $target, $MEDIA_ROOT, $PRIVATE_MEDIA_ROOT"
