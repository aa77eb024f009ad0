"""Bytes the demo site serves besides HTML: images and attachment files.

Everything is a pure function of its name, so the same URL always answers the same
bytes.  Images are real, decodable pictures (a small grid of coloured squares) made
without any imaging library: PNG through ``zlib``, JPEG through a tiny baseline
encoder that only has to code flat 8x8 blocks.
"""

from __future__ import annotations

import hashlib
import struct
import zlib

_WIDTH, _HEIGHT = 32, 24  # four by three blocks of 8x8 pixels


def _colours(seed: str) -> list[tuple[int, int, int]]:
    """Twelve deterministic RGB colours, one per 8x8 block."""
    digest = hashlib.shake_256(seed.encode()).digest(36)
    return [(digest[i], digest[i + 1], digest[i + 2]) for i in range(0, 36, 3)]


def _block_colour(colours: list[tuple[int, int, int]], x: int, y: int) -> tuple[int, int, int]:
    return colours[(y // 8) * (_WIDTH // 8) + x // 8]


def png_bytes(seed: str) -> bytes:
    """A 32x24 RGB PNG whose colours depend on ``seed``.

    >>> data = png_bytes("a")
    >>> data[:8] == b"\\x89PNG\\r\\n\\x1a\\n", data == png_bytes("a"), data != png_bytes("b")
    (True, True, True)
    """
    colours = _colours(seed)
    rows = b"".join(
        b"\x00" + b"".join(bytes(_block_colour(colours, x, y)) for x in range(_WIDTH))
        for y in range(_HEIGHT)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", _WIDTH, _HEIGHT, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


# Standard JPEG luminance DC table (ITU T.81, K.3) and a two-code AC table (EOB, ZRL).
_DC_BITS = (0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0)
_DC_VALUES = tuple(range(12))
_AC_BITS = (0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
_AC_VALUES = (0x00, 0xF0)


def _huffman_codes(bits: tuple[int, ...], values: tuple[int, ...]) -> dict[int, tuple[int, int]]:
    """Canonical Huffman codes: symbol -> (code, length)."""
    codes: dict[int, tuple[int, int]] = {}
    code, k = 0, 0
    for length, count in enumerate(bits, start=1):
        for _ in range(count):
            codes[values[k]] = (code, length)
            code += 1
            k += 1
        code <<= 1
    return codes


_DC_CODES = _huffman_codes(_DC_BITS, _DC_VALUES)
_AC_CODES = _huffman_codes(_AC_BITS, _AC_VALUES)


class _BitWriter:
    def __init__(self) -> None:
        self.out = bytearray()
        self.acc = 0
        self.n = 0

    def write(self, value: int, length: int) -> None:
        for i in range(length - 1, -1, -1):
            self.acc = (self.acc << 1) | ((value >> i) & 1)
            self.n += 1
            if self.n == 8:
                self.out.append(self.acc)
                if self.acc == 0xFF:
                    self.out.append(0x00)  # byte stuffing
                self.acc, self.n = 0, 0

    def flush(self) -> bytes:
        while self.n:
            self.write(1, 1)  # pad with ones
        return bytes(self.out)


def jpeg_bytes(seed: str) -> bytes:
    """A 32x24 baseline JPEG (YCbCr, no subsampling) whose colours depend on ``seed``.

    >>> data = jpeg_bytes("a")
    >>> data[:2], data[-2:], data == jpeg_bytes("a")
    (b'\\xff\\xd8', b'\\xff\\xd9', True)
    """
    colours = _colours(seed)
    bits = _BitWriter()
    previous = [0, 0, 0]
    for by in range(_HEIGHT // 8):
        for bx in range(_WIDTH // 8):
            r, g, b = colours[by * (_WIDTH // 8) + bx]
            ycc = (
                0.299 * r + 0.587 * g + 0.114 * b,
                128 - 0.168736 * r - 0.331264 * g + 0.5 * b,
                128 + 0.5 * r - 0.418688 * g - 0.081312 * b,
            )
            for c in range(3):
                # A flat block has only a DC coefficient: 8 * (level - 128); the
                # quantiser is 8, so the coded value is level - 128.
                dc = max(-128, min(127, round(ycc[c]) - 128))
                diff, previous[c] = dc - previous[c], dc
                size = abs(diff).bit_length()
                code, length = _DC_CODES[size]
                bits.write(code, length)
                if size:
                    bits.write(diff if diff > 0 else diff + (1 << size) - 1, size)
                code, length = _AC_CODES[0x00]  # end of block
                bits.write(code, length)
    scan = bits.flush()

    def segment(marker: int, payload: bytes) -> bytes:
        return struct.pack(">HH", 0xFF00 | marker, len(payload) + 2) + payload

    dht = (
        bytes([0x00])
        + bytes(_DC_BITS)
        + bytes(_DC_VALUES)
        + bytes([0x10])
        + bytes(_AC_BITS)
        + bytes(_AC_VALUES)
    )
    components = b"".join(bytes([cid, 0x11, 0]) for cid in (1, 2, 3))
    return (
        b"\xff\xd8"
        + segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
        + segment(0xDB, b"\x00" + bytes([8] * 64))
        + segment(0xC0, struct.pack(">BHHB", 8, _HEIGHT, _WIDTH, 3) + components)
        + segment(0xC4, dht)
        + segment(
            0xDA, b"\x03" + b"".join(bytes([cid, 0x00]) for cid in (1, 2, 3)) + b"\x00\x3f\x00"
        )
        + scan
        + b"\xff\xd9"
    )


def image_bytes(name: str) -> tuple[bytes, str]:
    """Bytes and content type of the image file ``name`` (``.png`` or ``.jpg``)."""
    if name.endswith(".png"):
        return png_bytes(name), "image/png"
    return jpeg_bytes(name), "image/jpeg"


_MAGIC = {
    "application/pdf": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n",
    "image/jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
    "application/x-hwp": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
    "application/zip": b"PK\x03\x04",
}


def file_bytes(seed: str, size: int, content_type: str) -> bytes:
    """``size`` deterministic bytes starting with the magic number of ``content_type``.

    >>> data = file_bytes("x", 100, "application/pdf")
    >>> len(data), data[:5], data == file_bytes("x", 100, "application/pdf")
    (100, b'%PDF-', True)
    """
    magic = _MAGIC.get(content_type, b"")
    return (magic + hashlib.shake_256(seed.encode()).digest(max(0, size - len(magic))))[:size]
