/* Unit tests for url (parsing, loopback, media and endpoint rules) and utf8 validation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "jelou/url.h"
#include "jelou/utf8.h"

static void
parse_ok(const char *s, const char *scheme, const char *host, unsigned port, const char *path)
{
    struct url u;
    char *cause = NULL;

    assert_int_equal(url_parse(s, &u, &cause), 0);
    assert_null(cause);
    assert_string_equal(u.scheme, scheme);
    assert_string_equal(u.host, host);
    assert_int_equal(u.port, port);
    assert_string_equal(u.path, path);
    url_clear(&u);
    assert_null(u.scheme);
    assert_null(u.host);
    assert_null(u.path);
}

static void
parse_fails(const char *s, const char *want)
{
    struct url u;
    char *cause = NULL;

    assert_int_equal(url_parse(s, &u, &cause), -1);
    assert_non_null(cause);
    assert_string_equal(cause, want);
    /* Nothing to free on failure, but clearing must still be safe. */
    assert_null(u.scheme);
    assert_null(u.host);
    assert_null(u.path);
    url_clear(&u);
    free(cause);
}

static void
test_parse_basic(void **state)
{
    (void)state;
    parse_ok("https://chatbot.jelou.ai/v1/external-support/webhook", "https",
             "chatbot.jelou.ai", 0, "/v1/external-support/webhook");
    parse_ok("http://127.0.0.1:8080/hook?x=1#f", "http", "127.0.0.1", 8080, "/hook?x=1#f");
    parse_ok("https://example.com", "https", "example.com", 0, "");
    parse_ok("https://example.com:443", "https", "example.com", 443, "");
    parse_ok("https://example.com?q=1", "https", "example.com", 0, "?q=1");
    parse_ok("https://example.com#top", "https", "example.com", 0, "#top");
    parse_ok("https://a-b_c.example.com:65535/", "https", "a-b_c.example.com", 65535, "/");
    parse_ok("https://h:1/", "https", "h", 1, "/");
    /* '@' after the authority is part of the path, not user info */
    parse_ok("https://example.com/a@b", "https", "example.com", 0, "/a@b");
}

static void
test_parse_case(void **state)
{
    (void)state;
    /* scheme and host are lowered, the path is kept as given */
    parse_ok("HTTPS://Example.COM/Path/File.PNG", "https", "example.com", 0, "/Path/File.PNG");
    parse_ok("HtTp://LOCALHOST:9/", "http", "localhost", 9, "/");
}

static void
test_parse_ipv6(void **state)
{
    (void)state;
    parse_ok("http://[::1]:8080/x", "http", "::1", 8080, "/x");
    parse_ok("https://[2001:DB8::1]/", "https", "2001:db8::1", 0, "/");
    parse_ok("https://[::1]", "https", "::1", 0, "");
    parse_fails("https://[::1/", "URL has an unclosed '[' in the host");
    parse_fails("https://[]/", "URL has an empty host");
    parse_fails("https://[zz::1]/", "URL host '[zz::1]' is not a valid IPv6 address");
    parse_fails("https://[::1]x/", "URL has characters after ']' in the host");
    parse_fails("https://::1/",
                "URL host has more than one ':' (IPv6 addresses go in brackets, like [::1])");
}

static void
test_parse_port(void **state)
{
    (void)state;
    parse_fails("https://example.com:0/", "URL port '0' is out of range (1-65535)");
    parse_fails("https://example.com:65536/", "URL port '65536' is out of range (1-65535)");
    parse_fails("https://example.com:99999999999999999999/",
                "URL port '99999999999999999999' is out of range (1-65535)");
    parse_fails("https://example.com:abc/", "URL port 'abc' is not a number");
    parse_fails("https://example.com:-1/", "URL port '-1' is not a number");
    parse_fails("https://example.com:/", "URL port is empty");
    parse_fails("https://[::1]:0/", "URL port '0' is out of range (1-65535)");
}

