#!/usr/bin/env bash
# Benchmark: start-up to first frame in an 80x24 tmux, against irssi, profanity and weechat
# in the same run; the plain console's VmRSS 2 s after start against irssi's (issue 11:
# at most irssi's); and its memory with 100,000 history entries against none (target: at
# most 300 bytes per entry).
set -euo pipefail
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/bench/lib.sh"

RUNS=${BENCH_STARTUP_RUNS:-9}           # timed starts of each program; the median counts
HIST_N=${BENCH_HISTORY_N:-100000}       # history entries for the memory figure
HIST_ROOMS=${BENCH_HISTORY_ROOMS:-1000} # rooms they are spread over
MAX_PER_ENTRY=300                       # bytes of VmRSS per history entry, at most
FRAME_DEADLINE=${BENCH_FRAME_DEADLINE:-300}  # seconds to wait for a first frame

echo "startup: $(bench_machine); load $(cut -d' ' -f1-3 /proc/loadavg)"
need_pkg tmux tmux || { verdict startup SKIP "tmux is not installed"; exit 0; }
export XDG_DATA_HOME="$B/data" XDG_CACHE_HOME="$B/cache"
mkdir -p "$XDG_DATA_HOME" "$XDG_CACHE_HOME"

SOCK="jelou-bench-$$-$RANDOM"
tm() {
    tmux -L "$SOCK" -f "$B/tmux.conf" "$@"
}
tmux_cleanup() {
    tmux -L "$SOCK" kill-server 2> /dev/null || true
}
BENCH_CLEANUP_HOOK=tmux_cleanup
cat > "$B/tmux.conf" <<'EOF'
set -g status off
set -g default-terminal tmux-256color
set -g history-limit 0
EOF
# The server starts once, before any timing: its start-up is nobody's.
tm new-session -d -s keep -x 80 -y 24 "sleep 3600"

# launcher NAME COMMAND...: a script that starts COMMAND with this benchmark's environment.
launcher() {
    local name=$1
    shift
    {
        echo '#!/bin/sh'
        for v in HOME XDG_CONFIG_HOME XDG_STATE_HOME XDG_DATA_HOME XDG_CACHE_HOME LANG LC_ALL TZ \
            JELOU_SIGNING_SECRET JELOU_PROJECT_ID JELOU_BOT_ID; do
            printf 'export %s=%q\n' "$v" "${!v}"
        done
        echo 'export JELOU_AGENT_NAME=Laura'
        printf 'exec'
        printf ' %q' "$@"
        echo
    } > "$B/launch-$name.sh"
    chmod +x "$B/launch-$name.sh"
}

# first_frame NAME: starts launch-NAME.sh in a fresh 80x24 session called NAME and waits
# until its screen shows any text. Prints milliseconds; the session stays up.
first_frame() {
    local name=$1 t0 t1 deadline
    t0=$(now_ns)
    tm new-session -d -s "$name" -x 80 -y 24 "exec $B/launch-$name.sh"
    deadline=$(( $(date +%s) + FRAME_DEADLINE ))
    until tm capture-pane -p -t "$name" 2> /dev/null | grep -q '[^[:space:]]'; do
        if [ "$(date +%s)" -ge "$deadline" ]; then
            echo "bench: $name showed nothing within $FRAME_DEADLINE s" >&2
            return 1
        fi
        sleep 0.003
    done
    t1=$(now_ns)
    calc "($t1 - $t0) / 1e6"
}

# rss_kb NAME [FIELD]: VmRSS (or FIELD) of the process in session NAME, in kB.
rss_kb() {
    local pid
    pid=$(tm display-message -p -t "$1" '#{pane_pid}')
    awk -v f="${2:-VmRSS}:" '$1 == f { print $2 }' "/proc/$pid/status"
}

# stop NAME: ends the session and waits until its program has gone.
stop() {
    local pid
    pid=$(tm display-message -p -t "$1" '#{pane_pid}' 2> /dev/null) || return 0
    tm kill-session -t "$1" 2> /dev/null || true
    wait_for 10 sh -c "! kill -0 $pid" || kill -9 "$pid" 2> /dev/null || true
}

