/*
 * tests/unit/dispatch/test_domain.c — interfaces, domains and capabilities
 * (kernel/domain.h, kernel/capability.h): Create, Resolve, Combine, Link;
 * the import and modify rights; capability sets that cannot name what they
 * were not given.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "testkit.h"
#include "kernel/capability.h"
#include "kernel/domain.h"
#include "kernel/kerr.h"
#include "kernel/mem.h"

/* Two small interfaces: a "math" one and a "text" one. */
static int add(int a, int b)
{
    return a + b;
}
static int mul(int a, int b)
{
    return a * b;
}
static int len(const char *s)
{
    return (int)strlen(s);
}

static const struct kentry math_entries[] = { { "add", (kentry_fn)add },
                                              { "mul", (kentry_fn)mul } };
static const struct kiface math_iface = { "math", math_entries, 2 };
static const struct kentry text_entries[] = { { "len", (kentry_fn)len } };
static const struct kiface text_iface = { "text", text_entries, 1 };
static const struct kentry extra_entries[] = { { "len", (kentry_fn)len } };
static const struct kiface extra_iface = { "extra", extra_entries, 1 };

static void setup(void)
{
    testkit_init();
}

TestSuite(domain, .init = setup);

Test(domain, create_resolve_and_call_through_the_table)
{
    uint64_t live = kmem_live();
    const struct kiface *exports[] = { &math_iface };
    int err = 1;
    struct kdomain *provider = kdomain_create("math", exports, 1, NULL, 0, &err);
    cr_assert_not_null(provider);
    cr_assert_eq(err, 0);

    const struct kiface *math = NULL;
    const struct kimport imports[] = { { "math", &math } };
    struct kdomain *client = kdomain_create("client", NULL, 0, imports, 1, NULL);
    cr_assert_not_null(client);
    cr_assert_eq(kdomain_unresolved(client), 1);

    struct kcap *cap =
        kcap_create(provider, "math", KCAP_IMPORT, KCAP_SCOPE_ALL_LO, KCAP_SCOPE_ALL_HI);
    cr_assert_eq(kdomain_resolve(cap, client), 1);
    cr_assert_eq(math, &math_iface);
    cr_assert_eq(kdomain_unresolved(client), 0);
    int (*f)(int, int) = (int (*)(int, int))kiface_entry(math, "mul");
    cr_assert_not_null(f);
    cr_assert_eq(f(6, 7), 42);
    cr_assert_null(kiface_entry(math, "div"));
    cr_assert_eq(kdomain_resolve(cap, client), 0, "nothing left to bind");

    kcap_free(cap);
    kdomain_destroy(client);
    kdomain_destroy(provider);
    cr_assert_eq(kmem_live(), live);
}

Test(domain, resolve_needs_the_import_right)
{
    const struct kiface *exports[] = { &math_iface };
    struct kdomain provider;
    cr_assert_eq(kdomain_init(&provider, "math", exports, 1, NULL, 0), 0);
    const struct kiface *math = NULL;
    const struct kimport imports[] = { { "math", &math } };
    struct kdomain client;
    cr_assert_eq(kdomain_init(&client, "client", NULL, 0, imports, 1), 0);
    struct kcap *modify_only = kcap_create(&provider, "math", KCAP_MODIFY, 0, 0);
    cr_assert_eq(kdomain_resolve(modify_only, &client), -KE_PERM);
    cr_assert_null(math);
    kcap_free(modify_only);
}

Test(domain, export_needs_the_modify_right)
{
    struct kdomain d;
    const struct kiface *exports[] = { &math_iface };
    cr_assert_eq(kdomain_init(&d, "d", exports, 1, NULL, 0), 0);
    struct kcap *ro = kcap_create(&d, "d", KCAP_IMPORT, 0, 0);
    struct kcap *rw = kcap_create(&d, "d", KCAP_ALL, 0, 0);
    cr_assert_eq(kdomain_export(ro, &text_iface), -KE_PERM);
    cr_assert_null(kdomain_find(&d, "text"));
    cr_assert_eq(kdomain_export(rw, &text_iface), 0);
    cr_assert_eq(kdomain_find(&d, "text"), &text_iface);
    cr_assert_eq(kdomain_export(rw, &text_iface), -KE_EXIST);
    kcap_free(ro);
    kcap_free(rw);
}

Test(domain, combine_aggregates_two_domains)
{
    uint64_t live = kmem_live();
    const struct kiface *e1[] = { &math_iface }, *e2[] = { &text_iface };
    struct kdomain a, b;
    kdomain_init(&a, "a", e1, 1, NULL, 0);
    kdomain_init(&b, "b", e2, 1, NULL, 0);
    struct kcap *ca = kcap_create(&a, "a", KCAP_IMPORT, 0, 0);
    struct kcap *cb = kcap_create(&b, "b", KCAP_IMPORT, 0, 0);
    struct kcap *cb_mod = kcap_create(&b, "b", KCAP_MODIFY, 0, 0);
    int err = 0;
    cr_assert_null(kdomain_combine("ab", ca, cb_mod, &err));
    cr_assert_eq(err, -KE_PERM);
    struct kdomain *ab = kdomain_combine("ab", ca, cb, &err);
    cr_assert_not_null(ab);
    cr_assert_eq(ab->nexports, 2);
    cr_assert_eq(kdomain_find(ab, "math"), &math_iface);
    cr_assert_eq(kdomain_find(ab, "text"), &text_iface);
    cr_assert_null(kdomain_combine("aa", ca, ca, &err), "the same interface twice");
    cr_assert_eq(err, -KE_EXIST);

    /* one capability for the aggregate resolves both imports */
    const struct kiface *m = NULL, *t = NULL;
    const struct kimport imports[] = { { "math", &m }, { "text", &t } };
    struct kdomain client;
    kdomain_init(&client, "client", NULL, 0, imports, 2);
    struct kcap *cab = kcap_create(ab, "ab", KCAP_IMPORT, 0, 0);
    cr_assert_eq(kdomain_resolve(cab, &client), 2);
    cr_assert_eq(m, &math_iface);
    cr_assert_eq(t, &text_iface);
    kcap_free(cab);
    kdomain_destroy(ab);
    kcap_free(ca);
    kcap_free(cb);
    kcap_free(cb_mod);
    cr_assert_eq(kmem_live(), live);
}

