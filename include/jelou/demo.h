/* The demo: the embedded sandbox, sample rooms and a media catalog, no credentials. */
#ifndef JELOU_DEMO_H
#define JELOU_DEMO_H

struct catalog;
struct loop;
struct mock;
struct session;

struct transport;

struct demo {
    struct mock *mock;
    char secret[33];          /* made up for this run */
    char api_key[33];         /* likewise, for the sandbox's REST API */
    char *endpoint;           /* the sandbox webhook on loopback */
    char *rest_base;          /* the sandbox's REST API, with {projectId} */
    char *media_base;         /* https://127.0.0.1:PORT/media */
    const char *ca_pem;       /* the certificate only this process trusts */
    /* Set after demo_prepare: where the sandbox's complaints go (mock_opts.report). */
    void (*report)(void *arg, const char *line);
    void *report_arg;
};

/* Where the demo data lives: $JELOU_DEMO_DIR, else the installed copy, else the source
 * tree's assets/demo. */
const char *demo_dir(void);
/* 0 when dir holds every file the demo reads, else -1 with *cause naming the first missing. */
int demo_check_dir(const char *dir, char **cause);

/* Makes up the secret and API key of this run (before anything listens with them). */
int demo_prepare(struct demo *d, char **cause);

/* Starts the sandbox (webhook, REST, HTTPS media from dir/media) on free loopback ports;
 * with emit_to, its scripted users (dir/script.jsonl) write to the console from there. */
int demo_start(struct demo *d, struct loop *l, struct transport *t, const char *dir,
               const char *emit_to, char **cause);
void demo_stop(struct demo *d);

/* Sample conversations from dir/rooms.jsonl; "ago" seconds are taken back from now_ms. */
int demo_load_rooms(const char *dir, struct session *s, long long now_ms, char **cause);

/* dir/media.catalog with {media} replaced by media_base. */
int demo_load_catalog(const char *dir, const char *media_base, struct catalog *c,
                      char **cause);

#endif
