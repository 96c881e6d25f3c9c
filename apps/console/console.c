/*
 * apps/console/console.c — console sessions (apps/console/console.h): line
 * editing, splitting a line into words, finding the command in the table
 * and running it; the table itself, 'help', 'quit' and 'shutdown'.
 * Freestanding.
 */
#include "apps/console/commands.h"
#include "kernel/klib.h"

/* ------------------------------------------------------------- output */

void console_write(struct console_session *s, const char *bytes, size_t n)
{
    if (n && s->write)
        s->write(s->ctx, bytes, n);
}

void console_puts(struct console_session *s, const char *str)
{
    console_write(s, str, strlen(str));
}

void console_printf(struct console_session *s, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    console_write(s, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

enum console_status console_fail(struct console_session *s, const struct console_args *a,
                                 const char *fmt, ...)
{
    char buf[CONSOLE_LINE_MAX + 256]; /* room to quote a whole line and say why */
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    console_puts(s, a->cmd);
    console_puts(s, ": ");
    console_puts(s, buf);
    console_puts(s, "\n");
    return CONSOLE_FAILED;
}

bool console_may_change(struct console_session *s, const struct console_args *a)
{
    if (!(s->flags & CONSOLE_READONLY))
        return true;
    console_fail(s, a, "refused: this console is read-only");
    return false;
}

/* ------------------------------------------------------------ session */

void console_session_init(struct console_session *s, console_write_fn write, void *ctx,
                          unsigned flags)
{
    memset(s, 0, sizeof(*s));
    s->write = write;
    s->ctx = ctx;
    s->flags = flags;
}

void console_prompt(struct console_session *s)
{
    if (s->flags & CONSOLE_SHOW_PROMPT)
        console_puts(s, CONSOLE_PROMPT);
}

/** end_line - the line is complete: run it. */
static enum console_status end_line(struct console_session *s)
{
    enum console_status st = CONSOLE_OK;
    if (s->flags & CONSOLE_ECHO)
        console_puts(s, "\n");
    if (s->overlong) {
        console_printf(s, "line too long (more than %u bytes); ignored\n", CONSOLE_LINE_MAX);
        st = CONSOLE_FAILED;
        s->lines++;
        s->failed++;
    } else {
        s->line[s->len] = '\0';
        st = console_exec(s, s->line);
    }
    s->len = 0;
    s->overlong = false;
    if (st != CONSOLE_QUIT && st != CONSOLE_SHUTDOWN)
        console_prompt(s);
    return st;
}

enum console_status console_feed(struct console_session *s, const char *bytes, size_t n)
{
    enum console_status result = CONSOLE_OK;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)bytes[i];
        bool after_cr = s->after_cr;
        s->after_cr = c == '\r';
        if (s->esc != 0 && c < 0x20) {
            /* ECMA-48 5.3, 5.4: a control function inside an escape or control
             * sequence is performed, not swallowed, and it ends the sequence:
             * ESC then Enter still ends the line. A second ESC opens a new one. */
            s->esc = 0;
        } else if (s->esc == 1) { /* after ESC: '[' opens a CSI sequence, one more byte ends it */
            s->esc = c == '[' ? 2 : 0;
            continue;
        } else if (s->esc == 2) { /* CSI: parameters until a final byte 0x40..0x7e (ECMA-48 5.4) */
            if (c >= 0x40 && c <= 0x7e)
                s->esc = 0;
            continue;
        }
        if (c == '\r' || c == '\n') {
            if (c == '\n' && after_cr)
                continue; /* CR LF is one line end */
            enum console_status st = end_line(s);
            if (st == CONSOLE_QUIT || st == CONSOLE_SHUTDOWN)
                return st;
            if (st == CONSOLE_FAILED)
                result = CONSOLE_FAILED;
        } else if (c == 0x08 || c == 0x7f) { /* BS, DEL: erase one */
            if (s->len > 0 && !s->overlong) {
                s->len--;
                if (s->flags & CONSOLE_ECHO)
                    console_puts(s, "\b \b");
            }
        } else if (c == 0x15) { /* Ctrl-U: erase the line */
            for (; (s->flags & CONSOLE_ECHO) && s->len > 0 && !s->overlong; s->len--)
                console_puts(s, "\b \b");
            s->len = 0;
            s->overlong = false;
        } else if (c == 0x03) { /* Ctrl-C: abandon the line */
            if (s->flags & CONSOLE_ECHO)
                console_puts(s, "^C\n");
            s->len = 0;
            s->overlong = false;
            console_prompt(s);
        } else if (c == 0x1b) {
            s->esc = 1;
        } else if (c == '\t' || c >= 0x20) {
            if (s->len < CONSOLE_LINE_MAX) {
                s->line[s->len++] = c == '\t' ? ' ' : (char)c;
                if (s->flags & CONSOLE_ECHO)
                    console_write(s, &s->line[s->len - 1], 1);
            } else {
                s->overlong = true;
            }
        }
        /* other control bytes are ignored */
    }
    return result;
}

