/*
 * protocols/aal5/aal5_vc.c — virtual channels as a capability domain: the
 * "aal5" domain (scope = VC numbers, aal5_vc_num), published by the node,
 * its install procedure aal5_install_granted (SPIN's imposed guards,
 * Bershad et al. SOSP 1995 section 4.2: a client sees only the VCs it was
 * granted), and the "VPI/VCI" text of configuration lines.
 */
#include "protocols/aal5/aal5.h"
#include "protocols/aal5/aal5_impl.h"

#include "kernel/capability.h"
#include "kernel/domain.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/nameservice.h"

static const struct kentry vc_entries[] = {
    { "install", (kentry_fn)aal5_install_granted },
    { "send", (kentry_fn)aal5_send_uu },
    { "info", (kentry_fn)aal5_rx_info },
};
static const struct kiface vc_iface = { "aal5", vc_entries, KARRAY_SIZE(vc_entries) };
static struct kdomain vc_domain;
static struct kns_publication vc_publication;
static bool vc_published;

int aal5_vc_publish(void)
{
    const struct kiface *exports[] = { &vc_iface };
    int rc = kdomain_init(&vc_domain, "aal5", exports, 1, NULL, 0);
    if (rc == 0)
        rc = kns_publish(&vc_publication, "aal5", &vc_domain, KCAP_IMPORT, 0, AAL5_VC_NUM_MAX);
    vc_published = rc == 0;
    return rc;
}

void aal5_vc_unpublish(void)
{
    if (vc_published)
        kns_unpublish(&vc_publication);
    vc_published = false;
}

int aal5_install_granted(const struct kcapset *caps, aal5_PacketArrived_fn fn, void *ctx,
                         uint8_t vpi, uint16_t vci, const struct khandler_props *props,
                         struct khandler **out)
{
    const struct kcap *cap = NULL;
    uint32_t vc = aal5_vc_num(vpi, vci);
    if (kcapset_find(caps, "aal5", KCAP_IMPORT, vc, vc, &cap) < 0 || cap->domain != &vc_domain)
        return -KE_PERM;
    /* The guard pins one VC the capability covers: it is the imposed guard. */
    struct kguard g = aal5_guard_vc(vpi, vci);
    return aal5_PacketArrived_install(fn, ctx, &g, props, out);
}

int aal5_parse_vc(const char *s, uint8_t *vpi, uint16_t *vci)
{
    const char *slash = s;
    while (*slash != '\0' && *slash != '/')
        slash++;
    if (*slash != '/' || slash == s)
        return -KE_INVAL;
    uint64_t p = 0, c = 0;
    int rc = kparse_u64(s, (size_t)(slash - s), &p);
    if (rc == 0)
        rc = kparse_u64(slash + 1, strlen(slash + 1), &c);
    if (rc < 0)
        return -KE_INVAL;
    if (p > 255 || c < 1 || c > 65535)
        return -KE_RANGE;
    *vpi = (uint8_t)p;
    *vci = (uint16_t)c;
    return 0;
}
