#!/usr/bin/env bash
# sqlmap (Debian's package) against a local server: every query parameter of the
# items route, the sync cursor, the submission body and a moderation query with a
# token. Outside CI: it takes minutes. Usage: bench/sqlmap_scan.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v sqlmap >/dev/null || { echo "install Debian's sqlmap first"; exit 2; }
work=$(mktemp -d /tmp/trailapp-sqlmap-XXXX)
trap 'kill $(cat "$work/pid") 2>/dev/null; rm -rf "$work"' EXIT
export TRAILAPP_DATABASE="$work/db.sqlite3" TRAILAPP_SECRET_KEY=sqlmap \
       TRAILAPP_MEDIA_DIR="$work/media" TRAILAPP_PACK_DIR="$work/packs" \
       TRAILAPP_SUBMISSION_LIMIT=0 TRAILAPP_SUBMISSION_LIMIT_PER_ADDRESS=0 TRAILAPP_RESPONSE_CACHE_MB=0
.venv/bin/flask --app trailapp load-geodata geodata/ >/dev/null
echo "grön-uggla-sjunger-42-sqlmap" | .venv/bin/flask --app trailapp create-organiser scan \
    --role admin --password-stdin >/dev/null
token=$(.venv/bin/flask --app trailapp create-token scan --name sqlmap | tail -1)
.venv/bin/gunicorn --config gunicorn.conf.py --bind 127.0.0.1:8765 wsgi:app \
    >"$work/server.log" 2>&1 & echo $! > "$work/pid"
sleep 3
base=http://127.0.0.1:8765
common=(--batch --level 3 --risk 2 --dbms SQLite --threads 2 --output-dir "$work/out")
run() { echo "== $1"; shift; sqlmap "${common[@]}" "$@" 2>&1 \
          | grep -E "is vulnerable|injectable|all tested parameters|might not be injectable|CRITICAL" \
          | sort -u; }
run "items query parameters" -u "$base/collections/places/items?q=kyrka&kind=church&municipality=bollnas&place=x&near=16.4,61.3&radius=500&limit=5"
run "one feature" -u "$base/collections/places/items/bol-gastgivars*"
run "sync cursor" -u "$base/sync?since=s0&collections=places"
run "submission body" -u "$base/contributions" --method POST \
    --data '{"kind":"story","place":"bol-gastgivars","lang":"sv","title":"t","body":"b","pseudonym":"Modig Lo","age_band":"16-17","consent_by":"self","consent_notice_version":"2026-11-27"}' \
    --headers "Content-Type: application/json"
run "moderation queue (token)" -u "$base/moderation/queue?status=pending&kind=story" \
    --headers "Authorization: Bearer $token"
grep -c " 500 " "$work/server.log" | sed 's/^/server errors logged: /' || true
