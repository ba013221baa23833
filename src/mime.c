/* MIME detection with libmagic: the only file that touches libmagic. */
#include "jelou/mime.h"

#include <errno.h>
#include <fcntl.h>
#include <magic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jelou/cause.h"
#include "jelou/xalloc.h"
#include "jelou/i18n.h"

/* Loading the database costs milliseconds and megabytes, so it is done once, on first use. */
static magic_t cookie;

static int
open_cookie(char **cause)
{
    if (cookie != NULL)
        return 0;
    magic_t m = magic_open(MAGIC_MIME_TYPE);
    if (m == NULL)
        return cause_fail(cause, xasprintf(_("cannot start libmagic: %s"), strerror(errno)));
    if (magic_load(m, NULL) != 0) {
        const char *why = magic_error(m);
        int rc = cause_fail(cause, xasprintf(_("cannot load the libmagic database: %s"),
                                       why ? why : "unknown error"));
        magic_close(m);
        return rc;
    }
    cookie = m;
    return 0;
}

int
mime_detect_buffer(const void *buf, size_t len, char **mime, char **cause)
{
    *mime = NULL;
    if (open_cookie(cause) != 0)
        return -1;
    const char *type = magic_buffer(cookie, buf, len);
    if (type == NULL) {
        const char *why = magic_error(cookie);
        return cause_fail(cause, xasprintf(_("libmagic cannot judge the data: %s"),
                                     why ? why : "unknown error"));
    }
    *mime = xstrdup(type);
    return 0;
}

int
mime_detect_file(const char *path, char **mime, char **cause)
{
    struct stat st;
    *mime = NULL;

    /* O_NONBLOCK: a FIFO given by mistake must be refused, not waited on forever. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return cause_fail(cause, xasprintf(_("cannot open %s: %s"), path, strerror(errno)));
    if (fstat(fd, &st) != 0) {
        int rc = cause_fail(cause, xasprintf(_("cannot read %s: %s"), path, strerror(errno)));
        close(fd);
        return rc;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return cause_fail(cause, xasprintf(_("%s is not a regular file"), path));
    }

    /* Only the head, like a URL probe, so a file and the same file served over HTTPS are
     * judged on exactly the same bytes. */
    char *data = xmalloc(MIME_PROBE_BYTES);
    size_t len = 0;
    while (len < MIME_PROBE_BYTES) {
        ssize_t n = read(fd, data + len, MIME_PROBE_BYTES - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int rc = cause_fail(cause, xasprintf(_("cannot read %s: %s"), path, strerror(errno)));
            free(data);
            close(fd);
            return rc;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    close(fd);

    char *why = NULL;
    int rc = mime_detect_buffer(data, len, mime, &why);
    free(data);
    if (rc != 0) {
        rc = cause_fail(cause, xasprintf("%s: %s", path, why));
        free(why);
    }
    return rc;
}

int
mime_is_web_page(const char *mime)
{
    static const char *const pages[] = {"text/html", "application/xhtml+xml"};

    if (mime == NULL)
        return 0;
    while (*mime == ' ' || *mime == '\t')
        mime++;
    size_t n = strcspn(mime, ";");
    while (n > 0 && (mime[n - 1] == ' ' || mime[n - 1] == '\t'))
        n--;
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
        if (strlen(pages[i]) == n && strncasecmp(mime, pages[i], n) == 0)
            return 1;
    }
    return 0;
}

void
mime_cleanup(void)
{
    if (cookie != NULL)
        magic_close(cookie);
    cookie = NULL;
}
