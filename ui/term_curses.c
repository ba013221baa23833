/* The curses terminal: ncursesw behind the UI's small table of operations. */
#define NCURSES_WIDECHAR 1
#include "term.h"

#include <curses.h>
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <wchar.h>

#include "jelou/text.h"
#include "jelou/xalloc.h"

/* Our own key codes for bracketed paste, defined into curses' key table. */
#define CK_PASTE_BEGIN (KEY_MAX + 1)
#define CK_PASTE_END (KEY_MAX + 2)

/* From terminfo's <term.h>, which cannot be included here: its struct term is not ours.
 * Only pointers pass, so void * stands for its TERMINAL *. */
extern int setupterm(const char *term, int fd, int *err);
extern int del_curterm(void *t);
extern void *cur_term;

static attr_t theme[ST_COUNT];

/* A small theme table: colours when the terminal has them and NO_COLOR is unset. */
static void
theme_init(void)
{
    static const struct {
        enum style st;
        short fg;
        attr_t attr;
    } table[] = {
        {ST_NORMAL, -1, A_NORMAL},         {ST_DIM, -1, A_DIM},
        {ST_TITLE, COLOR_CYAN, A_BOLD},    {ST_SELECTED, -1, A_REVERSE},
        {ST_UNREAD, COLOR_YELLOW, A_BOLD}, {ST_IN, COLOR_CYAN, A_BOLD},
        {ST_OUT, COLOR_GREEN, A_BOLD},     {ST_OK, COLOR_GREEN, A_NORMAL},
        {ST_PENDING, COLOR_YELLOW, A_NORMAL}, {ST_ERROR, COLOR_RED, A_BOLD},
        {ST_STATUS, -1, A_REVERSE},        {ST_BORDER, -1, A_DIM},
        {ST_NOTE, COLOR_MAGENTA, A_ITALIC},
    };
    const char *no_color = getenv("NO_COLOR");
    int colour = has_colors() && (no_color == NULL || no_color[0] == '\0');
    if (colour) {
        start_color();
        use_default_colors();
    }
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        attr_t a = table[i].attr;
        if (colour && table[i].fg >= 0) {
            init_pair((short)(i + 1), table[i].fg, -1);
            a |= COLOR_PAIR(i + 1);
        }
        theme[table[i].st] = a;
    }
}

static void
c_size(void *ctx, int *rows, int *cols)
{
    (void)ctx;
    getmaxyx(stdscr, *rows, *cols);
}

static void
c_erase(void *ctx)
{
    (void)ctx;
    erase();
}

/* Cluster by cluster (text_cluster), one cell each, so that curses counts the columns the
 * terminal gives: handed the bytes, curses would give every emoji of a ZWJ sequence cells
 * of its own while the terminal draws them in one, and put a mark without a base on the
 * cell before, another pane's. */
static void
c_put(void *ctx, int row, int col, const char *s, size_t n, enum style st)
{
    (void)ctx;
    attr_t a = theme[st];
    size_t i = 0;
    while (i < n) {
        int w;
        size_t shown, len = text_cluster(s + i, n - i, &w, &shown);
        if (len == 0)
            break;
        wchar_t wc[CCHARW_MAX + 1] = {0};
        size_t k = 0, j = 0;
        mbstate_t ps;
        memset(&ps, 0, sizeof ps);
        while (w > 0 && j < shown && k < CCHARW_MAX) {
            size_t r = mbrtowc(&wc[k], s + i + j, shown - j, &ps);
            if (r == 0 || r > shown - j)
                break;
            k++;
            j += r;
        }
        if (k > 0) {
            cchar_t cc;
            wchar_t first[2] = {wc[0], L'\0'};
            setcchar(&cc, first, a & ~A_COLOR, (short)PAIR_NUMBER(a), NULL);
            /* setcchar keeps only marks after the base; the joined characters go in too. */
            for (size_t m = 1; m < k; m++)
                cc.chars[m] = wc[m];
            mvadd_wch(row, col, &cc);
        }
        col += w;
        i += len;
    }
}

static void
c_repaint(void *ctx)
{
    (void)ctx;
    clearok(curscr, TRUE);
}

static void
c_cursor(void *ctx, int row, int col, int visible)
{
    (void)ctx;
    curs_set(visible ? 1 : 0);
    if (visible)
        move(row, col);
}

static void
c_flush(void *ctx)
{
    (void)ctx;
    refresh();
}

static void
c_bell(void *ctx)
{
    (void)ctx;
    beep();
}

static void
c_resize(void *ctx)
{
    (void)ctx;
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
        resize_term(ws.ws_row, ws.ws_col);
    /* The terminal may have reflowed what was on it: repaint everything. */
    clearok(curscr, TRUE);
}

static int
special(int c)
{
    switch (c) {
    case KEY_UP: return K_UP;
    case KEY_DOWN: return K_DOWN;
    case KEY_LEFT: return K_LEFT;
    case KEY_RIGHT: return K_RIGHT;
    case KEY_HOME: return K_HOME;
    case KEY_END: return K_END;
    case KEY_PPAGE: return K_PGUP;
    case KEY_NPAGE: return K_PGDN;
    case KEY_DC: return K_DEL;
    case KEY_BACKSPACE: return K_BACKSPACE;
    case KEY_ENTER: return K_ENTER;
    case KEY_RESIZE: return K_RESIZE;
    case KEY_F(1): return K_F1;
    case KEY_F(2): return K_F2;
    case KEY_F(3): return K_F3;
    case CK_PASTE_BEGIN: return K_PASTE_BEGIN;
    case CK_PASTE_END: return K_PASTE_END;
    default: return -1;
    }
}

