/* Slash commands typed in the compose box: parsing only, no effects. */
#ifndef JELOU_SLASH_H
#define JELOU_SLASH_H

enum slash_cmd {
    SLASH_IMAGE,   /* /image URL [caption] */
    SLASH_VIDEO,   /* /video URL [caption] */
    SLASH_AUDIO,   /* /audio URL */
    SLASH_DOC,     /* /doc URL [filename] */
    SLASH_ATTACH,  /* /attach URL: type from MIME detection */
    SLASH_MEDIA,   /* /media: the picker */
    SLASH_HISTORY, /* /history */
    SLASH_RETRY,   /* /retry [n]: n-th failed message from the end (default 1) */
    SLASH_OPEN,    /* /open ROOM USER [name] */
    SLASH_REPLY,   /* /reply NAME */
    SLASH_EDIT,    /* /edit: $EDITOR on the draft */
    SLASH_SORT,    /* /sort [waiting|recent] */
    SLASH_MUTE,    /* /mute: toggle the bell */
    SLASH_CLOSE,   /* /close [message]: close the conversation (REST) */
    SLASH_START,   /* /start USER [message]: start a conversation (REST) */
    SLASH_INFO,    /* /info: the conversation as Jelou sees it (REST) */
    SLASH_RESUME,  /* /resume: send what a stopped console left unsent (same ids) */
    SLASH_HELP,    /* /help */
    SLASH_QUIT,    /* /quit */
};

struct slash {
    enum slash_cmd cmd;
    char *arg;      /* first argument (URL, ROOM, NAME, sort mode), or NULL */
    char *arg2;     /* second argument (USER), or NULL */
    char *rest;     /* the rest of the line (caption, filename, name), or NULL */
    int n;          /* /retry's number, 1 by default */
};

/* Parses text from the compose box. Returns 1 when it is a command (*out filled),
 * 0 when it is plain text to send (a leading "//" stands for a literal "/": *plain gets
 * the text to send, newly allocated, or NULL when text is unchanged), -1 with *cause
 * (one line: "unknown command /foo; /help lists them", "/image needs a URL") on error. */
int slash_parse(const char *text, struct slash *out, char **plain, char **cause);
void slash_clear(struct slash *s);

/* Command names for completion and help, NULL-terminated: "/image", ... */
extern const char *const slash_names[];

#endif