# ---- start-up to first frame: the console's demo against two other terminal clients ----

progs=(jelou)
launcher jelou "$JELOU" --demo
# irssi is the reference issue 11 names; a benchmark reference only, never installed here.
have_irssi=0
if command -v irssi > /dev/null 2>&1; then
    have_irssi=1
    progs+=(irssi)
    mkdir -p "$B/irssi"
    launcher irssi irssi --noconnect --home="$B/irssi"
else
    echo "startup: irssi skipped: not installed" \
        "(the Debian package irssi; this script does not install it)"
fi
if need_pkg profanity profanity; then
    progs+=(profanity)
    launcher profanity profanity
else
    echo "startup: profanity skipped: not installed and apt-get could not install it"
fi
if need_pkg weechat weechat-curses; then
    progs+=(weechat)
    mkdir -p "$B/weechat"
    launcher weechat weechat -a -d "$B/weechat"
else
    echo "startup: weechat skipped: not installed and apt-get could not install it"
fi

# One start each first, not timed: first-run files get written, the page cache filled.
declare -A times rss
for p in "${progs[@]}"; do
    first_frame "$p" > /dev/null
    sleep 0.5
    stop "$p"
done
for ((r = 1; r <= RUNS; r++)); do
    for p in "${progs[@]}"; do
        times[$p]="${times[$p]:-} $(first_frame "$p")"
        [ "$r" != 1 ] || { sleep 0.5; rss[$p]=$(rss_kb "$p"); }
        stop "$p"
    done
done
declare -A med
for p in "${progs[@]}"; do
    # shellcheck disable=SC2086
    med[$p]=$(median ${times[$p]})
    echo "startup: $(printf '%-9s' "$p") first frame $(fmt 1 "${med[$p]}") ms (median of $RUNS;" \
        "all:${times[$p]}); VmRSS 0.5 s after start ${rss[$p]} kB"
done
for p in "${progs[@]}"; do
    [ "$p" = jelou ] && continue
    verdict startup INFO "first frame jelou-console --demo / $p = $(fmt 2 "$(calc "${med[jelou]} / ${med[$p]}")")" \
        "($(fmt 1 "${med[jelou]}") ms vs $(fmt 1 "${med[$p]}") ms)"
done

# ---- the plain console's VmRSS 2 s after start, against irssi's ----

RSS_RUNS=${BENCH_RSS_RUNS:-3}
launcher plain "$JELOU" --endpoint http://127.0.0.1:9/v1/external-support/webhook
rss_plain="" rss_irssi=""
for ((r = 1; r <= RSS_RUNS; r++)); do
    for p in plain $([ "$have_irssi" = 1 ] && echo irssi); do
        first_frame "$p" > /dev/null
        sleep 2
        if [ "$p" = plain ]; then rss_plain="$rss_plain $(rss_kb plain)"
        else rss_irssi="$rss_irssi $(rss_kb irssi)"; fi
        stop "$p"
    done
done
# shellcheck disable=SC2086
med_plain=$(median $rss_plain)
echo "startup: plain console (real mode, empty history), VmRSS 2 s after start: $med_plain kB" \
    "(median of $RSS_RUNS:$rss_plain)"
if [ "$have_irssi" = 1 ]; then
    # shellcheck disable=SC2086
    med_irssi=$(median $rss_irssi)
    echo "startup: irssi --noconnect, VmRSS 2 s after start: $med_irssi kB" \
        "(median of $RSS_RUNS:$rss_irssi)"
    verdict startup "$(ok_if "$med_plain <= $med_irssi")" \
        "VmRSS 2 s after start, console / irssi = $(fmt 2 "$(calc "$med_plain / $med_irssi")")" \
        "($med_plain kB vs $med_irssi kB), target <= 1.00"
else
    verdict startup SKIP "VmRSS 2 s after start vs irssi: irssi is not installed"
fi

# ---- memory with 100,000 history entries ----

