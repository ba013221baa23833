/* The console's key tables, once: each row binds a key to its handler and says how the help
 * overlay lists it. */
#ifndef JELOU_UI_KEYMAP_H
#define JELOU_UI_KEYMAP_H

#include "jelou/editbuf.h"
#include "jelou/i18n.h"
#include "term.h"

/* A control key by its letter, as htop writes it: KEY_CTRL('c') is 3. */
#define KEY_CTRL(c) ((c) & 0x1f)

/* Whether a binding wants Alt held. */
enum { ALT_NO, ALT_YES, ALT_ANY };

/* The compose box's keys (MODE_MAIN), tried in this order:
 * X(first, last, alt, help_row, label, help_text, handler). A binding matches the codes
 * first..last. help_row orders the overlay's "Keys" lines (-1: not listed); labels on one
 * row run together (a label without help_text ends with the gap to the next one) up to the
 * help text, and a row with several help texts lists them side by side. The handler, in
 * ui/keys.c, returns 1 when the draft may have changed. */
#define MAIN_KEYS(X) \
    X(K_ENTER, K_ENTER, ALT_NO, 0, "Enter", N_("send the draft (or the confirmed attachment)"), \
      key_enter) \
    X(K_ESC, K_ESC, ALT_ANY, -1, NULL, NULL, key_esc) \
    X(K_ENTER, K_ENTER, ALT_YES, 1, "Alt-Enter, ", NULL, key_newline) \
    X(KEY_CTRL('j'), KEY_CTRL('j'), ALT_NO, 1, "C-j", N_("new line in the draft"), key_newline) \
    X(K_TAB, K_TAB, ALT_ANY, 9, "Tab, ", NULL, key_tab) \
    X('u', 'u', ALT_YES, 9, "Alt-u", N_("show/hide the user pane (Tab completes /reply names)"), \
      key_user_pane) \
    X(KEY_CTRL('n'), KEY_CTRL('n'), ALT_NO, 7, "C-n ", NULL, key_next_room) \
    X(KEY_CTRL('p'), KEY_CTRL('p'), ALT_NO, 7, "C-p, ", NULL, key_previous_room) \
    X('1', '9', ALT_YES, 7, "Alt-1-9", N_("next/previous room, room by number"), key_room_number) \
    X(K_PGUP, K_PGUP, ALT_ANY, 8, "PgUp ", NULL, key_scroll) \
    X(K_PGDN, K_PGDN, ALT_ANY, 8, "PgDn", \
      N_("scroll the conversation (past the top: older ones from disk)"), key_scroll) \
    X(K_F1, K_F1, ALT_ANY, 11, "F1", N_("this help"), key_help) \
    X(K_F2, K_F2, ALT_ANY, 11, "F2", N_("send history"), key_history) \
    X(KEY_CTRL('l'), KEY_CTRL('l'), ALT_NO, 11, "C-l", N_("redraw"), key_redraw) \
    X(KEY_CTRL('c'), KEY_CTRL('c'), ALT_NO, 12, "C-c", \
      N_("quit (asks while messages are still sending)"), key_quit) \
    X(KEY_CTRL('x'), KEY_CTRL('x'), ALT_NO, 10, "C-x C-e", N_("edit the draft in $EDITOR"), \
      key_ctrl_x) \
    X('v', 'v', ALT_YES, 13, "Alt-v", N_("team mode: the rooms pane's next view"), key_view) \
    X(K_UP, K_UP, ALT_NO, 6, "Up ", NULL, key_up_down) \
    X(K_DOWN, K_DOWN, ALT_NO, 6, "Down", \
      N_("earlier sent texts (empty draft), or move between lines"), key_up_down)

/* Line editing, in the compose box and in the history and picker filters:
 * X(code, alt, help_row, label, help_text, edit_op), listed like MAIN_KEYS. */
#define EDIT_KEYS(X) \
    X(KEY_CTRL('a'), ALT_NO, 2, "C-a ", NULL, EDIT_HOME) \
    X(KEY_CTRL('e'), ALT_NO, 2, "C-e ", NULL, EDIT_END) \
    X(KEY_CTRL('b'), ALT_NO, 2, "C-b ", NULL, EDIT_LEFT) \
    X(KEY_CTRL('f'), ALT_NO, 2, "C-f", N_("start/end of line, back/forward one character"), \
      EDIT_RIGHT) \
    X(KEY_CTRL('w'), ALT_NO, 4, "C-w ", NULL, EDIT_KILL_WORD_BACK) \
    X(KEY_CTRL('u'), ALT_NO, 4, "C-u ", NULL, EDIT_KILL_TO_START) \
    X(KEY_CTRL('k'), ALT_NO, 4, "C-k ", NULL, EDIT_KILL_TO_END) \
    X(KEY_CTRL('y'), ALT_NO, 4, "C-y", \
      N_("delete word / to start / to end, paste what was deleted"), EDIT_YANK) \
    X(KEY_CTRL('_'), ALT_NO, 5, "C-_", N_("undo"), EDIT_UNDO) \
    X(KEY_CTRL('d'), ALT_NO, -1, NULL, NULL, EDIT_DELETE) \
    X(K_BACKSPACE, ALT_NO, -1, NULL, NULL, EDIT_BACKSPACE) \
    X(K_DEL, ALT_NO, -1, NULL, NULL, EDIT_DELETE) \
    X(K_LEFT, ALT_NO, -1, NULL, NULL, EDIT_LEFT) \
    X(K_RIGHT, ALT_NO, -1, NULL, NULL, EDIT_RIGHT) \
    X(K_HOME, ALT_NO, -1, NULL, NULL, EDIT_HOME) \
    X(K_END, ALT_NO, -1, NULL, NULL, EDIT_END) \
    X('b', ALT_YES, 3, "Alt-b ", NULL, EDIT_WORD_LEFT) \
    X('f', ALT_YES, 3, "Alt-f", N_("back/forward one word"), EDIT_WORD_RIGHT) \
    X(K_LEFT, ALT_YES, -1, NULL, NULL, EDIT_WORD_LEFT) \
    X(K_RIGHT, ALT_YES, -1, NULL, NULL, EDIT_WORD_RIGHT) \
    X(K_BACKSPACE, ALT_YES, -1, NULL, NULL, EDIT_KILL_WORD_BACK)

#endif
