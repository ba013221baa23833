/* Test driver: follows a team server's events through teamlink and prints each callback. */
#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jelou/loop.h"
#include "jelou/teamlink.h"
#include "jelou/transport.h"
#include "jelou/xalloc.h"

static const char usage[] =
    "Usage: teamtail --server URL[,URL...] --token-file F [--journal FILE] [--count N]\n"
    "                [--idle-ms N] [--backoff-ms N] [--backoff-max-ms N] [--call PATH]\n"
    "                [--journal-max BYTES]\n"
    "Prints one line per callback: 'event ID KIND ROOM' (' replay' appended for those read\n"
    "back from the journal; ROOM '-' when none), 'rooms N', 'state 1 TEXT', 'state 0 TEXT'.\n"
    "--call: GET PATH through teamlink_call at start, printed as 'call STATUS BODY'.\n"
    "Exits 0 after N live events (--count), or on SIGTERM.\n";

static long live, want = -1;
static volatile int stop;

static void
on_event(void *arg, const struct team_event *ev)
{
    (void)arg;
    printf("event %s %s %s%s\n", ev->id, ev->kind, ev->room[0] ? ev->room : "-",
           ev->replay ? " replay" : "");
    if (!ev->replay && ++live == want)
        stop = 1;
}

static void
on_rooms(void *arg, const char *json, size_t len)
{
    (void)arg;
    cJSON *j = cJSON_ParseWithLength(json, len);
    const cJSON *rooms = cJSON_GetObjectItemCaseSensitive(j, "rooms");
    printf("rooms %d\n", cJSON_IsArray(rooms) ? cJSON_GetArraySize(rooms) : -1);
    cJSON_Delete(j);
}

static void
on_state(void *arg, int connected, const char *text)
{
    (void)arg;
    printf("state %d %s\n", connected, text);
}

static void
on_call(void *arg, const struct transport_result *r)
{
    (void)arg;
    printf("call %ld %.*s\n", r->http_status, (int)r->body_len, r->body);
}

static void
on_stop(void *arg, int signo)
{
    (void)arg;
    (void)signo;
    stop = 1;
}

static char *
read_token(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[512];
    if (f == NULL || fgets(line, sizeof line, f) == NULL) {
        fprintf(stderr, "teamtail: cannot read %s\n", path);
        exit(2);
    }
    fclose(f);
    line[strcspn(line, "\r\n")] = '\0';
    return xstrdup(line);
}

int
main(int argc, char **argv)
{
    const char *servers = NULL, *token_file = NULL, *journal = NULL, *call = NULL;
    long idle_ms = 0, backoff_ms = 0, backoff_max_ms = 0;
    long long journal_max = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0) {
            fputs(usage, stdout);
            return 0;
        }
        if (v == NULL) {
            fprintf(stderr, "teamtail: %s needs a value\n%s", a, usage);
            return 2;
        }
        i++;
        if (strcmp(a, "--server") == 0)
            servers = v;
        else if (strcmp(a, "--token-file") == 0)
            token_file = v;
        else if (strcmp(a, "--journal") == 0)
            journal = v;
        else if (strcmp(a, "--count") == 0)
            want = atol(v);
        else if (strcmp(a, "--idle-ms") == 0)
            idle_ms = atol(v);
        else if (strcmp(a, "--journal-max") == 0)
            journal_max = atoll(v);
        else if (strcmp(a, "--backoff-ms") == 0)
            backoff_ms = atol(v);
        else if (strcmp(a, "--backoff-max-ms") == 0)
            backoff_max_ms = atol(v);
        else if (strcmp(a, "--call") == 0)
            call = v;
        else {
            fprintf(stderr, "teamtail: unknown option %s\n%s", a, usage);
            return 2;
        }
    }
    if (servers == NULL || token_file == NULL) {
        fputs(usage, stderr);
        return 2;
    }
    /* Line by line: the test reads the lines while this runs. */
    setvbuf(stdout, NULL, _IOLBF, 0);

    char *list = xstrdup(servers);
    const char *urls[16];
    size_t n = 0;
    for (char *save = NULL, *u = strtok_r(list, ",", &save); u != NULL && n < 16;
         u = strtok_r(NULL, ",", &save))
        urls[n++] = u;
    char *token = read_token(token_file);

    char *cause = NULL;
    struct loop *l = loop_new();
    struct transport_opts to = {.max_attempts = 1};
    struct transport *t = transport_new(&to, &cause);
    if (t == NULL) {
        fprintf(stderr, "teamtail: %s\n", cause);
        return 1;
    }
    transport_attach(t, l);
    loop_on_signal(l, SIGTERM, on_stop, NULL);
    loop_on_signal(l, SIGINT, on_stop, NULL);
    const struct teamlink_opts o = {
        .servers = urls,
        .nservers = n,
        .token = token,
        .journal = journal,
        .idle_ms = idle_ms,
        .journal_max = journal_max,
        .backoff_ms = backoff_ms,
        .backoff_max_ms = backoff_max_ms,
    };
    const struct teamlink_callbacks cb = {
        .on_event = on_event,
        .on_rooms = on_rooms,
        .on_state = on_state,
    };
    struct teamlink *tl = teamlink_new(t, l, &o, &cb, &cause);
    int rc = 0;
    if (tl == NULL || teamlink_start(tl, &cause) != 0) {
        fprintf(stderr, "teamtail: %s\n", cause);
        free(cause);
        rc = 1;
        stop = 1;
    } else if (call != NULL &&
               teamlink_call(tl, "GET", call, NULL, 0, on_call, NULL, &cause) != 0) {
        fprintf(stderr, "teamtail: %s\n", cause);
        free(cause);
        rc = 1;
        stop = 1;
    }
    while (!stop)
        loop_run_once(l, -1);
    if (tl != NULL && teamlink_me(tl) != NULL)
        printf("me %s\n", teamlink_me(tl));
    teamlink_free(tl);
    transport_free(t);
    loop_free(l);
    explicit_bzero(token, strlen(token));
    free(token);
    free(list);
    return rc;
}
