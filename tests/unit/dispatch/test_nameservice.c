/*
 * tests/unit/dispatch/test_nameservice.c — the name service
 * (kernel/nameservice.h): providers publish through guarded handlers on
 * NameServer.Subscribe, the guard on the name keeps every request to its
 * provider, clients obtain capabilities with the rights and scope offered,
 * and grant specifications become capability sets.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "testkit.h"
#include "kernel/capability.h"
#include "kernel/domain.h"
#include "kernel/kerr.h"
#include "kernel/mem.h"
#include "kernel/nameservice.h"

static struct kdomain alpha_d, beta_d;
static struct kns_publication alpha_pub, beta_pub;

static void setup(void)
{
    testkit_init();
    cr_assert_eq(kdomain_init(&alpha_d, "alpha", NULL, 0, NULL, 0), 0);
    cr_assert_eq(kdomain_init(&beta_d, "beta", NULL, 0, NULL, 0), 0);
}

TestSuite(nameservice, .init = setup);

Test(nameservice, publish_then_subscribe_yields_a_capability)
{
    uint64_t live = kmem_live();
    cr_assert_eq(kns_publish(&alpha_pub, "alpha", &alpha_d, KCAP_IMPORT, 0, 100), 0);
    cr_assert_eq(kns_publish(&beta_pub, "beta", &beta_d, KCAP_ALL, 0, 0), 0);
    struct kcap *c = NULL;
    cr_assert_eq(kns_subscribe("alpha", KCAP_IMPORT, 10, 20, &c), 0);
    cr_assert_eq(c->domain, &alpha_d);
    cr_assert_str_eq(c->name, "alpha");
    cr_assert_eq(c->rights, KCAP_IMPORT);
    cr_assert_eq(c->scope_lo, 10);
    cr_assert_eq(c->scope_hi, 20);
    kcap_free(c);
    cr_assert_eq(kns_subscribe("beta", KCAP_ALL, 0, 0, &c), 0);
    cr_assert_eq(c->domain, &beta_d);
    kcap_free(c);
    /* "everything" means everything that was published */
    cr_assert_eq(kns_subscribe("alpha", KCAP_IMPORT, KCAP_SCOPE_ALL_LO, KCAP_SCOPE_ALL_HI, &c), 0);
    cr_assert_eq(c->scope_lo, 0);
    cr_assert_eq(c->scope_hi, 100);
    kcap_free(c);
    kns_unpublish(&alpha_pub);
    kns_unpublish(&beta_pub);
    cr_assert_eq(kmem_live(), live);
}

Test(nameservice, the_guard_on_the_name_keeps_requests_to_their_provider)
{
    cr_assert_eq(kns_publish(&alpha_pub, "alpha", &alpha_d, KCAP_IMPORT, 0, 0), 0);
    cr_assert_eq(kns_publish(&beta_pub, "beta", &beta_d, KCAP_IMPORT, 0, 0), 0);
    struct kcap *c = NULL;
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(kns_subscribe("beta", KCAP_IMPORT, 0, 0, &c), 0);
        kcap_free(c);
    }
    cr_assert_eq(alpha_pub.handler->calls, 0, "alpha's handler never saw a request for beta");
    cr_assert_eq(beta_pub.handler->calls, 3);
    cr_assert(alpha_pub.handler->has_guard);
    kns_unpublish(&alpha_pub);
    kns_unpublish(&beta_pub);
}

Test(nameservice, refusals)
{
    cr_assert_eq(kns_publish(&alpha_pub, "alpha", &alpha_d, KCAP_IMPORT, 0, 100), 0);
    struct kcap *c = NULL;
    cr_assert_eq(kns_subscribe("gamma", KCAP_IMPORT, 0, 0, &c), -KE_NOENT);
    cr_assert_eq(kns_subscribe("alpha", KCAP_MODIFY, 0, 0, &c), -KE_PERM, "modify not offered");
    cr_assert_eq(kns_subscribe("alpha", KCAP_IMPORT, 50, 101, &c), -KE_RANGE);
    cr_assert_null(c);
    struct kns_publication again;
    cr_assert_eq(kns_publish(&again, "alpha", &beta_d, KCAP_IMPORT, 0, 0), -KE_EXIST);
    cr_assert_eq(kns_publish(&again, "", &beta_d, KCAP_IMPORT, 0, 0), -KE_INVAL);
    kns_unpublish(&alpha_pub);
    cr_assert_eq(kns_subscribe("alpha", KCAP_IMPORT, 0, 0, &c), -KE_NOENT, "withdrawn");
    cr_assert_null(NameServer_Subscribe.plan);
}

