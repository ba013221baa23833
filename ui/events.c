/* What Jelou tells the console: its events, and the answers to /close, /start, /info. */
#include <stdlib.h>
#include <string.h>

#include "jelou/event.h"
#include "jelou/i18n.h"
#include "jelou/inbox.h"
#include "jelou/rest.h"
#include "jelou/session.h"
#include "jelou/settings.h"
#include "jelou/teamlink.h"
#include "jelou/xalloc.h"
#include "app_impl.h"
#include "backend.h"

/* ---- Jelou's events ---- */

void
on_event(void *arg, const struct event *ev, int duplicate)
{
    struct app *a = arg;
    long long when = ev->timestamp_ms ? ev->timestamp_ms : clock_wall_ms();
    if (duplicate)
        return; /* shown the first time */
    a->dirty = 1;
    struct chat_msg *c = NULL;
    struct room *r = session_apply_event(a->u.s, ev, when, &c);
    if (r == NULL) {
        const char *name = ev->name ? ev->name : _("an event");
        if (ev->room && ev->room[0])
            set_status(a, 0, _("Jelou sent %s; it is in the journal"), name);
        else
            set_status(a, 0, _("Jelou sent %s without a room; it is in the journal"), name);
        return;
    }
    if (c != NULL) {
        if (c->url)
            catalog_add(&a->cat, c->url, c->type, c->mime, NULL, c->caption, 1);
        if (a->u.sel == NULL)
            select_room(a, r);
        else if (r != a->u.sel)
            r->unread++;
        /* The user wrote: WhatsApp's window is open again, the warning no longer holds. */
        if (a->u.window_confirm && r == a->u.sel && c->dir == CHAT_IN) {
            a->u.window_confirm = 0;
            clear_status(a);
        }
        /* Team mode: the server reopens a room whose user writes again (jc_webhook) without
         * an event of its own; the console follows the same rule. */
        if (c->dir == CHAT_IN && r->team_status != TEAM_UNKNOWN) {
            r->team_status = TEAM_OPEN;
            r->snooze_until = 0;
        }
        /* The bell also sets the terminal's urgent hint where it has one. */
        if (!a->u.muted && a->term_open && a->editor == NULL)
            a->term.bell(a->term.ctx);
    }
}

/* ---- the team server's events (team mode) ---- */

void
on_team_event(void *arg, const struct team_event *ev)
{
    struct app *a = arg;
    struct inbox_effect fx;
    a->dirty = 1;
    if (inbox_apply(a->u.s, team_me(a), ev, clock_wall_ms(), &fx) != 0) {
        set_status(a, 1, _("the team server sent a %s event that cannot be read"), ev->kind);
        return;
    }
    if (fx.room == NULL)
        return;
    if (a->u.sel == NULL)
        select_room(a, fx.room);
    /* Read back at start, it was heard then: no bell, no news. */
    if (ev->replay)
        return;
    if (fx.took_from != NULL) {
        if (fx.room == a->u.sel)
            set_status(a, 1, _("%s took this room"), fx.took_from);
        else
            set_status(a, 1, _("%s took the room of %s"), fx.took_from,
                       fx.room->name ? fx.room->name : fx.room->id);
    }
    if (fx.ring && !a->u.muted && a->term_open && a->editor == NULL)
        a->term.bell(a->term.ctx);
}

void
on_team_rooms(void *arg, const char *json, size_t len)
{
    struct app *a = arg;
    char *as_of = NULL, *cause = NULL;
    a->dirty = 1;
    if (inbox_apply_rooms(a->u.s, team_me(a), json, len, &as_of, &cause) != 0) {
        set_status(a, 1, _("the team server's rooms cannot be read: %s"), cause);
        free(cause);
        return;
    }
    free(as_of); /* the link resumes from it; the screen has no use for it */
    if (a->u.sel == NULL && a->u.s->nrooms > 0)
        select_nth(a, 0, 0);
}

/* ---- conversation control (REST) ---- */

