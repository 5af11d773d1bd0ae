import { describeFailure, safeLine } from './failures.js';
import { inputName } from './input.js';
import type { CliIo } from './io.js';

/** Messages to the user on stderr, one line each; never mixed into stdout output. */
export interface Reporter {
  /** Reports a failure for `subject`; returns false if it is a bug (not a user error). */
  failure(subject: string, error: unknown): boolean;
  note(text: string): void;
}

/** Reports to `write` (stderr, or a list a worker thread sends back), one line each. */
export function lineReporter(write: (line: string) => void): Reporter {
  return {
    failure(subject, error) {
      const line = describeFailure(error, subject);
      if (line === undefined) return false;
      const name = inputName(subject);
      // Some messages name the file already.
      write(`hivetool: ${safeLine(line.startsWith(`${name}: `) ? line : `${name}: ${line}`)}\n`);
      return true;
    },
    note(text) {
      write(`hivetool: ${safeLine(text)}\n`);
    },
  };
}

/** Reports on the standard error of `io`. */
export function stderrReporter(io: CliIo): Reporter {
  return lineReporter((line) => io.stderr(line));
}
