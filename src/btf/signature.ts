import type { Btf } from './btf.js';
import { BTF_LINKAGE, type BtfFunc, type BtfFuncProto } from './types.js';

/** The buffer bpftool prints function headers into (`char func_sig[1024]`). */
export const SIGNATURE_BUFFER = 1024;

/**
 * A type as bpftool's `prog dump xlated` writes a function header, e.g.
 * `int xdp_prog(struct xdp_md * ctx)`. The layout is bpftool's, not C's: each base
 * type is followed by a space, a pointer adds `* ` after its target, a qualifier
 * comes before its target (so `char *const *` reads `const char * * `), an array
 * appends `[n]`, a function pointer is `ret (params)* `, an unnamed parameter loses
 * its trailing space and a variadic `...` comes from a parameter of type 0.
 *
 * bpftool gives up and prints nothing for kinds it cannot write (type and decl tags),
 * and when the text would not fit its `bufferSize`-byte buffer with its NUL; so do we,
 * returning ''. A reference loop, which would overflow bpftool's stack, gives '' too.
 */
export function funcSignature(btf: Btf, typeId: number, bufferSize = SIGNATURE_BUFFER): string {
  const w = new SignatureWriter(btf, bufferSize);
  return w.type(typeId, 0) ? w.text : '';
}

class SignatureWriter {
  text = '';
  /** Length in bytes, as C counts it: names may be UTF-8. */
  private bytes = 0;
  /**
   * Deeper than this, a chain is either a loop or would have written more than the
   * buffer holds (every level adds at least one byte), so stopping there changes no
   * answer bpftool gives.
   */
  private readonly maxDepth: number;

  constructor(
    private readonly btf: Btf,
    private readonly size: number,
  ) {
    this.maxDepth = Math.min(size, btf.typeCount + 1);
  }

  /** Appends; false once the text no longer fits (bpftool's snprintf check). */
  private put(s: string): boolean {
    this.text += s;
    this.bytes += Buffer.byteLength(s);
    return this.bytes < this.size;
  }

  type(id: number, depth: number): boolean {
    if (depth > this.maxDepth || !this.btf.has(id)) return false;
    const t = this.btf.type(id);
    switch (t.kind) {
      case 'VOID':
        return this.put('void ');
      case 'INT':
      case 'TYPEDEF':
      case 'FLOAT':
        return this.put(`${t.name} `);
      case 'STRUCT':
        return this.put(`struct ${t.name} `);
      case 'UNION':
        return this.put(`union ${t.name} `);
      case 'ENUM':
      case 'ENUM64':
        return this.put(`enum ${t.name} `);
      case 'FWD':
        return this.put(`${t.fwdKind} ${t.name} `);
      case 'ARRAY':
        // bpftool prints the count with %d.
        return this.type(t.type, depth + 1) && this.put(`[${t.nelems | 0}]`);
      case 'PTR':
        return this.type(t.type, depth + 1) && this.put('* ');
      case 'VOLATILE':
        return this.put('volatile ') && this.type(t.type, depth + 1);
      case 'CONST':
        return this.put('const ') && this.type(t.type, depth + 1);
      case 'RESTRICT':
        return this.put('restrict ') && this.type(t.type, depth + 1);
      case 'FUNC_PROTO':
        return this.func(t, undefined, depth);
      case 'FUNC': {
        const proto = this.btf.type(t.type);
        return proto.kind === 'FUNC_PROTO' && this.func(proto, t, depth);
      }
      case 'VAR':
        return (t.linkage !== BTF_LINKAGE.STATIC || this.put('static ')) && this.type(t.type, depth + 1) && this.put(` ${t.name}`);
      case 'DATASEC':
        return this.put(`section ("${t.name}") `);
      case 'DECL_TAG':
      case 'TYPE_TAG':
        return false;
    }
  }

  private func(proto: BtfFuncProto, func: BtfFunc | undefined, depth: number): boolean {
    if (!this.type(proto.returnType, depth + 1)) return false;
    if (!this.put(func ? `${func.name}(` : '(')) return false;
    for (let i = 0; i < proto.params.length; i++) {
      const p = proto.params[i]!;
      if (i > 0 && !this.put(', ')) return false;
      if (p.type === 0) {
        if (!this.put('...')) return false;
        continue;
      }
      if (!this.type(p.type, depth + 1)) return false;
      if (p.nameOff !== 0) {
        if (!this.put(p.name)) return false;
      } else if (this.text.endsWith(' ')) {
        // An unnamed parameter: drop the space that would have separated the name.
        this.text = this.text.slice(0, -1);
        this.bytes--;
      }
    }
    return this.put(')');
  }
}
