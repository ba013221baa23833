/* jelou-console integration: read, create, update or delete the project's integration. */
#include "integration.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jelou/atomic.h"
#include "jelou/loop.h"
#include "jelou/record.h"
#include "jelou/transport.h"
#include "jelou/url.h"
#include "jelou/xalloc.h"
#include "jelou/i18n.h"
#include "cli.h"

static const char integration_usage[] = N_(
    "Usage: jelou-console integration get [--json] [options]\n"
    "       jelou-console integration create --webhook-url URL [--auth-type T\n"
    "                     [--auth-token-file F]] [--secret-file PATH] [--force] [--json]\n"
    "       jelou-console integration update [--webhook-url URL] [--auth-type T\n"
    "                     [--auth-token-file F]] [--json]\n"
    "       jelou-console integration delete [--json] [options]\n"
    "\n"
    "Reads, creates, updates or deletes the project's integration: the webhook URL Jelou\n"
    "sends its events to, and how it authenticates there. create writes the signingSecret\n"
    "of Jelou's answer, which Jelou shows only that once, into a new file with mode 0600\n"
    "(--secret-file, else the configured secret_file, else signing-secret beside the\n"
    "config file) and never prints it. An existing secret file is kept: create refuses\n"
    "before it calls Jelou, unless --force.\n"
    "\n"
    "  --webhook-url URL     the public https:// URL of the listener or team server\n"
    "  --auth-type T         what Jelou sends with each event: bearer, basic, api_key or\n"
    "                        no_auth (default no_auth)\n"
    "  --auth-token-file F   the token for bearer, basic or api_key (mode 0600)\n"
    "  --force               create: replace an existing secret file\n"
    "  --json                print one JSON object: {\"action\",\"ok\",\"http_status\",\n"
    "                        \"message\",\"id\",\"webhook_url\",\"auth_type\",\"created_at\",\n"
    "                        \"updated_at\",\"secret_file\"}\n"
    "\n"
    "The API key comes from --api-key-file, JELOU_API_KEY or api_key_file in the config.\n"
    "Exit codes: 0 done, 1 refused by the server, 2 bad input or configuration (nothing sent),\n"
    "3 network failure.\n"
    "\n");

enum {
    OPT_WEBHOOK_URL = OPT_FIRST_COMMAND_OPTION,
    OPT_AUTH_TYPE,
    OPT_AUTH_TOKEN_FILE,
    OPT_FORCE,
    OPT_JSON,
    OPT_HELP,
};

enum action { ACT_GET, ACT_CREATE, ACT_UPDATE, ACT_DELETE };

static const char *const action_names[] = {"get", "create", "update", "delete"};
static const char *const action_methods[] = {"GET", "POST", "PATCH", "DELETE"};
static const char *const auth_types[] = {"bearer", "basic", "api_key", "no_auth"};

struct call_ctx {
    struct integration_answer *out;
    int done;
};

static char *
dup_or_null(const char *s)
{
    return s != NULL ? xstrdup(s) : NULL;
}

static void
on_answer(void *arg, const struct rest_result *r)
{
    struct call_ctx *c = arg;
    struct integration_answer *o = c->out;
    const struct rest_answer *a = r->answer;
    c->done = 1;
    o->ok = r->ok;
    o->http_status = r->http_status;
    o->error = dup_or_null(r->error);
    o->message = dup_or_null(a->message);
    o->id = dup_or_null(a->integration);
    o->webhook_url = dup_or_null(a->webhook_url);
    o->auth_type = dup_or_null(a->auth_type);
    o->created_at = dup_or_null(a->created_at);
    o->updated_at = dup_or_null(a->updated_at);
    o->signing_secret = dup_or_null(a->signing_secret);
}

