# r0 = 10 + 9 + ... + 1, counting down
mov %r0, 0
mov %r1, 10
loop:
add %r0, %r1
sub %r1, 1
jne %r1, 0, loop
exit
