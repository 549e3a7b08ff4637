// SPDX-License-Identifier: GPL-2.0
// kconfig: __kconfig externs of every type libbpf fills in from the kernel's
// config (bool, tristate, integers of two sizes, a string), and a weak one no
// config sets, which libbpf leaves at zero. libbpf lays them out in its internal
// read-only .kconfig map; the program reads them through ld_imm64 map values.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

extern enum libbpf_tristate CONFIG_BPF_SYSCALL __kconfig;
extern _Bool CONFIG_BPF_JIT __kconfig;
extern int CONFIG_HZ __kconfig;
extern unsigned long long CONFIG_NR_CPUS __kconfig;
extern char CONFIG_DEFAULT_HOSTNAME[8] __kconfig;
extern int CONFIG_BPFSCOPE_NOT_A_CONFIG __kconfig __weak;

SEC("socket")
int kconfig_values(struct __sk_buff *skb)
{
	if (CONFIG_BPF_SYSCALL != TRI_YES || !CONFIG_BPF_JIT)
		return 0;
	if (CONFIG_BPFSCOPE_NOT_A_CONFIG)
		return 1;
	return CONFIG_HZ + CONFIG_NR_CPUS + CONFIG_DEFAULT_HOSTNAME[0];
}
