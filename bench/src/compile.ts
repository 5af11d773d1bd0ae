/**
 * `node bench/dist/compile.js`: whole-process timings of `hivetool compile` on Microsoft's
 * CE 6 common.reg + the emulator platform.reg (from ../shared/corpus/platform-reg) and on
 * a generated 20 MB source tree (kept in bench/out/compile-tree). Median of RUNS runs
 * after one warm-up, with min and max; also run by `npm run bench`.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PLATFORM_REG_DIR, platformRegAvailable } from '@hivetool/test-support';
import { RUNS, timeCommand, type Stat } from './measure.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = resolve(HERE, '../out');


/** A deterministic pseudo-random sequence (xorshift32), so the tree is the same every time. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 0x100000000;
  };
}

/**
 * A source tree shaped like a BSP's: a platform.reg with #defines and one #include per
 * driver file, each driver file a run of driver keys with IF / #if blocks, $(VAR) macros,
 * trailing comments, multi_sz and hex values, some boot sections and HKCU keys.
 */
function generateTree(directory: string, targetBytes: number): { files: number; bytes: number } {
  const next = random(0x5eed);
  mkdirSync(join(directory, 'SRC', 'DRIVERS'), { recursive: true });
  const platform: string[] = ['; generated platform.reg', '; OUTPUTHIVE', '#define PLAT_DRIVERS_DIR $(_TARGETPLATROOT)\\src\\drivers', '#define BUILTIN_ROOT HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn', ''];
  let bytes = 0;
  let files = 1;
  let driver = 0;
  for (let file = 0; bytes < targetBytes; file++) {
    const name = `DRV${file.toString().padStart(3, '0')}`;
    mkdirSync(join(directory, 'SRC', 'DRIVERS', name), { recursive: true });
    platform.push(`IF BSP_NO${name} !`, `#include "$(PLAT_DRIVERS_DIR)\\${name.toLowerCase()}\\${name.toLowerCase()}.reg"`, `ENDIF BSP_NO${name} !`);
    const lines: string[] = [`; ${name} registry settings`];
    for (let block = 0; block < 400 && bytes + lines.join('\r\n').length < targetBytes; block++, driver++) {
      const boot = next() < 0.05;
      if (boot) lines.push('; HIVE BOOT SECTION');
      lines.push(`[$(BUILTIN_ROOT)\\Driver${driver.toString().padStart(6, '0')}]`);
      lines.push(`    "Dll"="drv${driver}.dll"`, `    "Prefix"="D${(driver % 100).toString().padStart(2, '0')}"`, `    "Index"=dword:${(driver % 9) + 1}`, `    "Order"=dword:${Math.floor(next() * 0x100).toString(16)}   ; load order`);
      lines.push('    "IClass"=multi_sz:"{A32942B7-920C-486b-B0E6-92A702A99B35}",', '                     "{CB998A05-122C-4166-846A-933E4D7E3C86}"');
      lines.push(`    "Path"="$(_FLATRELEASEDIR)\\\\drv${driver}.dll"`);
      lines.push(`IF BSP_${name}_FAST`, '    "Flags"=dword:00010000', 'ELSE', '    "Flags"=dword:8', 'ENDIF');
      lines.push('#if defined BSP_DEBUG && ! defined BSP_RETAIL', '    "DebugZones"=dword:ffff', '#else', `    "Config"=hex:${Array.from({ length: 12 }, () => Math.floor(next() * 256).toString(16).padStart(2, '0')).join(',')}`, '#endif');
      if (boot) lines.push('; END HIVE BOOT SECTION');
      if (next() < 0.1) lines.push(`[HKEY_CURRENT_USER\\ControlPanel\\Driver${driver}]`, `    "Setting"=dword:${driver % 7}`);
      lines.push('');
    }
    const text = lines.join('\r\n') + '\r\n';
    writeFileSync(join(directory, 'SRC', 'DRIVERS', name, `${name.toLowerCase()}.reg`), text);
    bytes += text.length;
    files++;
  }
  const text = platform.join('\r\n') + '\r\n';
  writeFileSync(join(directory, 'platform.reg'), text);
  return { files, bytes: bytes + text.length };
}


// Exit 1 is a compile with warnings (the published sample tree misses a few includes).
const COMPILE_EXITS = [0, 1];

const fmt = (s: Stat, digits = 0): string => `${s.median.toFixed(digits)} (min ${s.min.toFixed(digits)}, max ${s.max.toFixed(digits)})`;

export function benchCompile(): Record<string, unknown> {
  mkdirSync(OUT, { recursive: true });
  const results: Record<string, unknown> = {};
  if (platformRegAvailable) {
    const strings = join(OUT, 'compile-en.str');
    writeFileSync(strings, 'LOC_LCID 409\r\nLOC_ACP 4e4\r\n');
    const ce6 = join(PLATFORM_REG_DIR, 'ce6-emulator');
    const args = [join(ce6, 'common.reg'), join(ce6, 'platform.reg'), '-o', join(OUT, 'compile-ce6'), '-D', 'BSP_NOKEYBD', '-D', 'BSP_NOPCCARD', '-D', 'BSP_NOSERIAL', '--strings', strings, '--missing-include', 'warn'];
    const sourceBytes = statSync(join(ce6, 'common.reg')).size + statSync(join(ce6, 'platform.reg')).size;
    const timing = timeCommand(['compile', ...args], COMPILE_EXITS);
    results['compileCe6'] = { sourceBytes, ...timing };
    process.stdout.write(`\ncompile CE 6 common.reg + emulator platform.reg (${sourceBytes} bytes of source)\n  wall ms ${fmt(timing.wallMs)}\n  peak RSS MiB ${fmt(timing.rssMiB)}\n`);
  } else {
    process.stdout.write(`\ncompile CE 6 common.reg + platform.reg: SKIPPED, sources not found at ${PLATFORM_REG_DIR}\n`);
  }
  const tree = join(OUT, 'compile-tree');
  let shape: { files: number; bytes: number };
  const meta = join(OUT, 'compile-tree.json');
  if (existsSync(meta) && existsSync(join(tree, 'platform.reg'))) {
    const files = readdirSync(join(tree, 'SRC', 'DRIVERS')).length + 1;
    shape = { files, bytes: Number(JSON.parse(String(readFileSync(meta))).bytes) };
  } else {
    process.stderr.write(`generating ${tree}…\n`);
    shape = generateTree(tree, 20 * 1000 * 1000);
    writeFileSync(meta, JSON.stringify(shape));
  }
  const timing = timeCommand(['compile', join(tree, 'platform.reg'), '-o', join(OUT, 'compile-tree-out'), '-D', `_TARGETPLATROOT=${tree}`, '-D', '_FLATRELEASEDIR=release'], COMPILE_EXITS);
  const hives = Object.fromEntries(['boot.hv', 'default.hv', 'user.hv', 'reginit.ini'].map((name) => [name, statSync(join(OUT, 'compile-tree-out', name)).size]));
  results['compileTree20MB'] = { ...shape, outputs: hives, ...timing };
  process.stdout.write(`compile a generated source tree (${shape.files} files, ${shape.bytes} bytes; outputs ${JSON.stringify(hives)})\n  wall ms ${fmt(timing.wallMs)}\n  peak RSS MiB ${fmt(timing.rssMiB)}\n`);
  return results;
}


if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(`hivetool compile benchmark; median of ${RUNS} runs after 1 warm-up\n`);
  const results = benchCompile();
  writeFileSync(join(OUT, 'compile-results.json'), JSON.stringify({ runs: RUNS, date: new Date().toISOString(), ...results }, null, 2) + '\n');
}
