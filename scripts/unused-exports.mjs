#!/usr/bin/env node
// Lists what src/ exports and no file of src/, test/, bench/ or scripts/ imports: UNUSED
// (dead code: not used in its own module either) or, with --all, also names only their
// own module uses (the export can go). src/index.ts is the public API and counts as used.
// Usage: node scripts/unused-exports.mjs [--all]
import ts from 'typescript';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve, dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const all = process.argv.includes('--all');
const SKIP = new Set(['node_modules', 'dist']);
function walk(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return SKIP.has(n) || n.startsWith('.') ? [] : walk(p);
    return /\.(ts|mts|mjs|js)$/.test(n) ? [p] : [];
  });
}
const srcFiles = walk(join(root, 'src')).filter((f) => f.endsWith('.ts'));
const allFiles = [...srcFiles, ...['test', 'bench', 'scripts'].flatMap((d) => walk(join(root, d))), join(root, 'rolldown.config.mjs')];
const exportsOf = new Map(); // file -> Set(names)
for (const f of srcFiles) {
  const sf = ts.createSourceFile(f, readFileSync(f, 'utf8'), ts.ScriptTarget.Latest, true);
  const names = new Set();
  for (const st of sf.statements) {
    const mods = ts.canHaveModifiers(st) ? ts.getModifiers(st) : undefined;
    const exported = mods?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (exported) {
      if (ts.isVariableStatement(st)) for (const d of st.declarationList.declarations) { if (ts.isIdentifier(d.name)) names.add(d.name.text); }
      else if (st.name) names.add(st.name.text);
    }
  }
  exportsOf.set(f, names);
}
const used = new Map(); // file -> Set(names) used by others
const mark = (file, name) => { if (!used.has(file)) used.set(file, new Set()); used.get(file).add(name); };
const resolveSpec = (from, spec) => { if (!spec.startsWith('.')) return undefined; let p = resolve(dirname(from), spec); return p.replace(/\.js$/, '.ts'); };
// re-exports make a chain: handle export {a} from, export * from
const reexports = []; // [fromFile, targetFile, names|'*', ns]
for (const f of allFiles) {
  const text = readFileSync(f, 'utf8');
  const sf = ts.createSourceFile(f, text, ts.ScriptTarget.Latest, true);
  const visit = (node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const t = resolveSpec(f, node.moduleSpecifier.text); if (t) {
        const c = node.importClause;
        if (c?.name) mark(t, 'default');
        if (c?.namedBindings) { if (ts.isNamespaceImport(c.namedBindings)) mark(t, '*'); else for (const e of c.namedBindings.elements) mark(t, (e.propertyName ?? e.name).text); }
      }
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const t = resolveSpec(f, node.moduleSpecifier.text); if (t) {
        if (!node.exportClause) reexports.push([f, t, '*']);
        else if (ts.isNamespaceExport(node.exportClause)) mark(t, '*');
        else for (const e of node.exportClause.elements) reexports.push([f, t, (e.propertyName ?? e.name).text, e.name.text]);
      }
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && ts.isStringLiteral(node.arguments[0])) {
      const t = resolveSpec(f, node.arguments[0].text); if (t) mark(t, '*');
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
}
// The public surface: src/index.ts exports count as used, and the CLI's entry, which
// bin/load-bundle.cjs takes from the bundle by name.
const index = join(root, 'src/index.ts');
mark(index, '*');
mark(join(root, 'src/cli/index.ts'), 'main');
// propagate: a re-exported name is used if the re-exporting file's name is used
for (let changed = true; changed; ) {
  changed = false;
  for (const [from, to, name, as] of reexports) {
    const u = used.get(from);
    const hit = u && (u.has('*') || (name === '*' ? true : u.has(as)));
    if (hit) {
      const before = used.get(to)?.size ?? 0;
      if (name === '*') { for (const n of (u.has('*') ? ['*'] : [...u])) mark(to, n); } else mark(to, name);
      if ((used.get(to)?.size ?? 0) !== before) changed = true;
    }
  }
}
// within-file use: a name used in its own file is not dead, only its export is
let count = 0;
for (const [f, names] of exportsOf) {
  if (f === index) continue;
  const u = used.get(f) ?? new Set();
  if (u.has('*')) continue;
  const text = readFileSync(f, 'utf8');
  for (const n of names) {
    if (u.has(n)) continue;
    const local = (text.match(new RegExp(`\\b${n}\\b`, 'g')) ?? []).length > 1;
    if (local && !all) continue;
    console.log(`${relative(root, f)}: ${n}${local ? ' (used in its own module: export only)' : ' (UNUSED)'}`);
    count++;
  }
}
console.log(`${count} ${all ? 'exports nobody imports' : 'unused exports'}`);
