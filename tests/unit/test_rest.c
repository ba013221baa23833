/* Unit tests for the REST client: base URLs, and what is refused before anything is sent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "jelou/rest.h"
#include "jelou/settings.h"
#include "jelou/transport.h"

static void
never_called(void *arg, const struct rest_result *r)
{
    (void)arg;
    (void)r;
    fail_msg("the callback ran for a refused call");
}

static void
base_is(const char *tmpl, const char *project, const char *want)
{
    char *got = rest_base_url(tmpl, project);
    assert_string_equal(got, want);
    free(got);
}

static void
test_base_url(void **state)
{
    (void)state;
    base_is(SETTINGS_DEFAULT_REST_BASE, "p-1",
            "https://gateway.jelou.ai/jelouapi/v1/external-support/p-1");
    base_is("https://gw.example/platform/v1/external-support/{projectId}/", "p-1",
            "https://gw.example/platform/v1/external-support/p-1");
    base_is("http://127.0.0.1:9/x//", "p", "http://127.0.0.1:9/x");
    base_is("https://gw.example/fixed", "p", "https://gw.example/fixed");
    /* a project id cannot add a path segment or a query */
    base_is("https://gw.example/{projectId}", "a/b?c", "https://gw.example/a%2Fb%3Fc");
}

/* Each call refused with exactly want, and the transport never got a request. */
static void
test_refused_before_sending(void **state)
{
    struct transport_opts to = {0};
    char *cause = NULL;
    struct transport *t = transport_new(&to, &cause);
    const char *base = "http://127.0.0.1:9/x";
    (void)state;
    assert_non_null(t);

    static const char *const bad_ids[] = {"a/b", "../admin", "a b", "id?x=1", "a%2F", "é"};
    for (size_t i = 0; i < sizeof bad_ids / sizeof bad_ids[0]; i++) {
        assert_int_equal(rest_get(t, base, "k", bad_ids[i], never_called, NULL, &cause), -1);
        assert_non_null(strstr(cause, "may hold only letters, digits and . _ ~ -"));
        free(cause);
        cause = NULL;
    }
    assert_int_equal(rest_get(t, base, "k", "", never_called, NULL, &cause), -1);
    assert_string_equal(cause, "no conversation id");
    free(cause);

    assert_int_equal(rest_start(t, base, NULL, "b", "u", NULL, never_called, NULL, &cause),
                     -1);
    assert_string_equal(cause, "no API key");
    free(cause);
    assert_int_equal(rest_close(t, base, "k\r\nX-Evil: 1", "b", "u", NULL, never_called,
                                NULL, &cause), -1);
    assert_string_equal(cause, "the API key contains a control character");
    free(cause);
    assert_int_equal(rest_start(t, base, "k", "b", "", NULL, never_called, NULL, &cause), -1);
    assert_string_equal(cause, "no user id");
    free(cause);
    assert_int_equal(rest_close(t, "https://gw.example/{projectId}", "k", "b", "u", NULL,
                                never_called, NULL, &cause), -1);
    assert_string_equal(cause, "the REST base still holds {projectId}: no project id");
    free(cause);

    assert_int_equal(transport_pending(t), 0);
    transport_free(t);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base_url),
        cmocka_unit_test(test_refused_before_sending),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
