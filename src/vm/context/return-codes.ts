/**
 * What programs return, as the UAPI headers name it: enum xdp_action (linux/bpf.h),
 * TC_ACT_* (linux/pkt_cls.h), enum sk_action (linux/bpf.h), for tests that check a
 * run's `retval`.
 */
export const XDP_ABORTED = 0;
export const XDP_DROP = 1;
export const XDP_PASS = 2;
export const XDP_TX = 3;
export const XDP_REDIRECT = 4;

export const TC_ACT_UNSPEC = -1;
export const TC_ACT_OK = 0;
export const TC_ACT_RECLASSIFY = 1;
export const TC_ACT_SHOT = 2;
export const TC_ACT_PIPE = 3;
export const TC_ACT_STOLEN = 4;
export const TC_ACT_QUEUED = 5;
export const TC_ACT_REPEAT = 6;
export const TC_ACT_REDIRECT = 7;
export const TC_ACT_TRAP = 8;

export const SK_DROP = 0;
export const SK_PASS = 1;
