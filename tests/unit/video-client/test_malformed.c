/*
 * tests/unit/video-client/test_malformed.c — tests/traces/rtpjpeg-malformed
 * .pcap (crafted by make-malformed-rtpjpeg.py, one comment per case in
 * rtpjpeg-malformed.expect) replayed into the client: each malformed case is
 * dropped and counted exactly as its line says, never shown, and the intact
 * frame after it is shown; at the end every byte the client took is back.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apps/video-client/vclient.h"
#include "apps/video-client/vsink_fb.h"
#include "kernel/mem.h"
#include "vckit.h"

/* Counters a case may not move unless its line names them. */
static const enum vclient_counter watched[] = {
    VC_NOT_RTP,   VC_WRONG_PT,        VC_OTHER_SSRC,   VC_SEQ_JUMPS,     VC_LOST,
    VC_REORDERED, VC_DUPLICATES,      VC_LATE_PACKETS, VC_OVERSIZE,      VC_BAD_PAYLOADS,
    VC_DROP_LATE, VC_DROP_INCOMPLETE, VC_DROP_CORRUPT, VC_DECODE_ERRORS, VC_DISPLAY_ERRORS,
};

static int counter_index(const char *name, size_t len)
{
    for (int i = 0; i < VC_NCTR; i++)
        if (strlen(vclient_counter_names[i]) == len &&
            !strncmp(vclient_counter_names[i], name, len))
            return i;
    cr_assert_fail("unknown counter %.*s", (int)len, name);
    return -1;
}

Test(malformed, every_case_is_dropped_and_counted_and_the_next_frame_shown)
{
    struct vckit_capture cap;
    vckit_read_capture(TESTKIT_TRACES "/rtpjpeg-malformed.pcap", 5004, &cap);
    FILE *ex = fopen(TESTKIT_TRACES "/rtpjpeg-malformed.expect", "r");
    cr_assert_not_null(ex);
    uint64_t live = kmem_live();
    struct vdec *d = vdec_turbo_create();
    struct vsink *s = vsink_null_create(VIMAGE_I420);
    struct vclient_config cfg;
    vclient_config_default(&cfg);
    struct vclient *vc = vclient_create(&cfg, d, s);
    const uint64_t *c = vclient_counters(vc);

    uint64_t before[VC_NCTR], want[VC_NCTR];
    char line[512], comment[256] = "";
    size_t next = 0, cases = 0, valids = 0;
    while (fgets(line, sizeof line, ex)) {
        if (line[0] == '#')
            continue;
        char kind[8], counters[256] = "";
        size_t first, count;
        int n = sscanf(line, "%7s %zu %zu %255s", kind, &first, &count, counters);
        cr_assert_geq(n, 3, "bad line: %s", line);
        cr_assert_eq(first, next, "lines cover the datagrams in order");
        cr_assert_leq(first + count, cap.n);
        bool is_case = !strcmp(kind, "case");
        if (is_case) {
            memcpy(before, c, sizeof before);
            memcpy(want, c, sizeof want);
            for (char *p = counters; *p;) {
                char *eq = strchr(p, '='), *end = strchr(p, ',');
                cr_assert_not_null(eq);
                want[counter_index(p, (size_t)(eq - p))] += strtoull(eq + 1, NULL, 10);
                p = end ? end + 1 : eq + strlen(eq);
            }
            const char *h = strchr(line, '#');
            snprintf(comment, sizeof comment, "%s", h ? h + 2 : "?");
            comment[strcspn(comment, "\n")] = '\0';
            cases++;
        }
        uint64_t shown = c[VC_FRAMES_SHOWN];
        for (size_t i = first; i < first + count; i++)
            vclient_rx(vc, cap.d[i].data, cap.d[i].len, cap.d[i].ts_ns);
        next = first + count;
        if (is_case) {
            cr_assert_eq(c[VC_FRAMES_SHOWN], shown, "shown: %s", comment);
            continue;
        }
        valids++;
        cr_assert_eq(c[VC_FRAMES_SHOWN], shown + 1, "the intact frame after: %s", comment);
        if (cases == 0)
            continue;
        for (size_t w = 0; w < sizeof watched / sizeof watched[0]; w++) {
            enum vclient_counter k = watched[w];
            cr_assert_eq(c[k] - before[k], want[k] - before[k], "%s: %s grew by %llu, not %llu",
                         comment, vclient_counter_names[k], (unsigned long long)(c[k] - before[k]),
                         (unsigned long long)(want[k] - before[k]));
        }
    }
    fclose(ex);
    cr_assert_eq(next, cap.n, "every datagram belongs to a line");
    cr_assert_geq(cases, 20);
    cr_assert_eq(valids, cases + 1);
    vclient_destroy(vc);
    vsink_destroy(s);
    vdec_destroy(d);
    cr_assert_eq(kmem_live(), live, "nothing the client took is left behind");
    vckit_free_capture(&cap);
}

/* The VMs' decoder on the same file: every intact frame shown, nothing
 * crashes or leaks (ASan); stb_image may show a truncated frame that
 * libjpeg-turbo refuses, nothing else. */
Test(malformed, stb_image_survives_the_same_cases)
{
    struct vckit_capture cap;
    vckit_read_capture(TESTKIT_TRACES "/rtpjpeg-malformed.pcap", 5004, &cap);
    FILE *ex = fopen(TESTKIT_TRACES "/rtpjpeg-malformed.expect", "r");
    cr_assert_not_null(ex);
    size_t valids = 0, decode_cases = 0;
    char line[512];
    while (fgets(line, sizeof line, ex)) {
        valids += !strncmp(line, "valid ", 6);
        decode_cases += !strncmp(line, "case ", 5) && strstr(line, "decode_errors=") != NULL;
    }
    fclose(ex);
    uint64_t live = kmem_live();
    struct vdec *d = vdec_stb_create();
    struct vsink *s = vsink_null_create(VIMAGE_RGB24);
    struct vclient_config cfg;
    vclient_config_default(&cfg);
    struct vclient *vc = vclient_create(&cfg, d, s);
    for (size_t i = 0; i < cap.n; i++)
        vclient_rx(vc, cap.d[i].data, cap.d[i].len, cap.d[i].ts_ns);
    vclient_flush(vc);
    uint64_t shown = vclient_counters(vc)[VC_FRAMES_SHOWN];
    cr_assert(shown >= valids && shown <= valids + decode_cases, "shown %llu",
              (unsigned long long)shown);
    vclient_destroy(vc);
    vsink_destroy(s);
    vdec_destroy(d);
    cr_assert_eq(kmem_live(), live);
    vckit_free_capture(&cap);
}
