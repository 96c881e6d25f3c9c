#!/usr/bin/python3
"""Compare a QEMU monitor screendump with libjpeg-turbo's decoding of a frame.

Usage (Debian's /usr/bin/python3):
  psnr.py SHOT.ppm CLIP.mjpeg INDEX MIN_DB

SHOT.ppm: `screendump` of the VM's standard VGA (binary PPM, RFC-less
Netpbm P6). CLIP.mjpeg: JPEG images one after the other; image INDEX
(negative counts from the end) is decoded by djpeg (libjpeg-turbo, ISLOW
IDCT and fancy upsampling, the decoding the VM's stb_image follows) and
compared with the W x H rectangle centred in the screen (where the video
client's framebuffer sink draws it, offsets rounded down). Prints the PSNR
over the R, G and B samples (10 log10(255^2 / MSE)), the largest difference
and whether the rest of the screen is black; exit 0 when PSNR >= MIN_DB,
1 otherwise, 2 on bad input.
"""

import math
import subprocess
import sys


def read_ppm(data):
    """(width, height, RGB bytes) of a binary P6 Netpbm image with maxval 255."""
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    if fields[0] != b"P6" or int(fields[3]) != 255:
        raise ValueError("not a P6 image with maxval 255")
    w, h = int(fields[1]), int(fields[2])
    pixels = data[pos + 1:pos + 1 + 3 * w * h]
    if len(pixels) != 3 * w * h:
        raise ValueError("truncated image")
    return w, h, pixels


def images(clip):
    """The JPEG images of an MJPEG byte string, split at markers (ITU-T T.81 B.1.1)."""
    out, off = [], 0
    while off + 4 <= len(clip):
        if clip[off:off + 2] != b"\xff\xd8":
            raise ValueError("no SOI at byte %d" % off)
        i = off + 2
        while True:
            marker = clip[i + 1]
            if marker == 0xD9:
                i += 2
                break
            i += 2 + (clip[i + 2] << 8 | clip[i + 3])
            if marker == 0xDA:  # entropy-coded data: 0xFF only as FF 00 or RSTn
                while not (clip[i] == 0xFF and clip[i + 1] != 0 and not 0xD0 <= clip[i + 1] <= 0xD7):
                    i += 1
        out.append(clip[off:i])
        off = i
    return out


def main(argv):
    if len(argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], "rb") as f:
        sw, sh, screen = read_ppm(f.read())
    with open(argv[2], "rb") as f:
        frame = images(f.read())[int(argv[3])]
    ref = subprocess.run(["djpeg", "-pnm", "-dct", "int"], input=frame, capture_output=True,
                         check=True).stdout
    w, h, want = read_ppm(ref)
    if w > sw or h > sh:
        print("the frame (%dx%d) is larger than the screen (%dx%d)" % (w, h, sw, sh))
        return 1
    x0, y0 = (sw - w) // 2, (sh - h) // 2
    sq, worst = 0, 0
    for y in range(h):
        row = screen[3 * ((y0 + y) * sw + x0):3 * ((y0 + y) * sw + x0 + w)]
        ref_row = want[3 * y * w:3 * (y + 1) * w]
        for a, b in zip(row, ref_row):
            d = a - b
            sq += d * d
            if abs(d) > worst:
                worst = abs(d)
    mse = sq / (3.0 * w * h)
    db = float("inf") if mse == 0 else 10 * math.log10(255.0 ** 2 / mse)
    lit = sum(1 for y in range(sh) for x in range(sw)
              if not (x0 <= x < x0 + w and y0 <= y < y0 + h) and screen[3 * (y * sw + x):3 * (y * sw + x) + 3] != b"\0\0\0")
    print("screen %dx%d, frame %dx%d at (%d,%d): PSNR %.1f dB, max |diff| %d; %d pixels lit outside it"
          % (sw, sh, w, h, x0, y0, db, worst, lit))
    return 0 if db >= float(argv[4]) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
