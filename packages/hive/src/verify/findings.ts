/** The findings collector of `verifyHive`, with its caps per code. */
import type { FindingCode } from '../errors.js';
import type { Finding, Severity } from './report.js';

export const MAX_FINDINGS_PER_CODE = 100;

export class Findings {
  readonly list: Finding[] = [];
  private readonly grouped = new Map<FindingCode, Finding>();
  private readonly perCode = new Map<FindingCode, number>();
  private readonly overflow = new Map<FindingCode, Finding>();

  /**
   * Adds a finding; a hostile file can have millions of the same kind, so past
   * MAX_FINDINGS_PER_CODE of one code they are counted in one closing finding instead.
   */
  add(severity: Severity, code: FindingCode, offset: number, message: string): void {
    const seen = (this.perCode.get(code) ?? 0) + 1;
    this.perCode.set(code, seen);
    if (seen <= MAX_FINDINGS_PER_CODE) {
      this.list.push({ severity, code, offset, message, count: 1 });
      return;
    }
    const more = this.overflow.get(code);
    if (more !== undefined) {
      more.count++;
      more.message = `${more.count} more ${code} finding(s) like the ones above are not listed (first at 0x${more.offset.toString(16).padStart(8, '0')})`;
      return;
    }
    const finding = { severity, code, offset, message: `1 more ${code} finding like the ones above is not listed (at 0x${offset.toString(16).padStart(8, '0')})`, count: 1 };
    this.overflow.set(code, finding);
    this.list.push(finding);
  }

  /** Reports a finding once per code however often it occurs, counting occurrences. */
  addGrouped(severity: Severity, code: FindingCode, offset: number, message: (count: number) => string): void {
    const existing = this.grouped.get(code);
    if (existing !== undefined) {
      existing.count++;
      existing.message = message(existing.count);
      return;
    }
    const finding = { severity, code, offset, message: message(1), count: 1 };
    this.grouped.set(code, finding);
    this.list.push(finding);
  }

  /**
   * Appends what `other` collected, in its order, as if added here: for codes this
   * collector has not seen (a checker's pass collected apart, kept once it succeeded).
   */
  absorb(other: Findings): void {
    for (const finding of other.list) this.list.push(finding);
    for (const [code, finding] of other.grouped) this.grouped.set(code, finding);
    for (const [code, count] of other.perCode) this.perCode.set(code, count);
    for (const [code, finding] of other.overflow) this.overflow.set(code, finding);
  }

  has(severity: Severity): boolean {
    return this.list.some((finding) => finding.severity === severity);
  }
}

export const hex = (value: number): string => '0x' + (value >>> 0).toString(16).padStart(8, '0');
