import { VmFault, type NotModelledError } from '../../errors.js';
import type { Btf } from '../../btf/index.js';
import { BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE, isLdImm64, type Insn } from '../../isa/index.js';
import { Vm, type EngineName, type Helper, type HelperTable, type VmOptions } from '../vm.js';
import type { LoadedMap, LoadedObject, LoadedProgram } from '../loaded.js';
import { createMapFromSpec } from '../maps/create.js';
import { ProgArrayMap } from '../maps/fd-array.js';
import type { MapAttrs, SlotKind, VmMap } from '../maps/types.js';
import { AddressSpace } from '../memory/address-space.js';
import { POISON_HELPER_ID } from '../../object/index.js';
import { RUNTIME_HELPERS, type HelperEnv, type TaskInfo } from '../helpers/index.js';
import { RecordMemory } from './records.js';
import { MapMemory } from './map-memory.js';
import { checkModelled, unmodelledNeeds } from './modelled.js';
import { seededRandom } from './random.js';

export interface RuntimeOptions {
  /** Possible CPUs: the copies a per-CPU value has. 1 by default. */
  cpus?: number;
  /** The CPU the programs run on (bpf_get_smp_processor_id, per-CPU values). 0 by default. */
  cpu?: number;
  /** Seed of bpf_get_prandom_u32: the same seed gives the same numbers. Random by default. */
  seed?: number;
  /** The task a tracing program sees; unset fields are bpfscope's own process's. */
  task?: Partial<TaskInfo>;
  /** Nanoseconds for bpf_ktime_get_ns and bpf_ktime_get_boot_ns: process.hrtime.bigint by default. */
  clock?: () => bigint;
  /** Receives each bpf_trace_printk record as trace_pipe prints it, its newline included. */
  trace?: (line: string) => void;
  /** The instruction budget of each run (the Vm's default when unset). */
  budget?: number;
  engine?: EngineName;
  /** Maps that exist already (restored by the store), by loaded map id, used in place of new ones. */
  maps?: ReadonlyMap<number, VmMap>;
}

interface Instance {
  vm: Vm;
  program: LoadedProgram;
  extra: HelperTable | undefined;
}

/**
 * The kernel a loaded object runs in: its maps (created, or taken from `options.maps`),
 * one address space shared by every program of the object so that they all see the
 * same map values and global data, and the helpers of `RUNTIME_HELPERS` bound to them.
 * `instance(program)` gives the Vm that runs a program.
 */
export class Runtime implements HelperEnv {
  readonly memory = new AddressSpace();
  readonly maps: ReadonlyMap<number, VmMap>;
  readonly cpu: number;
  readonly cpus: number;
  readonly littleEndian: boolean;
  readonly task: TaskInfo;
  readonly mapMemory: MapMemory;
  readonly records: RecordMemory;
  readonly random: () => number;
  private readonly clock: () => bigint;
  private readonly traceSink: ((line: string) => void) | undefined;
  private readonly instances = new Map<LoadedProgram, Instance>();
  private readonly programsById: ReadonlyMap<number, LoadedProgram>;
  private readonly vmOwners = new WeakMap<Vm, Instance>();

  constructor(
    readonly object: LoadedObject,
    private readonly options: RuntimeOptions = {},
  ) {
    this.cpus = options.cpus ?? 1;
    this.cpu = options.cpu ?? 0;
    if (!Number.isInteger(this.cpus) || this.cpus < 1) throw new RangeError(`cpus must be a positive integer, not ${this.cpus}`);
    if (!Number.isInteger(this.cpu) || this.cpu < 0 || this.cpu >= this.cpus) throw new RangeError(`cpu ${this.cpu} is not one of the ${this.cpus} possible`);
    this.littleEndian = object.spec.littleEndian;
    this.task = defaultTask(options.task);
    this.clock = options.clock ?? (() => process.hrtime.bigint());
    this.random = seededRandom(options.seed);
    this.traceSink = options.trace;
    this.programsById = new Map(object.programs.map((p) => [p.id, p] as const));
    this.maps = this.createMaps();
    this.mapMemory = new MapMemory(this.memory);
    for (const [id, map] of this.maps) this.mapMemory.add(id, map);
    this.records = new RecordMemory(this.memory);
  }

