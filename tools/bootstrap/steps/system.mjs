// System packages: the Debian packages the project needs beyond Node itself.
// Installs them with apt when running as root; otherwise prints the exact command to run.
// Fast path: one `dpkg-query` call, so an up-to-date machine costs a few milliseconds.
import { spawnSync } from 'node:child_process';
import { isRoot } from './util.mjs';

/** Every Debian 12 package the project needs, grouped by why; `purposes` says for which bootstrap. */
export const DEBIAN_PACKAGES = [
  {
    // Building mediasoup's worker from Debian's libraries when its prebuilt binary can't be
    // downloaded (docs/media-worker.md): compiler, meson/ninja, flatc, and the -dev packages that
    // replace the meson subprojects mediasoup would otherwise download. (The 3.12.x fallback
    // would also need libusrsctp-dev, nlohmann-json3-dev and liburing-dev.)
    why: 'build deps for the mediasoup worker',
    purposes: ['start', 'test'],
    packages: [
      'build-essential', 'pkg-config', 'meson', 'ninja-build',
      'libuv1-dev', 'libssl-dev', 'libsrtp2-dev', 'libflatbuffers-dev', 'flatbuffers-compiler', 'libabsl-dev',
    ],
  },
  {
    // The worker links these dynamically (ldd: libuv, libssl/libcrypto, libsrtp2 (which pulls
    // NSS), abseil's strings/optional); a machine that only runs a cached binary needs them.
    why: 'run-time libraries the mediasoup worker links',
    purposes: ['start', 'test'],
    packages: ['libuv1', 'libssl3', 'libsrtp2-1', 'libabsl20220623'],
  },
  {
    // Real-browser tests: playwright-core drives /usr/bin/chromium (no browser download).
    why: 'chromium for browser tests',
    purposes: ['test'],
    packages: ['chromium'],
  },
  {
    // The e-determination PDF embeds a CJK font (core/src/documents/fonts.ts: Noto Serif CJK).
    why: 'CJK font for e-determination PDFs',
    purposes: ['start', 'test'],
    packages: ['fonts-noto-cjk'],
  },
  {
    // Tests run the repository suite against a real PostgreSQL (a throwaway cluster made with
    // initdb) and read the PDFs' text with pdftotext.
    why: 'PostgreSQL server and PDF text extraction for tests',
    purposes: ['test'],
    packages: ['postgresql', 'poppler-utils'],
  },
  {
    // No Kafka broker installs here: the bus-kafka tests compile a small C program against
    // librdkafka's mock cluster (rdkafka_mock.h) and run it as the broker (the compiler comes
    // with build-essential above).
    why: 'librdkafka mock cluster for the Kafka bus tests',
    purposes: ['test'],
    packages: ['librdkafka-dev'],
  },
  {
    // The analytics SQL is tested on both drivers: chdb (npm) and a real ClickHouse server,
    // Debian's 18.16, started by the tests on loopback from a config in a temp dir (the
    // package's own service is not used).
    why: 'ClickHouse server for the analytics tests',
    purposes: ['test'],
    packages: ['clickhouse-server'],
  },
  {
    // The production balancer's config (deploy/nginx) is checked with `nginx -t` in a test; the
    // package's own service is not used.
    why: 'nginx to check the balancer config',
    purposes: ['test'],
    packages: ['nginx-light'],
  },
  {
    // Server-side call recording (PlainTransport -> ffmpeg) and ffprobe checks in tests.
    why: 'ffmpeg for recording',
    purposes: ['start', 'test'],
    packages: ['ffmpeg'],
  },
  {
    // TURN relay (deploy/coturn): the media tests start `turnserver` on loopback with a
    // throwaway config (shared-secret credentials) and force Chromium to relay through it; the
    // package's own service is not used.
    why: 'coturn for the TURN relay tests',
    purposes: ['test'],
    packages: ['coturn'],
  },
];

/** Packages needed for a purpose ('start' | 'test'). */
export function packagesFor(purpose) {
  return DEBIAN_PACKAGES.filter((g) => g.purposes.includes(purpose)).flatMap((g) => g.packages);
}

/** The subset of `pkgs` that dpkg does not report as installed. */
export function missingPackages(pkgs) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Package} ${Status}\\n', ...pkgs], { encoding: 'utf8' });
  if (r.error) return null; // no dpkg: not Debian
  const installed = new Set(
    r.stdout.split('\n').filter((l) => l.endsWith(' install ok installed')).map((l) => l.split(' ')[0].split(':')[0]),
  );
  return pkgs.filter((p) => !installed.has(p));
}

function aptInstall(pkgs, log) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const args = ['install', '-y', '--no-install-recommends', ...pkgs];
  const run = () => spawnSync('apt-get', args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  let r = run();
  if (r.status !== 0) {
    // A fresh container has no package lists ("Unable to locate package"): update once, retry.
    log('apt-get install failed; running apt-get update once and retrying…');
    const u = spawnSync('apt-get', ['update'], { env, stdio: 'inherit' });
    if (u.status !== 0) throw new Error('apt-get update failed');
    r = run();
  }
  if (r.status !== 0) {
    process.stderr.write(r.stdout + r.stderr);
    throw new Error(`apt-get ${args.join(' ')} exited with ${r.status ?? r.signal}`);
  }
}

export async function systemPackages({ purpose, log }) {
  if (process.platform !== 'linux') return;
  const wanted = packagesFor(purpose);
  const missing = missingPackages(wanted);
  if (missing === null) {
    log(`no dpkg here; install the equivalents of these Debian packages yourself: ${wanted.join(' ')}`);
    return;
  }
  if (missing.length === 0) return;
  const cmd = `DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (!isRoot) {
    // Not fatal: the steps that really need a package fail later with their own message.
    log(`missing Debian packages: ${missing.join(' ')}\n[bootstrap] run as root:  sudo apt-get update && sudo ${cmd}`);
    return;
  }
  log(`installing Debian packages (${missing.length}): ${missing.join(' ')}…`);
  const t0 = Date.now();
  aptInstall(missing, log);
  log(`Debian packages installed in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
