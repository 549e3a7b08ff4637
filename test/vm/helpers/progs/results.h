// SPDX-License-Identifier: GPL-2.0
// put(step, v): a test program's result for one step, kept in the `results` array the
// program defines (with as many entries as it has steps) before including this.
static __always_inline void put(__u32 step, __s64 v)
{
	bpf_map_update_elem(&results, &step, &v, BPF_ANY);
}