  map(id: number): VmMap {
    const map = this.maps.get(id);
    if (!map) throw new RangeError(`no map with id ${id} in ${this.object.spec.fileName}`);
    return map;
  }

  /** The program with this id, if it belongs to this runtime's object. */
  program(id: number): LoadedProgram | undefined {
    return this.programsById.get(id);
  }

  /**
   * The Vm that runs the program (one per program, kept while `extra` stays the same):
   * its map references patched to addresses in the shared memory, the runtime's helpers
   * bound, `extra` (a program type's own helpers) over them. A program that needs what
   * the VM does not model (a helper in neither table, a kfunc, a map the VM only
   * creates) gets a NotModelledError naming it, here, before it can run.
   */
  /** Everything a run of the program with `extra` would need that the VM does not model (instance() stops at the first). */
  unmodelled(program: LoadedProgram, extra?: HelperTable): NotModelledError[] {
    return unmodelledNeeds(program, this.object.spec.fileName, this.helpers(extra), (id) => this.maps.get(id));
  }

  instance(program: LoadedProgram, extra?: HelperTable): Vm {
    const cached = this.instances.get(program);
    if (cached && cached.extra === extra) return cached.vm;
    const helpers = this.helpers(extra);
    checkModelled(program, this.object.spec.fileName, helpers, (id) => this.maps.get(id));
    const options: VmOptions = {
      helpers,
      callForm: 'xlated',
      littleEndian: this.object.spec.littleEndian,
      program: program.name,
      memory: this.memory,
      ...(this.options.budget === undefined ? {} : { budget: this.options.budget }),
      ...(this.options.engine === undefined ? {} : { engine: this.options.engine }),
    };
    const vm = new Vm(this.patch(program.xlated), options);
    const instance = { vm, program, extra };
    this.instances.set(program, instance);
    this.vmOwners.set(vm, instance);
    return vm;
  }

  /**
   * Stops following the maps' element releases (maps given in `options.maps` outlive the
   * runtime); the runtime's Vms must not run after this.
   */
  dispose(): void {
    this.mapMemory.dispose();
  }

  now(): bigint {
    return this.clock();
  }

  trace(line: string): void {
    this.traceSink?.(line);
  }

  programType(vm: Vm): number | undefined {
    return this.vmOwners.get(vm)?.program.spec.kind.progType;
  }

  /** The Vm a tail call from `caller` to the program with this id continues in, with the caller's extra helpers. */
  tailCallTarget(caller: Vm, programId: number): Vm | undefined {
    const program = this.programsById.get(programId);
    if (!program) return undefined;
    return this.instance(program, this.vmOwners.get(caller)?.extra);
  }

  /** Map references as addresses: handles for src 1, value pointers for src 2. Copies; `xlated` stays for display. */
  private patch(xlated: readonly Insn[]): Insn[] {
    const insns = xlated.map((i) => ({ ...i }));
    for (let pc = 0; pc + 1 < insns.length; pc++) {
      const insn = insns[pc]!;
      if (!isLdImm64(insn)) continue;
      let address: bigint | undefined;
      if (insn.src === BPF_PSEUDO_MAP_FD) address = this.mapMemory.handle(insn.imm);
      else if (insn.src === BPF_PSEUDO_MAP_VALUE) address = this.mapMemory.directValue(insn.imm, insns[pc + 1]!.imm >>> 0, this.cpu);
      if (address !== undefined) {
        insn.src = 0;
        insn.imm = Number(BigInt.asIntN(32, address));
        insns[pc + 1]!.imm = Number(BigInt.asIntN(32, address >> 32n));
      }
      pc++;
    }
    return insns;
  }

