/*
 * apps/console/command.h — what a console command is and receives, for
 * modules that add commands of their own. A command registers itself at
 * link time (kernel/section.h), one line beside its code:
 *
 *     static enum console_status cmd_video_list(struct console_session *s,
 *                                               const struct console_args *a);
 *     static const struct console_cmd video_list_cmd = {
 *         .words = "video list", .syntax = "", .help = "the videos on the media disk",
 *         .min_args = 0, .max_args = 0, .run = cmd_video_list,
 *         .flags = CONSOLE_CMD_READONLY,   // omitted: it changes state
 *     };
 *     KCONSOLE_COMMAND(video_list_cmd);
 *
 * 'help' lists the built-in commands, then the registered ones.
 */
#ifndef SPINDLE_APPS_CONSOLE_COMMAND_H
#define SPINDLE_APPS_CONSOLE_COMMAND_H

#include "apps/console/console.h"
#include "kernel/section.h"

/** A command's arguments: the words after the command's own words. */
struct console_args {
    const char *cmd; /* the command's words, "route add", for messages */
    unsigned argc;
    const char *argv[CONSOLE_ARGS_MAX];
    const char *rest;  /* the raw text from argv[0] to the line end ("" if none) */
    unsigned rest_col; /* 1-based column of @rest in the typed line */
};

/** One command. */
struct console_cmd {
    const char *words;           /* "route add" */
    const char *syntax;          /* its arguments: "A.B.C.D/LEN via A.B.C.D [dev NAME]" */
    const char *help;            /* what it does, one line */
    unsigned min_args, max_args; /* words after the command's own */
    enum console_status (*run)(struct console_session *s, const struct console_args *a);
    unsigned flags; /* enum console_cmd_flags; 0 (the default): it changes state */
};

/**
 * What a command declares about itself (struct console_cmd.flags). A command
 * that does not say CONSOLE_CMD_READONLY is taken to change the appliance's
 * state and is refused on a read-only session (CONSOLE_READONLY).
 */
enum console_cmd_flags {
    CONSOLE_CMD_READONLY = 1u << 0, /* only reads: allowed on a read-only console */
};

/**
 * console_may_change - true when session @s may change state. For a
 * CONSOLE_CMD_READONLY command that changes state only with some arguments
 * ("log level LEVEL"): when false it has printed "CMD: refused: this console
 * is read-only" for @a.
 */
bool console_may_change(struct console_session *s, const struct console_args *a);

/** console_fail - print "CMD: message\n" and return CONSOLE_FAILED. */
enum console_status console_fail(struct console_session *s, const struct console_args *a,
                                 const char *fmt, ...) __attribute__((format(printf, 3, 4)));

KSET_DECLARE(cmds, const struct console_cmd);
/** KCONSOLE_COMMAND - link command @var (a const struct console_cmd) into the console. */
#define KCONSOLE_COMMAND(var) KSET_ADD(cmds, const struct console_cmd, var)

#endif
