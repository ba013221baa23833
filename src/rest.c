/* The REST API over the transport, with x-api-key: conversations (start, close, get) and the
 * integration (get, create, update, delete). */
#include "jelou/rest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jelou/cause.h"
#include "jelou/record.h"
#include "jelou/text.h"
#include "jelou/transport.h"
#include "jelou/url.h"
#include "jelou/xalloc.h"
#include "jelou/i18n.h"

/* Enough for any answer of these calls; a longer one is cut, and then reads as not JSON. */
#define REST_KEEP_BYTES (8 * 1024)
#define PROJECT_PLACEHOLDER "{projectId}"

struct rest_call {
    rest_fn fn;
    void *arg;
};

static int
unreserved(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '_' || c == '~' || c == '-';
}

char *
rest_base_url(const char *base_template, const char *project)
{
    struct buf b = {0};
    const char *p = base_template, *hit;
    size_t plen = strlen(PROJECT_PLACEHOLDER);

    while ((hit = strstr(p, PROJECT_PLACEHOLDER)) != NULL) {
        buf_append(&b, p, (size_t)(hit - p));
        /* A project id is a path segment: anything outside the unreserved set is escaped
         * rather than allowed to add a segment or a query. */
        char *seg = url_path_escape(project ? project : "");
        buf_appends(&b, seg);
        free(seg);
        p = hit + plen;
    }
    buf_appends(&b, p);
    while (b.len > 0 && b.data[b.len - 1] == '/')
        b.data[--b.len] = '\0';
    return buf_take(&b);
}

/* A person reads the error on one line, on stderr or the status line: cleaned the way the
 * screen cleans remote text, since C1 and bidi controls would act on the terminal. */
static char *
one_line(const char *s)
{
    return text_sanitize(s, strlen(s), 0);
}

static void
on_done(void *arg, const struct transport_result *tr)
{
    struct rest_call *c = arg;
    struct rest_answer a = {0};
    struct rest_result r = {0};
    char *why = NULL, *error = NULL;

    int parsed = tr->body_len > 0 &&
                 event_parse_rest_answer(tr->body, tr->body_len, &a, &why) == 0;
    free(why);
    int two = tr->http_status >= 200 && tr->http_status < 300;

    r.http_status = tr->http_status;
    r.answer = &a;
    r.ok = two && parsed && a.ok;
    if (!r.ok) {
        /* event_parse_rest_answer prefers an error's description ("invalid api key") to
         * its message ("Unauthorized"). */
        if (parsed && a.message != NULL && a.message[0] != '\0')
            error = one_line(a.message);
        else if (two)
            error = xasprintf(_("HTTP %ld without a success answer"), tr->http_status);
        else if (tr->http_status != 0)
            error = xasprintf(_("HTTP %ld"), tr->http_status);
        else
            error = one_line(tr->error ? tr->error : "network error");
    }
    r.error = error;
    c->fn(c->arg, &r);
    free(error);
    rest_answer_clear(&a);
    free(c);
}

/* The API key goes into a header line: a line break in it would add headers of its own. */
static int
check_key(const char *api_key, char **cause)
{
    if (api_key == NULL || api_key[0] == '\0')
        return cause_fail(cause, xstrdup(_("no API key")));
    for (const char *p = api_key; *p != '\0'; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return cause_fail(cause, xstrdup(_("the API key contains a control character")));
    }
    return 0;
}

static int
check_base(const char *base, char **cause)
{
    if (base == NULL || base[0] == '\0')
        return cause_fail(cause, xstrdup(_("no REST base URL")));
    if (strstr(base, PROJECT_PLACEHOLDER) != NULL)
        return cause_fail(cause, xasprintf(_("the REST base still holds %s: no project id"),
                                           PROJECT_PLACEHOLDER));
    return 0;
}

static int
submit_once(struct transport *t, const char *method, const char *url, const char *api_key,
            const char *body, int retry, rest_fn fn, void *arg, char **cause)
{
    char *key_header = xasprintf("x-api-key: %s", api_key);
    const char *headers[] = {
        key_header,
        "Accept: application/json",
        body != NULL ? "Content-Type: application/json" : NULL,
        NULL,
    };
    struct rest_call *c = xmalloc(sizeof *c);
    c->fn = fn;
    c->arg = arg;
    struct transport_request req = {
        .method = method,
        .url = url,
        .headers = headers,
        .body = body,
        .body_len = body ? strlen(body) : 0,
        .keep_bytes = REST_KEEP_BYTES,
        .retry = retry,
        .on_done = on_done,
        .arg = c,
    };
    int rc = transport_submit(t, &req, cause);
    if (rc != 0)
        free(c);
    explicit_bzero(key_header, strlen(key_header));
    free(key_header);
    return rc;
}

static int
submit(struct transport *t, const char *method, const char *url, const char *api_key,
       const char *body, rest_fn fn, void *arg, char **cause)
{
    return submit_once(t, method, url, api_key, body, 1, fn, arg, cause);
}

