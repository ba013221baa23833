/* The console's private state and what its files (loop glue, keys, commands, sending,
 * events, start-up) share; only those files include it. */
#ifndef JELOU_UI_APP_IMPL_H
#define JELOU_UI_APP_IMPL_H

#include <stddef.h>

struct app_opts;
#include "jelou/catalog.h"
#include "jelou/clock.h"
#include "jelou/demo.h"
#include "jelou/xalloc.h"
#include "jelou/replies.h"
#include "jelou/restore.h"
#include "jelou/slash.h"
#include "term.h"
#include "ui.h"

#define PASTE_GUARD_CHARS 1000
#define RECALL_MAX 100

struct editbuf;
struct editor;
struct event;
struct inbound;
struct journal;
struct journal_pending;
struct loop;
struct message;
struct backend;
struct outbox_entry;
struct settings;
struct transport;

struct app {
    struct ui u;
    struct term term;
    int term_open;
    struct settings *st;
    struct transport *t;
    struct loop *loop;
    struct backend *be;       /* the way to Jelou: sends, retries, conversation control */
    struct demo demo;         /* the embedded sandbox with --demo, zeroed otherwise */
    struct journal *journal;
    struct journal_pending *pending; /* unsent messages of a stopped console, for /resume */
    size_t npending;
    char *history_path;
    char *events_path;
    struct restore_opts restore; /* where earlier sessions are read back from */
    char *unread_path;      /* signed events that could not be read, kept as they came */
    struct replies replies;
    struct catalog cat;
    char *agent;
    int quit;
    int quit_asked;
    int dirty;
    char *recall[RECALL_MAX];
    size_t nrecall;
    size_t recall_pos;        /* nrecall when not recalling */
    int ctrl_x;
    int in_paste;
    struct buf paste;
    unsigned probe_gen;       /* a probe's answer is for the card only if gens match */
    unsigned long keyno;      /* keys handled so far */
    unsigned long status_keyno; /* the key during which the status message was set */
    int input_fd;
    int input_id;             /* the terminal's loop source; -1 while the editor has it */
    struct editor *editor;    /* Ctrl-X Ctrl-E's child, or NULL */
    struct editbuf *edit_draft; /* the draft the editor's text goes back to */
    /* Team mode: a /take of a colleague's room waits for a second /take in the same room;
     * and when this agent last said it was typing, and where. */
    int take_armed;
    long long typing_sent_ms;
    struct room *typing_room;
};

/* app.c: the loop glue, the status line, which room is on screen. */
void set_status(struct app *a, int error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void clear_status(struct app *a);
void select_room(struct app *a, struct room *r);
/* absolute >= 0: the room at that position of the rooms pane; else delta rooms on. */
void select_nth(struct app *a, int delta, int absolute);

/* send.c: sending, the attachment card, retries and /resume. */
void on_outbox_change(void *arg, struct outbox_entry *e);
void on_backend_state(void *arg, const char *state);
void send_text(struct app *a, const char *text);
void draft_sent(struct app *a);
void card_clear(struct app *a);
void attach_start(struct app *a, enum msg_type want, const char *url, const char *rest);
void attach_send(struct app *a);
void attach_cycle_type(struct app *a);
struct chat_msg *nth_failed(struct room *r, int n);
void retry_message(struct app *a, struct chat_msg *m);
void resume_pending(struct app *a);

/* events.c: Jelou's events and the conversation commands' answers (REST). */
void on_event(void *arg, const struct event *ev, int duplicate);
/* Team mode: the team server's other events (include/jelou/inbox.h) and its rooms. */
struct team_event;
void on_team_event(void *arg, const struct team_event *ev);
void on_team_rooms(void *arg, const char *json, size_t len);
void conversation_command(struct app *a, const struct slash *sl);

/* commands.c: what a slash command does, the compose box's Enter and Tab, $EDITOR. */
void submit_draft(struct app *a);
void complete_reply(struct app *a);
void edit_in_editor(struct app *a);
/* Team mode: this agent's name, or NULL in direct mode (or before the server said it). */
const char *team_me(struct app *a);
/* Team mode: tells the room's colleagues this agent is typing, at most every 3 s. */
void team_typing(struct app *a);
void on_child(void *arg, int signo);

/* keys.c: each mode's keys. */
void on_input(void *arg, short revents);

/* startup.c: settings to a running console (journal, listener, sandbox, earlier sessions). */
int app_start(struct app *a, const struct app_opts *o, char **cause);
void load_older(struct app *a, struct room *r);

#endif
