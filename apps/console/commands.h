/*
 * apps/console/commands.h — the console's built-in commands (private to
 * apps/console/; other modules add theirs with KCONSOLE_COMMAND,
 * apps/console/command.h). console.c parses a line into words,
 * finds the command whose words match the line's first words (the longest
 * such command) and calls it with the remaining words.
 */
#ifndef SPINDLE_APPS_CONSOLE_COMMANDS_H
#define SPINDLE_APPS_CONSOLE_COMMANDS_H

#include "apps/console/command.h"

/** The built-in table, in the order 'help' lists it (registered commands follow). */
extern const struct console_cmd console_commands[];
extern const unsigned console_ncommands;

/*
 * The commands (console_commands[] says which words run which). Each writes
 * its output, or one error line "WORDS: why" (console_fail), to @s and
 * returns CONSOLE_OK or CONSOLE_FAILED; an error changes nothing.
 */
/* show.c */
enum console_status cmd_show_graph(struct console_session *s, const struct console_args *a);
enum console_status cmd_show_nodes(struct console_session *s, const struct console_args *a);
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
