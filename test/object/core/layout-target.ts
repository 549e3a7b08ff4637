/**
 * A vmlinux BTF other than the running kernel's, with the same names laid out
 * otherwise, for relocating real objects for "another kernel": the running kernel's
 * BTF dumped as C by bpftool (`btf dump file /sys/kernel/btf/vmlinux format c`), each
 * named struct's and union's members in reverse order (a flexible array stays last),
 * each named enum's non-negative enumerators renumbered (+1), then compiled with
 * `clang -g -target bpf` with a pointer to every named type so that all of them are in
 * its .BTF. No pahole: clang writes the BTF. bpftool's flavored duplicates (`foo___2`)
 * stay, so targets have flavors too.
 */

/** Lines of a top-level block's body grouped into members (a nested block is one member). */
function members(body: string[]): string[][] {
  const out: string[][] = [];
  let depth = 0;
  for (const line of body) {
    if (depth === 0) out.push([]);
    out[out.length - 1]!.push(line);
    depth += (line.match(/{/g)?.length ?? 0) - (line.match(/}/g)?.length ?? 0);
  }
  return out;
}

function reversed(body: string[]): string[] {
  const all = members(body);
  const flexible = all.filter((m) => /\[\];$/.test(m[m.length - 1]!));
  const rest = all.filter((m) => !flexible.includes(m));
  return [...rest.reverse(), ...flexible].flat();
}

function renumbered(body: string[]): string[] {
  return body.map((line) =>
    line.replace(/^(\t\w+ = )(\d+)(,?)$/, (whole, head: string, value: string, comma: string) => {
      const n = Number(value);
      return n < 0x7ffffffe ? `${head}${n + 1}${comma}` : whole;
    }),
  );
}

/** The transformed header plus the uses that make clang emit every named type. */
export function shuffledVmlinux(header: string): string {
  const lines = header.split('\n');
  const out: string[] = [];
  const uses: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const open = /^(struct|union|enum) (\w+) {$/.exec(line);
    if (!open) {
      out.push(line);
      const typedef = /^typedef .*?(\w+);$/.exec(line);
      if (typedef && !line.includes('(')) uses.push(`${typedef[1]} *__use_${uses.length};`);
      continue;
    }
    let end = i + 1;
    while (!/^}( __attribute__\(\(.*\)\))?;$/.test(lines[end]!)) end++;
    const body = lines.slice(i + 1, end);
    out.push(line, ...(open[1] === 'enum' ? renumbered(body) : reversed(body)), lines[end]!);
    uses.push(`${open[1]} ${open[2]} *__use_${uses.length};`);
    i = end;
  }
  // The header ends with its include guard's #endif: the uses go before it.
  const endif = out.lastIndexOf('#endif /* __VMLINUX_H__ */');
  out.splice(endif < 0 ? out.length : endif, 0, ...uses, '');
  return out.join('\n');
}