static void
test_parse_refusals(void **state)
{
    (void)state;
    parse_fails(NULL, "URL is empty");
    parse_fails("", "URL is empty");
    parse_fails("https://user:pw@example.com/",
                "URL must not contain user info ('@' before the host)");
    parse_fails("https://@example.com/", "URL must not contain user info ('@' before the host)");
    parse_fails("https://exa mple.com/", "URL contains a space or control character at byte 11");
    parse_fails("https://example.com/a b", "URL contains a space or control character at byte 21");
    parse_fails("https://example.com/\n", "URL contains a space or control character at byte 20");
    parse_fails("https://example.com/\x7f",
                "URL contains a space or control character at byte 20");
    parse_fails(" https://example.com/", "URL contains a space or control character at byte 0");
    parse_fails("https:///path", "URL has an empty host");
    parse_fails("https://", "URL has an empty host");
    parse_fails("https://:443/", "URL has an empty host");
    parse_fails("example.com/path", "URL has no scheme (expected http:// or https://)");
    parse_fails("//example.com/", "URL has no scheme (expected http:// or https://)");
    parse_fails("https:/example.com/", "URL has no scheme (expected http:// or https://)");
    parse_fails("ftp://example.com/",
                "URL scheme 'ftp' is not supported (expected http or https)");
    parse_fails("FILE:///etc/passwd",
                "URL scheme 'file' is not supported (expected http or https)");
    parse_fails("https://exa!mple.com/",
                "URL host 'exa!mple.com' contains a character that is not allowed");
    parse_fails("https://ex%41mple.com/",
                "URL host 'ex%41mple.com' contains a character that is not allowed");
    parse_fails("https://ex\xc3\xa1mple.com/",
                "URL host 'ex\xc3\xa1mple.com' contains a character that is not allowed");
}

static void
test_loopback(void **state)
{
    (void)state;
    assert_int_equal(url_host_is_loopback("127.0.0.1"), 1);
    assert_int_equal(url_host_is_loopback("127.1.2.3"), 1);
    assert_int_equal(url_host_is_loopback("127.255.255.255"), 1);
    assert_int_equal(url_host_is_loopback("::1"), 1);
    assert_int_equal(url_host_is_loopback("0:0:0:0:0:0:0:1"), 1);
    assert_int_equal(url_host_is_loopback("localhost"), 1);
    assert_int_equal(url_host_is_loopback("LOCALHOST"), 1);

    assert_int_equal(url_host_is_loopback(NULL), 0);
    assert_int_equal(url_host_is_loopback(""), 0);
    assert_int_equal(url_host_is_loopback("128.0.0.1"), 0);
    assert_int_equal(url_host_is_loopback("10.0.0.1"), 0);
    assert_int_equal(url_host_is_loopback("127.0.0.1.evil.com"), 0);
    assert_int_equal(url_host_is_loopback("localhost.evil.com"), 0);
    assert_int_equal(url_host_is_loopback("evil-localhost"), 0);
    assert_int_equal(url_host_is_loopback("127.0.0.256"), 0);
    assert_int_equal(url_host_is_loopback("127.0.0"), 0);
    assert_int_equal(url_host_is_loopback("127.0.0.1."), 0);
    assert_int_equal(url_host_is_loopback("127.0.0.1.2"), 0);
    assert_int_equal(url_host_is_loopback("127.1"), 0);
    assert_int_equal(url_host_is_loopback("0x7f.0.0.1"), 0);
    /* Leading zeros read as octal in some resolvers: not a dotted quad we trust. */
    assert_int_equal(url_host_is_loopback("127.000.0.1"), 0);
    assert_int_equal(url_host_is_loopback("0127.0.0.1"), 0);
    assert_int_equal(url_host_is_loopback("1270.0.0.1"), 0);
    assert_int_equal(url_host_is_loopback("::2"), 0);
    assert_int_equal(url_host_is_loopback("[::1]"), 0);
    assert_int_equal(url_host_is_loopback("::ffff:8.8.8.8"), 0);
}

