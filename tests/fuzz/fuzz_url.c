/* libFuzzer target: URL parsing and the media and endpoint rules. */
#include <ctype.h>
#include <strings.h>

#include "fuzz.h"
#include "jelou/url.h"

static void
check_parsed(const struct url *u)
{
    FUZZ_CHECK(u->scheme != NULL && u->host != NULL && u->path != NULL);
    FUZZ_CHECK(strcmp(u->scheme, "http") == 0 || strcmp(u->scheme, "https") == 0);
    FUZZ_CHECK(u->host[0] != '\0');
    FUZZ_CHECK(u->port <= 65535);
    for (const char *p = u->host; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;
        /* Lower-cased, and nothing a request line or a log could be fooled with. */
        FUZZ_CHECK(!isupper(c));
        FUZZ_CHECK(c > 0x20 && c < 0x7f && c != '@' && c != '/' && c != '[' && c != ']');
    }
    FUZZ_CHECK(u->path[0] == '\0' || strchr("/?#", u->path[0]) != NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size);
    struct url u;
    char *cause = NULL;

    int parsed = url_parse(s, &u, &cause) == 0;
    if (parsed) {
        FUZZ_CHECK(cause == NULL);
        check_parsed(&u);
        (void)url_host_is_loopback(u.host);
    } else {
        FUZZ_CHECK(cause != NULL && strchr(cause, '\n') == NULL);
        FUZZ_CHECK(u.scheme == NULL && u.host == NULL && u.path == NULL);
        free(cause);
        cause = NULL;
    }

    if (url_check_media(s, &cause) == 0) {
        /* The property: a media URL is https with a host, whoever parses it. */
        FUZZ_CHECK(cause == NULL);
        FUZZ_CHECK(parsed);
        FUZZ_CHECK(strcmp(u.scheme, "https") == 0);
        FUZZ_CHECK(u.host[0] != '\0');
        FUZZ_CHECK(strncasecmp(s, "https://", 8) == 0);
    } else {
        FUZZ_CHECK(cause != NULL && strchr(cause, '\n') == NULL);
        free(cause);
        cause = NULL;
    }

    if (url_check_endpoint(s, &cause) == 0) {
        FUZZ_CHECK(cause == NULL);
        FUZZ_CHECK(parsed);
        FUZZ_CHECK(strcmp(u.scheme, "https") == 0 || url_host_is_loopback(u.host));
    } else {
        FUZZ_CHECK(cause != NULL && strchr(cause, '\n') == NULL);
        free(cause);
        cause = NULL;
    }

    /* The host on its own, as the loopback check sees hosts from elsewhere. */
    (void)url_host_is_loopback(s);
    url_clear(&u);
    free(s);
    return 0;
}
