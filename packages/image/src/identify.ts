import { hasMagic, magicBytes } from './bytes.js';
import { ImageFormatError } from './errors.js';

/** Magic of a registry image (what RegCopyFile writes and RegRestoreFile restores). */
export const IMAGE_MAGIC = magicBytes('HVREGIMG');
/** Magic of an OEM stream (what the OS hands to WriteRegistryToOEM). */
export const STREAM_MAGIC = magicBytes('HVOEMREG');
/** Magic of a recorded WriteRegistryToOEM call log. */
export const CALL_LOG_MAGIC = magicBytes('HVOEMLOG');
/** Magic of each chunk of an OEM store (the A/B flash layout). */
export const CHUNK_MAGIC = magicBytes('HVCK');
/** The PREG container's signature, 'PREG' as an MSVC multi-character constant (format guide §10). */
export const PREG_MAGIC = magicBytes('GERP');
/** A hive's magic2 "EKIM" at offset 8 (format guide §3). */
const HIVE_MAGIC = magicBytes('EKIM');

export type FileFormat = 'hive' | 'image' | 'oem-stream' | 'oem-calls' | 'oem-store' | 'oem-preg' | 'unknown';

/** What each format is, which API pair produces and reads it, and which command reads it. */
export const FORMAT_DESCRIPTIONS: Record<FileFormat, string> = {
  hive: 'a hive file (.hv) of the hive-based registry (saved with RegSaveKey, read by RegReplaceKey); read it with `hivetool dump`',
  image: 'a registry image (written by RegCopyFile, restored by RegRestoreFile as Restore.fdf); read it with `hivetool image dump`',
  'oem-stream': 'an OEM registry stream (handed to WriteRegistryToOEM, read back with ReadRegistryFromOEM); read it with `hivetool oem verify` or `hivetool oem unpack`',
  'oem-calls': 'a recorded sequence of WriteRegistryToOEM calls; turn it into a stream with `hivetool oem join`',
  'oem-store': 'an OEM flash store (A/B slots of WriteRegistryToOEM chunks); read it with `hivetool oem load`',
  'oem-preg': "a PREG container (the common OAL's flash copy of a WriteRegistryToOEM stream); check it with `hivetool oem preg verify`",
  unknown: 'not a format hivetool knows',
};

/** Which of the registry file formats `bytes` holds, by its magic. */
export function identifyFormat(bytes: Uint8Array): FileFormat {
  if (hasMagic(bytes, 0, IMAGE_MAGIC)) return 'image';
  if (hasMagic(bytes, 0, STREAM_MAGIC)) return 'oem-stream';
  if (hasMagic(bytes, 0, CALL_LOG_MAGIC)) return 'oem-calls';
  if (hasMagic(bytes, 0, CHUNK_MAGIC)) return 'oem-store';
  if (hasMagic(bytes, 0, PREG_MAGIC)) return 'oem-preg';
  if (hasMagic(bytes, 8, HIVE_MAGIC)) return 'hive';
  return 'unknown';
}

/**
 * Throws `WRONG_FORMAT` unless `bytes` is `expected`, naming what it is instead: the two
 * persistence paths of the RAM registry cannot be exchanged (format guide §10), so mixing
 * them up is said plainly.
 */
export function expectFormat(bytes: Uint8Array, expected: FileFormat): void {
  const actual = identifyFormat(bytes);
  if (actual === expected) return;
  throw new ImageFormatError('WRONG_FORMAT', {
    what: `expected ${FORMAT_DESCRIPTIONS[expected].split(';')[0]}, but this is ${FORMAT_DESCRIPTIONS[actual]}`,
    offset: 0,
  });
}
