import { strerror } from '../../errno.js';
import { ObjectError } from '../../errors.js';

/** The kernel refused to create a map: `errno` is what BPF_MAP_CREATE failed with (positive, as on every BpfscopeError). */
export class MapCreateError extends ObjectError {
  declare readonly errno: number;

  /** `what` leads the message: `map create failed` for BPF_MAP_CREATE, libbpf's `map 'NAME': failed to create` for an object's map. */
  constructor(errno: number, why: string, what = 'map create failed') {
    super(`${what}: ${strerror(errno)} (${why})`, {}, errno);
  }
}