/* ------------------------------------------------------------- parsing */

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/** words_match - true when the first words of @argv are the words of @words ("route add"). */
static bool words_match(const char *words, unsigned argc, const char *const *argv, unsigned *nwords)
{
    unsigned k = 0;
    const char *w = words;
    while (*w) {
        size_t n = 0;
        while (w[n] && w[n] != ' ')
            n++;
        if (k >= argc || strlen(argv[k]) != n || strncmp(argv[k], w, n) != 0)
            return false;
        k++;
        w += n;
        while (*w == ' ')
            w++;
    }
    *nwords = k;
    return true;
}

/** first_word_is - true when @words begins with the word @word. */
static bool first_word_is(const char *words, const char *word)
{
    size_t n = strlen(word);
    return strncmp(words, word, n) == 0 && (words[n] == ' ' || words[n] == '\0');
}

/** cmd_count - the built-in commands and the registered ones (KCONSOLE_COMMAND). */
static unsigned cmd_count(void)
{
    return console_ncommands + KSET_COUNT(cmds);
}

/** cmd_at - command @i of cmd_count(): the built-in table first. */
static const struct console_cmd *cmd_at(unsigned i)
{
    return i < console_ncommands ? &console_commands[i] : KSET_BEGIN(cmds)[i - console_ncommands];
}

/** usage_line - "  WORDS SYNTAX\n      HELP\n". */
static void usage_line(struct console_session *s, const struct console_cmd *c)
{
    console_printf(s, "  %s%s%s\n", c->words, c->syntax[0] ? " " : "", c->syntax);
    console_printf(s, "      %s\n", c->help);
}

/** unknown - the line's first words name no command: say what would. */
static enum console_status unknown(struct console_session *s, unsigned argc,
                                   const char *const *argv)
{
    /* "show bogus": list the second words of the "show ..." commands. */
    bool family = false;
    for (unsigned i = 0; i < cmd_count(); i++)
        family |= first_word_is(cmd_at(i)->words, argv[0]);
    if (!family) {
        console_printf(s, "unknown command '%s' (type 'help' for the list)\n", argv[0]);
        return CONSOLE_FAILED;
    }
    console_puts(s, argv[0]);
    if (argc > 1)
        console_printf(s, ": unknown '%s'", argv[1]);
    console_puts(s, argc > 1 ? "; expected " : ": expected ");
    unsigned listed = 0;
    for (unsigned i = 0; i < cmd_count(); i++) {
        const char *w = cmd_at(i)->words;
        if (!first_word_is(w, argv[0]))
            continue;
        w += strlen(argv[0]);
        while (*w == ' ')
            w++;
        console_puts(s, listed++ ? ", " : "");
        console_puts(s, w);
    }
    console_puts(s, "\n");
    return CONSOLE_FAILED;
}

enum console_status console_exec(struct console_session *s, const char *line)
{
    char buf[CONSOLE_LINE_MAX + 1];
    size_t len = kstrlcpy(buf, line, sizeof(buf));
    if (len >= sizeof(buf)) {
        s->lines++;
        s->failed++;
        console_printf(s, "line too long (more than %u bytes); ignored\n", CONSOLE_LINE_MAX);
        return CONSOLE_FAILED;
    }
    const char *argv[CONSOLE_ARGS_MAX];
    size_t offs[CONSOLE_ARGS_MAX];
    unsigned argc = 0;
    for (size_t i = 0; buf[i];) {
        if (is_blank(buf[i])) {
            buf[i++] = '\0';
            continue;
        }
        if (buf[i] == '#' && argc == 0)
            break; /* a comment line */
        if (argc == CONSOLE_ARGS_MAX) {
            s->lines++;
            s->failed++;
            console_printf(s, "too many words (at most %u)\n", CONSOLE_ARGS_MAX);
            return CONSOLE_FAILED;
        }
        offs[argc] = i;
        argv[argc++] = &buf[i];
        /* A word runs to the next blank outside double quotes, so a quoted
         * value ("guard=\"udp and ...\"", the configuration syntax with its
         * backslash escapes) is one word however many blanks it holds. */
        bool quoted = false;
        while (buf[i] && (quoted || !is_blank(buf[i]))) {
            if (buf[i] == '\\' && quoted && buf[i + 1])
                i++;
            else if (buf[i] == '"')
                quoted = !quoted;
            i++;
        }
    }
    if (argc == 0)
        return CONSOLE_OK;
    s->lines++;

    const struct console_cmd *best = NULL;
    unsigned best_words = 0;
    for (unsigned i = 0; i < cmd_count(); i++) {
        unsigned nw;
        if (words_match(cmd_at(i)->words, argc, argv, &nw) && nw > best_words) {
            best = cmd_at(i);
            best_words = nw;
        }
    }
    enum console_status st;
    if (!best) {
        st = unknown(s, argc, argv);
    } else {
        struct console_args a = { .cmd = best->words, .argc = argc - best_words, .rest = "" };
        for (unsigned k = 0; k < a.argc; k++)
            a.argv[k] = argv[best_words + k];
        if (a.argc > 0) {
            a.rest = line + offs[best_words];
            a.rest_col = (unsigned)offs[best_words] + 1;
        }
        if ((s->flags & CONSOLE_READONLY) && !(best->flags & CONSOLE_CMD_READONLY))
            st = console_fail(s, &a, "refused: this console is read-only");
        else if (a.argc < best->min_args)
            st = console_fail(s, &a, "missing argument (usage: %s %s)", best->words, best->syntax);
        else if (a.argc > best->max_args)
            st = console_fail(s, &a, "unexpected '%s' (usage: %s%s%s)", a.argv[best->max_args],
                              best->words, best->syntax[0] ? " " : "", best->syntax);
        else
            st = best->run(s, &a);
    }
    if (st == CONSOLE_FAILED)
        s->failed++;
    return st;
}

