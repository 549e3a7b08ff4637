/**
 * Flags of the map element operations (uapi). Map creation flags live in
 * object/kinds (MAP_FLAG), next to the map types.
 */

/** BPF_MAP_UPDATE_ELEM / bpf_map_update_elem flags. */
export const UPDATE_FLAG = {
  /** BPF_ANY: create or update. */
  any: 0,
  /** BPF_NOEXIST: create only. */
  noexist: 1,
  /** BPF_EXIST: update only (queue/stack push: overwrite the oldest when full). */
  exist: 2,
  /** BPF_F_LOCK: take the value's bpf_spin_lock. */
  lock: 4,
} as const;

/** bpf_ringbuf_submit/discard/output flags. */
export const RINGBUF_FLAG = {
  noWakeup: 1,
  forceWakeup: 2,
} as const;

/** bpf_ringbuf_query's second argument. */
export const RINGBUF_QUERY = {
  availData: 0,
  ringSize: 1,
  consPos: 2,
  prodPos: 3,
} as const;

/** bpf_perf_event_output: the low 32 bits pick the slot; all ones means this CPU's. */
export const PERF_FLAG = {
  indexMask: 0xffffffff,
  currentCpu: 0xffffffff,
} as const;
