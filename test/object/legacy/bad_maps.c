/* Legacy maps of unequal sizes: the section's size is not a multiple of its map symbols. */
#define SEC(name) __attribute__((section(name), used))

struct def5 { unsigned int type, key, value, max, flags; };
struct def6 { unsigned int type, key, value, max, flags, id; };

struct def5 SEC("maps") a = { 1, 4, 4, 1, 0 };
struct def5 SEC("maps") b = { 1, 4, 4, 1, 0 };
struct def6 SEC("maps") c = { 1, 4, 4, 1, 0, 7 };

SEC("socket") int prog(void *ctx)
{
	return 0;
}
char _license[] SEC("license") = "GPL";
