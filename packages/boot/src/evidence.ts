import type { Hive, HiveKey, HiveRoot } from '@hivetool/hive';
import { decodeValue, renderRegData } from '@hivetool/registry';

/**
 * What decided a step of the start-up: a registry value (`boot.hv:
 * HKEY_LOCAL_MACHINE\init\BootVars\SystemHive = "\Documents and Settings\system.hv"`),
 * a header field of a file, or a command-line answer standing for an OAL call.
 */
export interface Evidence {
  /** Where it was read: `boot.hv`, `default.hv`, a device path, `--clean`. */
  source: string;
  /** A registry path with the value name (`key\value`), or a field (`ROM signature`). */
  what: string;
  /** The data as .reg text writes it; null when the value (or file) is not there. */
  data: string | null;
}

/** `source: what = data`, or `(not set)` for a missing value. */
export function renderEvidence(evidence: Evidence): string {
  return `${evidence.source}: ${evidence.what} = ${evidence.data ?? '(not set)'}`;
}

/** One value as read from a hive: its typed reading and the evidence that names it. */
export interface RegistryValue {
  /** Key path as stored (`HKEY_LOCAL_MACHINE\init\BootVars`). */
  keyPath: string;
  name: string;
  type: number;
  data: Uint8Array;
  /** The string for SZ-like values, undefined otherwise. */
  text: string | undefined;
  /** The number for DWORD values, undefined otherwise. */
  number: number | undefined;
  /** The strings of a MULTI_SZ value (a single string for SZ), empty otherwise. */
  strings: readonly string[];
  evidence: Evidence;
}

/** .reg text of value data, as `dump` writes it: `"text"`, `dword:00000001`, `multi_sz:"a","b"`. */
export function renderData(type: number, data: Uint8Array): string {
  return renderRegData(type, data);
}

/** Reads registry values of one hive, naming the file in each piece of evidence. */
export class RegistryReader {
  constructor(
    readonly hive: Hive,
    /** The file's name in reports (`boot.hv`). */
    readonly file: string,
  ) {}

  key(path: string): HiveRoot | HiveKey | undefined {
    return this.hive.key(path);
  }

  /** The stored spelling of a key path, or the path as asked when it is not there. */
  storedPath(path: string): string {
    const found = this.hive.lookup(path);
    return found.found ? found.path : path;
  }

  /** A value of a key; undefined when the key or the value is not there. */
  value(keyPath: string, name: string): RegistryValue | undefined {
    const key = this.hive.key(keyPath);
    if (key === undefined) return undefined;
    return this.valueOf(key, this.storedPath(keyPath), name);
  }

  /** A value of a key already found, its path as stored. */
  valueOf(key: HiveRoot | HiveKey, keyPath: string, name: string): RegistryValue | undefined {
    const value = key.value(name);
    if (value === undefined) return undefined;
    return readValue(keyPath, value.name, value.type, value.data, this.file);
  }

  /** Evidence for a value, `(not set)` when missing. */
  evidence(keyPath: string, name: string): Evidence {
    return this.value(keyPath, name)?.evidence ?? { source: this.file, what: `${this.storedPath(keyPath)}\\${name}`, data: null };
  }
}

export function readValue(keyPath: string, name: string, type: number, data: Uint8Array, file: string): RegistryValue {
  const decoded = decodeValue(type, data);
  const text = decoded.kind === 'string' ? decoded.value : undefined;
  return {
    keyPath,
    name,
    type,
    data,
    text,
    number: decoded.kind === 'number' ? decoded.value : undefined,
    strings: decoded.kind === 'strings' ? decoded.value : text !== undefined ? [text] : [],
    evidence: { source: file, what: `${keyPath}\\${name === 'Default' ? '@' : name}`, data: renderData(type, data) },
  };
}