int
integration_call(const struct settings *st, const char *method,
                 const struct rest_integration *in, struct integration_answer *out,
                 char **cause)
{
    memset(out, 0, sizeof *out);
    struct transport_opts to = {
        .cacert = st->cacert,
        .connect_timeout_ms = st->connect_timeout_ms,
        .timeout_ms = st->timeout_ms,
        .max_attempts = st->attempts,
    };
    struct transport *t = transport_new(&to, cause);
    if (t == NULL)
        return -1;
    struct loop *l = loop_new();
    transport_attach(t, l);
    char *base = rest_base_url(st->rest_base, st->project);
    struct call_ctx c = {.out = out};
    int rc;
    if (strcmp(method, "GET") == 0)
        rc = rest_integration_get(t, base, st->api_key, on_answer, &c, cause);
    else if (strcmp(method, "POST") == 0)
        rc = rest_integration_create(t, base, st->api_key, in, on_answer, &c, cause);
    else if (strcmp(method, "PATCH") == 0)
        rc = rest_integration_update(t, base, st->api_key, in, on_answer, &c, cause);
    else
        rc = rest_integration_delete(t, base, st->api_key, on_answer, &c, cause);
    while (rc == 0 && !c.done && transport_pending(t) > 0)
        loop_run_once(l, -1);
    if (rc == 0 && !c.done)
        out->error = xstrdup(_("no answer"));
    free(base);
    loop_free(l);
    transport_free(t);
    return rc;
}

void
integration_answer_clear(struct integration_answer *a)
{
    if (a == NULL)
        return;
    free(a->error);
    free(a->message);
    free(a->id);
    free(a->webhook_url);
    free(a->auth_type);
    free(a->created_at);
    free(a->updated_at);
    if (a->signing_secret != NULL)
        explicit_bzero(a->signing_secret, strlen(a->signing_secret));
    free(a->signing_secret);
    memset(a, 0, sizeof *a);
}

char *
integration_secret_path(const struct settings *st, const struct settings_flags *f)
{
    if (f->secret_file != NULL)
        return xstrdup(f->secret_file);
    if (st->secret_file != NULL)
        return xstrdup(st->secret_file);
    char *config = settings_config_path(f);
    if (config == NULL)
        return NULL;
    char *slash = strrchr(config, '/');
    char *path = slash != NULL ? xasprintf("%.*s/signing-secret", (int)(slash - config),
                                           config)
                               : xstrdup("signing-secret");
    free(config);
    return path;
}

static void
print_field(const char *key, const char *value)
{
    if (value != NULL)
        printf("%s: %s\n", key, value);
}

static void
print_json(enum action act, const struct integration_answer *a, const char *secret_file)
{
    struct record *r = record_new();
    record_str(r, "action", action_names[act]);
    record_bool(r, "ok", a->ok);
    record_int(r, "http_status", a->http_status);
    record_str(r, "message", a->ok ? a->message : a->error);
    record_str(r, "id", a->id);
    record_str(r, "webhook_url", a->webhook_url);
    record_str(r, "auth_type", a->auth_type);
    record_str(r, "created_at", a->created_at);
    record_str(r, "updated_at", a->updated_at);
    record_str(r, "secret_file", secret_file);
    char *line = record_finish(r);
    puts(line);
    free(line);
}

static int
known_auth_type(const char *s)
{
    for (size_t i = 0; i < sizeof auth_types / sizeof auth_types[0]; i++) {
        if (strcmp(s, auth_types[i]) == 0)
            return 1;
    }
    return 0;
}

struct int_args {
    enum action act;
    const char *webhook_url;
    const char *auth_type;
    const char *auth_token_file;
    int force;
    int json;
};

