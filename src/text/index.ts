/** The text layer: output sinks and bpftool's JSON writer, below every layer that prints. */
export { TextSink } from './sink.js';
export { JsonWriter } from './json-writer.js';
