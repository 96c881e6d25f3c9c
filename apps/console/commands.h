/*
 * apps/console/commands.h — the console's command table and what a command
 * receives (private to apps/console/). console.c parses a line into words,
 * finds the command whose words match the line's first words (the longest
 * such command) and calls it with the remaining words.
 */
#ifndef SPINDLE_APPS_CONSOLE_COMMANDS_H
#define SPINDLE_APPS_CONSOLE_COMMANDS_H

#include "apps/console/console.h"

/** A command's arguments: the words after the command's own words. */
struct console_args {
    const char *cmd;                    /* the command's words, "route add", for messages */
    unsigned argc;
    const char *argv[CONSOLE_ARGS_MAX];
    const char *rest;                   /* the raw text from argv[0] to the line end ("" if none) */
    unsigned rest_col;                  /* 1-based column of @rest in the typed line */
};

/** One command. */
struct console_cmd {
    const char *words;   /* "route add" */
    const char *syntax;  /* its arguments: "A.B.C.D/LEN via A.B.C.D [dev NAME]" */
    const char *help;    /* what it does, one line */
    unsigned min_args, max_args; /* words after the command's own */
    enum console_status (*run)(struct console_session *s, const struct console_args *a);
};

/** The table, in the order 'help' lists it. */
extern const struct console_cmd console_commands[];
extern const unsigned console_ncommands;

/** console_fail - print "CMD: message\n" and return CONSOLE_FAILED. */
enum console_status console_fail(struct console_session *s, const struct console_args *a,
                                 const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * The commands (console_commands[] says which words run which). Each writes
 * its output, or one error line "WORDS: why" (console_fail), to @s and
 * returns CONSOLE_OK or CONSOLE_FAILED; an error changes nothing.
 */
/* show.c */
enum console_status cmd_show_graph(struct console_session *s, const struct console_args *a);
enum console_status cmd_show_counters(struct console_session *s, const struct console_args *a);
enum console_status cmd_show_pools(struct console_session *s, const struct console_args *a);
enum console_status cmd_show_arp(struct console_session *s, const struct console_args *a);
enum console_status cmd_show_routes(struct console_session *s, const struct console_args *a);
enum console_status cmd_show_interfaces(struct console_session *s, const struct console_args *a);
/* route.c */
enum console_status cmd_route_add(struct console_session *s, const struct console_args *a);
enum console_status cmd_route_del(struct console_session *s, const struct console_args *a);
enum console_status cmd_arp_flush(struct console_session *s, const struct console_args *a);
/* extension.c */
enum console_status cmd_extension_list(struct console_session *s, const struct console_args *a);
enum console_status cmd_extension_install(struct console_session *s, const struct console_args *a);
enum console_status cmd_extension_remove(struct console_session *s, const struct console_args *a);
enum console_status cmd_log_level(struct console_session *s, const struct console_args *a);

#endif
