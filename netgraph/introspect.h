/*
 * netgraph/introspect.h — looking at the running protocol graph: every
 * node's counters (kernel/stats.h), every packet pool (kernel/pktbuf.h) and
 * every event with its handlers and guards (kernel/event.h).
 *
 * Three renderings of the same data:
 *   text  — for the console and the hosted program's exit summary, through kprintf;
 *   JSON  — for --stats-json and tests (RFC 8259; names are escaped);
 *   DOT   — the graph for Graphviz: events → handlers, edges labelled with
 *           the handler's guard (guard_format), dashed edges from a handler
 *           named like a node to the events that node raises ("ipv4" →
 *           "ipv4.PacketArrived": the events the node's descriptor says it raises,
 *           netgraph/node.h netgraph_raises).
 *
 * JSON shape (counters are unsigned integers; units are the counters' own):
 *   {"nodes": {"ipv4": {"rx": 1, ...}, ...},
 *    "pools": [{"name": "default", "count": 4096, "out": 0, "low_water": 4090,
 *               "allocs": 12, "alloc_fails": 0}, ...],
 *    "events": [{"name": "ether.PacketArrived", "handlers": 3, "raised": 12,
 *                "unhandled": 0}, ...]}
 * A node name registered twice gets "#2", "#3" appended so keys stay unique.
 *
 * Output goes through a write callback so the portable core needs no files;
 * a buffer form is offered for tests and small targets. Freestanding.
 */
#ifndef SPINDLE_NETGRAPH_INTROSPECT_H
#define SPINDLE_NETGRAPH_INTROSPECT_H

#include <stddef.h>
#include <stdbool.h>

/** A sink for rendered text: @n bytes at @s (not NUL-terminated). */
typedef void (*introspect_write_fn)(void *ctx, const char *s, size_t n);

/** introspect_print_nodes - every registered kstat group, one line each, via kprintf. */
void introspect_print_nodes(void);
/** introspect_print_pools - every packet pool with count, out, low water, allocs, fails. */
void introspect_print_pools(void);
/** introspect_print_events - every event with handler count, raises, and each handler's guard and calls. */
void introspect_print_events(void);
/** introspect_print_all - nodes, pools and events. */
void introspect_print_all(void);

/** Sections of the JSON document, for introspect_json_* below. */
enum introspect_section {
    INTROSPECT_NODES = 1u << 0,
    INTROSPECT_POOLS = 1u << 1,
    INTROSPECT_EVENTS = 1u << 2,
    INTROSPECT_ALL = 7u
};

/**
 * A JSON document written in parts, so a caller can take the node counters
 * before shutting the graph down and the pools after:
 *     introspect_json_begin(&j, fn, ctx);
 *     introspect_json_section(&j, INTROSPECT_NODES | INTROSPECT_EVENTS);
 *     ... appliance_shutdown() ...
 *     introspect_json_section(&j, INTROSPECT_POOLS);
 *     introspect_json_end(&j);
 * Each section must be written at most once.
 */
struct introspect_json {
    introspect_write_fn write;
    void *ctx;
    unsigned sections_done; /* enum introspect_section bits, private */
};

/** introspect_json_begin - start the document ("{"). */
void introspect_json_begin(struct introspect_json *j, introspect_write_fn fn, void *ctx);
/** introspect_json_section - write the sections in @sections not written yet. */
void introspect_json_section(struct introspect_json *j, unsigned sections);
/** introspect_json_end - end the document ("}\n"). */
void introspect_json_end(struct introspect_json *j);

/** introspect_json_write - the whole document through @fn. */
void introspect_json_write(introspect_write_fn fn, void *ctx);
/**
 * introspect_json - the whole document into @buf of @size bytes, always
 * NUL-terminated when @size > 0. Returns the length the full document has
 * (bytes, without the NUL): a result >= @size means it was cut short.
 */
size_t introspect_json(char *buf, size_t size);

/** introspect_dot_write - the protocol graph in Graphviz DOT through @fn. */
void introspect_dot_write(introspect_write_fn fn, void *ctx);
/** introspect_dot - the DOT text into @buf; returns the full length, as introspect_json. */
size_t introspect_dot(char *buf, size_t size);

/** introspect_buf_write - an introspect_write_fn appending to a struct introspect_buf. */
struct introspect_buf {
    char *buf;
    size_t size; /* bytes of buf */
    size_t len;  /* bytes the output has, stored or not */
};
void introspect_buf_write(void *ctx, const char *s, size_t n);

/** introspect_console_write - an introspect_write_fn printing through kprintf. */
void introspect_console_write(void *ctx, const char *s, size_t n);

#endif
