#!/bin/bash
# Times GET /v1/signals/dead_letter of flywheel serve on a signal topic of 1,000,000 committed records (the
# README's Performance, Read API): serves in a new temporary folder, posts 1,000,000 malformed lines (each a
# dead letter) in 10 requests, waits until the read API says they are committed, times the requests with
# curl, and compares with reading the whole topic. Usage: Tests/Baselines/read-api-1m.sh [FLYWHEEL] [PORT]
set -eu
BIN=${1:-.build/debug/flywheel}
PORT=${2:-18093}
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
printf 'checkpoint: { interval: 1s }\n' > "$D/serve.yaml"
"$BIN" serve --pipeline "$D/serve.yaml" --data "$D/data" --port "$PORT" 2> "$D/serve.log" &
PID=$!
until curl -sf "http://127.0.0.1:$PORT/readyz" > /dev/null; do sleep 0.5; done
for part in 0 1 2 3 4 5 6 7 8 9; do
  seq $((part * 100000)) $((part * 100000 + 99999)) | sed 's/^/{bad /' > "$D/part.jsonl"
  curl -s -o /dev/null -w "post $part: %{http_code}\n" -H 'Content-Type: application/x-ndjson' \
    --data-binary @"$D/part.jsonl" "http://127.0.0.1:$PORT/v1/events"
done
committed() {
  curl -s -o /dev/null -D - "http://127.0.0.1:$PORT/v1/signals/dead_letter?limit=1" | tr -d '\r' |
    awk -F': ' 'tolower($1) == "flywheel-committed-end" { print $2 }'
}
until [ "$(committed)" = "1000000" ]; do sleep 1; done
for query in "" "?limit=10" "?limit=1000&before=500000" "?limit=100000"; do
  for run in 1 2 3; do
    curl -s -o "$D/out.jsonl" -w "GET /v1/signals/dead_letter$query: %{http_code} %{time_total} s, " \
      "http://127.0.0.1:$PORT/v1/signals/dead_letter$query"
    echo "$(wc -l < "$D/out.jsonl") records"
  done
done
du -sh "$D/data/signals.dead_letter"
/usr/bin/time -f "topic consume signals.dead_letter (all): %e s" "$BIN" topic consume signals.dead_letter \
  --data "$D/data" > /dev/null
kill -TERM "$PID"
wait "$PID"
