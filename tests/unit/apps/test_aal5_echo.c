/*
 * tests/unit/apps/test_aal5_echo.c — the aal5-echo extension, created
 * through the extension framework (netgraph/extension.h):
 * every PDU on its VC answered with the same payload and CPCS-UU on the
 * same VC to the sender's MAC, other VCs ignored, large PDUs, parameters
 * refused with a message, remove() uninstalls and frees, and its VC is a
 * capability of the "aal5" domain: granted from vc= by default, refused
 * when grant= names another VC, more VCs or another domain.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "testkit.h"
#include "../protocols/aal5/sarkit.h"

#include "apps/aal5-echo/aal5_echo.h"
#include "netgraph/extension.h"
#include "kernel/domain.h"
#include "kernel/kerr.h"
#include "kernel/nameservice.h"
#include "kernel/klib.h"
#include "kernel/mem.h"
#include "kernel/stats.h"

/* aecho_create - an aal5-echo instance with @p (kext_create on the linked-in class). */
static int aecho_create(const struct kparams *p, struct kext **out, char *err, size_t errlen)
{
    return kext_create(kext_class_find("aal5-echo"), p, out, err, errlen);
}
#include "protocols/aal5/aal5.h"
#include "protocols/ether/ether.h"

static const uint8_t OUR_MAC[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t PEER_MAC[6] = { 0x02, 0, 0, 0, 0, 0x01 };

static struct netif *ifp;
static struct sk k;
static uint8_t pay[AAL5_MAX_PAYLOAD];
static uint8_t frame[14 + AAL5_FRAME_MAX];

static void setup(void)
{
    testkit_init();
    cr_assert_eq(ether_init(), 0);
    cr_assert_eq(aal5_init(), 0);
    ifp = testkit_netif("eth0", OUR_MAC, NULL);
    sk_setup(&k, sk_params(), 64, 2);
    sk_pattern(pay, sizeof pay, 5);
}

static void teardown(void)
{
    testkit_drain(ifp);
    sk_teardown(&k);
    aal5_fini();
    ether_fini();
    netif_destroy_all();
    testkit_fini_pool_full();
}

TestSuite(aal5_echo, .init = setup, .fini = teardown);

static void *install(const char *vc)
{
    struct kparams p = { .n = 1, .key = { "vc" }, .value = { vc } };
    void *state = NULL;
    char err[200] = "";
    cr_assert_eq(aecho_create(&p, (struct kext **)&state, err, sizeof err), 0, "install: %s", err);
    return state;
}

static uint64_t ectr(const char *name)
{
    uint64_t v = 0;
    cr_assert_eq(kstats_find("aal5-echo", name, &v), 0, "no counter aal5-echo.%s", name);
    return v;
}

/* A PDU from the peer on @vpi/@vci. */
static void send_pdu(uint32_t len, uint8_t vpi, uint16_t vci, uint8_t uu)
{
    struct sk_cells c = sk_segment(pay, len, vpi, vci, uu);
    for (size_t i = 0; i < c.n; i += AAL5_CELLS_PER_FRAME) {
        size_t n = c.n - i < AAL5_CELLS_PER_FRAME ? c.n - i : AAL5_CELLS_PER_FRAME;
        testkit_inject(ifp, frame, sk_frame(frame, OUR_MAC, PEER_MAC, &c, i, n));
    }
    free(c.b);
}

/* The answer: every frame sent goes to the peer; returns the one PDU they make. */
static struct pktbuf *answer(struct aal5_pdu_info *info)
{
    struct pktbuf *f;
    int pdus = 0;
    while ((f = testkit_sent(ifp)) != NULL) {
        pdus += sk_input_frame(&k, f, PEER_MAC, OUR_MAC);
        pkt_free(f);
    }
    cr_assert_eq(pdus, 1, "expected one PDU in answer, got %d", pdus);
    return sk_take(&k, info);
}

Test(aal5_echo, answers_on_its_vc_with_the_same_payload)
{
    void *st = install("1/100");
    const uint32_t lens[] = { 1, 48, 1500, 20000, AAL5_RX_MAX_PAYLOAD };
    for (unsigned i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        send_pdu(lens[i], 1, 100, (uint8_t)(0x10 + i));
        struct aal5_pdu_info info;
        struct pktbuf *p = answer(&info);
        cr_assert_eq(p->len, lens[i]);
        cr_assert(memcmp(pkt_data(p), pay, lens[i]) == 0, "length %u: payload differs", lens[i]);
        cr_assert_eq(info.last.vpi, 1);
        cr_assert_eq(info.last.vci, 100);
        cr_assert_eq(info.uu, 0x10 + i);
        pkt_free(p);
    }
    cr_assert_eq(ectr("rx"), 5);
    cr_assert_eq(ectr("tx"), 5);
    kext_destroy(st);
}

Test(aal5_echo, ignores_other_vcs)
{
    void *st = install("0/32");
    send_pdu(100, 0, 33, 0);
    send_pdu(100, 1, 32, 0);
    cr_assert_eq(testkit_sent_count(ifp), 0);
    cr_assert_eq(ectr("rx"), 0);
    send_pdu(100, 0, 32, 0);
    pkt_free(answer(NULL));
    kext_destroy(st);
}

Test(aal5_echo, two_instances_on_two_vcs)
{
    void *a = install("0/32");
    void *b = install("0/33");
    send_pdu(10, 0, 33, 0);
    struct aal5_pdu_info info;
    struct pktbuf *p = answer(&info);
    cr_assert_eq(info.last.vci, 33);
    pkt_free(p);
    kext_destroy(a);
    kext_destroy(b);
}

Test(aal5_echo, remove_uninstalls_and_frees)
{
    uint64_t live = kmem_live();
    void *st = install("0/32");
    kext_destroy(st);
    cr_assert_eq(kmem_live(), live, "remove() frees what install() took");
    send_pdu(100, 0, 32, 0);
    cr_assert_eq(testkit_sent_count(ifp), 0);
}

Test(aal5_echo, bad_parameters)
{
    static const struct {
        const char *key, *value;
        int rc;
    } bad[] = {
        { "vc", "32", -KE_INVAL },     { "vc", "a/b", -KE_INVAL }, { "vc", "0/", -KE_INVAL },
        { "vc", "256/32", -KE_RANGE }, { "vc", "0/0", -KE_RANGE }, { "vc", "0/65536", -KE_RANGE },
        { "port", "7", -KE_INVAL },
    };
    uint64_t live = kmem_live();
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct kparams p = { .n = 1, .key = { bad[i].key }, .value = { bad[i].value } };
        void *st = NULL;
        char err[200] = "";
        cr_assert_eq(aecho_create(&p, (struct kext **)&st, err, sizeof err), bad[i].rc, "%s=%s",
                     bad[i].key, bad[i].value);
        cr_assert(strncmp(err, "aal5-echo: ", 11) == 0, "message: %s", err);
    }
    struct kparams none = { 0 };
    void *st = NULL;
    char err[200] = "";
    cr_assert_eq(aecho_create(&none, (struct kext **)&st, err, sizeof err), -KE_INVAL);
    cr_assert(strstr(err, "vc=") != NULL, "message: %s", err);
    cr_assert_eq(kmem_live(), live, "a refused install keeps nothing");
    cr_assert_str_eq(kext_class_find("aal5-echo")->usage,
                     "aal5-echo vc=VPI/VCI [grant=aal5:VPI/VCI] [mode=sync|async|bounded[:US]]");
}