static int
plain(wint_t c)
{
    switch (c) {
    case '\r': return K_ENTER;
    case '\t': return K_TAB;
    case 27: return K_ESC;
    case 127:
    case 8: return K_BACKSPACE;
    default: return (int)c;
    }
}

static int
c_read_key(void *ctx, struct key *k)
{
    (void)ctx;
    wint_t c;
    int r = get_wch(&c);
    if (r == ERR)
        return 0;
    k->alt = 0;
    if (r == KEY_CODE_YES) {
        k->code = special((int)c);
        return k->code >= 0 ? 1 : c_read_key(ctx, k);
    }
    if (c == 27) {
        /* ESC then a key within ESCDELAY is Alt+key. */
        wint_t c2;
        int r2 = get_wch(&c2);
        if (r2 == OK) {
            k->alt = 1;
            k->code = plain(c2);
            return 1;
        }
        if (r2 == KEY_CODE_YES) {
            k->alt = 1;
            k->code = special((int)c2);
            return k->code >= 0;
        }
    }
    k->code = plain(c);
    return 1;
}

/* The variable that decides LC_CTYPE, as the C library reads them, for the message. */
static const char *
ctype_variable(void)
{
    static const char *const vars[] = {"LC_ALL", "LC_CTYPE", "LANG"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v != NULL && v[0] != '\0')
            return vars[i];
    }
    return NULL;
}

int
term_curses_check(char **cause)
{
    /* Names, drafts and keys are UTF-8: in another locale curses garbles every non-ASCII
     * character and drops input after the first one typed. */
    const char *var = ctype_variable();
    int set = setlocale(LC_CTYPE, "") != NULL;
    const char *codeset = nl_langinfo(CODESET);
    if (!set || codeset == NULL || strcmp(codeset, "UTF-8") != 0) {
        const char *fix = var ? var : "LANG";
        if (var == NULL)
            *cause = xasprintf("no locale is set, and the console needs UTF-8: run it with "
                               "%s=C.UTF-8", fix);
        else if (!set)
            *cause = xasprintf("the locale %s=%s is not installed, and the console needs "
                               "UTF-8: run it with %s=C.UTF-8", var, getenv(var), fix);
        else
            *cause = xasprintf("the locale %s=%s is not UTF-8, so names and emoji would be "
                               "garbled: run it with %s=C.UTF-8", var, getenv(var), fix);
        return -1;
    }
    /* A terminal that cannot move the cursor (dumb, unknown) would get a blank screen. */
    const char *term = getenv("TERM");
    if (term == NULL || term[0] == '\0') {
        *cause = xstrdup("TERM is not set, so the screen cannot be drawn: set it to your "
                         "terminal's type, e.g. TERM=xterm-256color");
        return -1;
    }
    int err = 0;
    if (setupterm(term, STDOUT_FILENO, &err) != OK) {
        *cause = xasprintf("TERM=%s is not a terminal type this system knows: set TERM to "
                           "your terminal's type, e.g. TERM=xterm-256color", term);
        return -1;
    }
    const char *cup = tigetstr("cup");
    int usable = cup != NULL && cup != (char *)-1 && tigetflag("hc") <= 0;
    del_curterm(cur_term);
    if (!usable) {
        *cause = xasprintf("TERM=%s cannot move the cursor, so the screen cannot be drawn: "
                           "set TERM to your terminal's type, e.g. TERM=xterm-256color", term);
        return -1;
    }
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        *cause = xstrdup("the console needs a terminal (stdin and stdout are not one)");
        return -1;
    }
    return 0;
}

int
term_curses_open(struct term *t, int *fd, char **cause)
{
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        *cause = xstrdup("the console needs a terminal (stdin and stdout are not one)");
        return -1;
    }
    set_escdelay(25);
    if (initscr() == NULL) {
        *cause = xstrdup("cannot start curses on this terminal (is TERM set?)");
        return -1;
    }
    raw();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    meta(stdscr, TRUE);
    define_key("\033[200~", CK_PASTE_BEGIN);
    define_key("\033[201~", CK_PASTE_END);
    theme_init();
    /* Bracketed paste lets the paste guard tell a paste from typing. */
    fputs("\033[?2004h", stdout);
    fflush(stdout);
    memset(t, 0, sizeof *t);
    t->size = c_size;
    t->erase = c_erase;
    t->put = c_put;
    t->cursor = c_cursor;
    t->flush = c_flush;
    t->bell = c_bell;
    t->read_key = c_read_key;
    t->resize = c_resize;
    t->repaint = c_repaint;
    *fd = STDIN_FILENO;
    return 0;
}

void
term_curses_close(struct term *t)
{
    (void)t;
    fputs("\033[?2004l", stdout);
    fflush(stdout);
    endwin();
}

void
term_curses_suspend(struct term *t)
{
    (void)t;
    fputs("\033[?2004l", stdout);
    fflush(stdout);
    def_prog_mode();
    endwin();
}

void
term_curses_resume(struct term *t)
{
    (void)t;
    reset_prog_mode();
    fputs("\033[?2004h", stdout);
    fflush(stdout);
    clearok(stdscr, TRUE);
    refresh();
}
