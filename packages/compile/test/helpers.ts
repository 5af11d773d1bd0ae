import type { SourceHost } from '@hivetool/compile';

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
