import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import * as codes from '../../../src/vm/context/return-codes.js';
import { missing, skipReason } from '../../helpers/env.js';

/** The return-code constants against the UAPI headers, as clang's preprocessor and compiler read them. */
describe('return codes', () => {
  it.skipIf(skipReason(missing({ clang: true, file: '/usr/include/linux/pkt_cls.h' }), 'return codes against the UAPI headers'))('are the headers\' values', () => {
    const names = Object.keys(codes);
    const source = ['#include <linux/bpf.h>', '#include <linux/pkt_cls.h>', ...names.map((n) => `long long v_${n} = ${n};`)].join('\n');
    const ir = execFileSync('clang', ['-x', 'c', '-S', '-emit-llvm', '-o', '-', `-I/usr/include/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`, '-'], { input: source, encoding: 'utf8' });
    const headers = Object.fromEntries([...ir.matchAll(/^@v_(\w+) = .*global i64 (-?\d+)/gm)].map((m) => [m[1]!, Number(m[2])]));
    expect(Object.keys(headers).sort()).toEqual([...names].sort());
    expect(codes).toEqual(expect.objectContaining(headers));
  });
});