/* A provider with its own policy: only odd resources, always import only. */
static int odd_only(void *ctx, struct kns_request *req)
{
    if (req->cap)
        return KH_PASS;
    if (req->scope_lo != req->scope_hi || (req->scope_lo & 1) == 0) {
        req->status = -KE_PERM;
        return -KE_PERM;
    }
    req->cap = kcap_create(ctx, "odd", KCAP_IMPORT, req->scope_lo, req->scope_hi);
    return KH_TAKEN;
}

Test(nameservice, a_provider_may_install_its_own_guarded_handler)
{
    struct kguard g = kns_guard_name("odd");
    struct khandler *h;
    cr_assert_eq(NameServer_Subscribe_install(odd_only, &alpha_d, &g, NULL, &h), 0);
    struct kcap *c = NULL;
    cr_assert_eq(kns_subscribe("odd", KCAP_IMPORT, 3, 3, &c), 0);
    cr_assert_eq(c->domain, &alpha_d);
    kcap_free(c);
    cr_assert_eq(kns_subscribe("odd", KCAP_IMPORT, 4, 4, &c), -KE_PERM);
    cr_assert_eq(kns_subscribe("even", KCAP_IMPORT, 4, 4, &c), -KE_NOENT);
    cr_assert_eq(h->calls, 2);
    kevent_uninstall(h);
}

Test(nameservice, grant_specifications)
{
    uint64_t live = kmem_live();
    cr_assert_eq(kns_publish(&alpha_pub, "alpha", &alpha_d, KCAP_IMPORT, 0, 65535), 0);
    cr_assert_eq(kns_publish(&beta_pub, "beta", &beta_d, KCAP_IMPORT, 0, 0), 0);
    struct kcapset *s = kcapset_create();
    char err[96] = "";
    cr_assert_eq(kns_grant(s, "alpha:7,alpha:5000-5010,beta,alpha:*", err, sizeof err), 0, "%s",
                 err);
    cr_assert_eq(s->n, 4);
    cr_assert_eq(s->cap[0]->scope_lo, 7);
    cr_assert_eq(s->cap[0]->scope_hi, 7);
    cr_assert_eq(s->cap[1]->scope_lo, 5000);
    cr_assert_eq(s->cap[1]->scope_hi, 5010);
    cr_assert_eq(s->cap[2]->domain, &beta_d);
    cr_assert_eq(s->cap[3]->scope_hi, 65535);
    for (unsigned i = 0; i < s->n; i++)
        cr_assert_eq(s->cap[i]->rights, KCAP_IMPORT, "grants carry the import right only");
    const struct kcap *c;
    cr_assert_eq(kcapset_find(s, "alpha", KCAP_IMPORT, 5005, 5005, &c), 0);
    cr_assert_eq(c, s->cap[1]);
    kcapset_destroy(s);

    static const char *const bad[] = {
        "", "alpha:", ":7", "alpha:x", "alpha:7-", "alpha:9-8", "alpha:7,,beta", "alpha:99999999999"
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s = kcapset_create();
        err[0] = '\0';
        cr_assert_eq(kns_grant(s, bad[i], err, sizeof err), -KE_INVAL, "'%s'", bad[i]);
        cr_assert_neq(err[0], '\0');
        kcapset_destroy(s);
    }
    s = kcapset_create();
    cr_assert_eq(kns_grant(s, "alpha:7,delta:1", err, sizeof err), -KE_NOENT);
    cr_assert_not_null(strstr(err, "delta:1"), "%s", err);
    cr_assert_eq(kns_grant(s, "alpha:70000", err, sizeof err), -KE_RANGE);
    kcapset_destroy(s);
    kns_unpublish(&alpha_pub);
    kns_unpublish(&beta_pub);
    cr_assert_eq(kmem_live(), live);
}
