/*
 * protocols/aal5/aal5_ext.c — aal5_ext_vc (aal5.h): what every extension
 * that serves a VC does with its vc= parameter, read and granted in one
 * place (as protocols/udp's udp_ext_install does for port=).
 */
#include "protocols/aal5/aal5.h"

#include "kernel/capability.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "netgraph/extension.h"

int aal5_ext_vc(struct kext *x, uint8_t *vpi, uint16_t *vci, char *err, size_t errlen)
{
    const char *vc = kparams_get(x->params, "vc");
    if (vc == NULL) {
        ksnprintf(err, errlen, "vc= is required");
        return -KE_INVAL;
    }
    int rc = aal5_parse_vc(vc, vpi, vci);
    if (rc < 0) {
        ksnprintf(err, errlen, "vc=%s: %s (expected VPI/VCI, VPI 0..255, VCI 1..65535)", vc,
                  rc == -KE_RANGE ? "out of range" : "not VPI/VCI");
        return rc;
    }
    if (!x->grant_given) {
        /* A grant the framework derived from the class's default port=:
         * a VC endpoint holds no UDP port. */
        kcapset_destroy(x->caps);
        x->caps = NULL;
    }
    char what[24], scope[16];
    ksnprintf(what, sizeof what, "vc %u/%u", *vpi, *vci);
    ksnprintf(scope, sizeof scope, "%u/%u", *vpi, *vci);
    uint32_t n = aal5_vc_num(*vpi, *vci);
    return kext_grant_scope(x, "aal5", n, n, what, scope, err, errlen);
}
