/** What a command writes to (the CLI's stdout/stderr, or a test's buffers) and how it runs. */
export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

/** A command: its arguments after the name → exit code (0 ok, 1 bad input or invalid profile, 3 not eligible). */
export type Command = (args: string[], io: Io) => Promise<number>;
