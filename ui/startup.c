/* Start-up: the state files, the outbox journal, the listener, the sandbox, earlier sessions. */
#include <errno.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "jelou/editbuf.h"
#include "jelou/history.h"
#include "jelou/i18n.h"
#include "jelou/inbound.h"
#include "jelou/journal.h"
#include "jelou/loop.h"
#include "jelou/outbox.h"
#include "jelou/paths.h"
#include "jelou/session.h"
#include "jelou/settings.h"
#include "jelou/transport.h"
#include "jelou/url.h"
#include "jelou/xalloc.h"
#include "app.h"
#include "app_impl.h"
#include "backend.h"

/* ---- start-up ---- */

/* The outbox journal, and what a console that stopped left unsent (offered, not sent). */
static void
open_journal(struct app *a, const struct app_opts *o)
{
    char *cause = NULL;
    size_t skipped = 0;
    char *dir = journal_default_dir(&cause);
    if ((o->demo || o->team) && dir != NULL) {
        /* The demo's messages go to a sandbox that is gone with it, team mode's to the team
         * server in its own shape: each has its own journal. */
        char *d = xasprintf("%s/%s", dir, o->demo ? "demo" : "team");
        free(dir);
        dir = d;
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
            cause = xasprintf("cannot create %s: %s", dir, strerror(errno));
            free(dir);
            dir = NULL;
        }
    }
    a->journal = dir ? journal_open(dir, &cause) : NULL;
    if (a->journal == NULL) {
        set_status(a, 1, _("outbox journal off, a crash could lose messages: %s"), cause);
        free(cause);
        free(dir);
        return;
    }
    if (!o->demo && journal_recover(a->journal, dir, &a->pending, &a->npending, &skipped,
                                    &cause) != 0) {
        set_status(a, 1, "%s", cause);
        free(cause);
    } else if (a->npending > 0) {
        set_status(a, 1, P_("%zu unsent when the console stopped: /resume sends it, same id",
                            "%zu unsent when the console stopped: /resume sends them, same ids",
                            a->npending), a->npending);
    } else if (skipped > 0) {
        set_status(a, 1, P_("outbox journal: %zu damaged line skipped",
                            "outbox journal: %zu damaged lines skipped", skipped), skipped);
    }
    free(dir);
}

/* The listener's journal errors and unreadable events: the status line, never stderr,
 * which is under the screen. */
static void
on_inbound_notice(void *arg, const char *text)
{
    set_status(arg, 1, "%s", text);
}

/* Starts the events coming in; a listener that cannot start leaves the console usable for
 * sending, with the reason in the status line. *emit_to gets the listener's URL. */
static void
start_inbound(struct app *a, const struct app_opts *o, char **emit_to)
{
    const char *listen = o->listen ? o->listen : o->demo ? "127.0.0.1:0" : a->st->listen;
    const char *path = a->st->webhook_path && !o->demo ? a->st->webhook_path
                                                       : INBOUND_DEFAULT_PATH;
    char *addr = NULL, *cause = NULL, *where = NULL;
    unsigned port = 0;
    *emit_to = NULL;
    if (url_parse_listen(listen ? listen : INBOUND_DEFAULT_LISTEN, &addr, &port, &cause) != 0 ||
        (!o->demo && a->st->inbound_token_file && a->st->inbound_token == NULL &&
         settings_load_inbound_token(a->st, &cause) != 0)) {
        set_status(a, 1, _("not listening for Jelou's events: %s"), cause);
        free(cause);
        free(addr);
        return;
    }
    struct backend_listen bl = {
        .addr = addr,
        .port = port,
        .path = path,
        .token = o->demo ? NULL : a->st->inbound_token,
        .journal = a->events_path,
        .quarantine = a->unread_path,
        .on_event = on_event,
        .on_notice = on_inbound_notice,
        .arg = a,
    };
    if (a->be->ops->listen(a->be->ctx, &bl, &where, emit_to, &cause) != 0) {
        set_status(a, 1, _("not listening for Jelou's events: %s"), cause);
        free(cause);
    } else {
        a->u.inbound = xasprintf("%s%s", where, o->public_listen ? " (public)" : "");
        free(where);
    }
    free(addr);
}

