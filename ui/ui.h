/* The console screen's state and its drawing: what the agent sees, mode by mode. */
#ifndef JELOU_UI_UI_H
#define JELOU_UI_UI_H

#include <stddef.h>

#include "jelou/catalog.h"
#include "jelou/history.h"
#include "jelou/inbox.h"
#include "jelou/message.h"
#include "jelou/session.h"
#include "term.h"

struct editbuf;

enum ui_mode { MODE_MAIN, MODE_HELP, MODE_HISTORY, MODE_PICKER };

/* An attachment waiting for the agent's go: checking, then the detected type. */
struct attach_card {
    int active;
    int checking;
    struct room *room;
    char *url, *caption, *filename;
    enum msg_type want;     /* what the command asked for, MSG_NONE for /attach */
    enum msg_type type;     /* what will be sent */
    char *mime;
    char *server_type;
    int mime_forced;        /* the agent overrode the type */
    long long size;         /* the file's bytes as the probe learnt them, -1 unknown */
    int ogg_opus;           /* the probe found an Opus stream */
    char *warning;          /* what WhatsApp would refuse (whatsapp.h), or NULL */
};

/* One line of the send history view. */
struct hist_row {
    struct room *room;
    struct chat_msg *msg;
};

struct ui {
    struct session *s;
    struct room *sel;          /* the room on screen, or NULL */
    struct editbuf *nodraft;   /* the compose box when no room is open */
    enum ui_mode mode;
    int user_pane;             /* -1 automatic, 0 hidden, 1 shown */
    char *status;              /* a message for the status line, or NULL */
    int status_error;
    char *where;               /* "demo sandbox" or the endpoint's host */
    const char *default_project; /* the reply target when a room has none of its own */
    const char *default_bot;
    int outbox_busy;           /* messages queued or sending */
    char *link;                /* how the last send went: "ok", "unreachable", ... */
    char *inbound;             /* "in 127.0.0.1:8787" when listening for Jelou's events */
    struct attach_card attach;
    int paste_guard;           /* the draft holds a pasted text that needs a confirmation */
    int confirm_pending;       /* Enter was pressed once on a guarded draft */
    int window_confirm;        /* Enter was pressed once past WhatsApp's closed window */
    struct editbuf *hist_filter;
    size_t hist_sel;
    int hist_filtering;        /* keys go to the history filter */
    struct editbuf *pick_filter;
    size_t pick_sel;
    struct catalog *cat;
    long long now_ms;          /* wall clock for times and waits */
    int muted;
    int whatsapp_window;       /* show WhatsApp's 24-hour window and guard sends past it */
    const char *help_keys_hint;
    struct room *older_wanted; /* scrolled past the top of this room's messages in memory:
                                  the app reads older ones from disk and draws again */
    /* Team mode: this agent's name as the team server knows it (the backend's), NULL in
     * direct mode, which then draws as it always did; and the rooms pane's view. */
    const char *me;
    enum inbox_view view;
};

/* The compose box currently in use (the selected room's draft). */
struct editbuf *ui_draft(struct ui *u);

/* The rooms of the rooms pane, in its order (team mode: only the view's): out gets up to
 * max, the count is returned. */
size_t ui_rooms(struct ui *u, struct room **out, size_t max);

/* Draws everything for the current mode. */
void ui_draw(struct ui *u, struct term *t);

/* Outgoing messages of every room, newest first, that match filter (history_match
 * syntax). Returns the count; *rows is newly allocated. */
size_t ui_history_rows(struct ui *u, const char *filter, struct hist_row **rows);

/* The text the help overlay shows, one line each, NULL-terminated (ui/help.c builds it
 * from the key and command tables). Free with ui_help_lines_free. */
char **ui_help_lines_new(void);
void ui_help_lines_free(char **lines);

#endif
