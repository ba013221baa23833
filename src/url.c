/* URL parsing and the console's rules for endpoint and media URLs (no network, no libraries). */
#include "jelou/url.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jelou/cause.h"
#include "jelou/xalloc.h"
#include "jelou/i18n.h"

/* Longest piece of a user's URL quoted back in a cause, so that a cause stays one short line. */

static void
lower(char *s)
{
    for (; *s != '\0'; s++)
        *s = (char)tolower((unsigned char)*s);
}

static int
is_scheme_char(unsigned char c, int first)
{
    if (isalpha(c))
        return 1;
    return !first && (isdigit(c) || c == '+' || c == '-' || c == '.');
}

/* Registered names: letters, digits and the RFC 3986 unreserved marks. Anything else in a
 * host (percent escapes, '!', non-ASCII) is more likely a mistake or a trick than a server. */
static int
is_host_char(unsigned char c)
{
    return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

static int
parse_port(const char *p, size_t n, unsigned *port, char **cause)
{
    unsigned long v = 0;

    if (n == 0)
        return cause_fail(cause, xstrdup(_("URL port is empty")));
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)p[i])) {
            char *e = cause_excerpt(p, n);
            int rc = cause_fail(cause, xasprintf(_("URL port '%s' is not a number"), e));
            free(e);
            return rc;
        }
        /* Saturate instead of overflowing; anything past 65535 is refused below anyway. */
        if (v <= 65535)
            v = v * 10 + (unsigned long)(p[i] - '0');
    }
    if (v == 0 || v > 65535) {
        char *e = cause_excerpt(p, n);
        int rc = cause_fail(cause, xasprintf(_("URL port '%s' is out of range (1-65535)"), e));
        free(e);
        return rc;
    }
    *port = (unsigned)v;
    return 0;
}

/* Fills u->host and u->port from the authority a[0..n). */
static int
parse_authority(const char *a, size_t n, struct url *u, char **cause)
{
    const char *host, *rest, *end = a + n;
    size_t hlen;

    if (memchr(a, '@', n) != NULL)
        return cause_fail(cause,
                          xstrdup(_("URL must not contain user info ('@' before the host)")));
    if (n == 0)
        return cause_fail(cause, xstrdup(_("URL has an empty host")));

    if (a[0] == '[') {
        const char *close = memchr(a, ']', n);
        if (close == NULL)
            return cause_fail(cause, xstrdup(_("URL has an unclosed '[' in the host")));
        host = a + 1;
        hlen = (size_t)(close - host);
        if (hlen == 0)
            return cause_fail(cause, xstrdup(_("URL has an empty host")));
        char *h = xstrndup(host, hlen);
        struct in6_addr a6;
        if (inet_pton(AF_INET6, h, &a6) != 1) {
            char *e = cause_excerpt(h, hlen);
            free(h);
            int rc = cause_fail(cause,
                                xasprintf(_("URL host '[%s]' is not a valid IPv6 address"), e));
            free(e);
            return rc;
        }
        free(h);
        rest = close + 1;
        if (rest != end && *rest != ':')
            return cause_fail(cause, xstrdup(_("URL has characters after ']' in the host")));
    } else {
        const char *colon = memchr(a, ':', n);
        host = a;
        hlen = colon != NULL ? (size_t)(colon - a) : n;
        if (colon != NULL && memchr(colon + 1, ':', (size_t)(end - colon - 1)) != NULL)
            return cause_fail(cause, xstrdup(_("URL host has more than one ':' "
                                       "(IPv6 addresses go in brackets, like [::1])")));
        if (hlen == 0)
            return cause_fail(cause, xstrdup(_("URL has an empty host")));
        for (size_t i = 0; i < hlen; i++) {
            if (!is_host_char((unsigned char)host[i])) {
                char *e = cause_excerpt(host, hlen);
                int rc = cause_fail(cause, xasprintf(_("URL host '%s' contains a character "
                                                       "that is not allowed"), e));
                free(e);
                return rc;
            }
        }
        rest = a + hlen;
    }

    u->port = 0;
    if (rest != end && parse_port(rest + 1, (size_t)(end - rest - 1), &u->port, cause) != 0)
        return -1;
    u->host = xstrndup(host, hlen);
    lower(u->host);
    return 0;
}

int
url_parse(const char *s, struct url *u, char **cause)
{
    memset(u, 0, sizeof *u);
    if (s == NULL || *s == '\0')
        return cause_fail(cause, xstrdup(_("URL is empty")));

    for (size_t i = 0; s[i] != '\0'; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c == 0x7f)
            return cause_fail(cause, xasprintf(_("URL contains a space or control character "
                                         "at byte %zu"), i));
    }

    const char *sep = strstr(s, "://");
    size_t slen = sep != NULL ? (size_t)(sep - s) : 0;
    for (size_t i = 0; i < slen; i++) {
        if (!is_scheme_char((unsigned char)s[i], i == 0)) {
            slen = 0;
            break;
        }
    }
    if (slen == 0)
        return cause_fail(cause, xstrdup(_("URL has no scheme (expected http:// or https://)")));
    char *scheme = xstrndup(s, slen);
    lower(scheme);
    if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
        char *e = cause_excerpt(scheme, slen);
        int rc = cause_fail(cause, xasprintf(_("URL scheme '%s' is not supported "
                                       "(expected http or https)"), e));
        free(e);
        free(scheme);
        return rc;
    }

    const char *a = sep + 3;
    size_t alen = strcspn(a, "/?#");
    if (parse_authority(a, alen, u, cause) != 0) {
        free(scheme);
        url_clear(u);
        return -1;
    }
    u->scheme = scheme;
    u->path = xstrdup(a + alen);
    return 0;
}

