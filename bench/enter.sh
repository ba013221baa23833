#!/usr/bin/env bash
# Benchmark: Enter to "accepted 200" on screen in the demo (issue 11, target 6: keep it
# ahead), against a one-shot `jelou-console send` of the same text to the mock, process
# start to exit, in the same run (target: the console's whole round trip, screen included,
# takes less time than a fresh send; ratio <= 1). Polls the tmux screen every few ms.
set -euo pipefail
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/bench/lib.sh"

RUNS=${BENCH_ENTER_RUNS:-15}

echo "enter: $(bench_machine); load $(cut -d' ' -f1-3 /proc/loadavg)"
need_pkg tmux tmux || { verdict enter SKIP "tmux is not installed"; exit 0; }
SOCK="jelou-bench-$$-$RANDOM"
tm() {
    tmux -L "$SOCK" -f /dev/null "$@"
}
tmux_cleanup() {
    tmux -L "$SOCK" kill-server 2> /dev/null || true
}
BENCH_CLEANUP_HOOK=tmux_cleanup

tm new-session -d -s demo -x 120 -y 30 \
    "env TERM=tmux-256color NO_COLOR=1 JELOU_AGENT_NAME=Laura $JELOU --demo 2> $B/demo.err"
tm set-option -t demo status off > /dev/null
wait_for 30 sh -c "tmux -L $SOCK capture-pane -p -t demo | grep -q 'To Ana'" ||
    { echo "bench: the demo did not start" >&2; exit 2; }

# accepted TEXT: the transcript row above "  TEXT" says accepted 200.
accepted() {
    tm capture-pane -p -t demo | awk -v t="  $1" '
        index($0, t) && prev ~ /accepted 200/ { found = 1 } { prev = $0 } END { exit !found }'
}

console_ms=()
for i in $(seq 1 "$RUNS"); do
    text="prueba-$i-$RANDOM"
    tm send-keys -t demo -l "$text"
    wait_for 10 sh -c "tmux -L $SOCK capture-pane -p -t demo | grep -q '^> $text'" ||
        { echo "bench: the draft did not show" >&2; exit 2; }
    t0=$(now_ns)
    tm send-keys -t demo Enter
    until accepted "$text"; do
        [ $(( ($(now_ns) - t0) / 1000000 )) -lt 10000 ] ||
            { echo "bench: no accepted 200 for $text" >&2; exit 2; }
    done
    console_ms+=("$(calc "($(now_ns) - $t0) / 1000000")")
done

start_mock enter
send_ms=()
for i in $(seq 1 "$RUNS"); do
    t0=$(now_ns)
    "$JELOU" send --endpoint "$MOCK_URL" --room r --user u --text "prueba-$i" > /dev/null
    send_ms+=("$(calc "($(now_ns) - $t0) / 1000000")")
done

c=$(median "${console_ms[@]}")
s=$(median "${send_ms[@]}")
ratio=$(calc "$c / $s")
echo "enter: Enter to accepted 200 on screen (demo, HTTPS sandbox): median $(fmt 1 "$c") ms of $RUNS"
echo "enter: one-shot send to the mock (plain HTTP, start to exit): median $(fmt 1 "$s") ms of $RUNS"
verdict enter "$(ok_if "$ratio <= 1")" "Enter to accepted $(fmt 1 "$c") ms vs a fresh send $(fmt 1 "$s") ms: $(fmt 2 "$ratio") (<= 1)"
