/* URL parsing and the console's rules for endpoint and media URLs (no network). */
#ifndef JELOU_URL_H
#define JELOU_URL_H

struct url {
    char *scheme; /* lower-cased: "https" */
    char *host;   /* lower-cased, without brackets for IPv6 */
    unsigned port; /* 0 if not given */
    char *path;   /* from the first '/', or "" */
};

/* Parses an absolute http(s) URL. Returns 0, or -1 with *cause set (caller frees). */
int url_parse(const char *s, struct url *u, char **cause);
void url_clear(struct url *u);

/* 1 if host is localhost, 127.0.0.0/8 or ::1. */
int url_host_is_loopback(const char *host);

/* Media URLs must be https:// with a host. Returns 0 or -1 with *cause. */
int url_check_media(const char *s, char **cause);

/* Endpoints are https://, or http:// on a loopback host only. Returns 0 or -1 with *cause. */
int url_check_endpoint(const char *s, char **cause);

/* s as one path segment: unreserved characters kept, the rest %XX. Newly allocated. */
char *url_path_escape(const char *s);

/* --listen's ADDR:PORT: "127.0.0.1:8080", "[::1]:8080" or "8080" (loopback). *addr is newly
 * allocated. Returns 0, or -1 with *cause. */
int url_parse_listen(const char *s, char **addr, unsigned *port, char **cause);

#endif
