/* The team server's sender: the lease holder sends the outbox and reports states. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jelou/idmap.h"
#include "jelou/message.h"
#include "jelou/outbox.h"
#include "jelou/record.h"
#include "jelou/redis.h"
#include "jelou/team.h"
#include "jelou/xalloc.h"

#include "serve.h"

/* ---- sending (the lease holder) ----------------------------------------------------- */

static void job_report(struct job *j);

void
serve_job_free(struct job *j)
{
    if (j->prev != NULL)
        j->prev->next = j->next;
    else
        j->s->jobs = j->next;
    if (j->next != NULL)
        j->next->prev = j->prev;
    idmap_del(j->s->inflight, j->id);
    free(j->entry);
    free(j->id);
    free(j->report_state);
    free(j->error);
    free(j->room);
    free(j);
}

static void
on_reported(void *arg, const struct redis_reply *r)
{
    struct job *j = arg;
    if (r == NULL || r->type == RR_ERR) {
        /* Kept until Redis has it: without it the entry would be sent again. */
        j->next_report = j->s->reports;
        j->s->reports = j;
        return;
    }
    j->s->sending--;
    /* A server runs for months: what was sent and reported is not kept. */
    if (j->sent != NULL)
        outbox_release(j->s->ob, j->sent);
    serve_job_free(j);
}

static void
job_report(struct job *j)
{
    char http[24], attempts[24];
    snprintf(http, sizeof http, "%ld", j->http_status);
    snprintf(attempts, sizeof attempts, "%d", j->attempts);
    struct record *rec = record_new();
    record_str(rec, "id", j->id);
    record_str(rec, "room", j->room);
    record_str(rec, "state", j->report_state);
    record_int(rec, "http_status", j->http_status);
    record_int(rec, "attempts", j->attempts);
    record_str(rec, "error", j->error);
    char *data = record_finish(rec);
    const char *argv[] = {"FCALL", "jc_sent", "0", j->id, j->report_state, http, attempts,
                          j->entry, j->error ? j->error : "", data};
    if (redis_command(j->s->redis, on_reported, j, 10, argv, NULL) != 0) {
        j->next_report = j->s->reports;
        j->s->reports = j;
    }
    free(data);
}

void
serve_on_outbox_change(void *arg, struct outbox_entry *e)
{
    (void)arg;
    struct job *j = e->user;
    if (j == NULL || (e->state != SEND_ACCEPTED && e->state != SEND_FAILED))
        return;
    e->user = NULL;
    j->sent = e;
    j->report_state = xstrdup(send_state_name(e->state));
    j->http_status = e->http_status;
    j->attempts = e->tries > 0 ? e->tries : e->attempt;
    j->error = e->error ? xstrdup(e->error) : NULL;
    job_report(j);
}

static void
on_message_read(void *arg, const struct redis_reply *r)
{
    struct job *j = arg;
    struct serve *s = j->s;
    const char *state = serve_str(redis_elem(r, 0));
    const struct redis_reply *body = redis_elem(r, 1);
    const char *room = serve_str(redis_elem(r, 2));
    if (r == NULL || r->type != RR_ARR) {
        s->sending--;
        serve_job_free(j);   /* still pending in the group: taken again later */
        return;
    }
    if (state == NULL || strcmp(state, "accepted") == 0 || strcmp(state, "failed") == 0 ||
        body == NULL || body->type != RR_STR) {
        /* Done already (or gone): acknowledged, never sent again. */
        j->report_state = xstrdup(state ? state : "failed");
        j->room = serve_dup(room);
        job_report(j);
        return;
    }
    j->room = serve_dup(room);
    struct message *m = message_new();
    m->id = xstrdup(j->id);
    m->room = serve_dup(room);
    char *cause = NULL;
    struct outbox_entry *e = outbox_add_raw(s->ob, m, body->str, body->len, &cause);
    if (e == NULL) {
        j->report_state = xstrdup("failed");
        j->error = cause;
        job_report(j);
        return;
    }
    e->user = j;
}

