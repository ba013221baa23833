/* The single wait point: fds, timers and signals, waited on with poll(2) or a poller. */
#include "jelou/loop.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jelou/clock.h"
#include "jelou/xalloc.h"

struct source {
    int id;
    int fd;
    short events;
    loop_ready_fn ready;
    loop_timeout_fn timeout;
    void *arg;
    int dead;
    /* One-shot timers (loop_after) keep their deadline and callback here. */
    long long due;
    void (*after)(void *arg);
};

struct sig_watch {
    int signo;
    loop_signal_fn fn;
    void *arg;
};

struct loop {
    struct loop_poller poller;
    int has_poller;
    int wake_pipe[2];       /* wakes a poll(2) wait; unused while a poller waits */
    struct source *src;
    size_t n;
    size_t cap;
    int next_id;
    int sig_source;
    struct sig_watch *sigs;
    size_t nsigs;
};

/* A signal handler can only reach the loop through a global: one process, one loop. */
static int sig_pipe[2] = {-1, -1};

struct loop *
loop_new(void)
{
    struct loop *l = xcalloc(1, sizeof *l);
    l->sig_source = -1;
    /* Without it loop_wake cannot reach a poll(2) wait; everything else still works. */
    if (pipe2(l->wake_pipe, O_NONBLOCK | O_CLOEXEC) != 0)
        l->wake_pipe[0] = l->wake_pipe[1] = -1;
    return l;
}

void
loop_set_poller(struct loop *l, const struct loop_poller *p)
{
    l->has_poller = p != NULL;
    if (p != NULL)
        l->poller = *p;
}

void
loop_free(struct loop *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->nsigs; i++)
        signal(l->sigs[i].signo, SIG_DFL);
    if (l->nsigs > 0 && sig_pipe[0] >= 0) {
        close(sig_pipe[0]);
        close(sig_pipe[1]);
        sig_pipe[0] = sig_pipe[1] = -1;
    }
    if (l->wake_pipe[0] >= 0) {
        close(l->wake_pipe[0]);
        close(l->wake_pipe[1]);
    }
    free(l->sigs);
    free(l->src);
    free(l);
}

int
loop_add(struct loop *l, int fd, short events, loop_ready_fn ready, loop_timeout_fn timeout,
         void *arg)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->src = xrealloc(l->src, l->cap * sizeof *l->src);
    }
    struct source *s = &l->src[l->n++];
    memset(s, 0, sizeof *s);
    s->id = l->next_id++;
    s->fd = fd;
    s->events = events;
    s->ready = ready;
    s->timeout = timeout;
    s->arg = arg;
    return s->id;
}

void
loop_remove(struct loop *l, int id)
{
    for (size_t i = 0; i < l->n; i++) {
        if (l->src[i].id == id)
            l->src[i].dead = 1;
    }
}

static struct source *
find_source(struct loop *l, int id)
{
    for (size_t i = 0; i < l->n; i++) {
        if (l->src[i].id == id)
            return &l->src[i];
    }
    return NULL;
}

int
loop_after(struct loop *l, long ms, void (*fn)(void *arg), void *arg)
{
    int id = loop_add(l, -1, 0, NULL, NULL, arg);
    struct source *s = find_source(l, id);
    s->due = clock_mono_ms() + (ms > 0 ? ms : 0);
    s->after = fn;
    return id;
}

static void
on_signal(int signo)
{
    int saved = errno;
    unsigned char b = (unsigned char)signo;
    if (sig_pipe[1] >= 0 && write(sig_pipe[1], &b, 1) < 0) {
        /* The pipe is full: a wake-up is already pending, which is all we need. */
    }
    errno = saved;
}

static void
sig_ready(void *arg, short revents)
{
    struct loop *l = arg;
    unsigned char b[64];
    ssize_t n;
    (void)revents;
    while ((n = read(sig_pipe[0], b, sizeof b)) > 0) {
        for (ssize_t i = 0; i < n; i++) {
            for (size_t k = 0; k < l->nsigs; k++) {
                if (l->sigs[k].signo == b[i])
                    l->sigs[k].fn(l->sigs[k].arg, b[i]);
            }
        }
    }
}

