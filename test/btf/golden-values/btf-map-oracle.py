#!/usr/bin/env python3
"""Maps with hand-made BTF in the real kernel, dumped by the real bpftool.

Reads a JSON request on stdin:
  {"btf": HEX, "maps": [{"name", "type", "keySize", "valueSize", "maxEntries",
   "keyTypeId", "valueTypeId", "entries": [{"key": HEX, "value": HEX or [HEX per CPU]}]}]}
loads the BTF (BPF_BTF_LOAD), creates each map with it (BPF_MAP_CREATE), writes the
entries (BPF_MAP_UPDATE_ELEM; per-CPU values one per possible CPU), pins the map,
and answers on stdout with JSON {name: {"plain": TEXT, "json": TEXT}} holding what
`bpftool map dump pinned P` and `bpftool -j map dump pinned P` print.
Failures: {"error": TEXT} with the kernel's BTF log. Needs root and bpftool.
"""
import ctypes
import json
import os
import subprocess
import sys
import tempfile

SYS_BPF = {"x86_64": 321, "aarch64": 280}[os.uname().machine]
BPF_MAP_CREATE, BPF_MAP_UPDATE_ELEM, BPF_OBJ_PIN, BPF_BTF_LOAD = 0, 2, 6, 18

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(bytes(attr), 128)
    r = libc.syscall(SYS_BPF, cmd, buf, 128)
    if r < 0:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    return r


def u32(n):
    return n.to_bytes(4, "little")


def u64(n):
    return n.to_bytes(8, "little")


def possible_cpus():
    n = 0
    for part in open("/sys/devices/system/cpu/possible").read().strip().split(","):
        lo, _, hi = part.partition("-")
        n = max(n, int(hi or lo) + 1)
    return n


def main():
    req = json.load(sys.stdin)
    blob = bytes.fromhex(req["btf"])
    blob_buf = ctypes.create_string_buffer(blob, len(blob))
    log = ctypes.create_string_buffer(1 << 16)
    attr = u64(ctypes.addressof(blob_buf)) + u64(ctypes.addressof(log)) + u32(len(blob)) + u32(len(log)) + u32(1)
    try:
        btf_fd = bpf(BPF_BTF_LOAD, attr)
    except OSError as e:
        json.dump({"error": f"BTF_LOAD: {e}\n{log.value.decode(errors='replace')}"}, sys.stdout)
        return
    cpus = possible_cpus()
    out = {}
    pins = tempfile.mkdtemp(dir="/sys/fs/bpf", prefix="bpfscope-values-")
    try:
        for m in req["maps"]:
            name = m["name"].encode()[:15]
            attr = (u32(m["type"]) + u32(m["keySize"]) + u32(m["valueSize"]) + u32(m["maxEntries"]) + u32(0) + u32(0) + u32(0)
                    + name.ljust(16, b"\0") + u32(0) + u32(btf_fd) + u32(m["keyTypeId"]) + u32(m["valueTypeId"]))
            try:
                fd = bpf(BPF_MAP_CREATE, attr)
            except OSError as e:
                out[m["name"]] = {"error": f"MAP_CREATE: {e}"}
                continue
            step = (m["valueSize"] + 7) // 8 * 8
            for e in m["entries"]:
                key = ctypes.create_string_buffer(bytes.fromhex(e["key"]), max(m["keySize"], 1))
                if isinstance(e["value"], list):
                    raw = b"".join(bytes.fromhex(v).ljust(step, b"\0") for v in e["value"])
                    raw = raw.ljust(step * cpus, b"\0")
                else:
                    raw = bytes.fromhex(e["value"])
                val = ctypes.create_string_buffer(raw, max(len(raw), 1))
                bpf(BPF_MAP_UPDATE_ELEM, u32(fd) + u32(0) + u64(ctypes.addressof(key)) + u64(ctypes.addressof(val)) + u64(0))
            path = os.path.join(pins, m["name"])
            path_buf = ctypes.create_string_buffer(path.encode())
            bpf(BPF_OBJ_PIN, u64(ctypes.addressof(path_buf)) + u32(fd) + u32(0))
            os.close(fd)
            run = lambda *a: subprocess.run(["bpftool", *a, "map", "dump", "pinned", path], capture_output=True, text=True).stdout
            out[m["name"]] = {"plain": run(), "json": run("-j")}
            os.unlink(path)
    finally:
        os.close(btf_fd)
        os.rmdir(pins)
    json.dump(out, sys.stdout)


main()