static void
media(const char *s, const char *want)
{
    char *cause = NULL;
    int rc = url_check_media(s, &cause);

    if (want == NULL) {
        assert_int_equal(rc, 0);
        assert_null(cause);
        return;
    }
    assert_int_equal(rc, -1);
    assert_non_null(cause);
    assert_string_equal(cause, want);
    free(cause);
}

static void
test_media(void **state)
{
    (void)state;
    media("https://cdn.example.com/a.png", NULL);
    media("HTTPS://CDN.example.com/a.png", NULL);
    media("https://127.0.0.1:8443/a.png", NULL);
    media(NULL, "media URL is empty");
    media("", "media URL is empty");
    media("http://cdn.example.com/a.png",
          "media URL must start with https:// (got http://cdn.example.com/a.png)");
    media("ftp://cdn.example.com/a.png",
          "media URL must start with https:// (got ftp://cdn.example.com/a.png)");
    media("cdn.example.com/a.png",
          "media URL must start with https:// (got cdn.example.com/a.png)");
    media("/tmp/a.png", "media URL must start with https:// (got /tmp/a.png)");
    /* The quoted URL is cut, and a control byte cannot break the one-line cause. */
    media("http://cdn.example.com/0123456789012345678901234567890123456789/a.png",
          "media URL must start with https:// "
          "(got http://cdn.example.com/0123456789012345678901234567890123456...)");
    media("http://a\nb", "media URL must start with https:// (got http://a?b)");
    media("https://", "media URL has an empty host");
    media("https://u@cdn.example.com/a.png",
          "media URL must not contain user info ('@' before the host)");
    media("https://cdn.example.com/a b.png",
          "media URL contains a space or control character at byte 25");
}

static void
endpoint(const char *s, const char *want)
{
    char *cause = NULL;
    int rc = url_check_endpoint(s, &cause);

    if (want == NULL) {
        assert_int_equal(rc, 0);
        assert_null(cause);
        return;
    }
    assert_int_equal(rc, -1);
    assert_non_null(cause);
    assert_string_equal(cause, want);
    free(cause);
}

static const char http_refused[] =
    "http:// endpoints are only allowed on loopback (127.0.0.1, ::1, localhost); use https://";

static void
test_endpoint(void **state)
{
    (void)state;
    endpoint("https://chatbot.jelou.ai/v1/external-support/webhook", NULL);
    endpoint("https://10.0.0.1/hook", NULL);
    endpoint("http://127.0.0.1:8080/hook", NULL);
    endpoint("http://127.9.9.9/hook", NULL);
    endpoint("http://[::1]:8080/hook", NULL);
    endpoint("http://localhost:8080/hook", NULL);
    endpoint("HTTP://LocalHost/hook", NULL);
    endpoint("http://chatbot.jelou.ai/v1/external-support/webhook", http_refused);
    endpoint("http://128.0.0.1/hook", http_refused);
    endpoint("http://127.0.0.1.evil.com/hook", http_refused);
    endpoint("http://localhost.evil.com/hook", http_refused);
    endpoint("http://127.000.0.1/hook", http_refused);
    endpoint(NULL, "endpoint URL is empty");
    endpoint("", "endpoint URL is empty");
    endpoint("ftp://127.0.0.1/",
             "endpoint URL scheme 'ftp' is not supported (expected http or https)");
    endpoint("localhost:8080", "endpoint URL has no scheme (expected http:// or https://)");
    endpoint("http://127.0.0.1:0/", "endpoint URL port '0' is out of range (1-65535)");
    endpoint("http://user@127.0.0.1/",
             "endpoint URL must not contain user info ('@' before the host)");
}

static void
test_null_cause_is_allowed(void **state)
{
    (void)state;
    struct url u;
    assert_int_equal(url_parse("ftp://x/", &u, NULL), -1);
    assert_int_equal(url_check_media("http://x/", NULL), -1);
    assert_int_equal(url_check_endpoint("http://x/", NULL), -1);
}

#define VALID(lit) assert_int_equal(utf8_valid(lit, sizeof(lit) - 1), 1)
#define INVALID(lit) assert_int_equal(utf8_valid(lit, sizeof(lit) - 1), 0)

