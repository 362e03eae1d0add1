#!/usr/bin/env bash
# Reproduces the stress reports committed under docs/reports/ (docs/stress.md):
#   seed      earshot gateway --engine synthetic        + earshot stress -c 500 -d 30s --mode short
#   seed-ceiling  the same with --max-queue-wait-ms 0: admission by the backlog ceiling only
#                 (the behaviour before admission by expected wait), for the side-by-side
#   seed-json / seed-binary  the seed with JSON (base64) chunks, and with binary audio frames
#   ps        earshot gateway --engine pocketsphinx     + earshot stress -c 100 -d 60s
#   c5000     earshot gateway --engine synthetic (rtf)  + earshot stress -c 5000 (one process)
#   zombie    earshot gateway --engine synthetic        + earshot stress -c 5000 --mode zombie
#   storm2000 / storm2000-backoff / storm5000
#             earshot gateway --engine synthetic (rtf)  + earshot stress -c N --mode storm --every 10s
#             (2,000 or 5,000 live streams, every one dropped every 10 s; --reconnect immediate,
#             or backoff for storm2000-backoff)
# Usage: bash scripts/stress-reports.sh [seed|seed-ceiling|seed-json|seed-binary|ps|c5000|zombie|storm2000|storm2000-backoff|storm5000]...   (default: seed ps c5000 zombie)
# Each run starts its own gateway on a free loopback port and stops it afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc -p tsconfig.build.json >/dev/null || true # emits even when unrelated files have type errors

AUDIO=test/fixtures/short-01-rms.wav # 2.8 s of speech: the seed's "short audio"
GATEWAY_PID=
LOG=$(mktemp)

start_gateway() {
  node bin/earshot.js gateway --port 0 --log-level warn "$@" >"$LOG" 2>&1 &
  GATEWAY_PID=$!
  for _ in $(seq 1 300); do
    URL=$(grep -o 'ws://[^ ]*/ws/asr' "$LOG" || true)
    [ -n "$URL" ] && return 0
    kill -0 "$GATEWAY_PID" 2>/dev/null || { cat "$LOG"; exit 1; }
    sleep 0.2
  done
  echo "gateway did not start" >&2
  exit 1
}

stop_gateway() {
  kill -TERM "$GATEWAY_PID" 2>/dev/null || true
  wait "$GATEWAY_PID" 2>/dev/null || true
}
trap stop_gateway EXIT

run() {
  case "$1" in
    seed)
      start_gateway --engine synthetic
      node bin/earshot.js stress --url "$URL" --gateway-pid "$GATEWAY_PID" -c 500 -d 30s --mode short \
        --audio "$AUDIO" --report-dir docs/reports/stress-seed-synthetic-c500 ;;
    seed-ceiling)
      start_gateway --engine synthetic --max-queue-wait-ms 0
      node bin/earshot.js stress --url "$URL" --gateway-pid "$GATEWAY_PID" -c 500 -d 30s --mode short \
        --audio "$AUDIO" --report-dir docs/reports/stress-seed-synthetic-c500-ceiling-only ;;
    seed-json | seed-binary)
      # The seed scenario with each audio frame encoding, back to back for the side-by-side
      # (docs/stress.md, "Binary audio frames"): JSON chunks with base64 WAV (the gateway
      # does not offer binary_audio, so the stress clients fall back), then raw PCM frames.
      local encoding=${1#seed-}
      if [ "$encoding" = json ]; then start_gateway --engine synthetic --no-binary-audio; else start_gateway --engine synthetic; fi
      node bin/earshot.js stress --url "$URL" --gateway-pid "$GATEWAY_PID" -c 500 -d 30s --mode short \
        --audio "$AUDIO" --report-dir "docs/reports/stress-seed-synthetic-c500-$encoding-frames" ;;
    ps)
      # The merge timeout is raised so every final_result carries every chunk's text:
      # the report then shows the whole queueing delay instead of partial finals at 60 s.
      start_gateway --engine pocketsphinx --merge-timeout-ms 900000
      node bin/earshot.js stress --url "$URL" --gateway-pid "$GATEWAY_PID" -c 100 -d 60s --mode short \
        --audio "$AUDIO" --final-timeout 900s --busy-give-up 900s --drain 900s \
        --report-dir docs/reports/stress-pocketsphinx-c100 ;;
    c5000)
      # A near-free recognizer and a backlog limit above the 5,000 sessions' audio, so the
      # run measures one client process holding 5,000 sessions, not recognition speed or
      # busy retries. Sessions in flight ramp up over 30 s; each sends its 2.8 s as one
      # chunk; timeouts are generous because the co-located gateway saturates first.
      start_gateway --engine synthetic --synthetic-rtf 0.001 --max-backlog-seconds 100000
      node bin/earshot.js stress --url "$URL" --gateway-pid "$GATEWAY_PID" -c 5000 --stage 30s:5000 -d 60s \
        --mode short --audio "$AUDIO" --chunk-ms 3s --connect-timeout 60s --ack-timeout 60s --final-timeout 600s --drain 600s \
        --report-dir docs/reports/stress-synthetic-c5000 ;;
    zombie)
      # 5,000 idle connections that only answer pings: the client's connection capacity.
      start_gateway --engine synthetic
      node bin/earshot.js stress --url "$URL" --gateway-pid "$GATEWAY_PID" -c 5000 -d 30s --mode zombie \
        --connect-timeout 60s --report-dir docs/reports/stress-zombie-c5000 ;;
    storm2000 | storm2000-backoff | storm5000)
      # Reconnect storms (docs/stress.md, "Reconnect storms"): N live streams (real-time
      # audio, 1 s chunks, sessions restarting as they end) for 30 s, all connections cut
      # every 10 s; each session comes back and resumes. A near-free recognizer, so the
      # run measures the gateway's main thread, not recognition. The report carries the
      # gateway's event-loop lag (scraped from its /metrics) and sessions back / lost.
      # At 5,000 the one co-located client thread is slow itself: timeouts are generous there.
      local n=2000 how=immediate timeouts=()
      [ "$1" = storm5000 ] && n=5000 && timeouts=(--connect-timeout 60s --ack-timeout 60s)
      [ "$1" = storm2000-backoff ] && how=backoff
      start_gateway --engine synthetic --synthetic-rtf 0.0005 --max-backlog-seconds 100000
      node bin/earshot.js stress --url "$URL" --gateway-pid "$GATEWAY_PID" -c "$n" -d 30s --mode storm --every 10s \
        --reconnect "$how" --audio "$AUDIO" "${timeouts[@]}" --report-dir "docs/reports/stress-storm-c$n-$how" ;;
    *) echo "unknown run $1 (seed|seed-ceiling|seed-json|seed-binary|ps|c5000|zombie|storm2000|storm2000-backoff|storm5000)" >&2; exit 2 ;;
  esac
  stop_gateway
}

for name in "${@:-seed ps c5000 zombie}"; do
  for one in $name; do run "$one"; done
done
