/*
 * tests/fuzz/fuzz_dpdk_args.c — libFuzzer target over what the dpdk driver
 * parses of a configuration (drivers/dpdk): the EAL argument string of
 * eal="..." (dpdk_eal_split: blanks, quotes), the iface= of a
 * net_af_packet device argument (dpdk_afpacket_iface), and a whole
 * "dpdk ..." configuration line through config_parse and the keyword's
 * parse-time check (dpdk_stage.c). Any input must give a clean refusal or
 * words that lie inside the store, each NUL-terminated, with argv[0]
 * "spindle" and argv[argc] NULL; a refused line has a position on line 1;
 * never a read or write out of bounds or a leak (ASan). Nothing here starts
 * EAL.
 *
 * Build: CC=clang meson setup build-fuzz -Dfuzz=true -Dsanitize=true (with DPDK)
 * Run:   tests/fuzz/fuzz-dpdk-smoke.sh build-fuzz/tests/fuzz/fuzz-dpdk-args - 60
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/dpdk/dpdk_afpacket.h"
#include "drivers/dpdk/dpdk_eal.h"
#include "netgraph/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as the rest of a "dpdk" configuration line: parsed and checked, never applied. */
static void config_line(const uint8_t *data, size_t size)
{
    static const char kw[] = "dpdk ";
    char *text = malloc(sizeof(kw) + size);
    struct config cfg;
    struct config_error err;

    if (text == NULL)
        abort();
    memcpy(text, kw, sizeof(kw) - 1);
    memcpy(text + sizeof(kw) - 1, data, size);
    if (config_parse(text, sizeof(kw) - 1 + size, "fuzz.conf", &cfg, &err) == 0)
        config_free(&cfg);
    else if (err.line < 1 || err.col < 1)
        abort();
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    /* The store's size varies with the input so that "does not fit" is reached. */
    size_t storelen = size ? (size_t)data[0] * 4u + 1u : 1u;
    char *store = malloc(storelen);
    char *argv[DPDK_EAL_MAX_ARGS];
    char iface[17];
    int argc;

    if (text == NULL || store == NULL)
        abort();
    memcpy(text, data, size);
    text[size] = '\0';
    argc = dpdk_eal_split(text, store, storelen, argv);
    if (argc >= 0) {
        if (argc < 1 || argc > DPDK_EAL_MAX_ARGS - 1 || argv[argc] != NULL ||
            strcmp(argv[0], "spindle") != 0)
            abort();
        for (int i = 0; i < argc; i++) {
            size_t n = strlen(argv[i]);

            if (argv[i] < store || argv[i] + n >= store + storelen)
                abort();
        }
    }
    if (dpdk_afpacket_iface(text, iface, sizeof(iface)) &&
        (iface[0] == '\0' || strlen(iface) >= sizeof(iface) || strchr(iface, ',') != NULL))
        abort();
    free(store);
    free(text);
    config_line(data, size);
    return 0;
}
