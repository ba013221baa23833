/* The sandbox's integration calls: one integration per project, kept in memory. */
#include "integration.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jelou/record.h"
#include "jelou/url.h"
#include "jelou/xalloc.h"

struct mock_integration {
    int exists;
    unsigned serial;        /* makes each created id new, as a re-create gets one */
    char id[32];
    char *webhook_url;
    char *auth_type;
    char *authorization;    /* kept so that it could be sent; never answered */
    char created_at[32];
    char updated_at[32];
};

static const char *const auth_types[] = {"bearer", "basic", "api_key", "no_auth"};

struct mock_integration *
mock_integration_new(void)
{
    return xcalloc(1, sizeof(struct mock_integration));
}

static void
forget(struct mock_integration *mi)
{
    free(mi->webhook_url);
    free(mi->auth_type);
    if (mi->authorization != NULL)
        explicit_bzero(mi->authorization, strlen(mi->authorization));
    free(mi->authorization);
    mi->webhook_url = mi->auth_type = mi->authorization = NULL;
    mi->exists = 0;
    mi->updated_at[0] = '\0';
}

void
mock_integration_free(struct mock_integration *mi)
{
    if (mi == NULL)
        return;
    forget(mi);
    free(mi);
}

static void
now_iso(char out[32])
{
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm) == NULL || strftime(out, 32, "%Y-%m-%dT%H:%M:%S.000Z", &tm) == 0)
        snprintf(out, 32, "1970-01-01T00:00:00.000Z");
}

static char *
success(const char *message, const struct mock_integration *mi, const char *secret)
{
    struct record *d = record_new();
    record_str(d, "id", mi->id);
    record_str(d, "brainId", "sandbox-brain");
    record_str(d, "webhookUrl", mi->webhook_url);
    record_str(d, "authType", mi->auth_type);
    if (secret != NULL)
        record_str(d, "signingSecret", secret);
    record_str(d, "createdAt", mi->created_at);
    if (mi->updated_at[0] != '\0')
        record_str(d, "updatedAt", mi->updated_at);
    char *data = record_finish(d);
    struct record *r = record_new();
    struct record *m = record_new();
    record_str(m, "m", message);
    char *one = record_finish(m);
    /* one is {"m":"..."}: the array holds the same escaped string. */
    char *array = xasprintf("[%.*s]", (int)(strlen(one) - 6), one + 5);
    record_raw(r, "message", array);
    record_str(r, "statusMessage", "success");
    record_int(r, "status", 1);
    record_raw(r, "data", data);
    free(one);
    free(array);
    if (secret != NULL)
        explicit_bzero(data, strlen(data));
    free(data);
    return record_finish(r);
}

/* Checks the fields a create or an update sets, and takes them when every one is good. */
static int
take_fields(struct mock_integration *mi, const char *body, size_t len, int create,
            char **reason)
{
    struct record_view *v = record_parse(body != NULL ? body : "", len, NULL);
    if (v == NULL) {
        *reason = xstrdup("the body is not a JSON object");
        return 422;
    }
    const char *url = record_get_str(v, "webhookUrl");
    const char *type = record_get_str(v, "authType");
    const char *token = record_get_str(v, "authorization");
    int status = 0;
    if (create && (url == NULL || url[0] == '\0')) {
        *reason = xstrdup("webhookUrl is required");
        status = 422;
    } else if (url != NULL && url_check_media(url, reason) != 0) {
        /* Jelou must reach it from outside: the media rule (https://, a host) fits. */
        char *why = *reason;
        *reason = xasprintf("webhookUrl: %s", why);
        free(why);
        status = 422;
    } else if (!create && url == NULL && type == NULL && token == NULL) {
        *reason = xstrdup("nothing to update: give webhookUrl, authType or authorization");
        status = 422;
    }
    size_t i = 0, n = sizeof auth_types / sizeof auth_types[0];
    if (status == 0 && type != NULL) {
        while (i < n && strcmp(type, auth_types[i]) != 0)
            i++;
        if (i == n) {
            *reason = xstrdup("authType must be bearer, basic, api_key or no_auth");
            status = 422;
        }
    }
    const char *eff = type != NULL ? type : create ? "no_auth" : mi->auth_type;
    if (status == 0 && strcmp(eff, "no_auth") != 0 && token == NULL &&
        (create || mi->authorization == NULL)) {
        *reason = xasprintf("authType %s needs authorization", eff);
        status = 422;
    }
    if (status == 0) {
        if (url != NULL)
            xstrset(&mi->webhook_url, url);
        if (eff != mi->auth_type)
            xstrset(&mi->auth_type, eff);
        if (strcmp(eff, "no_auth") == 0)
            token = NULL;
        if (token != NULL || strcmp(eff, "no_auth") == 0) {
            if (mi->authorization != NULL)
                explicit_bzero(mi->authorization, strlen(mi->authorization));
            free(mi->authorization);
            mi->authorization = token != NULL ? xstrdup(token) : NULL;
        }
    }
    record_view_free(v);
    return status;
}

int
mock_integration_answer(struct mock_integration *mi, const char *method, const char *body,
                        size_t body_len, const char *secret, char **answer, char **reason)
{
    *answer = *reason = NULL;
    int post = strcmp(method, "POST") == 0;
    if (!post && strcmp(method, "GET") != 0 && strcmp(method, "PATCH") != 0 &&
        strcmp(method, "DELETE") != 0) {
        *reason = xstrdup("the integration wants GET, POST, PATCH or DELETE");
        return 405;
    }
    if (post && mi->exists) {
        *reason = xasprintf("the project already has an integration (%s): update or delete "
                            "it", mi->id);
        return 409;
    }
    if (!post && !mi->exists) {
        *reason = xstrdup("the project has no integration");
        return 404;
    }
    if (post) {
        int status = take_fields(mi, body, body_len, 1, reason);
        if (status != 0) {
            forget(mi);
            return status;
        }
        mi->exists = 1;
        mi->serial++;
        snprintf(mi->id, sizeof mi->id, "integration-%u", mi->serial);
        now_iso(mi->created_at);
        *answer = success("Integration created", mi, secret);
        return 201;
    }
    if (strcmp(method, "GET") == 0) {
        *answer = success("Integration found", mi, NULL);
        return 200;
    }
    if (strcmp(method, "PATCH") == 0) {
        /* A refused update leaves the integration as it was: fields are checked first. */
        struct mock_integration copy = *mi;
        copy.webhook_url = mi->webhook_url ? xstrdup(mi->webhook_url) : NULL;
        copy.auth_type = xstrdup(mi->auth_type);
        copy.authorization = mi->authorization ? xstrdup(mi->authorization) : NULL;
        int status = take_fields(&copy, body, body_len, 0, reason);
        if (status != 0) {
            forget(&copy);
            return status;
        }
        forget(mi);
        *mi = copy;
        mi->exists = 1;
        now_iso(mi->updated_at);
        *answer = success("Integration updated", mi, NULL);
        return 200;
    }
    *answer = success("Integration deleted", mi, NULL);
    forget(mi);
    return 200;
}
