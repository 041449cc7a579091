# shellcheck shell=bash
# Shared by backup.sh and restore.sh (sourced): the environment file, logging, checks.

log() { printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# The application's environment file, read as data (never sourced: values may hold spaces, <, >, $).
# Variables already set in the environment win, as with Django's own `.env` reading.
# File: FORMATIONS_ENV_FILE, else /etc/formations/env, else .env beside manage.py.
load_env_file() {
    local file="${FORMATIONS_ENV_FILE:-}"
    if [[ -z "$file" ]]; then
        if [[ -r /etc/formations/env ]]; then file=/etc/formations/env
        elif [[ -r "$APP_DIR/.env" ]]; then file="$APP_DIR/.env"
        else return 0
        fi
    fi
    [[ -r "$file" ]] || die "cannot read the environment file $file"
    local line key value
    while IFS= read -r line || [[ -n "$line" ]]; do
        line="${line#"${line%%[![:space:]]*}"}"
        [[ -z "$line" || "$line" == \#* ]] && continue
        line="${line#export }"
        [[ "$line" =~ ^([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] || continue
        key="${BASH_REMATCH[1]}"
        value="${BASH_REMATCH[2]}"
        if [[ "$value" =~ ^\"(.*)\"$ || "$value" =~ ^\'(.*)\'$ ]]; then value="${BASH_REMATCH[1]}"; fi
        [[ -n "${!key+set}" ]] || export "$key=$value"
    done < "$file"
    log "environment: $file"
}

# libpq understands postgres:// and postgresql:// URLs; django-environ's other PostgreSQL schemes are mapped.
libpq_url() {
    local url="$1"
    case "$url" in
        postgres://* | postgresql://*) printf '%s' "$url" ;;
        pgsql://* | psql://* | postgis://*) printf 'postgresql://%s' "${url#*://}" ;;
        *) die "DATABASE_URL is not a PostgreSQL URL (backups need PostgreSQL)" ;;
    esac
}

# The same URL with another database name.
url_with_database() {
    local url="$1" name="$2" base query
    base="${url%%\?*}"
    query="${url#"$base"}"
    printf '%s/%s%s' "${base%/*}" "$name" "$query"
}

server_major() { psql "$1" -XAtqc "SHOW server_version_num" | awk '{ print int($1 / 10000) }'; }
client_major() { "$1" --version | awk '{ split($NF, v, "."); print v[1] }'; }

# Row count of every table of the database, "schema.table<TAB>count", sorted. Runs inside the
# transaction psql is given (the snapshot of the dump at backup time).
# shellcheck disable=SC2034 # used by the scripts sourcing this file
ROW_COUNTS_SQL="SELECT format('%s.%s', table_schema, table_name) || E'\t' ||
    (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', table_schema, table_name), false, true, '')))[1]::text
  FROM information_schema.tables
  WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
  ORDER BY table_schema, table_name"
