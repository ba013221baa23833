/* Benchmark: the cost of one full redraw with 100,000 messages in the room against 100. */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jelou/editbuf.h"
#include "jelou/session.h"
#include "jelou/xalloc.h"
#include "term.h"
#include "ui.h"

#define SMALL 100
#define LARGE 100000
#define ROUNDS 15           /* rounds of DRAWS each case, alternated; the median round counts */
#define DRAWS 200
#define TARGET 1.5          /* large / small at most this */
/* 2026-11-26 10:00:00 UTC: a fixed clock, so every run draws the same screen. */
#define T0 1795687200000LL

struct bench_ui {
    struct ui u;
    struct catalog cat;
};

/* One room of n messages, user and agent taking turns, agent replies accepted. */
static void
bench_ui_init(struct bench_ui *b, size_t n)
{
    memset(b, 0, sizeof *b);
    b->u.s = session_new();
    b->u.nodraft = editbuf_new();
    b->u.hist_filter = editbuf_new();
    b->u.pick_filter = editbuf_new();
    b->u.user_pane = -1;
    b->u.cat = &b->cat;
    b->u.where = xstrdup("bench");
    b->u.now_ms = T0 + (long long)n * 1000;
    struct room *r = session_open(b->u.s, "room-bench", "user-bench", "Ana Pérez");
    r->state = ROOM_ACTIVE;
    for (size_t i = 0; i < n; i++) {
        int out = i % 2 == 1;
        struct chat_msg *m = chat_msg_new(out ? CHAT_OUT : CHAT_IN, MSG_TEXT);
        char id[32];
        snprintf(id, sizeof id, "m%zu", i);
        m->id = xstrdup(id);
        m->text = xasprintf(out ? "Respuesta %zu: reinicia el router y dime qué luces ves"
                                : "Mensaje %zu: la luz de internet parpadea en rojo 🙂", i);
        m->time_ms = T0 + (long long)i * 1000;
        if (out) {
            m->state = SEND_ACCEPTED;
            m->http_status = 200;
            m->attempt = 1;
        }
        room_add(r, m);
    }
    b->u.sel = r;
}

static void
bench_ui_clear(struct bench_ui *b)
{
    session_free(b->u.s);
    editbuf_free(b->u.nodraft);
    editbuf_free(b->u.hist_filter);
    editbuf_free(b->u.pick_filter);
    free(b->u.where);
    free(b->u.status);
    catalog_clear(&b->cat);
}

static double
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Nanoseconds per redraw over draws redraws. */
static double
time_draws(struct bench_ui *b, struct term *t, int draws)
{
    double start = now_ns();
    for (int i = 0; i < draws; i++)
        ui_draw(&b->u, t);
    return (now_ns() - start) / draws;
}

static int
by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double
median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, by_value);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Both screens must show the conversation's last lines: a benchmark of an empty screen
 * would prove nothing. */
static int
shows_last_message(struct term *t, size_t n)
{
    char want[32];
    snprintf(want, sizeof want, "Respuesta %zu:", n - 1);
    for (int r = 0; r < 24; r++) {
        char *line = term_mem_line(t, r);
        int found = strstr(line, want) != NULL;
        free(line);
        if (found)
            return 1;
    }
    return 0;
}

int
main(void)
{
    setlocale(LC_ALL, "C.UTF-8");
    setenv("TZ", "UTC", 1);
    tzset();
    struct bench_ui small, large;
    struct term *t = term_mem_new(24, 80);
    double build = now_ns();
    bench_ui_init(&small, SMALL);
    bench_ui_init(&large, LARGE);
    build = now_ns() - build;

    ui_draw(&small.u, t);
    int ok_small = shows_last_message(t, SMALL);
    ui_draw(&large.u, t);
    int ok_large = shows_last_message(t, LARGE);
    if (!ok_small || !ok_large) {
        fprintf(stderr, "redraw: the screen does not show the last message (small %d, "
                "large %d): the benchmark would measure nothing\n", ok_small, ok_large);
        return 1;
    }

    /* Warm up caches and the allocator, then alternate the cases so that drift in the
     * machine's speed hits both alike. */
    time_draws(&small, t, DRAWS);
    time_draws(&large, t, DRAWS);
    double ts[ROUNDS], tl[ROUNDS], ratio[ROUNDS];
    for (int i = 0; i < ROUNDS; i++) {
        ts[i] = time_draws(&small, t, DRAWS);
        tl[i] = time_draws(&large, t, DRAWS);
        ratio[i] = tl[i] / ts[i];
    }
    double ms = median(ts, ROUNDS), ml = median(tl, ROUNDS), mr = median(ratio, ROUNDS);

    /* Not a target: the send history view (F2) walks every message, shown for comparison. */
    small.u.mode = large.u.mode = MODE_HISTORY;
    double hs = time_draws(&small, t, 20), hl = time_draws(&large, t, 3);

    printf("redraw: 80x24, main screen, %d rounds of %d redraws each, median\n", ROUNDS, DRAWS);
    printf("redraw: %6d messages: %10.1f us per redraw\n", SMALL, ms / 1000);
    printf("redraw: %6d messages: %10.1f us per redraw\n", LARGE, ml / 1000);
    printf("== redraw   %s redraw with %d messages / %d = %.2fx (median of per-round "
           "ratios; %.1f vs %.1f us), target <= %.1fx\n", mr <= TARGET ? "PASS" : "MISS",
           LARGE, SMALL, mr, ml / 1000, ms / 1000, TARGET);
    printf("redraw: building the rooms took %.0f ms\n", build / 1e6);
    printf("== redraw   INFO send history view (F2) with %d messages / %d = %.0fx (%.1f vs %.1f "
           "us); not a target\n", LARGE, SMALL, hl / hs, hl / 1000, hs / 1000);
    bench_ui_clear(&small);
    bench_ui_clear(&large);
    term_mem_free(t);
    return 0;
}