/* Team mode: the team server's stream brings the events; its journal (team-events.jsonl)
 * is read back first, so a restart shows what it showed and resumes after it. */
static void
start_team(struct app *a)
{
    char *where = NULL, *url = NULL, *cause = NULL;
    struct backend_listen bl = {
        .journal = a->events_path,
        .on_event = on_event,
        .on_notice = on_inbound_notice,
        .on_team = on_team_event,
        .on_rooms = on_team_rooms,
        .arg = a,
    };
    if (a->be->ops->listen(a->be->ctx, &bl, &where, &url, &cause) != 0) {
        set_status(a, 1, _("no events from the team server: %s"), cause);
        free(cause);
        return;
    }
    /* The status line says "team · 127.0.0.1:8788" (the link's state names the server). */
    free(where);
    free(url);
}

/* ---- earlier sessions ---- */

/* The listener learns every event the journal holds, so a redelivery after a restart is
 * answered without being shown or journaled again. */
static int
restore_seen(void *arg, const struct event *ev)
{
    struct app *a = arg;
    return a->be->ops->seen(a->be->ctx, ev);
}

static void
restore_msg(void *arg, struct room *r, struct chat_msg *m)
{
    struct app *a = arg;
    (void)r;
    if (m->url)
        catalog_add(&a->cat, m->url, m->type, m->mime, NULL, m->caption, 1);
}

/* What earlier sessions acknowledged: the users' messages and conversation events from the
 * event journal and the agent's sends from the history, one pass over each, the newest
 * RESTORE_KEEP per room in memory. */
static void
load_earlier(struct app *a)
{
    struct restore_stats st;
    char *cause = NULL;
    a->restore = (struct restore_opts){
        .events = a->events_path, .history = a->history_path,
        .seen = restore_seen, .on_msg = restore_msg, .arg = a,
    };
    if (restore_session(a->u.s, &a->restore, &st, &cause) != 0) {
        set_status(a, 1, _("earlier sessions not fully read: %s"), cause);
        free(cause);
    } else if (st.events_skipped || st.sends_skipped) {
        set_status(a, 1, _("damaged lines skipped: %zu in the event journal, %zu in the history"),
                   st.events_skipped, st.sends_skipped);
    }
}

/* The agent scrolled past the top of a room that has older messages on disk. */
void
load_older(struct app *a, struct room *r)
{
    size_t n = 0;
    char *cause = NULL;
    a->dirty = 1;
    if (restore_older(r, &a->restore, &n, &cause) != 0) {
        set_status(a, 1, _("earlier messages not read: %s"), cause);
        free(cause);
    }
}

static void
load_lists(struct app *a)
{
    char *cause = NULL;
    char *path = paths_config_file("replies");
    if (path && replies_load(path, &a->replies, &cause) != 0) {
        set_status(a, 1, "%s", cause);
        free(cause);
    }
    free(path);
    path = paths_config_file("media");
    if (path && catalog_load(path, &a->cat, &cause) != 0) {
        set_status(a, 1, "%s", cause);
        free(cause);
    }
    free(path);
}

/* The demo's sandbox shares the process: its complaints go to the status line, never to
 * stderr, which would scroll the screen. */
static void
on_sandbox_report(void *arg, const char *line)
{
    set_status(arg, 1, "sandbox: %s", line);
}

/* The outbox journal and the backend's sends, then the first room on screen. */
static int
open_outbox(struct app *a, const struct app_opts *o, char **cause)
{
    open_journal(a, o);
    if (a->be->ops->open(a->be->ctx, a->journal, cause) != 0)
        return -1;
    if (a->u.s->nrooms > 0)
        select_nth(a, 0, 0);
    return 0;
}

/* From settings to a console ready to draw: the transport and the loop, the state files,
 * the listener, the sandbox with --demo, earlier sessions and the outbox. Problems that leave
 * the console usable go to the status line; -1 with *cause when it cannot start. */
