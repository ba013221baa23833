/* jelou-console conversation: start, close or look up a conversation through the REST API. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jelou/loop.h"
#include "jelou/record.h"
#include "jelou/rest.h"
#include "jelou/transport.h"
#include "jelou/xalloc.h"
#include "jelou/i18n.h"
#include "cli.h"

static const char conversation_usage[] = N_(
    "Usage: jelou-console conversation start --user U [--message TEXT] [--json] [options]\n"
    "       jelou-console conversation close --user U [--message TEXT] [--json] [options]\n"
    "       jelou-console conversation get --id CONVERSATION [--json] [options]\n"
    "\n"
    "Starts or closes the conversation of an end user with the bot (--bot), or shows one,\n"
    "through Jelou's conversation API. Jelou then sends conversation.start or\n"
    "conversation.close to the integration's webhook.\n"
    "\n"
    "  --user U          user id of the end user (start, close)\n"
    "  --message TEXT    start: the initial message; close: the text the user gets\n"
    "                    (redirectPayload)\n"
    "  --id C            the conversation to show (get)\n"
    "  --json            print one JSON object: {\"action\",\"ok\",\"http_status\",\n"
    "                    \"message\",\"conversation\",\"room\",\"state\",\"ended_reason\",\n"
    "                    \"user\",\"user_name\"}\n"
    "\n"
    "The API key comes from --api-key-file, JELOU_API_KEY or api_key_file in the config.\n"
    "Exit codes: 0 done, 1 refused by the server, 2 bad input or configuration (nothing sent),\n"
    "3 network failure.\n"
    "\n");

enum {
    OPT_USER = OPT_FIRST_COMMAND_OPTION,
    OPT_MESSAGE,
    OPT_ID,
    OPT_JSON,
    OPT_HELP,
};

enum action { ACT_START, ACT_CLOSE, ACT_GET };

static const char *const action_names[] = {"start", "close", "get"};

struct conv_ctx {
    enum action action;
    const char *user;   /* as given */
    int json;
    int done;
    int code;
};

/* ISO 8601 in UTC, to the second: what a person compares with other logs. */
static void
print_time(const char *key, long long ms)
{
    if (ms == 0)
        return;
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    char text[32];
    if (gmtime_r(&secs, &tm) == NULL || strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ",
                                                 &tm) == 0)
        return;
    printf("%s: %s\n", key, text);
}

static void
print_field(const char *key, const char *value)
{
    if (value != NULL)
        printf("%s: %s\n", key, value);
}

static void
print_json(const struct conv_ctx *c, const struct rest_result *r)
{
    const struct rest_answer *a = r->answer;
    struct record *rec = record_new();
    record_str(rec, "action", action_names[c->action]);
    record_bool(rec, "ok", r->ok);
    record_int(rec, "http_status", r->http_status);
    record_str(rec, "message", r->ok ? a->message : r->error);
    record_str(rec, "conversation", a->conversation);
    record_str(rec, "room", a->room);
    record_str(rec, "state", a->state);
    record_str(rec, "ended_reason", a->ended_reason);
    /* start and close name the user themselves; an answer without data still says whom. */
    record_str(rec, "user", a->user != NULL ? a->user : c->user);
    record_str(rec, "user_name", a->user_name);
    char *line = record_finish(rec);
    puts(line);
    free(line);
}

static void
on_answer(void *arg, const struct rest_result *r)
{
    struct conv_ctx *c = arg;
    const struct rest_answer *a = r->answer;

    c->done = 1;
    c->code = r->ok ? EXIT_SENT : r->http_status == 0 ? EXIT_NETWORK : EXIT_REFUSED;
    if (c->json) {
        print_json(c, r);
    } else if (!r->ok) {
        if (r->http_status != 0)
            cli_error(_("conversation %s: refused (HTTP %ld): %s"), action_names[c->action],
                      r->http_status, r->error);
        else
            cli_error(_("conversation %s: %s"), action_names[c->action], r->error);
    } else if (c->action == ACT_START) {
        if (a->message != NULL)
            printf(_("started conversation for user %s: %s\n"), c->user, a->message);
        else
            printf(_("started conversation for user %s\n"), c->user);
    } else if (c->action == ACT_CLOSE) {
        printf(_("closed conversation for user %s\n"), c->user);
    } else {
        print_field("conversation", a->conversation);
        print_field("room", a->room);
        print_field("state", a->state);
        print_field("user", a->user);
        print_field("user_name", a->user_name);
        print_field("bot", a->bot);
        print_time("started", a->start_at);
        print_time("ended", a->end_at);
        print_field("ended_reason", a->ended_reason);
    }
    fflush(stdout);
}