/* What the action needs, checked before settings are read and anything is sent. */
static int
check_args(const struct int_args *a)
{
    const char *name = action_names[a->act];
    int sets = a->webhook_url != NULL || a->auth_type != NULL || a->auth_token_file != NULL;
    char *why = NULL;
    if ((a->act == ACT_GET || a->act == ACT_DELETE) && sets) {
        cli_error(_("integration %s takes no --webhook-url, --auth-type or --auth-token-file"),
                  name);
        return -1;
    }
    if (a->force && a->act != ACT_CREATE) {
        cli_error(_("integration %s: --force is for create only"), name);
        return -1;
    }
    if (a->act == ACT_CREATE && a->webhook_url == NULL) {
        cli_error(_("integration create: --webhook-url URL is required: where Jelou sends "
                  "events"));
        return -1;
    }
    if (a->act == ACT_UPDATE && !sets) {
        cli_error(_("integration update: nothing to change: give --webhook-url, --auth-type "
                  "or --auth-token-file"));
        return -1;
    }
    if (a->webhook_url != NULL && url_check_media(a->webhook_url, &why) != 0) {
        cli_error(_("--webhook-url: %s (Jelou calls it from the internet)"), why);
        free(why);
        return -1;
    }
    if (a->auth_type != NULL && !known_auth_type(a->auth_type)) {
        cli_error(_("--auth-type must be bearer, basic, api_key or no_auth (got '%s')"),
                  a->auth_type);
        return -1;
    }
    int no_auth = a->auth_type == NULL || strcmp(a->auth_type, "no_auth") == 0;
    if (a->auth_type != NULL && !no_auth && a->auth_token_file == NULL) {
        cli_error(_("--auth-type %s needs --auth-token-file F: the token Jelou sends"),
                  a->auth_type);
        return -1;
    }
    if (a->auth_token_file != NULL && (a->auth_type == NULL || no_auth)) {
        cli_error(_("--auth-token-file needs --auth-type bearer, basic or api_key"));
        return -1;
    }
    return 0;
}

static int
exit_code(const struct integration_answer *a)
{
    return a->ok ? EXIT_SENT : a->http_status == 0 ? EXIT_NETWORK : EXIT_REFUSED;
}

static void
report_refusal(enum action act, const struct integration_answer *a)
{
    if (a->http_status != 0)
        cli_error(_("integration %s: refused (HTTP %ld): %s"), action_names[act], a->http_status,
                  a->error);
    else
        cli_error(_("integration %s: %s"), action_names[act], a->error);
}

/* The secret arrived: it goes to the file opened before the call, or the user learns that
 * it is gone and how to get another. */
int
integration_keep_secret(struct atomic_file *af, const struct integration_answer *a,
                        const char *who)
{
    char *cause = NULL;
    if (a->signing_secret == NULL || a->signing_secret[0] == '\0') {
        atomic_file_free(af);
        cli_error(_("%s: Jelou created integration %s but its answer holds no signingSecret; "
                  "run 'jelou-console integration delete' and create it again"), who,
                  a->id ? a->id : "(no id)");
        return -1;
    }
    size_t n = strlen(a->signing_secret);
    char *line = xasprintf("%s\n", a->signing_secret);
    int rc = atomic_file_commit(af, line, n + 1, &cause);
    explicit_bzero(line, n + 1);
    free(line);
    if (rc != 0) {
        cli_error(_("%s: %s. Jelou showed the signing secret only once and it is lost: run "
                  "'jelou-console integration delete', then create it again"), who, cause);
        free(cause);
    }
    return rc;
}