static int
post(struct transport *t, const char *base, const char *api_key, const char *what,
     const char *body, rest_fn fn, void *arg, char **cause)
{
    char *url = xasprintf("%s/conversations/%s", base, what);
    int rc = submit(t, "POST", url, api_key, body, fn, arg, cause);
    free(url);
    return rc;
}

static int
check_ids(const char *base, const char *api_key, const char *bot, const char *user,
          char **cause)
{
    if (check_base(base, cause) != 0 || check_key(api_key, cause) != 0)
        return -1;
    if (bot == NULL || bot[0] == '\0')
        return cause_fail(cause, xstrdup(_("no bot id")));
    if (user == NULL || user[0] == '\0')
        return cause_fail(cause, xstrdup(_("no user id")));
    return 0;
}

int
rest_start(struct transport *t, const char *base, const char *api_key, const char *bot,
           const char *user, const char *initial_message, rest_fn fn, void *arg,
           char **cause)
{
    if (check_ids(base, api_key, bot, user, cause) != 0)
        return -1;
    struct record *r = record_new();
    record_str(r, "botId", bot);
    record_str(r, "userId", user);
    if (initial_message != NULL)
        record_str(r, "initialMessage", initial_message);
    char *body = record_finish(r);
    int rc = post(t, base, api_key, "start", body, fn, arg, cause);
    free(body);
    return rc;
}

int
rest_close(struct transport *t, const char *base, const char *api_key, const char *bot,
           const char *user, const char *redirect_text, rest_fn fn, void *arg,
           char **cause)
{
    if (check_ids(base, api_key, bot, user, cause) != 0)
        return -1;
    struct record *r = record_new();
    record_str(r, "botId", bot);
    record_str(r, "userId", user);
    if (redirect_text != NULL) {
        struct record *payload = record_new();
        record_str(payload, "type", "text");
        record_str(payload, "text", redirect_text);
        char *json = record_finish(payload);
        record_raw(r, "redirectPayload", json);
        free(json);
    }
    char *body = record_finish(r);
    int rc = post(t, base, api_key, "close", body, fn, arg, cause);
    free(body);
    return rc;
}

int
rest_get(struct transport *t, const char *base, const char *api_key,
         const char *conversation, rest_fn fn, void *arg, char **cause)
{
    if (check_base(base, cause) != 0 || check_key(api_key, cause) != 0)
        return -1;
    if (conversation == NULL || conversation[0] == '\0')
        return cause_fail(cause, xstrdup(_("no conversation id")));
    /* Escaping would hide a pasted URL or a typo; such an id is not one Jelou hands out. */
    for (const char *p = conversation; *p != '\0'; p++) {
        if (!unreserved(*p)) {
            char *e = cause_excerpt(conversation, strlen(conversation));
            int rc = cause_fail(cause, xasprintf(_("conversation id '%s' may hold only letters, "
                                                 "digits and . _ ~ -"), e));
            free(e);
            return rc;
        }
    }
    char *url = xasprintf("%s/conversations/%s", base, conversation);
    int rc = submit(t, "GET", url, api_key, NULL, fn, arg, cause);
    free(url);
    return rc;
}

static char *
integration_body(const struct rest_integration *in)
{
    struct record *r = record_new();
    if (in->webhook_url != NULL)
        record_str(r, "webhookUrl", in->webhook_url);
    if (in->auth_type != NULL)
        record_str(r, "authType", in->auth_type);
    if (in->authorization != NULL)
        record_str(r, "authorization", in->authorization);
    return record_finish(r);
}

static int
on_base(struct transport *t, const char *method, const char *base, const char *api_key,
        const struct rest_integration *in, rest_fn fn, void *arg, char **cause)
{
    if (check_base(base, cause) != 0 || check_key(api_key, cause) != 0)
        return -1;
    char *body = in != NULL ? integration_body(in) : NULL;
    int rc = submit_once(t, method, base, api_key, body, strcmp(method, "POST") != 0, fn, arg,
                         cause);
    if (body != NULL)
        explicit_bzero(body, strlen(body));
    free(body);
    return rc;
}

int
rest_integration_get(struct transport *t, const char *base, const char *api_key, rest_fn fn,
                     void *arg, char **cause)
{
    return on_base(t, "GET", base, api_key, NULL, fn, arg, cause);
}

int
rest_integration_create(struct transport *t, const char *base, const char *api_key,
                        const struct rest_integration *in, rest_fn fn, void *arg, char **cause)
{
    return on_base(t, "POST", base, api_key, in, fn, arg, cause);
}

int
rest_integration_update(struct transport *t, const char *base, const char *api_key,
                        const struct rest_integration *in, rest_fn fn, void *arg, char **cause)
{
    return on_base(t, "PATCH", base, api_key, in, fn, arg, cause);
}

int
rest_integration_delete(struct transport *t, const char *base, const char *api_key,
                        rest_fn fn, void *arg, char **cause)
{
    return on_base(t, "DELETE", base, api_key, NULL, fn, arg, cause);
}
