# The 64-bit ALU loop of objects/alu.c, as the kernel's xlated dump has it: 1000 rounds
# of add, xor, shifts, multiply and rotate, seeded with the packet length (r2 here, where
# the socket filter reads skb->len); returns the low 32 bits of x ^ y.
lddw %r0, 0x123456789abcdef   # y
mov %r3, %r2                  # x = len
mov %r2, 0                    # i
lddw %r1, 0x5851f42d4c957f2d
loop:
mov %r4, %r0                  # x += y ^ i
xor %r4, %r2
add %r4, %r3
mov %r5, %r4                  # y ^= x << 7
lsh %r5, 7
xor %r5, %r0
mov %r0, %r5                  # x ^= y >> 11
rsh %r0, 11
xor %r0, %r4
mov %r4, %r0                  # x = (x << 13) | (x >> 51)
rsh %r4, 51
mov %r3, %r0
lsh %r3, 13
or %r3, %r4
mul %r5, %r1                  # y = y * 0x5851f42d4c957f2d + x
add %r0, %r5
add %r2, 1
jeq %r2, 1000, +1
ja loop
xor32 %r0, %r3
exit