static int
run(const struct int_args *ia, struct settings *st, const struct settings_flags *flags)
{
    char *cause = NULL, *token = NULL, *secret_path = NULL;
    struct atomic_file *af = NULL;
    struct integration_answer a = {0};
    int code = EXIT_BADINPUT;

    if (st->project == NULL && strstr(st->rest_base, "{projectId}") != NULL) {
        cli_error(_("no project id: give --project, set JELOU_PROJECT_ID or put project= in the "
                  "config file"));
        goto out;
    }
    if (ia->auth_token_file != NULL &&
        (token = settings_read_private_file(ia->auth_token_file, _("auth token"), &cause)) ==
            NULL) {
        cli_error("%s", cause);
        goto out;
    }
    if (settings_load_api_key(st, &cause) != 0) {
        cli_error("%s", cause);
        goto out;
    }
    if (ia->act == ACT_CREATE) {
        secret_path = integration_secret_path(st, flags);
        if (secret_path == NULL) {
            cli_error(_("integration create: no home directory for the secret file: give "
                      "--secret-file PATH"));
            goto out;
        }
        /* Before Jelou is called: a secret that cannot be kept must not be minted. */
        af = atomic_file_new(secret_path, 0600, ia->force, &cause);
        if (af == NULL) {
            cli_error(_("integration create: %s%s"), cause, ia->force ? "" :
                      " (it may hold the secret of the integration in use: delete it or "
                      "give --force)");
            goto out;
        }
    }
    struct rest_integration in = {
        .webhook_url = ia->webhook_url,
        .auth_type = ia->act == ACT_CREATE && ia->auth_type == NULL ? "no_auth" : ia->auth_type,
        .authorization = token,
    };
    if (integration_call(st, action_methods[ia->act], &in, &a, &cause) != 0) {
        cli_error(_("integration %s: %s"), action_names[ia->act], cause);
        goto out;
    }
    code = exit_code(&a);
    if (a.ok && ia->act == ACT_CREATE) {
        int kept = integration_keep_secret(af, &a, "integration create");
        af = NULL;
        if (kept != 0) {
            code = EXIT_REFUSED;
            goto out;
        }
    }
    if (ia->json) {
        print_json(ia->act, &a, a.ok && ia->act == ACT_CREATE ? secret_path : NULL);
    } else if (!a.ok) {
        report_refusal(ia->act, &a);
    } else if (ia->act == ACT_DELETE) {
        printf(_("deleted integration %s\n"), a.id ? a.id : "");
    } else {
        print_field("id", a.id);
        print_field("webhook_url", a.webhook_url);
        print_field("auth_type", a.auth_type);
        print_field("created_at", a.created_at);
        print_field("updated_at", a.updated_at);
        if (ia->act == ACT_CREATE)
            printf(_("signing secret written to %s (mode 0600; Jelou shows it only once)\n"),
                   secret_path);
    }
    fflush(stdout);

out:
    atomic_file_free(af);
    integration_answer_clear(&a);
    if (token != NULL)
        explicit_bzero(token, strlen(token));
    free(token);
    free(secret_path);
    free(cause);
    return code;
}

int
cmd_integration(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS,
        {"webhook-url", required_argument, NULL, OPT_WEBHOOK_URL},
        {"auth-type", required_argument, NULL, OPT_AUTH_TYPE},
        {"auth-token-file", required_argument, NULL, OPT_AUTH_TOKEN_FILE},
        {"force", no_argument, NULL, OPT_FORCE},
        {"json", no_argument, NULL, OPT_JSON},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    struct settings_flags flags = {0};
    struct int_args ia = {0};
    int opt;

    int action = 0;
    size_t nactions = sizeof action_names / sizeof action_names[0];
    int rc = cli_action("integration", action_names, nactions, integration_usage, &argc,
                        &argv, &action);
    if (rc != 0)
        return rc > 0 ? EXIT_SENT : EXIT_BADINPUT;
    ia.act = (enum action)action;
    int first = 1;
    while ((opt = cli_next_option(argc, argv, longopts, &flags, first)) != -1) {
        first = 0;
        if (opt == CLI_REFUSED)
            return EXIT_BADINPUT;
        switch (opt) {
        case OPT_WEBHOOK_URL: ia.webhook_url = optarg; break;
        case OPT_AUTH_TYPE: ia.auth_type = optarg; break;
        case OPT_AUTH_TOKEN_FILE: ia.auth_token_file = optarg; break;
        case OPT_FORCE: ia.force = 1; break;
        case OPT_JSON: ia.json = 1; break;
        case OPT_HELP:
            fputs(_(integration_usage), stdout);
            cli_common_help();
            return EXIT_SENT;
        default:
            cli_bad_option("integration", argv);
            return EXIT_BADINPUT;
        }
    }
    if (optind < argc) {
        cli_error(_("integration: unexpected argument '%s'"), argv[optind]);
        return EXIT_BADINPUT;
    }
    if (check_args(&ia) != 0)
        return EXIT_BADINPUT;
    struct settings st = {0};
    if (cli_load_settings(&st, &flags, 0) != 0) {
        settings_clear(&st);
        return EXIT_BADINPUT;
    }
    int code = run(&ia, &st, &flags);
    settings_clear(&st);
    return code;
}