static void
test_utf8_valid(void **state)
{
    (void)state;
    VALID("");
    assert_int_equal(utf8_valid(NULL, 0), 1);
    VALID("plain ascii");
    VALID("\xc2\x80");                 /* U+0080, smallest 2-byte */
    VALID("\xc3\xb1" "and\xcc\x81");   /* n-tilde, combining acute */
    VALID("\xe4\xb8\xad\xe6\x96\x87"); /* CJK */
    VALID("\xe2\x80\x8f");             /* right-to-left mark */
    VALID("\xe0\xa0\x80");             /* U+0800, smallest 3-byte */
    VALID("\xed\x9f\xbf");             /* U+D7FF, just below the surrogates */
    VALID("\xee\x80\x80");             /* U+E000, just above them */
    VALID("\xef\xbf\xbf");             /* U+FFFF */
    VALID("\xf0\x9f\x98\x80");         /* grinning face emoji */
    VALID("\xf0\x90\x80\x80");         /* U+10000, smallest 4-byte */
    VALID("\xf4\x8f\xbf\xbf");         /* U+10FFFF, the last code point */
}

static void
test_utf8_invalid(void **state)
{
    (void)state;
    INVALID("\xc0\x80");         /* overlong NUL */
    INVALID("\xc1\xbf");         /* overlong '\x7f' */
    INVALID("\xe0\x80\xaf");     /* overlong '/' in 3 bytes */
    INVALID("\xe0\x9f\xbf");     /* overlong U+07FF */
    INVALID("\xf0\x8f\xbf\xbf"); /* overlong U+FFFF */
    INVALID("\xed\xa0\x80");     /* U+D800, high surrogate */
    INVALID("\xed\xbf\xbf");     /* U+DFFF, low surrogate */
    INVALID("\xf4\x90\x80\x80"); /* U+110000 */
    INVALID("\xf5\x80\x80\x80");
    INVALID("\xff");
    INVALID("\xfe");
    INVALID("\x80");             /* lone continuation */
    INVALID("a\xbf");
    INVALID("\xc3");             /* truncated 2-byte */
    INVALID("\xe4\xb8");         /* truncated 3-byte */
    INVALID("\xf0\x9f\x98");     /* truncated 4-byte */
    INVALID("\xf0\x9f\x98" "a"); /* 4-byte with a non-continuation */
    INVALID("\xe4" "a" "\xb8");
    INVALID("ok\0ok");           /* NUL inside n */
    INVALID("\0");
}

static void
test_utf8_respects_n(void **state)
{
    (void)state;
    /* n ends inside the emoji: invalid, even though the bytes after n would complete it */
    assert_int_equal(utf8_valid("\xf0\x9f\x98\x80", 3), 0);
    assert_int_equal(utf8_valid("\xf0\x9f\x98\x80", 4), 1);
    /* n stops before an invalid byte */
    assert_int_equal(utf8_valid("ab\xff", 2), 1);
}

static void
test_path_escape(void **state)
{
    (void)state;
    char *e = url_path_escape("room-1_a.b~c");
    assert_string_equal(e, "room-1_a.b~c");
    free(e);
    /* a slash would make another path segment; a space, a '%' or UTF-8 need escaping */
    e = url_path_escape("a/b c%\xc3\xb1");
    assert_string_equal(e, "a%2Fb%20c%25%C3%B1");
    free(e);
    e = url_path_escape("");
    assert_string_equal(e, "");
    free(e);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_basic),
        cmocka_unit_test(test_parse_case),
        cmocka_unit_test(test_parse_ipv6),
        cmocka_unit_test(test_parse_port),
        cmocka_unit_test(test_parse_refusals),
        cmocka_unit_test(test_loopback),
        cmocka_unit_test(test_media),
        cmocka_unit_test(test_endpoint),
        cmocka_unit_test(test_null_cause_is_allowed),
        cmocka_unit_test(test_utf8_valid),
        cmocka_unit_test(test_utf8_invalid),
        cmocka_unit_test(test_utf8_respects_n),
        cmocka_unit_test(test_path_escape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
