import type { ObjectSpec } from '../object/spec.js';
import { loadObject, type LoadOptions } from '../vm/load.js';
import type { IdSource, LoadedMap, LoadedObject, LoadedProgram } from '../vm/loaded.js';

/**
 * Loaded state for one invocation: the objects given with `--object`, loaded in order,
 * their programs and maps numbered from 1 as a fresh kernel would number them.
 */
export class SessionStore implements IdSource {
  private progId = 0;
  private mapId = 0;
  private btfId = 0;
  readonly objects: LoadedObject[] = [];

  nextProgramId(): number {
    return ++this.progId;
  }

  nextMapId(): number {
    return ++this.mapId;
  }

  nextBtfId(): number {
    return ++this.btfId;
  }

  load(spec: ObjectSpec, options: LoadOptions = {}): LoadedObject {
    const loaded = loadObject(spec, this, options);
    this.objects.push(loaded);
    return loaded;
  }

  get programs(): LoadedProgram[] {
    return this.objects.flatMap((o) => o.programs);
  }

  get maps(): LoadedMap[] {
    return this.objects.flatMap((o) => o.maps);
  }

  /** The loaded object a program belongs to. */
  objectOf(prog: LoadedProgram): LoadedObject {
    return this.objects.find((o) => o.programs.includes(prog))!;
  }
}
