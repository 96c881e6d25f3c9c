/*
 * drivers/bm/nic_params.c — a NIC's numeric parameters (drivers/bm/nic_params.h).
 */
#include "drivers/bm/nic_params.h"

#include <stdbool.h>
#include "kernel/kerr.h"
#include "kernel/klib.h"

/* @spec's keys joined by @sep into @buf (truncated to @size bytes). */
static void join_keys(const struct nic_param *spec, unsigned n, const char *sep, char *buf,
                      size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (unsigned k = 0; k < n && used < size; k++) {
        int w = ksnprintf(buf + used, size - used, "%s%s", k ? sep : "", spec[k].key);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

static bool known_key(const struct nic_param *spec, unsigned n, const char *key)
{
    for (unsigned k = 0; k < n; k++)
        if (strcmp(key, spec[k].key) == 0)
            return true;
    return false;
}

/* A flag given as "on" or "off": set *spec->out and return true. */
static bool flag_word(const struct kparams *p, const struct nic_param *spec)
{
    const char *v = kparams_get(p, spec->key);
    if (v == NULL || spec->min != 0 || spec->max != 1)
        return false;
    if (strcmp(v, "on") == 0)
        *spec->out = 1;
    else if (strcmp(v, "off") == 0)
        *spec->out = 0;
    else
        return false;
    return true;
}

int nic_params_get(const char *driver, const struct kparams *p, const struct nic_param *spec,
                   unsigned n, char *err, size_t errlen)
{
    char keys[96];
    for (unsigned i = 0; p && i < p->n; i++) {
        if (!known_key(spec, n, p->key[i])) {
            join_keys(spec, n, ", ", keys, sizeof keys);
            ksnprintf(err, errlen, "%s: unknown parameter '%s' (known: %s)", driver, p->key[i],
                      keys);
            return -KE_INVAL;
        }
    }
    for (unsigned k = 0; k < n; k++) {
        int rc = flag_word(p, &spec[k]) ? 0
                                        : kparams_get_u64(p, spec[k].key, spec[k].dflt, spec[k].min,
                                                          spec[k].max, spec[k].out);
        if (rc) {
            join_keys(spec, n, "/", keys, sizeof keys);
            ksnprintf(err, errlen, "%s: bad %s value: %s", driver, keys, kerr_str(rc));
            return rc;
        }
    }
    return 0;
}
