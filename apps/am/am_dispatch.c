/*
 * apps/am/am_dispatch.c — running active-message handlers (am.h). Each
 * registration installs one handler on am.MessageArrived whose guard is a
 * predicate "the message is for this registration", with the properties the
 * registrant chose, so the dispatcher (kernel/event.h) runs it inline,
 * inline under a budget (bounded) or later as a strand (asynchronous).
 * The installed function is a trampoline that marks the message as being
 * handled (am_reply() is allowed only then), calls the handler and, for a
 * request it did not answer, sends the ACK. A kernel frame (kernel/budget.h)
 * records an abandoned bounded run, whose request then gets NACK fault.
 */
#include "apps/am/am_impl.h"

#include "kernel/budget.h"
#include "kernel/capability.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/mem.h"

/* Messages are reference counted: one for the raise, one per queued run. */
static void *am_msg_retain(void *arg)
{
    struct am_msg *m = arg;
    m->refs++;
    return m;
}

static void am_msg_put(void *arg)
{
    struct am_msg *m = arg;
    if (--m->refs > 0)
        return;
    if (m->peer != NULL)
        m->peer->busy--;
    kfree(m);
}

KEVENT_DEFINE_RETAINED(am_MessageArrived, struct am_msg *, "am.MessageArrived", NULL, am_msg_retain,
                       am_msg_put);

/* am_for_reg - the guard predicate: the message is for registration @ctx. */
static bool am_for_reg(void *ctx, void *arg)
{
    const struct am_msg *m = arg;
    return m->reg == ctx;
}

/* am_unwind - a bounded run of a handler was abandoned (kernel/budget.h frames). */
static void am_unwind(void *ctx)
{
    struct am_msg *m = ctx;
    m->in_handler = false;
    m->abandoned = true;
}

/* am_run - the installed handler: runs the registrant's function on @m. */
static int am_run(void *ctx, struct am_msg *m)
{
    struct am_reg *r = ctx;
    if (m->completed || m->ep->dying)
        return KH_PASS;
    int framed = kframe_push(am_unwind, m);
    m->in_handler = true;
    r->fn(r->ctx, m);
    m->in_handler = false;
    if (framed == 0)
        kframe_pop();
    if (am_type_is_request(m->type) && !m->completed) {
        struct am_hdr ack = { .type = AM_ACK };
        am_rx_complete(m, &ack);
    }
    return KH_TAKEN;
}

int am_register(struct am_ep *ep, const struct kcapset *caps, uint8_t index, am_handler_fn fn,
                void *ctx, const struct khandler_props *props, struct am_reg **out)
{
    if (fn == NULL || out == NULL)
        return -KE_INVAL;
    if (caps != NULL) {
        const struct kcap *cap;
        if (kcapset_find(caps, "am", KCAP_IMPORT, index, index, &cap) < 0)
            return -KE_PERM;
    }
    if (ep->dying)
        return -KE_NOENT;
    if (ep->reg[index] != NULL)
        return -KE_EXIST;
    struct am_reg *r = kmalloc(sizeof *r);
    if (r == NULL)
        return -KE_NOMEM;
    r->ep = ep;
    r->index = index;
    r->fn = fn;
    r->ctx = ctx;
    struct khandler_props pr = { .name = "am" };
    if (props != NULL) {
        pr = *props;
        if (pr.name == NULL)
            pr.name = "am";
    }
    r->async = pr.mode == KH_ASYNC;
    struct kguard g = { .pred = am_for_reg, .pred_ctx = r };
    int rc = am_MessageArrived_install(am_run, r, &g, &pr, &r->h);
    if (rc < 0) {
        kfree(r);
        return rc;
    }
    ep->reg[index] = r;
    *out = r;
    return 0;
}

void am_unregister(struct am_reg *r)
{
    if (r == NULL)
        return;
    if (r->ep != NULL && r->ep->reg[r->index] == r)
        r->ep->reg[r->index] = NULL;
    if (r->h != NULL)
        kevent_uninstall(r->h);
    kfree(r);
}

void am_unregister_all(struct am_ep *ep)
{
    for (unsigned i = 0; i < AM_NHANDLERS; i++) {
        struct am_reg *r = ep->reg[i];
        if (r == NULL)
            continue;
        if (r == ep->builtin[0] || r == ep->builtin[1]) {
            am_unregister(r);
            continue;
        }
        /* Another extension's registration: its handler goes now, the
         * registration stays (orphaned) until its owner unregisters it. */
        ep->reg[i] = NULL;
        kevent_uninstall(r->h);
        r->h = NULL;
        r->ep = NULL;
    }
    ep->builtin[0] = ep->builtin[1] = NULL;
}

