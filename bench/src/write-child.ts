/**
 * Times writing a hive from a tree in one fresh process: building the tree (not counted),
 * `encodeHive`, and deriving the signature and GUID (what `build` does when none is
 * given). Reports on stdout as JSON, with the process's peak RSS.
 * Usage: node write-child.js MEBIBYTES
 */
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { deriveRomSignature, deriveVolumeGuid, encodeHive } from '@hivetool/hive';
import { generateTree } from './generate.js';

const mebibytes = Number(process.argv[2] ?? 64);
const { tree, keys, values } = generateTree(mebibytes * 1024 * 1024);
const signature = new Uint8Array(16);
const start = performance.now();
const bytes = encodeHive(tree, { romSignature: signature, volumeGuid: signature });
const encoded = performance.now();
deriveRomSignature(bytes);
deriveVolumeGuid(bytes);
const derived = performance.now();
// The same with Node's crypto, as the CLI's build does.
const nodeSha256 = (parts: readonly Uint8Array[]): Uint8Array => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
};
deriveRomSignature(bytes, nodeSha256);
deriveVolumeGuid(bytes, nodeSha256);
const derivedNode = performance.now();
process.stdout.write(
  JSON.stringify({ keys, values, bytes: bytes.length, encodeMs: encoded - start, deriveMs: derived - encoded, deriveNodeMs: derivedNode - derived, maxRssKiB: process.resourceUsage().maxRSS }) + '\n',
);
