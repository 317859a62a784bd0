// A small logger interface: the fastify (pino) logger in the server, console in benchmarks, and a
// prefix per room and peer ([case:1a2b3c4d] [peer:…]) so one call's lines can be followed. Phone
// numbers and names never go into these lines: peers are named by role and id.
export interface MediaLogger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

/** pino's (and fastify's) logger shape, the part used here. */
interface PinoLike {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export function fromPino(log: PinoLike): MediaLogger {
  return { debug: (m) => log.debug(m), info: (m) => log.info(m), warn: (m) => log.warn(m), error: (m) => log.error(m) };
}

export const silentLogger: MediaLogger = { debug() {}, info() {}, warn() {}, error() {} };

export const consoleLogger: MediaLogger = {
  debug: () => {},
  info: (m) => console.log(`[media] ${m}`),
  warn: (m) => console.warn(`[media] ${m}`),
  error: (m) => console.error(`[media] ${m}`),
};

export function prefixed(log: MediaLogger, prefix: string): MediaLogger {
  return {
    debug: (m) => log.debug(`${prefix} ${m}`),
    info: (m) => log.info(`${prefix} ${m}`),
    warn: (m) => log.warn(`${prefix} ${m}`),
    error: (m) => log.error(`${prefix} ${m}`),
  };
}

/** For the `default:` of a switch over a union: a new member is a compile error until handled. */
export function assertUnreachable(what: string, value: never): never {
  throw new Error(`unexpected ${what}: ${String(value)}`);
}
