"""Images for upload tests and bench/uploads.py: a real PNG of any size, made without holding
its pixels in memory (a 12000×12000 one is about 140 KB and decodes to over 400 MB)."""

import struct
import zlib

CHANNELS = {"L": (0, 1), "RGB": (2, 3)}  # mode -> (PNG colour type, bytes per pixel)


def png(width: int, height: int, mode: str = "RGB") -> bytes:
    """A valid PNG of ``width``×``height`` black pixels, 8 bits per channel."""
    colour_type, channels = CHANNELS[mode]
    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    compressor = zlib.compressobj(9)
    row = bytes(1 + width * channels)  # filter byte 0, then the pixels
    rows_per_step = max(1, 4_000_000 // len(row))
    data = []
    for start in range(0, height, rows_per_step):
        data.append(compressor.compress(row * min(rows_per_step, height - start)))
    data.append(compressor.flush())
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", b"".join(data))
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
