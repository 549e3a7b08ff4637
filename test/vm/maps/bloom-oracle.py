#!/usr/bin/env python3
"""A bloom filter in the real kernel, asked through raw bpf() calls (bpftool cannot
hand a bloom filter's lookup the value to test).

Reads JSON on stdin: {"valueSize", "maxEntries", "hashes", "push": [HEX], "probe": [HEX]}.
Creates a BPF_MAP_TYPE_BLOOM_FILTER with BPF_F_ZERO_SEED (so its hash seed is 0),
pushes the values (BPF_MAP_UPDATE_ELEM), tests each probe (BPF_MAP_LOOKUP_ELEM with
the value as input) and prints a JSON list: 0 or -errno per probe. Needs root.
"""
import ctypes
import json
import os
import sys

SYS_BPF = {"x86_64": 321, "aarch64": 280}[os.uname().machine]
BPF_MAP_LOOKUP_ELEM, BPF_MAP_UPDATE_ELEM, BPF_MAP_CREATE = 1, 2, 0
BPF_MAP_TYPE_BLOOM_FILTER = 30
BPF_F_ZERO_SEED = 1 << 6

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(bytes(attr), 128)
    r = libc.syscall(SYS_BPF, cmd, buf, 128)
    return r if r >= 0 else -ctypes.get_errno()


def u32(n):
    return n.to_bytes(4, "little")


def u64(n):
    return n.to_bytes(8, "little")


def main():
    req = json.load(sys.stdin)
    attr = (u32(BPF_MAP_TYPE_BLOOM_FILTER) + u32(0) + u32(req["valueSize"]) + u32(req["maxEntries"]) + u32(BPF_F_ZERO_SEED)
            + u32(0) + u32(0) + b"bpfscope_bloom".ljust(16, b"\0") + u32(0) * 5 + u64(req["hashes"]))
    fd = bpf(BPF_MAP_CREATE, attr)
    if fd < 0:
        json.dump({"error": fd}, sys.stdout)
        return
    try:
        for v in req["push"]:
            buf = ctypes.create_string_buffer(bytes.fromhex(v), req["valueSize"])
            err = bpf(BPF_MAP_UPDATE_ELEM, u32(fd) + u32(0) + u64(0) + u64(ctypes.addressof(buf)) + u64(0))
            if err:
                json.dump({"error": err}, sys.stdout)
                return
        out = []
        for v in req["probe"]:
            buf = ctypes.create_string_buffer(bytes.fromhex(v), req["valueSize"])
            out.append(bpf(BPF_MAP_LOOKUP_ELEM, u32(fd) + u32(0) + u64(0) + u64(ctypes.addressof(buf)) + u64(0)))
        json.dump(out, sys.stdout)
    finally:
        os.close(fd)


main()
