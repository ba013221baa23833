/* The durable send history: one JSON line per finished send, read back on start. */
#ifndef JELOU_HISTORY_H
#define JELOU_HISTORY_H

#include <stddef.h>

#include "jelou/message.h"

struct history_entry {
    long long time_ms;
    char *room, *user, *id;
    enum msg_type type;
    char *preview;            /* what chat_msg_preview gave */
    char *url;                /* media URL, or NULL */
    enum send_state state;    /* accepted or failed */
    int attempts;
    long http_status;
    char *error;
};

/* $XDG_STATE_HOME/jelou-console/history.jsonl (~/.local/state/... without XDG_STATE_HOME),
 * newly allocated. The directory is created (0700) when missing. NULL with *cause. */
char *history_default_path(char **cause);

/* Appends e as one JSON line (fsync). Returns 0 or -1 with *cause. */
int history_append(const char *path, const struct history_entry *e, char **cause);

/* Reads every entry; a missing file is no entries. Torn or garbage lines are skipped and
 * counted in *skipped. Returns 0 with *out (free with history_free) or -1 with *cause. */
int history_load(const char *path, struct history_entry **out, size_t *n, size_t *skipped,
                 char **cause);
void history_free(struct history_entry *e, size_t n);

/* The same, one entry at a time: fn gets each entry and may take its strings (set them to
 * NULL); what is left is freed after the call. Keeps no copy of the file in memory. */
int history_each(const char *path, void (*fn)(void *arg, struct history_entry *e), void *arg,
                 size_t *skipped, char **cause);

/* Filter words, all of which must match: "status:failed", "room:ID", "type:image", and
 * plain words matched case-insensitively in the preview, room, user and id. */
int history_match(const struct history_entry *e, const char *filter);

#endif
