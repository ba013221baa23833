/* A Redis client on the loop (hiredis async): reconnects, watchdog, functions, replies. */
#ifndef JELOU_REDIS_H
#define JELOU_REDIS_H

#include <stddef.h>

struct loop;
struct redis;

enum redis_type {
    RR_NIL,
    RR_STR,      /* a bulk string or a status ("OK") */
    RR_INT,
    RR_ARR,
    RR_ERR,         /* str holds Redis's error line */
};

/* A reply as a tree of our own, so that no file but redis.c sees hiredis types. */
struct redis_reply {
    enum redis_type type;
    long long integer;
    char *str;                  /* RR_STR, REDIS_ERR: NUL-terminated after len */
    size_t len;
    size_t n;                   /* RR_ARR */
    struct redis_reply **elem;
};

/* r is NULL when no reply will come: the connection was lost or declared down first (the
 * command may or may not have run). r is valid during the call only. */
typedef void (*redis_reply_fn)(void *arg, const struct redis_reply *r);

/* Told when the connection goes up (functions loaded) or down; why is one line or NULL. */
typedef void (*redis_state_fn)(void *arg, int up, const char *why);

/* Redis is "down" when it has not answered within this long (hiredis has no timeouts). */
#define REDIS_WATCHDOG_MS 3000

struct redis_opts {
    const char *url;          /* redis://HOST:PORT[/DB] or unix:///PATH */
    const char *functions;    /* a Lua library ("#!lua name=..."), FUNCTION LOAD REPLACEd
                                 on every connect before anything else; or NULL */
    redis_state_fn on_state;
    void *arg;
};

/* Checks the URL and starts connecting (never waits). NULL with *cause for a bad URL. */
struct redis *redis_new(struct loop *l, const struct redis_opts *o, char **cause);
/* Pending callbacks are called with NULL first. */
void redis_free(struct redis *r);

/* 1 when connected, the functions are loaded and Redis answered within the last
 * REDIS_WATCHDOG_MS (it is PINGed every second). */
int redis_up(const struct redis *r);

/* Sends argv (lens: byte lengths, or NULL for C strings). Returns 0 (fn will be called
 * exactly once), or -1 when Redis is down (fn is not called). */
int redis_command(struct redis *r, redis_reply_fn fn, void *arg, int argc,
                  const char *const *argv, const size_t *lens);

/* Runs the loop until fn was called or ms passed, for commands that must wait (the agent
 * command line). Returns 0 when done, -1 on timeout. */
int redis_wait(struct redis *r, struct loop *l, const int *done, long ms);

/* The reply's i-th element, or NULL when r is not an array that long. */
const struct redis_reply *redis_elem(const struct redis_reply *r, size_t i);

#endif
