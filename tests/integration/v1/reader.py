"""The FrameBundle reader of the release before protocol 1.2 (from
tests/integration/cc_testlib.py at main, before device_time_ns), kept as it
was: test_protocol_compat.py checks that it still reads what the daemon
sends. Only its failure helper is local."""

import struct


class TestFailure(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise TestFailure(msg)


BUNDLE_HDR = struct.Struct("<4sHHQQHHI")   # 32 bytes
ENTRY_HDR = struct.Struct("<HHIIHHQQII")    # 40 bytes
assert BUNDLE_HDR.size == 32 and ENTRY_HDR.size == 40
MAGIC = b"CCFB"
CODEC_JPEG = 1
FLAG_GRAY = 0x0001


class Entry:
    __slots__ = ("camera_index", "width", "height", "codec", "flags", "frame_id",
                 "capture_time_ns", "payload_size", "dropped", "entry_size", "payload")

    def __repr__(self):
        return (f"Entry(cam={self.camera_index} {self.width}x{self.height} codec={self.codec} "
                f"flags={self.flags:#x} frame_id={self.frame_id} cap={self.capture_time_ns} "
                f"payload={self.payload_size} dropped={self.dropped})")


class Bundle:
    __slots__ = ("version", "header_size", "bundle_seq", "mux_time_ns", "entry_count",
                 "flags", "reserved", "entries", "length")

    def __repr__(self):
        return (f"Bundle(seq={self.bundle_seq} mux={self.mux_time_ns} "
                f"entries={self.entries!r} len={self.length})")


def parse_bundle(data, max_entries):
    """Parses one binary message as docs/protocol.md says a reader must.

    Raises TestFailure on anything a reader must reject. Extra header bytes
    (header_size > 32, entry_size > 40) are skipped, as a reader must.
    """
    data = bytes(data)
    n = len(data)
    check(n >= BUNDLE_HDR.size, f"bundle of {n} bytes is shorter than the 32-byte header")
    (magic, version, header_size, seq, mux_ns, count, flags, reserved) = \
        BUNDLE_HDR.unpack_from(data, 0)
    check(magic == MAGIC, f"bad magic {magic!r} (want b'CCFB')")
    check(version == 1, f"bad version {version} (want 1)")
    check(header_size >= 32, f"header_size {header_size} < 32")
    check(header_size <= n, f"header_size {header_size} runs past the message ({n} bytes)")
    check(count <= max_entries,
          f"entry_count {count} > number of cameras {max_entries} (seq {seq})")
    b = Bundle()
    b.version, b.header_size, b.bundle_seq, b.mux_time_ns = version, header_size, seq, mux_ns
    b.entry_count, b.flags, b.reserved, b.length = count, flags, reserved, n
    b.entries = []
    off = header_size
    for i in range(count):
        check(off + ENTRY_HDR.size <= n,
              f"entry {i}: header at offset {off} runs past the message ({n} bytes)")
        f = ENTRY_HDR.unpack_from(data, off)
        e = Entry()
        (e.entry_size, e.camera_index, e.width, e.height, e.codec, e.flags, e.frame_id,
         e.capture_time_ns, e.payload_size, e.dropped) = f
        check(e.entry_size >= 40, f"entry {i}: entry_size {e.entry_size} < 40")
        start = off + e.entry_size
        end = start + e.payload_size
        check(start <= n and end <= n,
              f"entry {i}: payload [{start}, {end}) runs past the message ({n} bytes)")
        e.payload = data[start:end]
        b.entries.append(e)
        off = end
    check(off == n, f"sizes add up to {off} bytes but the message has {n} (seq {seq}, "
                    f"{count} entries)")
    return b
