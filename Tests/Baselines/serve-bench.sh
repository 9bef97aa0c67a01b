#!/bin/bash
# Serves the default pipeline (Pipelines/serve.yaml) in a fresh data folder, drives it with flywheel loadgen,
# prints the sustained ingest rate, the ack latency and how far the pipeline got, then stops it.
# Usage: Tests/Baselines/serve-bench.sh BINARY PORT RATE DURATION LABEL
# Compare two builds in the same run, one after the other, e.g.:
#   Tests/Baselines/serve-bench.sh /tmp/old/flywheel 18091 400000 15s old
#   Tests/Baselines/serve-bench.sh .build-release/release/flywheel 18092 400000 15s new
# SERVE_PIPELINE=FILE serves another pipeline file (its service port is replaced), e.g. one with
# checkpoint: { interval: 1h } to measure the service without checkpoints.
set -euo pipefail
binary=$(realpath "$1"); port=$2; rate=$3; duration=$4; label=$5
pipeline=$(realpath "${SERVE_PIPELINE:-$(dirname "$0")/../../Pipelines/serve.yaml}")
folder=$(mktemp -d "/tmp/serve-bench-$label.XXXXXX")
trap 'kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$folder"' EXIT
cd "$folder"
sed "s/port: 8080/port: $port/" "$pipeline" > serve.yaml
"$binary" serve --pipeline serve.yaml --data data > serve.log 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" > /dev/null && break; sleep 0.2; done
"$binary" loadgen --url "http://127.0.0.1:$port" --rate "$rate" --batch 1000 --duration "$duration" \
    --connections 8 --seed 7 > loadgen.log 2>&1 || true
curl -s "http://127.0.0.1:$port/v1/stats" > stats.json
echo "== $label: $(grep -E '^events' loadgen.log | sed 's/.*: //') | $(grep -E '^ack' loadgen.log)"
python3 -c "import json; d = json.load(open('stats.json')); c = d.get('checkpoint') or {}; \
print('   pipeline events_in', d.get('running', {}).get('events_in'), '| last checkpoint', \
c.get('bytes'), 'bytes in', c.get('duration_seconds'), 's')"
