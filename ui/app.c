/* The console's loop glue: the status line, the room on screen, signals, the single loop. */
#include "app.h"

#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "jelou/editbuf.h"
#include "jelou/editor.h"
#include "jelou/i18n.h"
#include "jelou/journal.h"
#include "jelou/loop.h"
#include "jelou/outbox.h"
#include "jelou/session.h"
#include "jelou/transport.h"
#include "jelou/xalloc.h"
#include "app_impl.h"
#include "backend.h"

void
set_status(struct app *a, int error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        s = NULL;
    va_end(ap);
    free(a->u.status);
    a->u.status = s;
    a->u.status_error = error;
    a->status_keyno = a->keyno;
    a->dirty = 1;
}

void
clear_status(struct app *a)
{
    free(a->u.status);
    a->u.status = NULL;
    a->u.status_error = 0;
    a->dirty = 1;
}

/* ---- rooms ---- */

void
select_room(struct app *a, struct room *r)
{
    if (r == a->u.sel)
        return;
    if (a->u.attach.active)
        card_clear(a);
    /* The room the agent leaves was seen: its mention is read, like its unread count. */
    if (a->u.sel != NULL)
        a->u.sel->mentioned = 0;
    a->u.sel = r;
    a->u.paste_guard = 0;
    a->u.confirm_pending = 0;
    a->u.window_confirm = 0;
    a->take_armed = 0; /* a /take confirms in the room it was asked in */
    if (r)
        r->unread = 0;
    a->recall_pos = a->nrecall;
    a->dirty = 1;
}

void
select_nth(struct app *a, int delta, int absolute)
{
    size_t n = a->u.s->nrooms;
    if (n == 0)
        return;
    struct room **v = xcalloc(n, sizeof *v);
    /* The pane's rooms: in team mode, only those of its view. */
    n = ui_rooms(&a->u, v, n);
    if (n == 0) {
        free(v);
        return;
    }
    size_t cur = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i] == a->u.sel)
            cur = i;
    size_t next;
    if (absolute >= 0)
        next = (size_t)absolute < n ? (size_t)absolute : cur;
    else
        next = (cur + n + (size_t)(delta + (int)n)) % n;
    select_room(a, v[next]);
    free(v);
}

static void
on_winch(void *arg, int signo)
{
    struct app *a = arg;
    (void)signo;
    /* Not while the editor has the terminal: on_child resizes when it comes back. */
    if (a->term.resize && a->editor == NULL)
        a->term.resize(a->term.ctx);
    a->dirty = 1;
}

static void
on_quit_signal(void *arg, int signo)
{
    struct app *a = arg;
    (void)signo;
    a->quit = 1;
}

static void
on_tick(void *arg)
{
    struct app *a = arg;
    /* Waiting times and clocks move even when nothing happens. */
    a->dirty = 1;
    loop_after(a->loop, 15000, on_tick, a);
}

int
app_run(const struct app_opts *o)
{
    struct app *a = xcalloc(1, sizeof *a);
    char *cause = NULL;
    int code = 0;

    if (app_start(a, o, &cause) != 0)
        goto fail;


    if (term_curses_open(&a->term, &a->input_fd, &cause) != 0)
        goto fail;
    a->term_open = 1;
    a->input_id = loop_add(a->loop, a->input_fd, POLLIN, on_input, NULL, a);
    loop_on_signal(a->loop, SIGWINCH, on_winch, a);
    loop_on_signal(a->loop, SIGCHLD, on_child, a);
    loop_on_signal(a->loop, SIGTERM, on_quit_signal, a);
    loop_on_signal(a->loop, SIGHUP, on_quit_signal, a);
    loop_after(a->loop, 15000, on_tick, a);
    a->dirty = 1;
    while (!a->quit) {
        /* Before drawing: a journal failure it reports shows in this turn's status line. */
        char *jcause = NULL;
        if (a->be->ops->flush(a->be->ctx, &jcause) != 0) {
            set_status(a, 1, "%s", jcause);
            free(jcause);
        }
        /* Nothing is drawn while the editor owns the terminal. */
        if (a->dirty && a->editor == NULL) {
            a->u.now_ms = clock_wall_ms();
            a->u.me = team_me(a);
            a->u.outbox_busy = a->be->ops->busy(a->be->ctx);
            ui_draw(&a->u, &a->term);
            a->dirty = 0;
        }
        if (a->u.older_wanted) {
            /* The frame just drawn asked for them: read, then draw again before waiting. */
            load_older(a, a->u.older_wanted);
            a->u.older_wanted = NULL;
            continue;
        }
        loop_run_once(a->loop, -1);
    }
    goto done;

fail:
    fprintf(stderr, "jelou-console: %s\n", cause ? cause : "cannot start");
    free(cause);
    code = 2;
done:
    editor_free(a->editor);
    if (a->term_open)
        term_curses_close(&a->term);
    card_clear(a);
    backend_free(a->be);
    journal_close(a->journal);
    journal_pending_free(a->pending, a->npending);
    demo_stop(&a->demo);
    loop_free(a->loop);
    transport_free(a->t);
    session_free(a->u.s);
    editbuf_free(a->u.nodraft);
    editbuf_free(a->u.hist_filter);
    editbuf_free(a->u.pick_filter);
    replies_clear(&a->replies);
    catalog_clear(&a->cat);
    for (size_t i = 0; i < a->nrecall; i++)
        free(a->recall[i]);
    buf_free(&a->paste);
    free(a->u.status);
    free(a->u.where);
    free(a->u.link);
    free(a->history_path);
    free(a->events_path);
    free(a->unread_path);
    free(a->u.inbound);
    free(a->agent);
    free(a);
    return code;
}