void
url_clear(struct url *u)
{
    if (u == NULL)
        return;
    free(u->scheme);
    free(u->host);
    free(u->path);
    memset(u, 0, sizeof *u);
}

/* Exactly four decimal parts of 0..255 without leading zeros: "127.000.0.1" or "127.1" are
 * read differently by different resolvers (octal, short forms), so they never count. */
static int
parse_ipv4(const char *s, unsigned char out[4])
{
    for (int part = 0; part < 4; part++) {
        unsigned v = 0;
        int digits = 0;
        if (part > 0) {
            if (*s != '.')
                return -1;
            s++;
        }
        while (isdigit((unsigned char)*s) && digits < 4) {
            v = v * 10 + (unsigned)(*s - '0');
            s++;
            digits++;
        }
        if (digits == 0 || digits > 3 || v > 255)
            return -1;
        if (digits > 1 && s[-digits] == '0')
            return -1;
        out[part] = (unsigned char)v;
    }
    return *s == '\0' ? 0 : -1;
}

int
url_host_is_loopback(const char *host)
{
    unsigned char v4[4];
    struct in6_addr v6;

    if (host == NULL)
        return 0;
    if (strcasecmp(host, "localhost") == 0)
        return 1;
    if (parse_ipv4(host, v4) == 0)
        return v4[0] == 127;
    /* inet_pton accepts every spelling of ::1 (0:0:0:0:0:0:0:1, ...), all of them loopback. */
    if (inet_pton(AF_INET6, host, &v6) == 1)
        return IN6_IS_ADDR_LOOPBACK(&v6);
    return 0;
}

int
url_check_media(const char *s, char **cause)
{
    struct url u;
    char *why = NULL;

    if (s == NULL || *s == '\0')
        return cause_fail(cause, xstrdup(_("media URL is empty")));
    if (strncasecmp(s, "https://", 8) != 0) {
        char *e = cause_excerpt(s, strlen(s));
        int rc = cause_fail(cause, xasprintf(_("media URL must start with https:// (got %s)"), e));
        free(e);
        return rc;
    }
    if (url_parse(s, &u, &why) != 0) {
        int rc = cause_fail(cause, xasprintf(_("media %s"), why));
        free(why);
        return rc;
    }
    url_clear(&u);
    return 0;
}

int
url_check_endpoint(const char *s, char **cause)
{
    struct url u;
    char *why = NULL;
    int rc = 0;

    if (s == NULL || *s == '\0')
        return cause_fail(cause, xstrdup(_("endpoint URL is empty")));
    if (url_parse(s, &u, &why) != 0) {
        rc = cause_fail(cause, xasprintf(_("endpoint %s"), why));
        free(why);
        return rc;
    }
    if (strcmp(u.scheme, "http") == 0 && !url_host_is_loopback(u.host))
        rc = cause_fail(cause, xstrdup(_("http:// endpoints are only allowed on loopback "
                                 "(127.0.0.1, ::1, localhost); use https://")));
    url_clear(&u);
    return rc;
}

int
url_parse_listen(const char *s, char **addr, unsigned *port, char **cause)
{
    const char *colon = strrchr(s, ':');
    const char *p = colon ? colon + 1 : s;
    char *end;
    long v = strtol(p, &end, 10);
    if (*p == '\0' || *end != '\0' || v < 0 || v > 65535) {
        *cause = xasprintf(_("--listen wants ADDR:PORT with a port from 0 to 65535 (got '%s')"),
                           s);
        return -1;
    }
    *port = (unsigned)v;
    if (colon == NULL) {
        *addr = xstrdup("127.0.0.1");
    } else if (s[0] == '[' && colon > s + 1 && colon[-1] == ']') {
        *addr = xstrndup(s + 1, (size_t)(colon - s - 2));
    } else {
        *addr = xstrndup(s, (size_t)(colon - s));
    }
    return 0;
}

char *
url_path_escape(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s);
    char *out = xmalloc(n * 3 + 1), *o = out;
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        /* RFC 3986's unreserved characters stay; everything else is %XX. */
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_' || *p == '~') {
            *o++ = (char)*p;
        } else {
            *o++ = '%';
            *o++ = hex[*p >> 4];
            *o++ = hex[*p & 15];
        }
    }
    *o = '\0';
    return out;
}
