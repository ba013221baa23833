/* The single wait point: every fd and timer of the process is waited on here. */
#ifndef JELOU_LOOP_H
#define JELOU_LOOP_H

struct loop;

/* Called when fd is ready (revents != 0), or when the source's timeout fired (revents 0). */
typedef void (*loop_ready_fn)(void *arg, short revents);
/* Milliseconds until the source wants ready() called anyway; -1 for never. */
typedef long (*loop_timeout_fn)(void *arg);
typedef void (*loop_signal_fn)(void *arg, int signo);

/* Something that must be the one wait of the process: libcurl's multi handle waits on its
 * own sockets and ours at once (curl_multi_poll with extra fds), so a transport takes over
 * the wait instead of being waited on. fds/events/revents are parallel arrays of n poll(2)
 * entries; wait returns 0 or -1. wake makes a wait in progress return; timeout_ms says
 * when the poller needs driving without fd activity (-1: never); perform drives it once
 * per loop turn. */
struct loop_poller {
    int (*wait)(void *arg, const int *fds, const short *events, short *revents, unsigned n,
                long timeout_ms);
    void (*wake)(void *arg);
    long (*timeout_ms)(void *arg);
    void (*perform)(void *arg);
    void *arg;
};

/* A loop that waits with poll(2) until a poller is set: a process without transfers (the
 * listener) needs no transport to wait. */
struct loop *loop_new(void);
void loop_free(struct loop *l);

/* Waits through p (copied) from the next turn on; NULL goes back to poll(2). Whatever
 * p->arg is must outlive the loop's last turn. */
void loop_set_poller(struct loop *l, const struct loop_poller *p);

/* Adds a source. fd may be -1 for a pure timer source. Returns an id >= 0, or -1. */
int loop_add(struct loop *l, int fd, short events, loop_ready_fn ready,
             loop_timeout_fn timeout, void *arg);
void loop_remove(struct loop *l, int id);

/* A one-shot timer in ms. Returns an id usable with loop_remove. */
int loop_after(struct loop *l, long ms, void (*fn)(void *arg), void *arg);

/* Delivers signo through a self-pipe to fn on the loop. Returns 0 or -1. */
int loop_on_signal(struct loop *l, int signo, loop_signal_fn fn, void *arg);

/* Waits at most max_wait_ms (-1: until something happens), then runs every handler
 * that is due and drives the transport once. */
void loop_run_once(struct loop *l, long max_wait_ms);

/* Makes a loop_run_once that is waiting return early (safe from handlers). */
void loop_wake(struct loop *l);

#endif
