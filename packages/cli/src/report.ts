import { describeFailure } from './failures.js';

/** Messages to the user on stderr, one line each; never mixed into stdout output. */
export interface Reporter {
  /** Reports a failure for `subject`; returns false if it is a bug (not a user error). */
  failure(subject: string, error: unknown): boolean;
  note(text: string): void;
}

export function stderrReporter(): Reporter {
  return {
    failure(subject, error) {
      const line = describeFailure(error, subject);
      if (line === undefined) return false;
      // Some messages name the file already.
      process.stderr.write(line.startsWith(`${subject}: `) ? `hivetool: ${line}\n` : `hivetool: ${subject}: ${line}\n`);
      return true;
    },
    note(text) {
      process.stderr.write(`hivetool: ${text}\n`);
    },
  };
}
