"""Two functions to try concgui's "Your own code" on (see the README).

    concgui bench --function mytasks:sha --path docs/examples --tasks 32
    concgui bench --function mytasks:loop --path docs/examples

Each is called as ``func(item) -> result`` on the items 0, 1, … (``--tasks``).
"""

import hashlib

#: Four 8 MB buffers, made once per process (at import).
BLOCKS = [bytes([k]) * (8 * 1024 * 1024) for k in range(4)]


def sha(i):
    """SHA-256 of an 8 MB buffer: hashlib releases the GIL while it hashes one larger than 2047 bytes."""
    return hashlib.sha256(BLOCKS[i % 4]).hexdigest()


def loop(i):
    """A pure-Python loop: every step is bytecode, so it holds the GIL the whole time."""
    acc = 0
    for k in range(300_000):
        acc = (acc * 31 + k + i) % 1_000_003
    return acc