/* Checks what the action needs before settings are read: a slip is found without a key. */
static int
check_args(enum action act, const char *user, const char *message, const char *id)
{
    const char *name = action_names[act];
    if (act == ACT_GET) {
        if (user != NULL || message != NULL) {
            cli_error(_("conversation get takes --id only, not --%s"),
                      user != NULL ? "user" : "message");
            return -1;
        }
        if (id == NULL) {
            cli_error(_("conversation get: --id CONVERSATION is required"));
            return -1;
        }
        return 0;
    }
    if (id != NULL) {
        cli_error(_("conversation %s takes --user, not --id"), name);
        return -1;
    }
    if (user == NULL || user[0] == '\0') {
        cli_error(_("conversation %s: --user U is required: it says whose conversation"), name);
        return -1;
    }
    return 0;
}

static int
submit(struct conv_ctx *c, struct transport *t, const struct settings *st, const char *base,
       const char *message, const char *id, char **cause)
{
    switch (c->action) {
    case ACT_START:
        return rest_start(t, base, st->api_key, st->bot, c->user, message, on_answer, c,
                          cause);
    case ACT_CLOSE:
        return rest_close(t, base, st->api_key, st->bot, c->user, message, on_answer, c,
                          cause);
    case ACT_GET:
        return rest_get(t, base, st->api_key, id, on_answer, c, cause);
    }
    return -1;
}

int
cmd_conversation(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS,
        {"user", required_argument, NULL, OPT_USER},
        {"message", required_argument, NULL, OPT_MESSAGE},
        {"id", required_argument, NULL, OPT_ID},
        {"json", no_argument, NULL, OPT_JSON},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    struct settings_flags flags = {0};
    struct conv_ctx c = {0};
    const char *message = NULL, *id = NULL;
    int opt;

    int action = 0;
    size_t nactions = sizeof action_names / sizeof action_names[0];
    int rc = cli_action("conversation", action_names, nactions, conversation_usage, &argc,
                        &argv, &action);
    if (rc != 0)
        return rc > 0 ? EXIT_SENT : EXIT_BADINPUT;
    c.action = (enum action)action;
    int first = 1;
    while ((opt = cli_next_option(argc, argv, longopts, &flags, first)) != -1) {
        first = 0;
        if (opt == CLI_REFUSED)
            return EXIT_BADINPUT;
        switch (opt) {
        case OPT_USER: c.user = optarg; break;
        case OPT_MESSAGE: message = optarg; break;
        case OPT_ID: id = optarg; break;
        case OPT_JSON: c.json = 1; break;
        case OPT_HELP:
            fputs(_(conversation_usage), stdout);
            cli_common_help();
            return EXIT_SENT;
        default:
            cli_bad_option("conversation", argv);
            return EXIT_BADINPUT;
        }
    }
    if (optind < argc) {
        cli_error(_("conversation: unexpected argument '%s' (quote the text after --message)"),
                  argv[optind]);
        return EXIT_BADINPUT;
    }
    if (check_args(c.action, c.user, message, id) != 0)
        return EXIT_BADINPUT;

    struct settings st = {0};
    if (cli_load_settings(&st, &flags, 0) != 0) {
        settings_clear(&st);
        return EXIT_BADINPUT;
    }
    char *cause = NULL;
    int code = EXIT_BADINPUT;
    struct transport *t = NULL;
    struct loop *l = NULL;
    char *base = NULL;
    if (st.project == NULL && strstr(st.rest_base, "{projectId}") != NULL) {
        cli_error(_("no project id: give --project, set JELOU_PROJECT_ID or put project= in the "
                  "config file"));
        goto out;
    }
    if (c.action != ACT_GET && st.bot == NULL) {
        cli_error(_("no bot id: give --bot, set JELOU_BOT_ID or put bot= in the config file"));
        goto out;
    }
    if (settings_load_api_key(&st, &cause) != 0) {
        cli_error("%s", cause);
        goto out;
    }

    struct transport_opts to = {
        .cacert = st.cacert,
        .connect_timeout_ms = st.connect_timeout_ms,
        .timeout_ms = st.timeout_ms,
        .max_attempts = st.attempts,
    };
    t = transport_new(&to, &cause);
    if (t == NULL) {
        cli_error("%s", cause);
        goto out;
    }
    l = loop_new();
    transport_attach(t, l);
    base = rest_base_url(st.rest_base, st.project);
    if (submit(&c, t, &st, base, message, id, &cause) != 0) {
        cli_error(_("conversation %s: %s"), action_names[c.action], cause);
        goto out;
    }
    while (!c.done && transport_pending(t) > 0)
        loop_run_once(l, -1);
    code = c.done ? c.code : EXIT_NETWORK;

out:
    free(cause);
    free(base);
    loop_free(l);
    transport_free(t);
    settings_clear(&st);
    return code;
}