Test(domain, link_through_a_set_cannot_reach_what_was_not_granted)
{
    const struct kiface *e1[] = { &math_iface }, *e2[] = { &text_iface }, *e3[] = { &extra_iface };
    struct kdomain math_d, text_d, extra_d;
    kdomain_init(&math_d, "math", e1, 1, NULL, 0);
    kdomain_init(&text_d, "text", e2, 1, NULL, 0);
    kdomain_init(&extra_d, "extra", e3, 1, NULL, 0);
    struct kcapset *granted = kcapset_create();
    cr_assert_eq(kcapset_add(granted, kcap_create(&math_d, "math", KCAP_IMPORT, 0, 0)), 0);
    cr_assert_eq(kcapset_add(granted, kcap_create(&extra_d, "extra", KCAP_MODIFY, 0, 0)), 0);

    /* an extension importing math (granted), text (exists, not granted) and
     * extra (granted without the import right) */
    const struct kiface *m = NULL, *t = NULL, *x = NULL;
    const struct kimport imports[] = { { "math", &m }, { "text", &t }, { "extra", &x } };
    struct kdomain ext;
    kdomain_init(&ext, "ext", NULL, 0, imports, 3);
    cr_assert_eq(kdomain_link(&ext, granted), -KE_PERM);
    cr_assert_eq(m, &math_iface, "what was granted is linked");
    cr_assert_null(t, "an existing domain that was not granted stays out of reach");
    cr_assert_null(x, "a capability without the import right links nothing");
    cr_assert_eq(kdomain_unresolved(&ext), 2);

    const struct kcap *c;
    cr_assert_eq(kcapset_find(granted, "math", KCAP_IMPORT, 0, 0, &c), 0);
    cr_assert_eq(c->domain, &math_d);
    cr_assert_eq(kcapset_find(granted, "text", KCAP_IMPORT, 0, 0, &c), -KE_PERM);
    cr_assert_eq(kcapset_find(granted, "nosuch", KCAP_IMPORT, 0, 0, &c), -KE_PERM,
                 "a name that does not exist looks the same");
    cr_assert_eq(kcapset_find(granted, "extra", KCAP_IMPORT, 0, 0, &c), -KE_PERM);
    cr_assert_eq(kcapset_find(NULL, "math", KCAP_IMPORT, 0, 0, &c), -KE_PERM);

    /* granting text later completes the link */
    cr_assert_eq(kcapset_add(granted, kcap_create(&text_d, "text", KCAP_IMPORT, 0, 0)), 0);
    cr_assert_eq(kdomain_link(&ext, granted), -KE_PERM, "extra still lacks the import right");
    cr_assert_eq(t, &text_iface);
    kcapset_destroy(granted);
}

Test(domain, capabilities_attenuate_but_never_amplify)
{
    struct kdomain d;
    kdomain_init(&d, "udp", NULL, 0, NULL, 0);
    struct kcap *c = kcap_create(&d, "udp", KCAP_IMPORT, 5000, 5010);
    struct kcap *n = NULL;
    cr_assert_eq(kcap_restrict(c, KCAP_IMPORT, 5003, 5003, &n), 0);
    cr_assert_eq(n->scope_lo, 5003);
    cr_assert_eq(n->scope_hi, 5003);
    cr_assert(kcap_covers(n, 5003, 5003));
    cr_assert_not(kcap_covers(n, 5004, 5004));
    kcap_free(n);
    cr_assert_eq(kcap_restrict(c, KCAP_ALL, 5003, 5003, &n), -KE_PERM, "no modify right to give");
    cr_assert_eq(kcap_restrict(c, KCAP_IMPORT, 4999, 5003, &n), -KE_PERM, "wider scope");
    cr_assert_eq(kcap_restrict(c, KCAP_IMPORT, 9, 8, &n), -KE_INVAL);
    cr_assert_null(kcap_create(&d, "udp", KCAP_IMPORT, 9, 8));
    kcap_free(c);
}

Test(domain, create_refuses_bad_tables)
{
    const struct kiface *dup[] = { &math_iface, &math_iface };
    struct kdomain d;
    cr_assert_eq(kdomain_init(&d, "d", dup, 2, NULL, 0), -KE_EXIST);
    cr_assert_eq(kdomain_init(&d, NULL, NULL, 0, NULL, 0), -KE_INVAL);
    const struct kimport bad[] = { { "math", NULL } };
    cr_assert_eq(kdomain_init(&d, "d", NULL, 0, bad, 1), -KE_INVAL);
    int err = 0;
    cr_assert_null(kdomain_create("d", dup, 2, NULL, 0, &err));
    cr_assert_eq(err, -KE_EXIST);
}
