#!/usr/bin/env python3
"""BPF_PROG_TEST_RUN with a context and a CPU, which bpftool cannot ask for (it always
passes repeat, which raw tracepoint runs refuse).

Usage: test-run-oracle.py PINNED_PROG CTX_HEX CPU
Opens the pinned program (BPF_OBJ_GET), runs it once on the context on that CPU
(BPF_F_TEST_RUN_ON_CPU) and prints JSON: {"retval": N} or {"errno": E}. Needs root.
"""
import ctypes
import json
import os
import sys

SYS_BPF = {"x86_64": 321, "aarch64": 280}[os.uname().machine]
BPF_OBJ_GET, BPF_PROG_TEST_RUN = 7, 10
BPF_F_TEST_RUN_ON_CPU = 1 << 0

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def bpf(cmd, buf):
    r = libc.syscall(SYS_BPF, cmd, buf, len(buf))
    return r if r >= 0 else -ctypes.get_errno()


def u32(n):
    return n.to_bytes(4, "little")


def u64(n):
    return n.to_bytes(8, "little")


def main():
    path, ctx_hex, cpu = sys.argv[1], sys.argv[2], int(sys.argv[3])
    name = ctypes.create_string_buffer(path.encode())
    fd = bpf(BPF_OBJ_GET, ctypes.create_string_buffer(u64(ctypes.addressof(name)) + bytes(120), 128))
    if fd < 0:
        print(json.dumps({"errno": -fd}))
        return
    ctx = ctypes.create_string_buffer(bytes.fromhex(ctx_hex))
    attr = ctypes.create_string_buffer(128)
    # struct { prog_fd, retval, data_size_in, data_size_out, data_in, data_out, repeat,
    # duration, ctx_size_in, ctx_size_out, ctx_in, ctx_out, flags, cpu, batch_size }
    fields = u32(fd) + u32(0) + u32(0) + u32(0) + u64(0) + u64(0) + u32(0) + u32(0)
    fields += u32(len(ctx) - 1) + u32(0) + u64(ctypes.addressof(ctx)) + u64(0) + u32(BPF_F_TEST_RUN_ON_CPU) + u32(cpu)
    ctypes.memmove(attr, fields, len(fields))
    r = bpf(BPF_PROG_TEST_RUN, attr)
    os.close(fd)
    if r < 0:
        print(json.dumps({"errno": -r}))
    else:
        print(json.dumps({"retval": int.from_bytes(attr.raw[4:8], "little")}))


main()
