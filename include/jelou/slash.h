/* Slash commands typed in the compose box: parsing only, no effects. */
#ifndef JELOU_SLASH_H
#define JELOU_SLASH_H

#include "jelou/i18n.h"

/* Every slash command, once: X(ID, name, shape, usage, help_row, help_synopsis, help_text).
 * From this list come enum slash_cmd, the parser's table and the completion names
 * (src/slash.c), the help overlay's "Commands" lines (ui/help.c) and the binding to the
 * handler run_<name> (ui/commands.c): a new command is one line here plus its handler.
 * shape and usage: how src/slash.c reads the arguments and what it says when they are wrong.
 * help_row: the overlay line the command is listed on. A synopsis without help_text shares
 * its row with the next commands and ends with the gap that leads to them. */
#define SLASH_COMMANDS(X) \
    X(IMAGE, image, URL_REST, "/image URL [caption]", 0, "/image URL [caption]   ", NULL) \
    X(VIDEO, video, URL_REST, "/video URL [caption]", 0, "/video URL [caption]   ", NULL) \
    X(AUDIO, audio, URL_ONLY, "/audio URL", 0, "/audio URL   ", NULL) \
    X(DOC, doc, URL_REST, "/doc URL [filename]", 0, "/doc URL [filename]", NULL) \
    X(ATTACH, attach, URL_ONLY, "/attach URL", 1, "/attach URL", \
      N_("type from the detected MIME type")) \
    X(MEDIA, media, NO_ARGS, "/media", 2, "/media", \
      N_("pick from the media catalog and this session's URLs")) \
    X(HISTORY, history, NO_ARGS, "/history", 3, "/history", \
      N_("every message sent this session (F2)")) \
    X(RETRY, retry, RETRY, "/retry [n]", 4, "/retry [n]", \
      N_("resend the n-th last failed message, same id")) \
    X(OPEN, open, OPEN, "/open ROOM USER [name]", 5, "/open ROOM USER [name]", \
      N_("open a conversation by hand")) \
    X(REPLY, reply, ONE_NAME, "/reply NAME", 6, "/reply NAME", \
      N_("insert a canned reply ({name}, {agent} filled in)")) \
    X(EDIT, edit, NO_ARGS, "/edit", 11, "/edit  ", NULL) \
    X(SORT, sort, SORT, "/sort [waiting|recent]", 7, "/sort waiting|recent", \
      N_("order of the rooms pane")) \
    X(MUTE, mute, NO_ARGS, "/mute", 10, "/mute", N_("bell on/off for new user messages")) \
    X(CLOSE, close, TEXT_ONLY, "/close [message]", 8, "/close [msg] ", NULL) \
    X(START, start, USER_REST, "/start USER [message]", 8, "/start USER [msg] ", NULL) \
    X(INFO, info, NO_ARGS, "/info", 8, "/info", N_("close, start, look up the conversation")) \
    X(RESUME, resume, NO_ARGS, "/resume", 9, "/resume", \
      N_("send what a stopped console left unsent (same ids)")) \
    X(HELP, help, NO_ARGS, "/help", 11, "/help  ", NULL) \
    X(QUIT, quit, NO_ARGS, "/quit", 11, "/quit", N_("start a line with // to send a literal /")) \
    X(VIEW, view, VIEW, "/view [mine|unassigned|all|mentions]", 12, "/view VIEW", \
      N_("team: list Mine, Unassigned, All or Mentions (Alt-v)")) \
    X(TAKE, take, NO_ARGS, "/take", 13, "/take ", NULL) \
    X(RELEASE, release, NO_ARGS, "/release", 13, "/release ", NULL) \
    X(ASSIGN, assign, ONE_NAME, "/assign NAME", 13, "/assign NAME", \
      N_("team: take, give back, hand over")) \
    X(NOTE, note, TEXT_NEEDED, "/note TEXT", 14, "/note TEXT", \
      N_("team: a note only agents see (@name)")) \
    X(STATUS, status, STATUS, "/status pending|snoozed DURATION|resolved", 15, \
      "/status STATUS", N_("team: pending, snoozed 30m|2h|1d, resolved"))

#define SLASH_ENUM_ITEM(id, ...) SLASH_##id,
enum slash_cmd { SLASH_COMMANDS(SLASH_ENUM_ITEM) SLASH_COUNT };
#undef SLASH_ENUM_ITEM

struct slash {
    enum slash_cmd cmd;
    char *arg;      /* first argument (URL, ROOM, NAME, sort mode), or NULL */
    char *arg2;     /* second argument (USER), or NULL */
    char *rest;     /* the rest of the line (caption, filename, name), or NULL */
    int n;          /* /retry's number, 1 by default; /status snoozed: for how many seconds */
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
