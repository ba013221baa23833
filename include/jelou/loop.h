/* The single wait point: every fd and timer of the process is waited on here. */
#ifndef JELOU_LOOP_H
#define JELOU_LOOP_H

struct transport;
struct loop;

/* Called when fd is ready (revents != 0), or when the source's timeout fired (revents 0). */
typedef void (*loop_ready_fn)(void *arg, short revents);
/* Milliseconds until the source wants ready() called anyway; -1 for never. */
typedef long (*loop_timeout_fn)(void *arg);
typedef void (*loop_signal_fn)(void *arg, int signo);

/* The loop waits through the transport (curl_multi_poll with extra fds). */
struct loop *loop_new(struct transport *t);
void loop_free(struct loop *l);

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