/* ---------------------------------------------- help, quit, shutdown */

static enum console_status cmd_help(struct console_session *s, const struct console_args *a)
{
    unsigned shown = 0;
    if (a->argc == 0)
        console_puts(s, "commands:\n");
    for (unsigned i = 0; i < cmd_count(); i++) {
        const struct console_cmd *c = cmd_at(i);
        unsigned nw;
        if (a->argc == 0 || words_match(c->words, a->argc, a->argv, &nw) ||
            (a->argc == 1 && first_word_is(c->words, a->argv[0]))) {
            usage_line(s, c);
            shown++;
        }
    }
    if (shown == 0)
        return console_fail(s, a, "no command '%s' (type 'help' for the list)", a->rest);
    return CONSOLE_OK;
}

static enum console_status cmd_quit(struct console_session *s, const struct console_args *a)
{
    if (s->flags & CONSOLE_PERMANENT) {
        console_puts(s, "quit: this console stays open; 'shutdown' stops the appliance\n");
        return CONSOLE_OK;
    }
    console_puts(s, "bye (the appliance keeps running)\n");
    return CONSOLE_QUIT;
}

static enum console_status cmd_shutdown(struct console_session *s, const struct console_args *a)
{
    console_puts(s, "shutting down\n");
    return CONSOLE_SHUTDOWN;
}

/* -------------------------------------------------------------- table */

const struct console_cmd console_commands[] = {
    { "help", "[COMMAND]", "list the commands, or those starting with COMMAND", 0, CONSOLE_ARGS_MAX,
      cmd_help, CONSOLE_CMD_READONLY },
    { "show graph", "[dot]",
      "events with their handlers, guards and call counts as a tree from dev.PacketArrived; "
      "'dot' prints Graphviz DOT",
      0, 1, cmd_show_graph, CONSOLE_CMD_READONLY },
    { "show counters", "[NODE]",
      "the nonzero counters of every node, or every counter of NODE (e.g. ipv4, eth0, udp-echo)", 0,
      1, cmd_show_counters, CONSOLE_CMD_READONLY },
    { "show pools", "", "packet buffer pools: buffers, out, low water, allocations, failures", 0, 0,
      cmd_show_pools, CONSOLE_CMD_READONLY },
    { "show arp", "", "the ARP cache: interface, address, MAC, state, expiry, queued packets", 0, 0,
      cmd_show_arp, CONSOLE_CMD_READONLY },
    { "show routes", "", "the IPv4 routing table: static routes, then connected subnets", 0, 0,
      cmd_show_routes, CONSOLE_CMD_READONLY },
    { "show interfaces", "", "interfaces: driver, MAC, MTU, link, addresses, frame counters", 0, 0,
      cmd_show_interfaces, CONSOLE_CMD_READONLY },
    { "show nodes", "",
      "the linked-in protocol nodes and extension classes, from their descriptors", 0, 0,
      cmd_show_nodes, CONSOLE_CMD_READONLY },
    { "route add", "A.B.C.D/LEN via A.B.C.D [dev NAME] | A.B.C.D/LEN dev NAME",
      "add or replace a static route (without dev, the gateway's connected subnet picks the "
      "interface)",
      2, 5, cmd_route_add, 0 },
    { "route del", "A.B.C.D/LEN", "delete the static route for exactly A.B.C.D/LEN", 1, 1,
      cmd_route_del, 0 },
    { "arp flush", "", "forget every ARP cache entry (queued packets are dropped and counted)", 0,
      0, cmd_arp_flush, 0 },
    { "extension list", "", "installed extension instances with their ids, classes and parameters",
      0, 0, cmd_extension_list, CONSOLE_CMD_READONLY },
    { "extension install", "NAME [key=value ...]",
      "install an extension now; the same syntax as a configuration file's 'extension' line", 1,
      CONSOLE_ARGS_MAX, cmd_extension_install, 0 },
    { "extension remove", "ID", "uninstall the extension instance ID (see 'extension list')", 1, 1,
      cmd_extension_remove, 0 },
    { "log level", "[LEVEL]", "show or set the log level: err, warn, info or debug", 0, 1,
      cmd_log_level, CONSOLE_CMD_READONLY },
    { "quit", "", "close this console session (the appliance keeps running)", 0, 0, cmd_quit,
      CONSOLE_CMD_READONLY },
    { "shutdown", "", "stop the appliance: shut down cleanly and exit", 0, 0, cmd_shutdown, 0 },
};

const unsigned console_ncommands = KARRAY_SIZE(console_commands);
