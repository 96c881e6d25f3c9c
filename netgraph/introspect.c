/*
 * netgraph/introspect.c — text, JSON and DOT renderings of the running graph
 * (netgraph/introspect.h). Reads the registries of kernel/stats.h,
 * kernel/pktbuf.h and kernel/event.h; changes nothing. Freestanding.
 */
#include "netgraph/introspect.h"
#include "netgraph/node.h"
#include "guards/guard_eval.h"
#include "kernel/event.h"
#include "kernel/klib.h"
#include "kernel/log.h"
#include "kernel/pktbuf.h"
#include "kernel/stats.h"
#include "netgraph/netif.h"

/* ------------------------------------------------------------- output */

struct out {
    introspect_write_fn write;
    void *ctx;
};

static void out_str(struct out *o, const char *s)
{
    o->write(o->ctx, s, strlen(s));
}

/* Short formatted pieces only: numbers and fixed words. Names go through
 * out_str or the escaping writers, so the buffer never truncates. */
static void outf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void outf(struct out *o, const char *fmt, ...)
{
    char buf[160];
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    o->write(o->ctx, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/** out_json_str - @s as a JSON string (RFC 8259 section 7), quotes included. */
static void out_json_str(struct out *o, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    o->write(o->ctx, "\"", 1);
    size_t run = 0;
    for (size_t i = 0;; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c != 0 && c != '"' && c != '\\' && c >= 0x20) {
            run++;
            continue;
        }
        if (run)
            o->write(o->ctx, s + i - run, run);
        run = 0;
        if (c == 0)
            break;
        if (c == '"' || c == '\\') {
            char e[2] = { '\\', (char)c };
            o->write(o->ctx, e, 2);
        } else {
            char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
            o->write(o->ctx, e, 6);
        }
    }
    o->write(o->ctx, "\"", 1);
}

/** out_dot_str - @s inside a DOT quoted string: '"' and '\' escaped, controls dropped. */
static void out_dot_str(struct out *o, const char *s)
{
    for (; *s; s++) {
        char c = *s;
        if (c == '"' || c == '\\') {
            char e[2] = { '\\', c };
            o->write(o->ctx, e, 2);
        } else if ((unsigned char)c >= 0x20) {
            o->write(o->ctx, &c, 1);
        }
    }
}

void introspect_buf_write(void *ctx, const char *s, size_t n)
{
    struct introspect_buf *b = ctx;
    if (b->size > 0 && b->len < b->size - 1) {
        size_t room = b->size - 1 - b->len;
        memcpy(b->buf + b->len, s, n < room ? n : room);
    }
    b->len += n;
}

static size_t buf_finish(struct introspect_buf *b)
{
    if (b->size > 0)
        b->buf[b->len < b->size - 1 ? b->len : b->size - 1] = '\0';
    return b->len;
}

void introspect_console_write(void *ctx, const char *s, size_t n)
{
    (void)ctx;
    kprintf("%.*s", (int)n, s);
}

/* ---------------------------------------------------------------- text */

static void text_node(const struct kstat_group *g, void *ctx)
{
    struct out *o = ctx;
    out_str(o, g->node);
    out_str(o, ":");
    for (unsigned i = 0; i < g->n; i++) {
        out_str(o, " ");
        out_str(o, g->names[i]);
        outf(o, "=%llu", (unsigned long long)g->values[i]);
    }
    out_str(o, "\n");
}

void introspect_print_nodes(void)
{
    struct out o = { introspect_console_write, NULL };
    kstats_foreach(text_node, &o);
}

static void text_pool(const struct pktpool *pool, void *ctx)
{
    struct out *o = ctx;
    struct pktpool_stats st;
    pktpool_get_stats(pool, &st);
    out_str(o, "pool ");
    out_str(o, st.name ? st.name : "?");
    outf(o, ": count=%u out=%u low_water=%u allocs=%llu alloc_fails=%llu\n", st.count, st.out,
         st.low_water, (unsigned long long)st.allocs, (unsigned long long)st.alloc_fails);
}

void introspect_print_pools(void)
{
    struct out o = { introspect_console_write, NULL };
    pktpool_foreach(text_pool, &o);
}

static const char *handler_name(const struct khandler *h)
{
    return h->name[0] ? h->name : "(unnamed)";
}

static const char *handler_guard(const struct khandler *h, char *buf, unsigned size)
{
    if (!h->has_guard)
        return "true";
    return guard_format(&h->guard, buf, size);
}

static void text_event(struct kevent *ev, void *ctx)
{
    struct out *o = ctx;
    char gbuf[160];
    out_str(o, "event ");
    out_str(o, ev->name);
    outf(o, ": handlers=%u raised=%llu unhandled=%llu\n", (unsigned)ev->nhandlers,
         (unsigned long long)ev->raised, (unsigned long long)ev->unhandled);
    for (const struct khandler *h = ev->handlers; h; h = h->next) {
        out_str(o, "  ");
        out_str(o, handler_name(h));
        out_str(o, " [");
        out_str(o, handler_guard(h, gbuf, sizeof(gbuf)));
        outf(o, "] calls=%llu taken=%llu errors=%llu", (unsigned long long)h->calls,
             (unsigned long long)h->taken, (unsigned long long)h->errors);
        if (h->overruns || h->faulty)
            outf(o, " overruns=%llu%s", (unsigned long long)h->overruns,
                 h->faulty ? " faulty" : "");
        out_str(o, "\n");
    }
}

void introspect_print_events(void)
{
    struct out o = { introspect_console_write, NULL };
    kevent_foreach(text_event, &o);
}

void introspect_print_all(void)
{
    introspect_print_nodes();
    introspect_print_pools();
    introspect_print_events();
}

/* ---------------------------------------------------------------- JSON */

struct json_ctx {
    struct out o;
    bool first;
    const struct kstat_group *target; /* dup_count: the group being named */
    unsigned dups;
    bool found;
};

static void dup_count(const struct kstat_group *g, void *ctx)
{
    struct json_ctx *d = ctx;
    if (d->found)
        return;
    if (g == d->target) {
        d->found = true;
        return;
    }
    if (strcmp(g->node, d->target->node) == 0)
        d->dups++;
}

static void json_node(const struct kstat_group *g, void *ctx)
{
    struct json_ctx *j = ctx;
    struct out *o = &j->o;
    struct json_ctx d = { .target = g };
    kstats_foreach(dup_count, &d);
    out_str(o, j->first ? "\n  " : ",\n  ");
    j->first = false;
    if (d.dups == 0) {
        out_json_str(o, g->node);
    } else {
        char name[80];
        ksnprintf(name, sizeof(name), "%s#%u", g->node, d.dups + 1);
        out_json_str(o, name);
    }
    out_str(o, ": {");
    for (unsigned i = 0; i < g->n; i++) {
        if (i)
            out_str(o, ", ");
        out_json_str(o, g->names[i]);
        outf(o, ": %llu", (unsigned long long)g->values[i]);
    }
    out_str(o, "}");
}

static void json_pool(const struct pktpool *pool, void *ctx)
{
    struct json_ctx *j = ctx;
    struct out *o = &j->o;
    struct pktpool_stats st;
    pktpool_get_stats(pool, &st);
    out_str(o, j->first ? "\n  {\"name\": " : ",\n  {\"name\": ");
    j->first = false;
    out_json_str(o, st.name ? st.name : "");
    outf(
        o,
        ", \"count\": %u, \"out\": %u, \"low_water\": %u, \"allocs\": %llu, \"alloc_fails\": %llu}",
        st.count, st.out, st.low_water, (unsigned long long)st.allocs,
        (unsigned long long)st.alloc_fails);
}

static void json_event(struct kevent *ev, void *ctx)
{
    struct json_ctx *j = ctx;
    struct out *o = &j->o;
    out_str(o, j->first ? "\n  {\"name\": " : ",\n  {\"name\": ");
    j->first = false;
    out_json_str(o, ev->name);
    outf(o, ", \"handlers\": %u, \"raised\": %llu, \"unhandled\": %llu}", (unsigned)ev->nhandlers,
         (unsigned long long)ev->raised, (unsigned long long)ev->unhandled);
}

void introspect_json_begin(struct introspect_json *j, introspect_write_fn fn, void *ctx)
{
    j->write = fn;
    j->ctx = ctx;
    j->sections_done = 0;
    fn(ctx, "{", 1);
}

void introspect_json_section(struct introspect_json *j, unsigned sections)
{
    static const struct {
        unsigned bit;
        const char *open, *close;
    } order[] = {
        { INTROSPECT_NODES, "\"nodes\": {", "}" },
        { INTROSPECT_POOLS, "\"pools\": [", "]" },
        { INTROSPECT_EVENTS, "\"events\": [", "]" },
    };
    for (unsigned i = 0; i < KARRAY_SIZE(order); i++) {
        unsigned bit = order[i].bit;
        if (!(sections & bit) || (j->sections_done & bit))
            continue;
        struct json_ctx c = { .o = { j->write, j->ctx }, .first = true };
        if (j->sections_done)
            out_str(&c.o, ",\n");
        out_str(&c.o, order[i].open);
        if (bit == INTROSPECT_NODES)
            kstats_foreach(json_node, &c);
        else if (bit == INTROSPECT_POOLS)
            pktpool_foreach(json_pool, &c);
        else
            kevent_foreach(json_event, &c);
        if (!c.first)
            out_str(&c.o, "\n");
        out_str(&c.o, order[i].close);
        j->sections_done |= bit;
    }
}

void introspect_json_end(struct introspect_json *j)
{
    j->write(j->ctx, "}\n", 2);
}

void introspect_json_write(introspect_write_fn fn, void *ctx)
{
    struct introspect_json j;
    introspect_json_begin(&j, fn, ctx);
    introspect_json_section(&j, INTROSPECT_ALL);
    introspect_json_end(&j);
}

size_t introspect_json(char *buf, size_t size)
{
    struct introspect_buf b = { buf, size, 0 };
    introspect_json_write(introspect_buf_write, &b);
    return buf_finish(&b);
}

/* ----------------------------------------------------------------- DOT */

struct dot_ctx {
    struct out o;
    unsigned index; /* of the event being visited */
    /* raises_edges: the handler looking for the events it raises */
    const char *prefix;
    unsigned from_ev, from_h;
    unsigned scan;
    /* dev_index: where dev.PacketArrived stands */
    int dev_ev;
};

static void dot_raises(struct kevent *ev, void *ctx)
{
    struct dot_ctx *d = ctx;
    unsigned i = d->scan++;
    if (netgraph_raises(d->prefix, ev->name))
        outf(&d->o, "  e%uh%u -> e%u [style=dashed, arrowhead=empty];\n", d->from_ev, d->from_h, i);
}

static void dot_event(struct kevent *ev, void *ctx)
{
    struct dot_ctx *d = ctx;
    struct out *o = &d->o;
    unsigned i = d->index++;
    char gbuf[160];
    if (ev == &dev_PacketArrived)
        d->dev_ev = (int)i;
    outf(o, "  e%u [shape=box, style=bold, label=\"", i);
    out_dot_str(o, ev->name);
    outf(o, "\\nraised %llu\"];\n", (unsigned long long)ev->raised);
    unsigned hi = 0;
    for (const struct khandler *h = ev->handlers; h; h = h->next, hi++) {
        outf(o, "  e%uh%u [shape=ellipse, label=\"", i, hi);
        out_dot_str(o, handler_name(h));
        outf(o, "\\ncalls %llu taken %llu\"%s];\n", (unsigned long long)h->calls,
             (unsigned long long)h->taken, h->faulty ? ", color=red" : "");
        outf(o, "  e%u -> e%uh%u [label=\"", i, i, hi);
        out_dot_str(o, handler_guard(h, gbuf, sizeof(gbuf)));
        out_str(o, "\"];\n");
        struct dot_ctx r = { .o = d->o, .prefix = h->name, .from_ev = i, .from_h = hi };
        if (h->name[0])
            kevent_foreach(dot_raises, &r);
    }
}

void introspect_dot_write(introspect_write_fn fn, void *ctx)
{
    struct dot_ctx d = { .o = { fn, ctx }, .dev_ev = -1 };
    out_str(&d.o,
            "digraph spindle {\n  rankdir=LR;\n  node [fontsize=10];\n  edge [fontsize=9];\n");
    kevent_foreach(dot_event, &d);
    if (d.dev_ev >= 0) {
        for (unsigned k = 0; k < netif_count(); k++) {
            const struct netif *ifp = netif_get((uint16_t)k);
            if (!ifp)
                continue;
            outf(&d.o, "  if%u [shape=house, label=\"", k);
            out_dot_str(&d.o, ifp->name);
            if (ifp->port && ifp->port->driver) {
                out_str(&d.o, "\\n");
                out_dot_str(&d.o, ifp->port->driver);
            }
            outf(&d.o, "\"];\n  if%u -> e%d;\n", k, d.dev_ev);
        }
    }
    out_str(&d.o, "}\n");
}

size_t introspect_dot(char *buf, size_t size)
{
    struct introspect_buf b = { buf, size, 0 };
    introspect_dot_write(introspect_buf_write, &b);
    return buf_finish(&b);
}
