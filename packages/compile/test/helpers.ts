import { compileRegistry, type CompileOptions, type CompileResult, type SourceHost } from '@hivetool/compile';
import { decodeValue, foldName, parseKeyPath, type HiveTree, type TreeKey } from '@hivetool/registry';

/**
 * Serves sources from memory: names are matched case-insensitively with `\` read as `/`,
 * relative includes resolved against the including file's directory, as on the build hosts.
 */
export function memoryHost(files: Record<string, string | Uint8Array>): SourceHost {
  const normal = (path: string): string => {
    const parts: string[] = [];
    for (const part of path.replace(/\\/g, '/').split('/')) {
      if (part === '' || part === '.') continue;
      if (part === '..') parts.pop();
      else parts.push(part.toLowerCase());
    }
    return parts.join('/');
  };
  const byName = new Map<string, Uint8Array>();
  for (const [name, content] of Object.entries(files)) byName.set(normal(name), typeof content === 'string' ? new TextEncoder().encode(content) : content);
  return {
    readFile: (file) => byName.get(normal(file)),
    resolveInclude(path, includingFile) {
      const absolute = path.startsWith('/') || path.startsWith('\\');
      const directory = includingFile.replace(/\\/g, '/').split('/').slice(0, -1).join('/');
      const name = normal(absolute ? path : `${directory}/${path}`);
      return byName.has(name) ? name : undefined;
    },
  };
}

/** Compiles `main.reg` (and any other files given) from memory. */
export function compileText(text: string | Uint8Array, options: CompileOptions = {}, others: Record<string, string | Uint8Array> = {}): CompileResult {
  return compileRegistry(['main.reg'], memoryHost({ 'main.reg': text, ...others }), options);
}

/** `code@line` of every diagnostic, for compact assertions. */
export function codes(result: CompileResult): string[] {
  return result.diagnostics.map((diagnostic) => `${diagnostic.code}@${diagnostic.line}`);
}

/** The key at `path` (`HKLM\A\B`) in a tree, or undefined. */
export function findKey(tree: HiveTree, path: string): TreeKey | undefined {
  const parsed = parseKeyPath(path)!;
  let keys = tree.roots[parsed.root] ?? [];
  let found: TreeKey | undefined;
  for (const name of parsed.names) {
    found = keys.find((key) => foldName(key.name) === foldName(name));
    if (found === undefined) return undefined;
    keys = found.subkeys ?? [];
  }
  return found;
}

/** A value's typed reading (string, number, list) or undefined when the key or value is absent. */
export function valueOf(tree: HiveTree, path: string, name: string): string | number | readonly string[] | undefined {
  const value = findKey(tree, path)?.values?.find((candidate) => foldName(candidate.name) === foldName(name));
  if (value === undefined) return undefined;
  const decoded = decodeValue(value.type, value.data);
  if (decoded.kind === 'string' || decoded.kind === 'number' || decoded.kind === 'strings') return decoded.value;
  return Array.from(value.data, (byte) => byte.toString(16).padStart(2, '0')).join(',');
}
