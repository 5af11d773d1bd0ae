/**
 * Where an FMD keeps the FAL's `SectorInfo` in a NAND page's spare area (flash guide §2,
 * §3). The FAL's fields are the same everywhere — `dwReserved1` (the logical sector,
 * little-endian DWORD), `bOEMReserved` (OEM bits, active low), `bBadBlock` (0xFF good),
 * `wReserved2` (the data status, bits active low) — but each FMD puts them elsewhere.
 */

/** A spare-area layout: the offset of each `SectorInfo` field in the spare bytes. */
export interface SpareLayout {
  /** A preset's name, or `custom` for explicit offsets. */
  name: string;
  /** `dwReserved1`: the logical sector number (4 bytes, little-endian). */
  sector: number;
  /** `bOEMReserved` (1 byte). */
  oem: number;
  /** `wReserved2`: the data status (2 bytes, little-endian). */
  status: number;
  /** The bad-block mark(s): the block is bad when any of them is not 0xFF (TI: `hw[0] & hw[1] & sw` ≠ 0xFF). */
  bad: number[];
  /**
   * Spare bytes this layout leaves unused (erased, 0xFF, on a page written by its FMD):
   * what tells two layouts with the same `SectorInfo` offsets apart.
   */
  unused: number[];
  /** The spare size the layout was written for (bytes). */
  spareSize: number;
  /** Where the layout comes from. */
  source: string;
}

export type SpareLayoutName = 'ms16' | 'samsung-sb' | 'samsung-lb' | 'ti-bch8';

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

/** The named layouts of the flash guide §3, each as its cited source lays it out. */
export const SPARE_LAYOUTS: Record<SpareLayoutName, SpareLayout> = {
  // `R R R R O V R R E E E E E E E E`: 0–3 dwReserved1, 4 bOEMReserved, 5 bBadBlock, 6–7 wReserved2, 8–15 ECC.
  ms16: { name: 'ms16', sector: 0, oem: 4, bad: [5], status: 6, unused: [], spareSize: 16, source: "Microsoft's typical 16-byte small-page layout (SectorInfo, Compact 2013, ee486730)" },
  // 0–7 SectorInfo in struct order, 8–11 the main ECC; 12–15 unused.
  'samsung-sb': { name: 'samsung-sb', sector: 0, oem: 4, bad: [5], status: 6, unused: range(12, 16), spareSize: 16, source: 'Samsung S3C6410 small-page FMD (fmd_SB.h 23–24, fmd_SB.cpp 224–242)' },
  // 0 bBadBlock, 1–4 dwReserved1, 5 bOEMReserved, 6–7 wReserved2, 8–23 main ECC, 24–25 spare ECC, 26–27 ECC of the ECC; 28–63 unused.
  'samsung-lb': { name: 'samsung-lb', sector: 1, oem: 5, bad: [0], status: 6, unused: range(28, 64), spareSize: 64, source: 'Samsung S3C6410 2 KiB-page FMD (fmd_LB.h 40–53, RestructSectorInfo in fmd_LB.cpp)' },
  // hwBadBlock[2], 52 ECC bytes, reserved1[4] at 54, reserved2[2] at 58, swBadBlock 60, oemReserved 61, 62–63 unused.
  'ti-bch8': { name: 'ti-bch8', sector: 54, oem: 61, bad: [0, 1, 60], status: 58, unused: [62, 63], spareSize: 64, source: 'TI OMAP NAND FMD, x16 bus, BCH8 ECC (COMMON_TI/BLOCK/NAND/fmd.c 70–82, 1169–1170; gpmc_ecc.h 27–31)' },
};

export const SPARE_LAYOUT_NAMES = Object.keys(SPARE_LAYOUTS) as SpareLayoutName[];

export function isSpareLayoutName(name: string): name is SpareLayoutName {
  return Object.prototype.hasOwnProperty.call(SPARE_LAYOUTS, name);
}

/** The end of the spare bytes a layout reads (its fields must fit the spare area). */
export function layoutExtent(layout: SpareLayout): number {
  return Math.max(layout.sector + 4, layout.oem + 1, layout.status + 2, ...layout.bad.map((at) => at + 1));
}

/**
 * Explicit offsets, `sector=N,status=N,oem=N,bad=N[+N…]` (all four required; decimal or
 * 0x-hex), e.g. `sector=14,status=18,oem=20,bad=5` for an older TI Hamming build. Returns
 * the layout, or a message saying what is wrong.
 */
export function parseSpareLayout(text: string): SpareLayout | string {
  if (isSpareLayoutName(text)) return SPARE_LAYOUTS[text];
  const fields = new Map<string, number[]>();
  for (const part of text.split(',')) {
    const match = /^\s*(sector|status|oem|bad)\s*=\s*((?:0x[0-9a-f]+|\d+)(?:\+(?:0x[0-9a-f]+|\d+))*)\s*$/i.exec(part);
    if (match === null) return `"${part}" is not NAME=OFFSET (names: sector, status, oem, bad; bad may list several offsets joined by +)`;
    const name = match[1]!.toLowerCase();
    if (fields.has(name)) return `${name} is given twice`;
    fields.set(name, match[2]!.split('+').map((value) => Number(value)));
  }
  for (const name of ['sector', 'status', 'oem', 'bad']) if (!fields.has(name)) return `the offset of ${name} is missing (give sector=, status=, oem= and bad=)`;
  const one = (name: string): number | string => {
    const values = fields.get(name)!;
    return values.length === 1 ? values[0]! : `${name} takes one offset`;
  };
  const sector = one('sector');
  const status = one('status');
  const oem = one('oem');
  if (typeof sector === 'string') return sector;
  if (typeof status === 'string') return status;
  if (typeof oem === 'string') return oem;
  const bad = fields.get('bad')!;
  const layout: SpareLayout = { name: 'custom', sector, status, oem, bad, unused: [], spareSize: 0, source: `explicit offsets ${text}` };
  layout.spareSize = layoutExtent(layout);
  if (layout.spareSize > 4096) return 'an offset lies past any spare area (at most 4096 bytes)';
  return layout;
}

/** A layout in the words of a report: `samsung-lb (sector@1 status@6 oem@5 bad@0)`. */
export function describeLayout(layout: SpareLayout): string {
  return `${layout.name} (sector@${layout.sector} status@${layout.status} oem@${layout.oem} bad@${layout.bad.join('+')})`;
}
