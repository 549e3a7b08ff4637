/*
 * A tc object in iproute2's style: maps of struct bpf_elf_map in SEC("maps") with ids,
 * pinning and a map-in-map, programs in sections tc is told to load (`from-container`)
 * and tail calls in `ID/KEY` sections that iproute2 puts into the prog array with that id.
 * No BTF: built without -g, as such objects were.
 */
#include <linux/bpf.h>

#define SEC(name) __attribute__((section(name), used))
#define PIN_NONE 0
#define PIN_OBJECT_NS 1
#define PIN_GLOBAL_NS 2

struct bpf_elf_map {
	unsigned int type, size_key, size_value, max_elem, flags, id, pinning, inner_id, inner_idx;
};

static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *)BPF_FUNC_map_lookup_elem;
static long (*bpf_tail_call)(void *ctx, void *map, unsigned int index) = (void *)BPF_FUNC_tail_call;

struct bpf_elf_map SEC("maps") jmp_map = {
	.type = BPF_MAP_TYPE_PROG_ARRAY, .size_key = 4, .size_value = 4, .max_elem = 4, .id = 1, .pinning = PIN_GLOBAL_NS,
};
struct bpf_elf_map SEC("maps") counters = {
	.type = BPF_MAP_TYPE_ARRAY, .size_key = 4, .size_value = 8, .max_elem = 16, .pinning = PIN_OBJECT_NS,
};
struct bpf_elf_map SEC("maps") inner = {
	.type = BPF_MAP_TYPE_ARRAY, .size_key = 4, .size_value = 4, .max_elem = 1, .id = 2, .inner_idx = 3,
};
struct bpf_elf_map SEC("maps") outer = {
	.type = BPF_MAP_TYPE_ARRAY_OF_MAPS, .size_key = 4, .size_value = 4, .max_elem = 8, .inner_id = 2,
};

SEC("from-container") int handle_egress(struct __sk_buff *skb)
{
	unsigned int key = skb->mark & 15;
	unsigned long *count = bpf_map_lookup_elem(&counters, &key);

	if (count)
		__sync_fetch_and_add(count, 1);
	if (bpf_map_lookup_elem(&outer, &key))
		return 2;
	bpf_tail_call(skb, &jmp_map, 1);
	return 0;
}

SEC("1/1") int tail_one(struct __sk_buff *skb)
{
	return skb->len > 100 ? 2 : 0;
}

char __license[] SEC("license") = "GPL";