int
loop_on_signal(struct loop *l, int signo, loop_signal_fn fn, void *arg)
{
    if (sig_pipe[0] < 0) {
        if (pipe2(sig_pipe, O_NONBLOCK | O_CLOEXEC) < 0)
            return -1;
    }
    if (l->sig_source < 0)
        l->sig_source = loop_add(l, sig_pipe[0], POLLIN, sig_ready, NULL, l);
    l->sigs = xrealloc(l->sigs, (l->nsigs + 1) * sizeof *l->sigs);
    l->sigs[l->nsigs++] = (struct sig_watch){signo, fn, arg};

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    return sigaction(signo, &sa, NULL);
}

void
loop_wake(struct loop *l)
{
    if (l->has_poller) {
        l->poller.wake(l->poller.arg);
    } else if (l->wake_pipe[1] >= 0 && write(l->wake_pipe[1], "", 1) < 0) {
        /* The pipe is full: a wake-up is already pending. */
    }
}

/* poll(2) on the fds plus the wake pipe, for a loop without a poller. */
static void
poll_wait(struct loop *l, const int *fds, const short *events, short *revents, unsigned n,
          long timeout_ms)
{
    struct pollfd *p = xcalloc(n + 1, sizeof *p);
    for (unsigned i = 0; i < n; i++)
        p[i] = (struct pollfd){.fd = fds[i], .events = events[i]};
    p[n] = (struct pollfd){.fd = l->wake_pipe[0], .events = POLLIN};
    int ms = timeout_ms < 0 ? -1 : timeout_ms > INT_MAX ? INT_MAX : (int)timeout_ms;
    int rc = poll(p, n + 1, ms);
    for (unsigned i = 0; i < n; i++)
        revents[i] = rc > 0 ? p[i].revents : 0;
    if (rc > 0 && p[n].revents != 0) {
        char drain[64];
        while (read(l->wake_pipe[0], drain, sizeof drain) > 0)
            continue;
    }
    free(p);
}

static long
source_timeout(const struct source *s, long long now)
{
    if (s->after != NULL)
        return s->due > now ? (long)(s->due - now) : 0;
    if (s->timeout != NULL)
        return s->timeout(s->arg);
    return -1;
}

static long
min_timeout(long a, long b)
{
    if (a < 0)
        return b;
    if (b < 0)
        return a;
    return a < b ? a : b;
}

static void
compact(struct loop *l)
{
    size_t k = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (!l->src[i].dead)
            l->src[k++] = l->src[i];
    }
    l->n = k;
}

void
loop_run_once(struct loop *l, long max_wait_ms)
{
    long long now = clock_mono_ms();
    long wait = max_wait_ms;
    if (l->has_poller)
        wait = min_timeout(wait, l->poller.timeout_ms(l->poller.arg));
    size_t nfd = 0;

    for (size_t i = 0; i < l->n; i++) {
        if (l->src[i].dead)
            continue;
        wait = min_timeout(wait, source_timeout(&l->src[i], now));
        if (l->src[i].fd >= 0)
            nfd++;
    }

    int *fds = xcalloc(nfd, sizeof *fds);
    short *events = xcalloc(nfd, sizeof *events);
    short *revents = xcalloc(nfd, sizeof *revents);
    int *ids = xcalloc(nfd, sizeof *ids);
    size_t k = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (l->src[i].dead || l->src[i].fd < 0)
            continue;
        fds[k] = l->src[i].fd;
        events[k] = l->src[i].events;
        ids[k] = l->src[i].id;
        k++;
    }

    if (l->has_poller)
        l->poller.wait(l->poller.arg, fds, events, revents, (unsigned)nfd, wait);
    else
        poll_wait(l, fds, events, revents, (unsigned)nfd, wait);

    /* Handlers may add or remove sources: look each one up again by id. */
    for (k = 0; k < nfd; k++) {
        if (revents[k] == 0)
            continue;
        struct source *s = find_source(l, ids[k]);
        if (s != NULL && !s->dead && s->ready != NULL)
            s->ready(s->arg, revents[k]);
    }
    free(fds);
    free(events);
    free(revents);
    free(ids);

    now = clock_mono_ms();
    size_t n = l->n;
    for (size_t i = 0; i < n && i < l->n; i++) {
        struct source *s = &l->src[i];
        if (s->dead || source_timeout(s, now) != 0)
            continue;
        if (s->after != NULL) {
            void (*fn)(void *) = s->after;
            void *arg = s->arg;
            s->dead = 1;
            fn(arg);
        } else if (s->ready != NULL) {
            s->ready(s->arg, 0);
        }
    }

    if (l->has_poller)
        l->poller.perform(l->poller.arg);
    compact(l);
}
