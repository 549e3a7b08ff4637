# An object as clang before FUNC symbols left them: the program's symbol has no type and
# branch targets are symbols too (LBB0_2), so libbpf 1.x finds no program in the section;
# libbpf 0.x and iproute2 read the whole section as one program. Legacy maps of 20 bytes.
	.text
	.section	socket,"ax",@progbits
	.globl	count_packets
count_packets:
	r2 = 0
	*(u32 *)(r10 - 4) = r2
	r2 = r10
	r2 += -4
	r1 = packets ll
	call 1
	if r0 == 0 goto LBB0_2
	r1 = 1
	lock *(u64 *)(r0 + 0) += r1
LBB0_2:
	r0 = 0
	exit

	.section	maps,"aw",@progbits
	.globl	packets
	.p2align	2
packets:
	.long	2
	.long	4
	.long	8
	.long	1
	.long	0

	.section	license,"aw",@progbits
	.globl	_license
_license:
	.asciz	"GPL"