/* create2 - an instance with vc=@vc grant=@grant; its code, the message in @err. */
static int create2(const char *vc, const char *grant, struct kext **x, char *err, size_t errlen)
{
    struct kparams p = { .n = 2, .key = { "vc", "grant" }, .value = { vc, grant } };
    err[0] = '\0';
    return aecho_create(&p, x, err, errlen);
}

Test(aal5_echo, its_vc_is_a_capability_granted_exactly)
{
    uint64_t live = kmem_live();
    struct kext *x = NULL;
    char err[256];
    cr_assert_eq(create2("0/40", "aal5:0/41", &x, err, sizeof err), -KE_PERM);
    cr_expect(strstr(err, "vc 0/40 is not granted (grant=aal5:0/40)") != NULL, "%s", err);
    cr_assert_eq(create2("0/40", "aal5:0/32-0/47", &x, err, sizeof err), -KE_PERM);
    cr_expect(strstr(err, "'aal5:0/32-0/47' is too wide") != NULL, "in VPI/VCI: %s", err);
    cr_assert_eq(create2("0/40", "aal5:*", &x, err, sizeof err), -KE_PERM);
    cr_expect(strstr(err, "too wide") != NULL, "%s", err);
    static struct kdomain other;
    static struct kns_publication other_pub;
    cr_assert_eq(kdomain_init(&other, "other", NULL, 0, NULL, 0), 0);
    cr_assert_eq(kns_publish(&other_pub, "other", &other, KCAP_IMPORT, 0, 10), 0);
    cr_assert_eq(create2("0/40", "other:7", &x, err, sizeof err), -KE_PERM);
    cr_expect(strstr(err, "aal5-echo needs nothing of it") != NULL, "%s", err);
    kns_unpublish(&other_pub);
    cr_assert_eq(create2("0/40", "aal5:0/40-0/40x", &x, err, sizeof err), -KE_INVAL);
    cr_assert_eq(create2("0/40", "aal5:0/65536", &x, err, sizeof err), -KE_INVAL);
    cr_assert_eq(kmem_live(), live, "a refused install keeps nothing");

    cr_assert_eq(create2("0/40", "aal5:0/40", &x, err, sizeof err), 0, "%s", err);
    send_pdu(64, 0, 40, 0);
    pkt_free(answer(NULL));
    kext_destroy(x);

    /* Without grant=, exactly its VC: VPI 2 VCI 40 is VC number 2 << 16 | 40. */
    struct kext *y = install("2/40");
    cr_assert_not_null(y->caps);
    cr_assert_eq(y->caps->n, 1);
    cr_expect_str_eq(y->caps->cap[0]->name, "aal5");
    cr_expect_eq(y->caps->cap[0]->scope_lo, aal5_vc_num(2, 40));
    cr_expect_eq(y->caps->cap[0]->scope_hi, (2u << 16) | 40u);
    kext_destroy(y);
}
