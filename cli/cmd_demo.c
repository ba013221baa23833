/* jelou-console --demo: the embedded sandbox and one message of each type, no credentials. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jelou/demo.h"
#include "jelou/loop.h"
#include "jelou/message.h"
#include "jelou/mock.h"
#include "jelou/outbox.h"
#include "jelou/sign.h"
#include "jelou/transport.h"
#include "jelou/xalloc.h"
#include "jelou/i18n.h"
#include "cli.h"

struct demo_run {
    int done;
    int accepted;
};

static void
on_change(void *arg, struct outbox_entry *e)
{
    struct demo_run *d = arg;
    const struct message *m = e->msg;
    switch (e->state) {
    case SEND_QUEUED:
        return;
    case SEND_SENDING:
        if (e->attempt > 1)
            printf(_("  %-8s %s  sending (attempt %d/%d)\n"), msg_type_name(m->type), m->id,
                   e->attempt, e->max_attempts);
        return;
    case SEND_ACCEPTED:
        d->accepted++;
        printf(_("  %-8s %s  accepted %ld\n"), msg_type_name(m->type), m->id, e->http_status);
        break;
    case SEND_FAILED:
        printf(_("  %-8s %s  failed: %s\n"), msg_type_name(m->type), m->id, e->error);
        break;
    }
    d->done++;
}

static struct message *
demo_message(enum msg_type type, const char *body, const char *url, const char *mime,
             const char *caption, const char *filename)
{
    struct message *m = message_new();
    m->id = sign_uuid4();
    xstrset(&m->project, "demo-project");
    xstrset(&m->bot, "demo-bot");
    xstrset(&m->room, "demo-room-ana");
    xstrset(&m->user, "demo-user-ana");
    m->type = type;
    xstrset(&m->body, body);
    xstrset(&m->url, url);
    xstrset(&m->mime, mime);
    xstrset(&m->caption, caption);
    xstrset(&m->filename, filename);
    return m;
}

int
cmd_demo(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    unsigned char raw[16];
    char secret[33];
    char *cause = NULL;
    if (sign_random(raw, sizeof raw) != 0) {
        cli_error(_("demo: no random bytes for the sandbox secret"));
        return EXIT_BADINPUT;
    }
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(secret + 2 * i, 3, "%02x", raw[i]);
    /* The screen would need these: the self-check proves an install has them. */
    if (demo_check_dir(demo_dir(), &cause) != 0) {
        cli_error(_("demo: %s (set JELOU_DATADIR to the installed data directory)"), cause);
        free(cause);
        return EXIT_BADINPUT;
    }

    struct transport_opts to = {.max_attempts = SETTINGS_DEFAULT_ATTEMPTS, .timeout_ms = 10000};
    struct transport *t = transport_new(&to, &cause);
    if (t == NULL) {
        cli_error(_("demo: %s"), cause);
        free(cause);
        return EXIT_BADINPUT;
    }
    struct loop *l = loop_new();
    transport_attach(t, l);
    struct mock_opts mo = {.addr = "127.0.0.1", .secret = secret, .fail_status = 500};
    struct mock *mock = mock_new(l, &mo, &cause);
    if (mock == NULL) {
        cli_error(_("demo: cannot start the sandbox: %s"), cause);
        free(cause);
        loop_free(l);
        transport_free(t);
        return EXIT_BADINPUT;
    }
    char *endpoint = xasprintf("http://127.0.0.1:%u%s", mock_port(mock), MOCK_WEBHOOK_PATH);
    printf(_("jelou-console demo: demo data in %s\n"), demo_dir());
    printf(_("jelou-console demo: sandbox on %s (secret generated for this run)\n"
             "sending one message of each type through the real pipeline:\n"), endpoint);
    fflush(stdout);

    struct demo_run d = {0};
    struct outbox_opts oo = {
        .endpoint = endpoint, .secret = secret, .max_attempts = SETTINGS_DEFAULT_ATTEMPTS,
    };
    struct outbox *ob = outbox_new(t, &oo, on_change, &d);
    struct message *msgs[] = {
        demo_message(MSG_TEXT, "Hola Ana, soy Laura del equipo de soporte. ¿En qué te ayudo?",
                     NULL, NULL, NULL, NULL),
        demo_message(MSG_IMAGE, NULL, "https://demo.jelou.invalid/media/router.jpg",
                     "image/jpeg", "Así se ve el router por detrás", NULL),
        demo_message(MSG_VIDEO, NULL, "https://demo.jelou.invalid/media/reset.mp4", "video/mp4",
                     "Cómo reiniciarlo", NULL),
        demo_message(MSG_AUDIO, NULL, "https://demo.jelou.invalid/media/note.mp3", "audio/mpeg",
                     NULL, NULL),
        demo_message(MSG_DOCUMENT, NULL, "https://demo.jelou.invalid/media/manual.pdf",
                     "application/pdf", NULL, "manual-router.pdf"),
    };
    size_t n = sizeof msgs / sizeof msgs[0];
    int expected = 0;
    for (size_t i = 0; i < n; i++) {
        if (outbox_add(ob, msgs[i], &cause) == NULL) {
            printf(_("  refused: %s\n"), cause);
            free(cause);
            cause = NULL;
        } else {
            expected++;
        }
        fflush(stdout);
    }
    while (d.done < expected)
        loop_run_once(l, -1);
    printf(P_("%d of %zu accepted by the sandbox (%lu request verified)\n",
              "%d of %zu accepted by the sandbox (%lu requests verified)\n",
              mock_requests(mock)),
           d.accepted, n, mock_requests(mock));

    int code = d.accepted == (int)n ? EXIT_SENT : EXIT_REFUSED;
    outbox_free(ob);
    mock_free(mock);
    loop_free(l);
    transport_free(t);
    free(endpoint);
    explicit_bzero(secret, sizeof secret);
    return code;
}
