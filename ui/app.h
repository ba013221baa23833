/* The console: wires the screen, the keys and the send pipeline on the single loop. */
#ifndef JELOU_UI_APP_H
#define JELOU_UI_APP_H

struct settings;

struct app_opts {
    struct settings *st;      /* endpoint, project, bot, secret (loaded) */
    int demo;                 /* start the embedded sandbox and the sample rooms */
    const char *demo_dir;     /* where rooms.jsonl, media.catalog and media/ are */
    const char *listen;       /* --listen ADDR:PORT for Jelou's events, or NULL */
    int public_listen;        /* --public: the address is not loopback, on purpose */
    int team;                 /* st->server is a team server: events and sends go there */
};

/* Runs the console until the agent quits. Returns an exit code. */
int app_run(const struct app_opts *o);

#endif
