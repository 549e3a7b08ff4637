# objects/alu.c's loop as clang compiles it (bpfscope prog dump xlated ... name alu_loop),
# seeded with 1486 (what skb->len is for the bench's packet) instead of reading the
# context: 19 instructions a round, returning 3540111941 as the object does.
mov %r3, 1486
lddw %r0, 0x0123456789abcdef
mov %r2, 0
lddw %r1, 0x5851f42d4c957f2d
loop:
mov %r4, %r0
xor %r4, %r2
add %r4, %r3
mov %r5, %r4
lsh %r5, 7
xor %r5, %r0
mov %r0, %r5
rsh %r0, 11
xor %r0, %r4
mov %r4, %r0
rsh %r4, 51
mov %r3, %r0
lsh %r3, 13
or %r3, %r4
mul %r5, %r1
add %r0, %r5
add %r2, 1
jeq %r2, 1000, +1
ja loop
xor32 %r0, %r3
exit
