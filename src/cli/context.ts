import { JsonWriter } from '../render/json-writer.js';
import type { SessionStore } from '../store/session-store.js';

/** What every command gets: the output mode, the loaded state, and where to write. */
export interface CliContext {
  json: boolean;
  pretty: boolean;
  store: SessionStore;
  out: (text: string) => void;
  err: (text: string) => void;
}

/** A JSON writer in the invocation's mode; the caller writes `finish()` when done. */
export function jsonWriter(ctx: CliContext): JsonWriter {
  return new JsonWriter(ctx.pretty);
}