bool am_reg_faulty(const struct am_reg *r)
{
    return r->h == NULL || r->h->faulty || r->h->removed;
}

void am_dispatch(struct am_ep *ep, struct am_peer *p, const struct am_hdr *h, uint8_t type,
                 struct am_resp *c)
{
    (void)c;
    bool request = type != AM_REPLY;
    struct am_reg *r = ep->reg[h->handler];
    struct am_hdr refusal = { .type = AM_NACK };
    if (r == NULL || am_reg_faulty(r)) {
        ep->ctr[r == NULL ? AM_C_NO_HANDLER : AM_C_FAULTS]++;
        refusal.status = r == NULL ? AM_S_NO_HANDLER : AM_S_FAULT;
        goto refuse;
    }
    struct am_msg *m = kmalloc(sizeof *m);
    if (m == NULL) {
        ep->ctr[AM_C_BUSY]++;
        refusal.status = AM_S_BUSY;
        goto refuse;
    }
    m->ep = ep;
    m->from = p->addr;
    m->type = type;
    m->handler = h->handler;
    m->nargs = h->nargs;
    memcpy(m->args, h->args, sizeof m->args);
    if (type == AM_STORE) {
        uint32_t len;
        m->segment = h->segment;
        m->base = h->base;
        m->total = h->total;
        m->data = am_segment(ep, h->segment, &len) + h->base;
    }
    m->reg = r;
    m->peer = p;
    m->epoch = h->epoch;
    m->seq = h->seq;
    m->refs = 1;
    p->busy++;
    ep->ctr[AM_C_HANDLER_RUNS]++;
    am_MessageArrived_raise(m);
    if (request && !m->completed) {
        if (!r->async) {
            /* abandoned at its budget, or removed as faulty before it ran */
            ep->ctr[AM_C_FAULTS]++;
            refusal.status = AM_S_FAULT;
            am_rx_complete(m, &refusal);
        } else if (m->refs == 1) {
            /* the dispatcher could not queue it */
            ep->ctr[AM_C_BUSY]++;
            refusal.status = AM_S_BUSY;
            am_rx_complete(m, &refusal);
        }
    }
    am_msg_put(m);
    return;
refuse:
    if (request) {
        struct am_msg tmp = { .ep = ep, .peer = p, .epoch = h->epoch, .seq = h->seq };
        am_rx_complete(&tmp, &refusal);
    }
}

/* ------------------------------------------------------------ built-in handlers */

/* am_echo - AM_H_ECHO: reply with the request's own arguments. */
static void am_echo(void *ctx, struct am_msg *m)
{
    (void)ctx;
    am_reply(m, 0, m->args, m->nargs);
}

/* am_sum - AM_H_SUM: (base, total, FNV-1a) of stored bytes, or of (segment, base, total). */
static void am_sum(void *ctx, struct am_msg *m)
{
    (void)ctx;
    const uint8_t *data = m->data;
    uint32_t base = m->base, total = m->total;
    if (m->type != AM_STORE) {
        uint32_t len = 0;
        const uint8_t *seg = m->nargs == 3 ? am_segment(m->ep, (uint8_t)m->args[0], &len) : NULL;
        base = m->args[1];
        total = m->args[2];
        if (seg == NULL || total > len || base > len - total) {
            struct am_hdr r = { .type = AM_NACK,
                                .status = seg == NULL ? AM_S_NO_SEGMENT : AM_S_BOUNDS };
            m->ep->ctr[AM_C_BOUNDS]++;
            m->replied = true;
            am_rx_complete(m, &r);
            return;
        }
        data = seg + base;
    }
    uint32_t out[3] = { base, total, am_fnv1a(data, total) };
    am_reply(m, 0, out, 3);
}

int am_builtin_register(struct am_ep *ep, const struct khandler_props *props)
{
    struct khandler_props pr = *props;
    pr.name = "am-echo";
    int rc = am_register(ep, NULL, AM_H_ECHO, am_echo, NULL, &pr, &ep->builtin[0]);
    if (rc < 0)
        return rc;
    pr.name = "am-sum";
    rc = am_register(ep, NULL, AM_H_SUM, am_sum, NULL, &pr, &ep->builtin[1]);
    if (rc < 0) {
        am_unregister(ep->builtin[0]);
        ep->builtin[0] = NULL;
    }
    return rc;
}
