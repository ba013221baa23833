/* The XDG directories of the console: every getenv of HOME or XDG_* in the core is here. */
#include "jelou/paths.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "jelou/cause.h"
#include "jelou/xalloc.h"
#include "jelou/i18n.h"

#define APP_DIR "jelou-console"

const char *
paths_home(void)
{
    const char *home = getenv("HOME");
    return home != NULL && *home != '\0' ? home : NULL;
}

char *
paths_config_file(const char *name)
{
    const char *xdg = getenv("XDG_CONFIG_HOME");
    if (xdg != NULL && xdg[0] == '/')
        return xasprintf("%s/" APP_DIR "/%s", xdg, name);
    const char *home = paths_home();
    if (home != NULL)
        return xasprintf("%s/.config/" APP_DIR "/%s", home, name);
    return NULL;
}

/* mkdir -p: every missing directory on the way is private, as what goes in them is. */
static int
make_dirs(const char *dir, char **cause)
{
    char *path = xstrdup(dir);
    struct stat st;

    for (char *p = path + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        if (*p == '/' && p[-1] == '/')
            continue; /* "a//b" names no empty directory */
        char saved = *p;
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST) {
            int rc = cause_fail(cause,
                                xasprintf(_("cannot create %s: %s"), path, strerror(errno)));
            free(path);
            return rc;
        }
        *p = saved;
        if (saved == '\0')
            break;
    }
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
        int rc = cause_fail(cause, xasprintf(_("cannot use %s: not a directory"), path));
        free(path);
        return rc;
    }
    free(path);
    return 0;
}

char *
paths_state_dir(const char *what, char **cause)
{
    const char *state = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    char *dir;

    /* Unlike the config file, state needs an absolute HOME: a relative one would scatter
     * journals over whatever directory the console was started in. */
    if (state != NULL && state[0] == '/') {
        dir = xasprintf("%s/" APP_DIR, state);
    } else if (home != NULL && home[0] == '/') {
        dir = xasprintf("%s/.local/state/" APP_DIR, home);
    } else {
        cause_fail(cause, xasprintf(_("cannot place %s: neither XDG_STATE_HOME nor HOME is an "
                                    "absolute path"), what));
        return NULL;
    }
    if (make_dirs(dir, cause) != 0) {
        free(dir);
        return NULL;
    }
    return dir;
}

char *
paths_state_file(const char *name, const char *what, char **cause)
{
    char *dir = paths_state_dir(what, cause);
    if (dir == NULL)
        return NULL;
    char *path = xasprintf("%s/%s", dir, name);
    free(dir);
    return path;
}
