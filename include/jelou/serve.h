/* The team server's engine: runs Jelou's webhook and the agents' HTTP API on Redis. */
#ifndef JELOU_SERVE_H
#define JELOU_SERVE_H

struct settings;

/* What serve_run needs; all borrowed for the whole run. */
struct serve_opts {
    const struct settings *st;  /* project, secret, endpoint, inbound token, API key... */
    const char *redis_url;      /* redis://HOST:PORT[/DB] or unix:///PATH */
    const char *addr;           /* where to listen (already checked: loopback or --public) */
    unsigned port;              /* 0: a free one */
    const char *tls_cert_pem;   /* both or neither: HTTPS */
    const char *tls_key_pem;
    const char *spool;          /* where webhooks wait while Redis is down */
};

/* Serves until SIGTERM or SIGINT; prints "serve: listening on URL" on stdout once it
 * listens, its operational lines on stderr. Returns 0 after a clean stop, -1 when it
 * cannot start (a bad Redis URL, CA file...), -2 when it cannot listen; cause says why. */
int serve_run(const struct serve_opts *o, char **cause);

#endif
