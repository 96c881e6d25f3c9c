/*
 * tests/replay-video/jpeg_i420.c — libjpeg-turbo's decoding of an MJPEG
 * clip (JPEG interchange-format images one after the other, ITU-T T.81
 * annex B), as the reference the video client's output is compared with.
 *
 *   jpeg-i420 CLIP.mjpeg OUT.i420
 *
 * Writes, per image, its Y, Cb and Cr planes as the JPEG holds them
 * (TurboJPEG's tjDecompressToYUVPlanes: no upsampling, rows unpadded, the
 * odd chroma column and row rounded up), and prints "W H N" (pixels, images)
 * on standard output. 4:2:0 images only (RFC 2435 type 1, what the traces
 * carry). Exit 0, or 1 with a message. Hosted test tool.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <turbojpeg.h>

/*
 * image_end - the length of the image starting at @p (@n bytes), SOI to EOI:
 * marker segments carry a 16-bit length (T.81 B.1.1.4); entropy-coded data
 * after SOS holds 0xFF only as FF 00 or RSTn (B.1.1.5). 0 if there is no EOI.
 */
static size_t image_end(const uint8_t *p, size_t n)
{
    size_t i = 2;
    while (i + 2 <= n) {
        if (p[i] != 0xff)
            return 0;
        uint8_t m = p[i + 1];
        if (m == 0xd9)
            return i + 2;
        if (i + 4 > n)
            return 0;
        size_t len = (size_t)p[i + 2] << 8 | p[i + 3];
        i += 2 + len;
        if (m != 0xda)
            continue;
        while (i + 1 < n &&
               !(p[i] == 0xff && p[i + 1] != 0x00 && (p[i + 1] < 0xd0 || p[i + 1] > 0xd7)))
            i++;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s CLIP.mjpeg OUT.i420\n", argv[0]);
        return 1;
    }
    FILE *in = fopen(argv[1], "rb"), *out = fopen(argv[2], "wb");
    if (!in || !out) {
        perror("jpeg-i420");
        return 1;
    }
    static uint8_t clip[64 << 20];
    size_t n = fread(clip, 1, sizeof clip, in);
    fclose(in);
    tjhandle tj = tjInitDecompress();
    int w0 = 0, h0 = 0, images = 0;
    for (size_t off = 0; off + 4 <= n; images++) {
        size_t len = image_end(clip + off, n - off);
        int w, h, sub, cs;
        if (clip[off] != 0xff || clip[off + 1] != 0xd8 || len == 0 ||
            tjDecompressHeader3(tj, clip + off, len, &w, &h, &sub, &cs) != 0 || sub != TJSAMP_420) {
            fprintf(stderr, "jpeg-i420: image %d at byte %zu: not a 4:2:0 JPEG (%s)\n", images, off,
                    tjGetErrorStr2(tj));
            tjDestroy(tj);
            return 1;
        }
        if (images == 0) {
            w0 = w;
            h0 = h;
        } else if (w != w0 || h != h0) {
            fprintf(stderr, "jpeg-i420: image %d is %dx%d, not %dx%d\n", images, w, h, w0, h0);
            tjDestroy(tj);
            return 1;
        }
        int cw = (w + 1) / 2, ch = (h + 1) / 2;
        unsigned char *buf = malloc((size_t)w * h + 2 * (size_t)cw * ch);
        unsigned char *planes[3] = { buf, buf + (size_t)w * h,
                                     buf + (size_t)w * h + (size_t)cw * ch };
        int strides[3] = { w, cw, cw };
        if (!buf || tjDecompressToYUVPlanes(tj, clip + off, len, planes, w, strides, h, 0) != 0) {
            fprintf(stderr, "jpeg-i420: image %d: %s\n", images, tjGetErrorStr2(tj));
            free(buf);
            tjDestroy(tj);
            return 1;
        }
        fwrite(buf, 1, (size_t)w * h + 2 * (size_t)cw * ch, out);
        free(buf);
        off += len;
    }
    tjDestroy(tj);
    if (fclose(out) != 0) {
        perror("jpeg-i420");
        return 1;
    }
    printf("%d %d %d\n", w0, h0, images);
    return 0;
}
