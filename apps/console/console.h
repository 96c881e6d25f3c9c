/*
 * apps/console/console.h — the appliance's operator console: a line-oriented
 * command language to look at the running protocol graph (counters, pools,
 * ARP cache, routes, interfaces, events with their handlers and guards) and
 * to change it while traffic flows (routes, ARP cache, extensions, log
 * level).
 *
 * Portable and freestanding: one parser and one command table serve every
 * front-end. A front-end owns a struct console_session, hands it the bytes
 * it receives and gives it a write callback for the output:
 *   hosted (apps/spindle/console.c): standard input and UNIX-socket clients;
 *   VMs (apps/console/serial.h): the serial port through arch_console_getc().
 *
 * Line editing is minimal: printable bytes are appended, backspace (BS 0x08
 * or DEL 0x7f) erases one, Ctrl-U erases the line, Ctrl-C abandons it, CR,
 * LF or CR LF ends it; ANSI escape sequences (arrow keys) are ignored.
 * Commands ("help" lists them with their syntax):
 *
 *   help [COMMAND]                       show graph [dot]
 *   show counters [NODE]                 show pools | arp | routes | interfaces
 *   route add A.B.C.D/LEN via A.B.C.D [dev NAME] | route add A.B.C.D/LEN dev NAME
 *   route del A.B.C.D/LEN                arp flush
 *   extension list | install NAME [key=value ...] | remove ID
 *   log level [LEVEL]                    quit    shutdown
 *
 * An error is one line "COMMAND: what is wrong", e.g. "route add:
 * 10.0.0.0/33: prefix length must be 0..32"; nothing changes on error.
 */
#ifndef SPINDLE_APPS_CONSOLE_H
#define SPINDLE_APPS_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Longest command line in bytes (without the line end); longer lines are refused. */
#define CONSOLE_LINE_MAX 512
/** Most words in one command line. */
#define CONSOLE_ARGS_MAX 32
/** The prompt printed when a session with CONSOLE_PROMPT is ready for a line. */
#define CONSOLE_PROMPT "spindle> "

/** Where a session's output goes: @n bytes at @s (not NUL-terminated). */
typedef void (*console_write_fn)(void *ctx, const char *s, size_t n);

/** Session flags (console_session_init). */
enum console_flags {
    CONSOLE_ECHO = 1u << 0,        /* echo typed bytes and erasures back (raw serial terminal) */
    CONSOLE_SHOW_PROMPT = 1u << 1, /* print CONSOLE_PROMPT before every line */
    CONSOLE_PERMANENT = 1u << 2,   /* 'quit' cannot close this session (the VM serial port) */
    CONSOLE_READONLY = 1u << 3,    /* only commands declared CONSOLE_CMD_READONLY run (command.h) */
};

/** What running a line asks of the front-end. */
enum console_status {
    CONSOLE_OK = 0,       /* done (or an empty line) */
    CONSOLE_FAILED = 1,   /* the command printed its error */
    CONSOLE_QUIT = 2,     /* 'quit': close this session (the appliance keeps running) */
    CONSOLE_SHUTDOWN = 3, /* 'shutdown': stop the appliance (front-end's job) */
};

/** One console session. Fields are private except the counters. */
struct console_session {
    console_write_fn write;
    void *ctx;
    unsigned flags; /* enum console_flags */
    char line[CONSOLE_LINE_MAX + 1];
    size_t len;      /* bytes in line */
    bool overlong;   /* the line being typed passed CONSOLE_LINE_MAX */
    bool after_cr;   /* the previous byte was CR: an LF now ends no line */
    uint8_t esc;     /* escape sequence state: 0 none, 1 after ESC, 2 in CSI */
    uint64_t lines;  /* command lines run */
    uint64_t failed; /* of which failed */
};

/**
 * console_session_init - a session writing through @write(@ctx, ...) with
 * @flags (enum console_flags). Prints nothing; call console_prompt() when
 * the front-end is ready.
 */
void console_session_init(struct console_session *s, console_write_fn write, void *ctx,
                          unsigned flags);

/** console_prompt - print CONSOLE_PROMPT if the session shows one. */
void console_prompt(struct console_session *s);

/**
 * console_feed - hand @n received bytes to the session: edits the line and
 * runs each completed one (console_exec), printing the prompt after it.
 * Stops at a line that returns CONSOLE_QUIT or CONSOLE_SHUTDOWN and returns
 * that (the bytes after it are dropped); otherwise returns CONSOLE_FAILED if
 * any line failed, else CONSOLE_OK.
 */
enum console_status console_feed(struct console_session *s, const char *bytes, size_t n);

/**
 * console_exec - run one command @line (a NUL-terminated string without
 * line end) and write its output to @s. Returns the command's status.
 */
enum console_status console_exec(struct console_session *s, const char *line);

/** console_write - @n bytes of output to @s. */
void console_write(struct console_session *s, const char *bytes, size_t n);
/** console_puts - a NUL-terminated string to @s, as is (no newline added). */
void console_puts(struct console_session *s, const char *str);
/**
 * console_printf - formatted output to @s (kernel/klib.h ksnprintf syntax).
 * One call writes at most 255 bytes; write longer text with console_puts.
 */
void console_printf(struct console_session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
