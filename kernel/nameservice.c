/* kernel/nameservice.c — NameServer.Subscribe, publish, subscribe, grant (kernel/nameservice.h). */
#include "kernel/nameservice.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"

KEVENT_DEFINE(NameServer_Subscribe, struct kns_request *, "NameServer.Subscribe", false, NULL);

static bool name_matches(void *ctx, void *arg)
{
    const struct kns_request *req = arg;
    return req->name && strcmp(req->name, ctx) == 0;
}

struct kguard kns_guard_name(const char *name)
{
    struct kguard g = { 0 };
    g.pred = name_matches;
    g.pred_ctx = (void *)name;
    return g;
}

/* provide - the standard provider: grant what was asked if it was published. */
static int provide(void *ctx, struct kns_request *req)
{
    struct kns_publication *pub = ctx;
    if (req->cap)
        return KH_PASS; /* answered by an earlier provider */
    if ((req->rights & ~pub->rights) != 0) {
        req->status = -KE_PERM;
        return -KE_PERM;
    }
    uint32_t lo = req->scope_lo, hi = req->scope_hi;
    if (lo == KCAP_SCOPE_ALL_LO && hi == KCAP_SCOPE_ALL_HI) {
        lo = pub->scope_lo; /* "everything": everything published */
        hi = pub->scope_hi;
    }
    if (lo > hi || lo < pub->scope_lo || hi > pub->scope_hi) {
        req->status = -KE_RANGE;
        return -KE_RANGE;
    }
    req->cap = kcap_create(pub->domain, pub->name, req->rights, lo, hi);
    if (!req->cap) {
        req->status = -KE_NOMEM;
        return -KE_NOMEM;
    }
    return KH_TAKEN;
}

static bool published(const char *name)
{
    for (const struct khandler *h = NameServer_Subscribe.handlers; h; h = h->next)
        if (h->fn == (khandler_generic_fn)provide &&
            strcmp(((const struct kns_publication *)h->ctx)->name, name) == 0)
            return true;
    return false;
}

int kns_publish(struct kns_publication *pub, const char *name, struct kdomain *d, uint32_t rights,
                uint32_t lo, uint32_t hi)
{
    if (!pub || !name || !name[0] || !d || lo > hi || strlen(name) >= sizeof pub->name)
        return -KE_INVAL;
    if (published(name))
        return -KE_EXIST;
    kstrlcpy(pub->name, name, sizeof pub->name);
    pub->domain = d;
    pub->rights = rights & KCAP_ALL;
    pub->scope_lo = lo;
    pub->scope_hi = hi;
    pub->handler = NULL;
    struct kguard g = kns_guard_name(pub->name);
    struct khandler_props props = { .name = pub->name };
    return NameServer_Subscribe_install(provide, pub, &g, &props, &pub->handler);
}

void kns_unpublish(struct kns_publication *pub)
{
    if (pub && pub->handler) {
        kevent_uninstall(pub->handler);
        pub->handler = NULL;
    }
}

int kns_subscribe(const char *name, uint32_t rights, uint32_t lo, uint32_t hi, struct kcap **out)
{
    if (!name || !out)
        return -KE_INVAL;
    struct kns_request req = { .name = name, .rights = rights, .scope_lo = lo, .scope_hi = hi };
    (void)NameServer_Subscribe_raise(&req);
    if (req.cap) {
        *out = req.cap;
        return 0;
    }
    return req.status < 0 ? req.status : -KE_NOENT;
}

/*
 * parse_num - decimal digits of [@s, @e) into @out (at most UINT32_MAX), or
 * a pair "HI/LO" (each 0..65535) as HI << 16 | LO: how a domain whose
 * resources are pairs numbers them (the "aal5" domain's VPI/VCI,
 * protocols/aal5/aal5.h aal5_vc_num).
 */
static int parse_num(const char *s, const char *e, uint32_t *out)
{
    const char *slash = s;
    while (slash < e && *slash != '/')
        slash++;
    if (slash < e) {
        uint32_t hi, lo;
        if (parse_num(s, slash, &hi) < 0 || parse_num(slash + 1, e, &lo) < 0 || hi > 0xffffu ||
            lo > 0xffffu)
            return -KE_INVAL;
        *out = hi << 16 | lo;
        return 0;
    }
    uint64_t v;
    if (e == s || kparse_u64(s, (size_t)(e - s), &v) < 0 || v > UINT32_MAX)
        return -KE_INVAL;
    *out = (uint32_t)v;
    return 0;
}

/* parse_item - "NAME[:scope]" in [@s, @e) into @name, @lo, @hi. */
static int parse_item(const char *s, const char *e, char *name, size_t namelen, uint32_t *lo,
                      uint32_t *hi)
{
    const char *colon = s;
    while (colon < e && *colon != ':')
        colon++;
    size_t n = (size_t)(colon - s);
    if (n == 0 || n >= namelen)
        return -KE_INVAL;
    memcpy(name, s, n);
    name[n] = '\0';
    *lo = KCAP_SCOPE_ALL_LO;
    *hi = KCAP_SCOPE_ALL_HI;
    if (colon == e)
        return 0;
    const char *p = colon + 1;
    if (e - p == 1 && *p == '*')
        return 0;
    const char *dash = p;
    while (dash < e && *dash != '-')
        dash++;
    if (parse_num(p, dash, lo) < 0)
        return -KE_INVAL;
    if (dash == e) {
        *hi = *lo;
        return 0;
    }
    if (parse_num(dash + 1, e, hi) < 0 || *lo > *hi)
        return -KE_INVAL;
    return 0;
}

int kns_grant(struct kcapset *set, const char *spec, char *err, size_t errlen)
{
    if (!set || !spec) {
        ksnprintf(err, errlen, "no grant");
        return -KE_INVAL;
    }
    const char *s = spec;
    for (;;) {
        const char *e = s;
        while (*e && *e != ',')
            e++;
        char name[32];
        uint32_t lo, hi;
        int item_len = (int)(e - s);
        if (parse_item(s, e, name, sizeof name, &lo, &hi) < 0) {
            ksnprintf(err, errlen,
                      "'%.*s': expected NAME, NAME:N, NAME:N-M or NAME:* (N may be HI/LO)",
                      item_len, s);
            return -KE_INVAL;
        }
        struct kcap *c = NULL;
        int rc = kns_subscribe(name, KCAP_IMPORT, lo, hi, &c);
        if (rc == 0 && (rc = kcapset_add(set, c)) < 0)
            kcap_free(c);
        if (rc < 0) {
            const char *why = rc == -KE_NOENT    ? "nothing is published under that name"
                              : rc == -KE_RANGE  ? "outside what its provider offers"
                              : rc == -KE_TOOBIG ? "too many capabilities"
                                                 : kerr_str(rc);
            ksnprintf(err, errlen, "'%.*s': %s", item_len, s, why);
            return rc;
        }
        if (!*e)
            return 0;
        s = e + 1;
    }
}
