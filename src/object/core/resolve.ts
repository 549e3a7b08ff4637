import { RelocationError } from '../../errors.js';
import { calcRelo, type CoreResult } from './calc.js';
import type { Candidate } from './candidates.js';
import { matchSpec } from './spec-match.js';
import type { CoreSpec } from './spec.js';

/** TYPE_ID_LOCAL needs no target: the local id, unchecked since linking may renumber it. */
export function localTypeIdResult(local: CoreSpec): CoreResult {
  const id = BigInt(local.rootTypeId);
  return { origVal: id, newVal: id, poison: false, validate: false, failMemszAdjust: false, origSz: 0, newSz: 0, origTypeId: 0, newTypeId: 0 };
}

/**
 * libbpf's bpf_core_calc_relo_insn: the local spec matched against every candidate.
 * Every candidate that matches must give the same field bit offset, the same value and
 * the same poisoning decision, or the relocation is ambiguous and fails. The candidate
 * list is pruned to the matching ones (when any match) for the relocations after this
 * one. With no match, the result is computed against nothing: existence relocations
 * give 0, the rest poison their instruction.
 */
export function resolveRelo(local: CoreSpec, candidates: Candidate[], littleEndian: boolean): CoreResult {
  let chosen: { spec: CoreSpec; res: CoreResult } | undefined;
  const matching: Candidate[] = [];
  for (const cand of candidates) {
    const spec = matchSpec(local, cand.btf, cand.id);
    if (!spec) continue;
    const res = calcRelo(local, spec, littleEndian);
    if (!chosen) {
      chosen = { spec, res };
    } else if (spec.bitOffset !== chosen.spec.bitOffset) {
      throw new RelocationError(`CO-RE field offset ambiguity: [${cand.id}] gives bit offset ${spec.bitOffset}, [${chosen.spec.rootTypeId}] gives ${chosen.spec.bitOffset}`);
    } else if (res.poison !== chosen.res.poison || res.newVal !== chosen.res.newVal) {
      throw new RelocationError(
        `CO-RE relocation decision ambiguity: [${cand.id}] gives ${decision(res)}, [${chosen.spec.rootTypeId}] gives ${decision(chosen.res)}`,
      );
    }
    matching.push(cand);
  }
  if (matching.length > 0) candidates.splice(0, candidates.length, ...matching);
  return chosen ? chosen.res : calcRelo(local, undefined, littleEndian);
}

function decision(res: CoreResult): string {
  return `${res.poison ? 'failure' : 'success'} ${res.newVal}`;
}
