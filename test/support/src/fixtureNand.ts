/**
 * A NAND dump with a known earlier state of a hive file: the checked-in FAT12 fixture
 * (packages/media/test/fixtures) in two states — its live `system.hv` rewritten in place
 * with a value set to 1, then to 2 (same size, same clusters) — laid on a simulated NAND
 * by the FAL's rules (`layVolumeOnNand`). Only the sectors the second state changed are
 * written again, so the first state's copies of them are stale pages.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeHive, openHive, readTree } from '@hivetool/hive';
import { RegTreeBuilder } from '@hivetool/registry';
import { bytesSource, examineMedia, type SpareLayoutName } from '@hivetool/media';
import { REPO_ROOT } from './corpus.js';
import { layVolumeOnNand, type NandImage } from './nandImages.js';

export interface FixtureNand extends NandImage {
  /** The hive file's two states, oldest first: the current one is the last. */
  hives: [Uint8Array, Uint8Array];
}

export function fixtureNand(layout: SpareLayoutName, seed = 5): FixtureNand {
  const fixture = new Uint8Array(readFileSync(join(REPO_ROOT, 'packages/media/test/fixtures/fat12-fragmented.img')));
  const tree = readTree(openHive(new Uint8Array(readFileSync(join(REPO_ROOT, 'packages/media/test/fixtures/small.hv')))));
  const edit = (value: number): Uint8Array => encodeHive(RegTreeBuilder.fromTree(tree, { newEntriesFirst: true }).apply(`[HKEY_LOCAL_MACHINE\\Fixture]\n"Version"=dword:${value}\n`).tree());
  const hives: [Uint8Array, Uint8Array] = [edit(1), edit(2)];
  if (hives[0].length !== hives[1].length) throw new Error('the two states of the fixture hive must have one size');
  const live = examineMedia(bytesSource(fixture), { scanForRomHives: false }).volumes[0]!.hives.find((hive) => !hive.deleted)!;
  const states = hives.map((hive) => {
    const image = fixture.slice();
    let at = 0;
    for (const run of live.runs) {
      image.set(hive.subarray(at, at + run.length), run.offset);
      at += run.length;
    }
    return image;
  });
  return { ...layVolumeOnNand(states.map((bytes, i) => ({ label: `state ${i + 1}`, bytes })), { layout, seed }), hives };
}