static void
take_entries(struct serve *s, const struct redis_reply *entries)
{
    for (size_t i = 0; entries != NULL && i < entries->n; i++) {
        const struct redis_reply *en = entries->elem[i];
        const char *entry = serve_str(redis_elem(en, 0));
        const char *id = serve_hash_get(redis_elem(en, 1), "id");
        if (entry == NULL || id == NULL)
            continue;
        if (idmap_get(s->inflight, id) != NULL)
            continue;   /* ours, on its way: a claim after a lost lease */
        struct job *j = xcalloc(1, sizeof *j);
        j->s = s;
        j->entry = xstrdup(entry);
        j->id = xstrdup(id);
        j->next = s->jobs;
        if (s->jobs != NULL)
            s->jobs->prev = j;
        s->jobs = j;
        idmap_put(s->inflight, j->id, j);
        s->sending++;
        char *mk = xasprintf(TEAM_MSG_PREFIX "%s", id);
        const char *argv[] = {"HMGET", mk, "state", "body", "room"};
        if (redis_command(s->redis, on_message_read, j, 5, argv, NULL) != 0) {
            s->sending--;
            serve_job_free(j);
        }
        free(mk);
    }
}

static void
on_outbox_read(void *arg, const struct redis_reply *r)
{
    struct serve *s = arg;
    s->outbox_busy = 0;
    if (r == NULL || r->type != RR_ARR)
        return;
    if (s->autoclaim) {
        /* XAUTOCLAIM: {next cursor, entries, deleted ids} */
        const char *next = serve_str(redis_elem(r, 0));
        take_entries(s, redis_elem(r, 1));
        if (next == NULL || strcmp(next, "0-0") == 0)
            s->autoclaim = 0;
        else
            snprintf(s->claim_cursor, sizeof s->claim_cursor, "%s", next);
        return;
    }
    /* XREADGROUP: {{stream, entries}} */
    take_entries(s, redis_elem(redis_elem(r, 0), 1));
}

void
serve_pump_outbox(struct serve *s)
{
    while (s->reports != NULL && redis_up(s->redis)) {
        struct job *j = s->reports;
        s->reports = j->next_report;
        j->next_report = NULL;
        job_report(j);
        if (s->reports == j)
            break;  /* down again */
    }
    if (!s->lease || s->outbox_busy || s->sending >= SERVE_SEND_BATCH || !redis_up(s->redis))
        return;
    char count[16];
    snprintf(count, sizeof count, "%d", SERVE_SEND_BATCH);
    int rc;
    if (s->autoclaim) {
        const char *argv[] = {"XAUTOCLAIM", TEAM_OUTBOX, TEAM_GROUP, s->instance, "0",
                              s->claim_cursor, "COUNT", count};
        rc = redis_command(s->redis, on_outbox_read, s, 8, argv, NULL);
    } else {
        const char *argv[] = {"XREADGROUP", "GROUP", TEAM_GROUP, s->instance, "COUNT", count,
                              "STREAMS", TEAM_OUTBOX, ">"};
        rc = redis_command(s->redis, on_outbox_read, s, 9, argv, NULL);
    }
    if (rc == 0)
        s->outbox_busy = 1;
}

static void
on_lease(void *arg, const struct redis_reply *r)
{
    struct serve *s = arg;
    s->lease_busy = 0;
    if (r == NULL || r->type != RR_INT) {
        s->lease = 0;
        return;
    }
    if (r->integer == 2) {
        serve_say("took the sender lease");
        s->autoclaim = 1;
        snprintf(s->claim_cursor, sizeof s->claim_cursor, "0-0");
    }
    s->lease = r->integer != 0;
}

/* Every tick: the lease is renewed (or taken when its holder let it expire). */
void
serve_lease_renew(struct serve *s)
{
    if (s->lease_busy)
        return;
    char ms[16];
    snprintf(ms, sizeof ms, "%d", TEAM_LEASE_MS);
    const char *argv[] = {"FCALL", "jc_lease", "0", s->instance, ms};
    if (redis_command(s->redis, on_lease, s, 5, argv, NULL) == 0)
        s->lease_busy = 1;
}

/* At the stop: hand the lease over now rather than after it expires. */
void
serve_lease_release(struct serve *s)
{
    if (!s->lease || !redis_up(s->redis))
        return;
    int done = 0;
    const char *argv[] = {"FCALL", "jc_unlease", "0", s->instance};
    redis_command(s->redis, NULL, NULL, 4, argv, NULL);
    redis_wait(s->redis, s->loop, &done, 100);
}
