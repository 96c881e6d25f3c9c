/*
 * netgraph/config.h — the appliance configuration language.
 *
 * Line oriented; '#' starts a comment (outside quotes); tokens are separated
 * by blanks; a value may be double-quoted ("..." with \" and \\ escapes).
 *
 *   interface NAME driver=DRIVER [mac=xx:xx:xx:xx:xx:xx] [key=value ...]
 *   address NAME A.B.C.D/LEN
 *   route A.B.C.D/LEN via A.B.C.D [dev NAME]
 *   extension EXT [key=value ...]
 *   mode poll|idle|haltpoll
 *
 * Later keywords extend the language but never change these. Modules add
 * keywords of their own by registering a bring-up stage that owns one
 * (netgraph/stage.h); config_parse() keeps such a line's words and key=value
 * pairs as a struct cfg_line and lets the stage check it. Parsing checks
 * syntax and references (an address or route naming an unknown interface);
 * whether a driver or extension exists is checked when the appliance is
 * brought up, with the same file:line:column reporting.
 */
#ifndef SPINDLE_NETGRAPH_CONFIG_H
#define SPINDLE_NETGRAPH_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "kernel/port.h"

/** Where a configuration item came from, for error messages. */
struct cfg_pos {
    unsigned line; /* 1-based */
    unsigned col;  /* 1-based, byte column of the token */
};

struct cfg_interface {
    struct cfg_pos pos;
    char name[KPORT_NAME_MAX];
    char driver[32];
    bool has_mac;
    uint8_t mac[6];
    struct kparams params;                /* every key=value pair, driver= and mac= included */
    struct cfg_pos param_pos[KPARAM_MAX]; /* where each parameter stands */
};

struct cfg_address {
    struct cfg_pos pos;
    char ifname[KPORT_NAME_MAX];
    uint32_t addr; /* host order */
    uint8_t plen;
};

struct cfg_route {
    struct cfg_pos pos;
    uint32_t prefix; /* host order, host bits zero */
    uint8_t plen;
    uint32_t gateway; /* host order; 0 for a route with no via (dev only) */
    bool has_dev;
    char dev[KPORT_NAME_MAX];
};

struct cfg_extension {
    struct cfg_pos pos;
    char name[32];
    struct kparams params;
    struct cfg_pos param_pos[KPARAM_MAX];
};

/** Words a module keyword's line may hold (besides key=value pairs). */
#define CFG_LINE_MAX_WORDS 16

struct kconfig_stage;

/**
 * A line of a keyword that a module owns (netgraph/stage.h): "video play
 * clip.mjpeg to 10.0.0.2:5004 loop=yes" has keyword "video", words "play",
 * "clip.mjpeg", "to", "10.0.0.2:5004" (unquoted, in order) and params
 * loop=yes.
 */
struct cfg_line {
    struct cfg_pos pos;                /* the keyword */
    const struct kconfig_stage *owner; /* the stage that owns the keyword */
    const char *keyword;
    unsigned nwords;
    const char *word[CFG_LINE_MAX_WORDS];
    struct cfg_pos word_pos[CFG_LINE_MAX_WORDS];
    struct kparams params;
    struct cfg_pos param_pos[KPARAM_MAX];
};

/** A parsed configuration. Strings in params point into the config's own storage. */
struct config {
    const char *filename;
    unsigned ninterfaces, naddresses, nroutes, nextensions;
    struct cfg_interface *interfaces;
    struct cfg_address *addresses;
    struct cfg_route *routes;
    struct cfg_extension *extensions;
    unsigned nlines; /* lines of module keywords, in file order */
    struct cfg_line *lines;
    bool has_mode;  /* a "mode" line was given */
    bool poll_mode; /* mode poll: the main loop never idles (lowest latency, one busy CPU) */
    bool halt_poll; /* mode haltpoll: polls a while before idling (netgraph/haltpoll.h) */
    struct cfg_pos mode_pos;
    char *strings; /* private storage */
    size_t strings_used, strings_cap;
};

/** A configuration error: "FILE:LINE:COL: MESSAGE". */
struct config_error {
    char file[128];
    unsigned line, col;
    char msg[192];
};

/**
 * config_parse - parse @len bytes of @text (from file @filename, used in
 * errors) into @out. Returns 0, or -KE_INVAL with @err filled (the first
 * error), or -KE_NOMEM. On error @out holds nothing to free.
 */
int config_parse(const char *text, size_t len, const char *filename, struct config *out,
                 struct config_error *err);
/** config_free - release what config_parse allocated. */
void config_free(struct config *cfg);
/** config_error_format - "FILE:LINE:COL: MESSAGE" into @buf. */
void config_error_format(const struct config_error *err, char *buf, size_t size);
/** config_set_error - fill @err for position @pos with a printf-style message. */
void config_set_error(struct config_error *err, const char *file, struct cfg_pos pos,
                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