  private helpers(extra: HelperTable | undefined): Map<number, Helper> {
    const table = new Map<number, Helper>();
    for (const [id, def] of RUNTIME_HELPERS) table.set(id, (regs, vm) => def.call(regs, vm, this));
    if (extra instanceof Map) for (const [id, h] of extra as ReadonlyMap<number, Helper>) table.set(id, h);
    else if (extra) for (const [id, h] of Object.entries(extra as Readonly<Record<number, Helper>>)) table.set(Number(id), h);
    // libbpf's poisoned CO-RE relocation loads where it cannot be reached; reaching it is the fault.
    table.set(POISON_HELPER_ID, () => {
      throw new VmFault('reached a CO-RE relocation libbpf could not resolve (poisoned as call 0xbad2310): the kernel refuses a program that can reach it');
    });
    return table;
  }

  /**
   * The object's maps as libbpf leaves them after load: created in order, global data
   * written and `.rodata` frozen, `.maps` initialisers (prog array programs, inner maps)
   * filled once everything they name exists.
   */
  private createMaps(): Map<number, VmMap> {
    const maps = new Map<number, VmMap>();
    const given = this.options.maps;
    const byName = new Map(this.object.maps.map((m) => [m.spec.name, m.id] as const));
    const programIds = new Map(this.object.programs.map((p) => [p.spec.name, p.id] as const));
    const base = {
      cpus: this.cpus,
      littleEndian: this.object.spec.littleEndian,
      resolve: {
        program: (id: number) => {
          const p = this.programsById.get(id);
          return p ? { type: p.spec.kind.progType } : undefined;
        },
        map: (id: number): MapAttrs | undefined => maps.get(id),
      },
    };
    // Maps that other maps' initialisers name come first.
    const ordered = [...this.object.maps].sort((a, b) => Number(a.spec.initialSlots.length > 0) - Number(b.spec.initialSlots.length > 0));
    for (const loaded of ordered) {
      const existing = given?.get(loaded.id);
      if (existing) {
        maps.set(loaded.id, existing);
        continue;
      }
      const slotTarget = (name: string, kind: SlotKind) => (kind === 'program' ? programIds.get(name) : byName.get(name));
      const spinLock = holdsSpinLock(this.object.spec.btf, loaded.spec.btfValueTypeId);
      const map = createMapFromSpec({ ...loaded.spec, name: loaded.name }, { ...base, spinLock }, slotTarget);
      claimOwner(map, loaded);
      maps.set(loaded.id, map);
    }
    return new Map(this.object.maps.map((m) => [m.id, maps.get(m.id)!] as const));
  }
}

/**
 * Whether a map's value type holds a struct bpf_spin_lock among its members, which is
 * what lets BPF_F_LOCK through and keeps the map from being frozen.
 */
function holdsSpinLock(btf: Btf | undefined, valueTypeId: number): boolean {
  if (!btf || valueTypeId === 0) return false;
  const t = btf.resolved(valueTypeId);
  if (t.kind !== 'STRUCT') return false;
  return t.members.some((m) => {
    const mt = btf.resolved(m.type);
    return mt.kind === 'STRUCT' && mt.name === 'bpf_spin_lock';
  });
}

/** A prog array is bound to the type of the first program loaded that uses it. */
function claimOwner(map: VmMap, loaded: LoadedMap): void {
  if (map instanceof ProgArrayMap && loaded.ownerProgType !== undefined) map.claim(loaded.ownerProgType);
}

function defaultTask(task: Partial<TaskInfo> = {}): TaskInfo {
  const pid = task.pid ?? process.pid;
  return {
    pid,
    tgid: task.tgid ?? pid,
    uid: task.uid ?? process.getuid?.() ?? 0,
    gid: task.gid ?? process.getgid?.() ?? 0,
    comm: task.comm ?? 'bpfscope',
  };
}
