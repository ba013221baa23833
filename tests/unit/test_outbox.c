/* Unit tests for the outbox and its journal: nothing reaches the transport before its
 * queued record is durable, and a message whose record could not be synced is failed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsync_fault.h"
#include "jelou/journal.h"
#include "jelou/message.h"
#include "jelou/outbox.h"
#include "jelou/transport.h"
#include "jelou/xalloc.h"

struct fixture {
    char dir[64];
    struct transport *t;
    struct journal *j;
    struct outbox *ob;
};

static int
setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    strcpy(fx->dir, "/tmp/jelou-outbox-XXXXXX");
    if (mkdtemp(fx->dir) == NULL)
        return -1;
    struct transport_opts to = {.connect_timeout_ms = 1000, .timeout_ms = 1000,
                                .max_attempts = 1};
    fx->t = transport_new(&to, NULL);
    fx->j = journal_open(fx->dir, NULL);
    /* Port 9 (discard) on loopback: nothing is meant to get that far in these tests. */
    struct outbox_opts oo = {.endpoint = "http://127.0.0.1:9/webhook", .secret = "s3cret",
                             .max_attempts = 1, .journal = fx->j};
    fx->ob = outbox_new(fx->t, &oo, NULL, NULL);
    *state = fx;
    return fx->t && fx->j ? 0 : -1;
}

static int
teardown(void **state)
{
    struct fixture *fx = *state;
    outbox_free(fx->ob);
    journal_close(fx->j);
    transport_free(fx->t);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx->dir);
    int rc = system(cmd);
    free(fx);
    return rc == 0 ? 0 : -1;
}

static struct message *
text(const char *id)
{
    struct message *m = message_new();
    m->id = xstrdup(id);
    m->project = xstrdup("proj-1");
    m->bot = xstrdup("bot-1");
    m->room = xstrdup("r");
    m->user = xstrdup("u");
    m->type = MSG_TEXT;
    m->body = xstrdup("hola");
    return m;
}

static void
test_nothing_sent_before_durable(void **state)
{
    struct fixture *fx = *state;
    char *cause = NULL;
    struct outbox_entry *e = outbox_add(fx->ob, text("m-1"), &cause);
    assert_non_null(e);
    assert_int_equal(e->state, SEND_QUEUED);
    assert_int_equal(transport_pending(fx->t), 0); /* held until the sync */
    assert_int_equal(outbox_busy(fx->ob), 1);

    fail_fsync = 1;
    assert_int_equal(outbox_flush(fx->ob, &cause), -1);
    fail_fsync = 0;
    assert_non_null(strstr(cause, "cannot sync the outbox journal"));
    free(cause);
    assert_int_equal(e->state, SEND_FAILED);
    assert_non_null(strstr(e->error, "not sent: cannot sync the outbox journal"));
    assert_non_null(strstr(e->error, "Input/output error"));
    assert_int_equal(transport_pending(fx->t), 0); /* nothing on the wire */
    assert_int_equal(outbox_busy(fx->ob), 0);

    /* Once the journal syncs again, the next one goes out at the flush. */
    struct outbox_entry *e2 = outbox_add(fx->ob, text("m-2"), &cause);
    assert_non_null(e2);
    assert_int_equal(transport_pending(fx->t), 0);
    cause = NULL;
    assert_int_equal(outbox_flush(fx->ob, &cause), 0);
    assert_null(cause);
    assert_int_equal(transport_pending(fx->t), 1);
    assert_int_equal(e2->state, SEND_SENDING);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_nothing_sent_before_durable, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