start_mock hist
# One real history line, written by the console itself after a real send, is the template.
launcher real "$JELOU" --endpoint "$MOCK_URL"
hist="$XDG_STATE_HOME/jelou-console/history.jsonl"
first_frame real > /dev/null
tm send-keys -t real -l -- "/open room-1 user-1 Ana"
tm send-keys -t real Enter
sleep 0.3
tm send-keys -t real -l -- "hola"
tm send-keys -t real Enter
if wait_for 15 test -s "$hist"; then
    template=$(head -n 1 "$hist")
    echo "startup: the console wrote this history line: $template"
else
    echo "startup: the console wrote no history line; using the format of src/history.c"
    template='{"time":1,"room":"room-1","user":"user-1","id":"x","type":"text","preview":"hola","url":null,"status":"accepted","attempts":1,"http_status":200,"error":null}'
fi
stop real
rm -f "$hist"

# Baseline: the same real-mode console with an empty history.
base_ms=$(first_frame real)
base_kb=$(rss_kb real)
stop real

# HIST_N sends spread over HIST_ROOMS rooms, one per second up to now, realistic ids.
t0=$(( $(date +%s) * 1000 - HIST_N * 1000 ))
# The template's fields become placeholders once; each line is then a concatenation (a sub()
# per field per line is minutes in mawk).
printf '%s\n' "$template" | awk -v n="$HIST_N" -v rooms="$HIST_ROOMS" -v t0="$t0" '
    { tpl = $0 }
    END {
        sub(/"time":[0-9]+/, "\"time\":\001", tpl)
        sub(/"room":"[^"]*"/, "\"room\":\"room-\002\"", tpl)
        sub(/"user":"[^"]*"/, "\"user\":\"user-\002\"", tpl)
        sub(/"id":"[^"]*"/, "\"id\":\"\003\"", tpl)
        sub(/"preview":"[^"]*"/, "\"preview\":\"Hola, le escribo por su consulta número \004: " \
            "ya revisamos su caso\"", tpl)
        k = split(tpl, part, /[\001-\004]/)
        # which value goes after each part: the placeholders in the order they appear
        j = 0
        for (i = 1; i <= length(tpl); i++) {
            c = substr(tpl, i, 1)
            if (c == "\001") what[++j] = 1
            else if (c == "\002") what[++j] = 2
            else if (c == "\003") what[++j] = 3
            else if (c == "\004") what[++j] = 4
        }
        for (i = 0; i < n; i++) {
            v[1] = sprintf("%.0f", t0 + i * 1000)
            v[2] = i % rooms
            v[3] = sprintf("%08x-%04x-4%03x-8%03x-%012x", (i * 7919 + 12345) % 2147483647,
                           i % 65536, i % 4096, (i * 7) % 4096, i)
            v[4] = i
            l = part[1]
            for (m = 2; m <= k; m++)
                l = l v[what[m - 1]] part[m]
            print l
        }
    }' > "$hist"
echo "startup: history: $(wc -l < "$hist") lines, $(stat -c %s "$hist") bytes, $HIST_ROOMS rooms"

hist_ms=$(first_frame real)
hist_kb=$(rss_kb real)
hist_hwm=$(rss_kb real VmHWM)
stop real

per_entry=$(calc "($hist_kb - $base_kb) * 1024 / $HIST_N")
echo "startup: real mode, empty history:      first frame $(fmt 1 "$base_ms") ms, VmRSS $base_kb kB"
echo "startup: real mode, $HIST_N entries: first frame $(fmt 1 "$hist_ms") ms, VmRSS $hist_kb kB" \
    "(VmHWM $hist_hwm kB)"
verdict startup "$(ok_if "$per_entry <= $MAX_PER_ENTRY")" \
    "VmRSS per history entry = $(fmt 0 "$per_entry") bytes (($hist_kb - $base_kb) kB / $HIST_N), target <= $MAX_PER_ENTRY"
verdict startup INFO "first frame with $HIST_N history entries / empty = $(fmt 1 "$(calc "$hist_ms / $base_ms")")x" \
    "($(fmt 0 "$hist_ms") ms vs $(fmt 0 "$base_ms") ms)"
exit 0