struct rest_call {
    struct app *a;
    enum slash_cmd cmd;
    char *room;
    char *user;
};

static void
on_rest(void *arg, const struct rest_result *res)
{
    struct rest_call *call = arg;
    struct app *a = call->a;
    struct room *r = call->room ? session_room(a->u.s, call->room) : NULL;
    const struct rest_answer *ans = res->answer;
    const char *what = call->cmd == SLASH_CLOSE ? "close" : call->cmd == SLASH_START ? "start"
                                                                                   : "info";
    a->dirty = 1;
    if (!res->ok) {
        set_status(a, 1, _("/%s failed: %s"), what, res->error ? res->error : _("unknown error"));
    } else if (call->cmd == SLASH_CLOSE && r != NULL) {
        r->state = ROOM_CLOSED;
        xstrset(&r->close_reason, "closed_by_operator");
        room_add_note(r, clock_wall_ms(), xstrdup("you closed the conversation"));
        set_status(a, 0, _("conversation with %s closed"), r->name ? r->name : call->user);
    } else if (call->cmd == SLASH_START) {
        if (ans && ans->room) {
            struct room *o = session_open(a->u.s, ans->room, call->user, ans->user_name);
            o->state = ROOM_ACTIVE;
            xstrset(&o->conversation, ans->conversation);
            select_room(a, o);
        }
        if (ans && ans->room)
            set_status(a, 0, _("conversation started with %s"), call->user);
        else
            set_status(a, 0, _("conversation started with %s; its room appears with Jelou's "
                               "event"), call->user);
    } else if (call->cmd == SLASH_INFO && r != NULL && ans != NULL) {
        if (ans->state)
            r->state = strcmp(ans->state, "closed") == 0 ? ROOM_CLOSED : ROOM_ACTIVE;
        if (ans->ended_reason)
            xstrset(&r->close_reason, ans->ended_reason);
        set_status(a, 0, _("conversation %s: %s%s%s"), ans->conversation ? ans->conversation : "?",
                   ans->state ? ans->state : _("state unknown"), ans->ended_reason ? ", " : "",
                   ans->ended_reason ? ans->ended_reason : "");
    }
    free(call->room);
    free(call->user);
    free(call);
}

void
conversation_command(struct app *a, const struct slash *sl)
{
    struct room *r = a->u.sel;
    char *cause = NULL;
    if (sl->cmd != SLASH_START && r == NULL) {
        set_status(a, 1, _("no conversation open"));
        return;
    }
    if (sl->cmd == SLASH_INFO && r->conversation == NULL) {
        set_status(a, 1,
                   _("no conversation id known for this room yet (Jelou's events bring it)"));
        return;
    }
    struct conversation_ref ref = {
        .project = r && r->project ? r->project : a->st->project,
        .bot = r && r->bot ? r->bot : a->st->bot,
        .conversation = r ? r->conversation : NULL,
        .room = r ? r->id : NULL,
    };
    struct rest_call *call = xcalloc(1, sizeof *call);
    call->a = a;
    call->cmd = sl->cmd;
    call->room = r && sl->cmd != SLASH_START ? xstrdup(r->id) : NULL;
    call->user = xstrdup(sl->cmd == SLASH_START ? sl->arg : r->user ? r->user : "");
    ref.user = call->user;
    const struct backend_ops *be = a->be->ops;
    int rc;
    if (sl->cmd == SLASH_CLOSE)
        rc = be->close(a->be->ctx, &ref, sl->rest, on_rest, call, &cause);
    else if (sl->cmd == SLASH_START)
        rc = be->start(a->be->ctx, &ref, sl->rest, on_rest, call, &cause);
    else
        rc = be->info(a->be->ctx, &ref, on_rest, call, &cause);
    if (rc != 0) {
        set_status(a, 1, "%s", cause);
        free(cause);
        free(call->room);
        free(call->user);
        free(call);
        return;
    }
    set_status(a, 0, _("asking Jelou…"));
}
