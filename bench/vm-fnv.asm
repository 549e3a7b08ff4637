# 32-bit FNV-1a over the packet, the loop of objects/fnv.c as the kernel's xlated dump
# has it (r1 = data, r2 = length, so data_end = r1 + r2). The XDP program stores the
# hash in a map and returns XDP_PASS; this one returns the hash in r0.
add %r2, %r1                  # data_end
mov32 %r3, -2128831035        # h = 2166136261
stxw [%r10-4], %r3
mov32 %r4, 0                  # key = 0
stxw [%r10-8], %r4
mov %r4, 0                    # i
loop:
mov %r5, %r1                  # if (data + i + 1 > data_end) break
add %r5, %r4
mov %r0, %r5
add %r0, 1
jgt %r0, %r2, done
ldxb %r5, [%r5]               # h ^= data[i]
xor32 %r3, %r5
mul32 %r3, 16777619           # h *= FNV_PRIME
stxw [%r10-4], %r3
add %r4, 1
jne %r4, 1500, loop
done:
mov32 %r0, %r3
exit
