/**
 * A password for the command line, never from an argument (arguments show in `ps` and in shell
 * history): from an environment variable, else asked on the terminal without echo (twice, when
 * it is a new one), else the first line of stdin (a pipe from a secrets manager).
 */
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';

export class NoSecretError extends Error {}

async function askHidden(question: string): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk, _enc, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  try {
    return await new Promise<string>((resolve) => {
      rl.question(question, (answer) => resolve(answer));
      muted = true;
    });
  } finally {
    process.stderr.write('\n');
    rl.close();
  }
}

async function firstLine(): Promise<string> {
  const rl = createInterface({ input: process.stdin });
  try {
    for await (const line of rl) return line;
    return '';
  } finally {
    rl.close();
  }
}

/** `envName`'s value, or asked for. `confirm`: a new password is asked twice on a terminal. */
export async function readSecret(envName: string, what: string, opts: { confirm?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  const env = opts.env ?? process.env;
  const fromEnv = env[envName];
  if (fromEnv) return fromEnv;
  if (process.stdin.isTTY) {
    const first = await askHidden(`${what}: `);
    if (opts.confirm && (await askHidden(`${what} again: `)) !== first) throw new NoSecretError('the two entries differ');
    return first;
  }
  const line = await firstLine();
  if (!line) throw new NoSecretError(`no ${what.toLowerCase()}: set ${envName}, run on a terminal to be asked, or pipe it on stdin`);
  return line;
}