int
app_start(struct app *a, const struct app_opts *o, char **cause)
{
    setlocale(LC_ALL, "");
    a->st = o->st;
    a->u.whatsapp_window = a->st->whatsapp_window;
    a->u.s = session_new();
    a->u.nodraft = editbuf_new();
    a->u.hist_filter = editbuf_new();
    a->u.pick_filter = editbuf_new();
    a->u.user_pane = -1;
    a->u.cat = &a->cat;
    a->recall_pos = 0;
    const char *agent = getenv("JELOU_AGENT_NAME");
    a->agent = xstrdup(agent && agent[0] ? agent : getenv("USER") ? getenv("USER") : "your agent");

    struct transport_opts to = {
        .cacert = o->st->cacert,
        .connect_timeout_ms = o->st->connect_timeout_ms,
        .timeout_ms = o->st->timeout_ms,
        .max_attempts = o->st->attempts,
    };
    a->t = transport_new(&to, cause);
    if (a->t == NULL)
        return -1;
    a->loop = loop_new();
    transport_attach(a->t, a->loop);
    a->be = o->team ? backend_team_new(a->st, a->t, a->loop, on_outbox_change,
                                       on_backend_state, a)
                    : backend_direct_new(a->st, a->t, a->loop, on_outbox_change,
                                         on_backend_state, a);

    /* History and the event journal live in the state directory; the demo keeps its own. */
    char *hist = paths_state_dir("the history", cause);
    if (hist == NULL) {
        set_status(a, 1, _("history and journal disabled: %s"), *cause);
        free(*cause);
        *cause = NULL;
    } else {
        const char *pre = o->demo ? "demo-" : o->team ? "team-" : "";
        a->history_path = xasprintf("%s/%shistory.jsonl", hist, pre);
        a->events_path = xasprintf("%s/%sevents.jsonl", hist, pre);
        a->unread_path = xasprintf("%s/%sunread-events.jsonl", hist, pre);
        free(hist);
    }
    if (o->team) {
        a->u.where = xstrdup(_("team"));
        start_team(a);
        load_lists(a);
        return open_outbox(a, o, cause);
    }

    char *emit_to = NULL;
    if (o->demo) {
        if (demo_prepare(&a->demo, cause) != 0)
            return -1;
        a->demo.report = on_sandbox_report;
        a->demo.report_arg = a;
        xstrset(&a->st->secret, a->demo.secret);
        xstrset(&a->st->api_key, a->demo.api_key);
    }
    start_inbound(a, o, &emit_to);
    if (o->demo) {
        int rc = demo_start(&a->demo, a->loop, a->t, o->demo_dir, emit_to, cause);
        free(emit_to);
        if (rc != 0)
            return -1;
        transport_set_ca_pem(a->t, a->demo.ca_pem);
        xstrset(&a->st->endpoint, a->demo.endpoint);
        xstrset(&a->st->rest_base, a->demo.rest_base);
        xstrset(&a->st->project, "demo-project");
        xstrset(&a->st->bot, "demo-bot");
        if (demo_load_rooms(o->demo_dir, a->u.s, clock_wall_ms(), cause) != 0 ||
            demo_load_catalog(o->demo_dir, a->demo.media_base, &a->cat, cause) != 0)
            return -1;
        load_lists(a);
        if (a->replies.n == 0) {
            /* The demo shows canned replies even before the agent wrote any. */
            char *path = xasprintf("%s/../replies.example", o->demo_dir);
            if (replies_load(path, &a->replies, cause) != 0) {
                free(*cause);
                *cause = NULL;
            }
            free(path);
        }
        a->u.where = xstrdup(_("demo sandbox"));
        /* The demo's listener is its own business: the sandbox is what it talks to. */
        free(a->u.inbound);
        a->u.inbound = NULL;
    } else {
        free(emit_to);
        struct url u;
        char *ucause = NULL;
        if (url_parse(o->st->endpoint, &u, &ucause) == 0) {
            a->u.where = xstrdup(u.host);
            url_clear(&u);
        }
        free(ucause);
        load_lists(a);
    }
    load_earlier(a);
    a->u.default_project = a->st->project;
    a->u.default_bot = a->st->bot;
    return open_outbox(a, o, cause);
}
