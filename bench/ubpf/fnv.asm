# objects/fnv.c's loop as clang compiles it (bpfscope prog dump xlated ... name xdp_fnv),
# over the buffer uBPF passes in r1 (1500 bytes), returning the hash instead of storing it
# in a map: 11 instructions a byte.
mov %r2, %r1
add %r2, 1500
mov32 %r3, -2128831035
stxw [%r10-4], %r3
mov32 %r4, 0
stxw [%r10-8], %r4
mov %r4, 0
loop:
mov %r5, %r1
add %r5, %r4
mov %r0, %r5
add %r0, 1
jgt %r0, %r2, out
ldxb %r5, [%r5+0]
xor32 %r3, %r5
mul32 %r3, 16777619
stxw [%r10-4], %r3
add %r4, 1
jne %r4, 1500, loop
out:
mov %r0, %r3
exit
