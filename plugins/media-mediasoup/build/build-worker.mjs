#!/usr/bin/env node
// Puts a mediasoup-worker binary for the installed mediasoup into the cache (see worker-path.mjs):
//
//   1. the normal path first: mediasoup's own prebuilt worker, downloaded from the URL its
//      postinstall uses (with a short timeout, so a machine without that access fails fast);
//   2. otherwise a build from Debian 12's libraries: copy node_modules/mediasoup/worker to a
//      scratch folder, replace every meson subproject (normally downloaded) by a tiny meson.build
//      wrapping the Debian package, apply the source fixes below, meson + ninja, install.
//
// Usage: node plugins/media-mediasoup/build/build-worker.mjs [--force] [--no-prebuilt] [--keep]
//   --force        rebuild even if the cached binary exists
//   --no-prebuilt  skip the download attempt (also: KUAICHU_MEDIASOUP_NO_PREBUILT=1)
//   --keep         keep the scratch build folder (it is kept anyway when the build fails)
// Environment: XDG_CACHE_HOME (cache location), MEDIASOUP_WORKER_PREBUILT_DOWNLOAD_BASE_URL
// (as in mediasoup's postinstall), KUAICHU_BUILD_JOBS (default: number of cores).
//
// Everything in this file and in compat/ is part of the cache key: editing it means a rebuild.
// Background, timings and the reasons for each fix: docs/media-worker.md.
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync, copyFileSync, cpSync, createWriteStream, existsSync, mkdirSync, mkdtempSync,
  readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BUILD_DIR, cachedWorkerPath, mediasoupDir, mediasoupVersion, recipeHash,
} from './worker-path.mjs';

/** Debian packages the build from source needs (kept in sync with tools/bootstrap/steps/system.mjs). */
export const BUILD_TOOLS = ['meson', 'ninja', 'pkg-config', 'c++', 'flatc'];

const PREBUILT_CONNECT_TIMEOUT_MS = 15_000; // until the response headers arrive
const PREBUILT_BODY_TIMEOUT_MS = 180_000; // for the ~10 MB tarball once it started

// ---------------------------------------------------------------------------------------------
// Subproject stubs. mediasoup's meson.build calls subproject('<name>') and then reads variables
// from it with get_variable(); meson uses an existing folder named like the wrap's `directory =`
// as-is and downloads nothing. Each stub declares those variables from Debian's pkg-config files.
// The `*_lib` / `libuv` / `libsrtp3` variables only feed `link_whole` of the optional
// libmediasoup-worker shared library (build_by_default: false, never built here): an empty list.
// Options mediasoup passes in subproject(default_options:) must exist: OPTIONS declares them.
// ---------------------------------------------------------------------------------------------
const OPTIONS = {
  'libuv.wrap': `option('build_tests', type: 'boolean', value: false)
option('build_benchmarks', type: 'boolean', value: false)
`,
  'libsrtp3.wrap': `option('crypto-library', type: 'string', value: 'openssl')
option('crypto-library-kdf', type: 'string', value: 'disabled')
option('tests', type: 'string', value: 'disabled')
`,
};
const STUBS = {
  'libuv.wrap': () => `project('libuv', 'c')
libuv_dep = dependency('libuv')
libuv = []
`,
  'openssl.wrap': () => `project('openssl', 'c')
libcrypto_dep = dependency('libcrypto')
libssl_dep = dependency('libssl')
openssl_dep = dependency('openssl')
libcrypto_lib = []
libssl_lib = []
`,
  // libsrtp 3 (versatica's fork) -> Debian's libsrtp2 2.5 plus compat/srtp.h, which maps the
  // libsrtp 3 API mediasoup calls onto libsrtp2 (fix 1, see the header). Only the link flags
  // are taken from pkg-config: its -I/usr/include/srtp2 would let <srtp.h> bypass the compat
  // header, which itself includes <srtp2/srtp.h>.
  'libsrtp3.wrap': () => `project('libsrtp3', 'c')
libsrtp3_dep = declare_dependency(
  include_directories: include_directories('include'),
  dependencies: dependency('libsrtp2').partial_dependency(link_args: true, links: true),
)
libsrtp3 = []
`,
  // ankerl::unordered_dense is not packaged by Debian: compat/ankerl/unordered_dense.h maps it
  // onto the standard containers (fix 2, see the header).
  'unordered-dense.wrap': () => `project('unordered_dense', 'cpp')
ankerl_unordered_dense_dep = declare_dependency(include_directories: include_directories('include'))
`,
  // flatc itself is found on PATH (Debian's flatbuffers-compiler) by fbs/FBS/meson.build; the
  // headers it generates match Debian's libflatbuffers-dev of the same version.
  'flatbuffers.wrap': () => `project('flatbuffers', 'cpp')
flatbuffers_dep = dependency('flatbuffers')
flatbuffers_lib = []
`,
  // Only deps/libwebrtc (the transport-cc bandwidth estimator) uses abseil, header parts mostly.
  'abseil-cpp.wrap': () => `project('abseil-cpp', 'cpp')
absl_base_dep = dependency('absl_base')
absl_strings_dep = declare_dependency(dependencies: [dependency('absl_strings'), dependency('absl_memory')])
absl_types_dep = declare_dependency(dependencies: [dependency('absl_optional'), dependency('absl_variant'), dependency('absl_span')])
absl_container_dep = declare_dependency(dependencies: [dependency('absl_flat_hash_map'), dependency('absl_inlined_vector')])
absl_container_lib = []
`,
};
// Wraps mediasoup only reads for configurations this build never uses.
const UNUSED_WRAPS = {
  'catch2.wrap': 'worker unit tests (ms_build_tests=false)',
  'wingetopt.wrap': 'Windows only',
};

// ---------------------------------------------------------------------------------------------
// Source fixes. Each is applied only where its anchor is found, so one recipe serves the versions
// that need it; a fix whose anchor is gone in a newer mediasoup is reported, not silently skipped.
// ---------------------------------------------------------------------------------------------
const SOURCE_FIXES = [
  {
    // Fix 3: crash at the first DTLS handshake with a real browser (never hit by mediasoup's own
    // Node tests, which do not do DTLS). The worker's callback on its outgoing memory BIO answers
    // 1 to every call that is not exactly BIO_CB_RETURN, but OpenSSL calls it back with
    // BIO_CB_RETURN OR-ed with the operation, so every BIO_ctrl() "returns" 1. Debian's OpenSSL
    // is built with kernel TLS, and asks BIO_get_ktls_send()/_recv() (BIO_ctrl 73/76): answered
    // 1, it believes kTLS send is on, allocates no write buffer and segfaults in do_dtls1_write().
    // Answering 0 to the two kTLS queries restores the memory BIO's own answer (no kTLS); every
    // other answer stays as upstream has it (mediasoup's prebuilt OpenSSL has no kTLS, so the
    // question never arises there).
    name: 'dtls-ktls-bio-callback',
    file: 'src/RTC/DtlsTransport.cpp',
    appliesTo: (src) => src.includes('inline static long onSslBioOut(') && src.includes('int /*argi*/,'),
    apply: (src) => replaceOnce(
      replaceOnce(src, /(inline static long onSslBioOut\([^)]*?)int \/\*argi\*\/,/s, '$1int argi,'),
      /(inline static long onSslBioOut\([^{]*\{\s*MS_TRACE\(\);\n)/s,
      `$1
	// kuaichu fix (docs/media-worker.md, fix 3): report "no kTLS" for this memory BIO. Without
	// it the line below answers 1 (operationType is BIO_CB_RETURN | BIO_CB_CTRL, never equal to
	// BIO_CB_RETURN), and an OpenSSL built with kTLS (Debian's) then crashes in do_dtls1_write().
	if (
	  (operationType & ~BIO_CB_RETURN) == BIO_CB_CTRL &&
	  (argi == BIO_CTRL_GET_KTLS_SEND || argi == BIO_CTRL_GET_KTLS_RECV))
	{
		return 0;
	}
`,
    ),
  },
];

function replaceOnce(src, re, replacement) {
  if (!re.test(src)) throw new Error(`source fix anchor not found: ${re}`);
  return src.replace(re, replacement);
}

// ---------------------------------------------------------------------------------------------

/** Ensures the cached worker exists; returns its path. */
export async function buildWorker({ force = false, prebuilt = true, keep = false, log = defaultLog } = {}) {
  const msDir = mediasoupDir();
  if (!msDir) throw new Error('mediasoup is not installed (run npm ci first)');
  const version = mediasoupVersion();
  const dest = cachedWorkerPath();
  if (!force && existsSync(dest)) {
    log(`mediasoup-worker ${version} already in cache: ${dest}`);
    return dest;
  }
  mkdirSync(path.dirname(dest), { recursive: true });
  const unlock = await lock(path.dirname(dest), log);
  try {
    if (!force && existsSync(dest)) return dest; // another process finished it meanwhile
    const t0 = Date.now();
    let source = null;
    if (prebuilt && process.env.KUAICHU_MEDIASOUP_NO_PREBUILT !== '1') {
      source = await tryPrebuilt(msDir, version, dest, log);
    }
    if (!source) source = await buildFromDebian(msDir, version, dest, { keep, log });
    const seconds = Math.round((Date.now() - t0) / 1000);
    writeFileSync(path.join(path.dirname(dest), 'build-info.json'), `${JSON.stringify({
      mediasoup: version, recipe: recipeHash(), source, seconds,
      builtAt: new Date().toISOString(), host: `${os.platform()}-${os.arch()} ${os.release()}`,
    }, null, 2)}\n`);
    log(`mediasoup-worker ${version} ready (${source}, ${seconds} s): ${dest}`);
    return dest;
  } finally {
    unlock();
  }
}

function defaultLog(msg) {
  console.log(`[mediasoup-worker] ${msg}`);
}

/** mkdir-based lock so two bootstraps started together do not build twice. */
async function lock(dir, log) {
  const lockDir = path.join(dir, '.lock');
  const deadline = Date.now() + 30 * 60_000;
  for (let warned = false; ; ) {
    try {
      mkdirSync(lockDir);
      writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
      return () => rmSync(lockDir, { recursive: true, force: true });
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      let age = 0;
      try { age = Date.now() - statSync(lockDir).mtimeMs; } catch { continue; }
      let pid = 0;
      try { pid = Number(readFileSync(path.join(lockDir, 'pid'), 'utf8')) || 0; } catch { /* being written */ }
      if (age > 30 * 60_000 || (pid && !alive(pid))) {
        rmSync(lockDir, { recursive: true, force: true }); // stale
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lockDir}`);
      if (!warned) log(`another process (pid ${pid || '?'}) is building the worker; waiting…`);
      warned = true;
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}

function alive(pid) {
  try { process.kill(pid, 0); return true; } catch (err) { return err.code === 'EPERM'; }
}

/** A worker binary run without MEDIASOUP_VERSION exits with 41 when it loads at all (main.cpp). */
function checkRuns(bin) {
  const r = spawnSync(bin, [], { env: {}, stdio: 'ignore', timeout: 10_000 });
  return r.status === 41;
}

function install(bin, dest) {
  const tmp = `${dest}.tmp-${process.pid}`;
  copyFileSync(bin, tmp);
  chmodSync(tmp, 0o755);
  renameSync(tmp, dest);
}

/** The normal path: mediasoup's prebuilt worker, as its postinstall would fetch it. */
async function tryPrebuilt(msDir, version, dest, log) {
  const pkg = JSON.parse(readFileSync(path.join(msDir, 'package.json'), 'utf8'));
  const base = process.env.MEDIASOUP_WORKER_PREBUILT_DOWNLOAD_BASE_URL
    || `${String(pkg.repository?.url ?? '').replace(/^git\+/, '').replace(/\.git$/, '')}/releases/download`;
  let name = `mediasoup-worker-${version}-${os.platform()}-${os.arch()}`;
  if (os.platform() === 'linux') name += `-kernel${Number(os.release().split('.')[0])}`;
  const url = `${base}/${version}/${name}.tgz`;
  log(`trying mediasoup's prebuilt worker: ${url}`);
  const ac = new AbortController();
  let timer = setTimeout(() => ac.abort(new Error('timed out waiting for a response')), PREBUILT_CONNECT_TIMEOUT_MS);
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'kuaichu-ms-prebuilt-'));
  try {
    const res = await fetch(url, { signal: ac.signal, redirect: 'follow' });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    clearTimeout(timer);
    timer = setTimeout(() => ac.abort(new Error('download took too long')), PREBUILT_BODY_TIMEOUT_MS);
    const tgz = path.join(scratch, 'worker.tgz');
    writeFileSync(tgz, Buffer.from(await res.arrayBuffer()));
    const x = spawnSync('tar', ['-xzf', tgz, '-C', scratch], { stdio: 'ignore' });
    const bin = path.join(scratch, 'mediasoup-worker');
    if (x.status !== 0 || !existsSync(bin)) throw new Error('unexpected archive content');
    chmodSync(bin, 0o755);
    if (!checkRuns(bin)) throw new Error('the prebuilt binary does not run on this host');
    install(bin, dest);
    return 'prebuilt';
  } catch (err) {
    const why = err?.cause?.code ?? err?.cause?.message ?? err?.message ?? String(err);
    log(`no prebuilt worker (${why}); building from Debian's libraries instead`);
    return null;
  } finally {
    clearTimeout(timer);
    rmSync(scratch, { recursive: true, force: true });
  }
}

function which(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** The fallback: build the worker from the installed sources against Debian 12's libraries. */
async function buildFromDebian(msDir, version, dest, { keep, log }) {
  const missing = BUILD_TOOLS.filter((t) => !which(t));
  if (missing.length) {
    throw new Error(`cannot build mediasoup-worker: missing ${missing.join(', ')}. As root run: `
      + 'node tools/bootstrap/index.mjs (or apt-get install the build deps listed in tools/bootstrap/steps/system.mjs)');
  }
  const scratch = mkdtempSync(path.join(os.tmpdir(), `kuaichu-ms-build-${version}-`));
  const src = path.join(scratch, 'worker');
  const logFile = path.join(scratch, 'build.log');
  let ok = false;
  try {
    // Only what the build reads: not prebuilt leftovers, not a previous out/ folder.
    cpSync(path.join(msDir, 'worker'), src, {
      recursive: true,
      filter: (p) => !/[\\/]worker[\\/](out|prebuild|pip_\w+)([\\/]|$)/.test(p),
    });
    prepareSubprojects(src, log);
    lowerMesonVersion(src);
    for (const fix of SOURCE_FIXES) {
      const file = path.join(src, fix.file);
      const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
      if (!fix.appliesTo(text)) {
        log(`source fix ${fix.name}: not applicable to mediasoup ${version} (anchor not found) — check docs/media-worker.md`);
        continue;
      }
      writeFileSync(file, fix.apply(text));
      log(`source fix ${fix.name}: applied to ${fix.file}`);
    }

    const jobs = Number(process.env.KUAICHU_BUILD_JOBS) || os.availableParallelism?.() || os.cpus().length;
    log(`building mediasoup-worker ${version} from Debian's libraries with ${jobs} jobs (several minutes; log: ${logFile})`);
    const out = createWriteStream(logFile);
    await run('meson', ['setup', 'build', '--buildtype', 'release', '-Db_ndebug=true', '--wrap-mode=nodownload'],
      { cwd: src, out, logFile });
    await run('ninja', ['-C', 'build', '-j', String(jobs), 'mediasoup-worker'], { cwd: src, out, logFile, progress: log });
    out.end();
    const bin = path.join(src, 'build', 'mediasoup-worker');
    spawnSync('strip', ['--strip-unneeded', bin], { stdio: 'ignore' });
    if (!checkRuns(bin)) throw new Error(`the built binary does not run (expected exit code 41 without MEDIASOUP_VERSION); see ${logFile}`);
    install(bin, dest);
    ok = true;
    return 'debian';
  } finally {
    if (ok && !keep) rmSync(scratch, { recursive: true, force: true });
    else log(`build folder kept: ${scratch}`);
  }
}

/** Creates, for each worker/subprojects/*.wrap, the folder its `directory =` names, with a stub. */
function prepareSubprojects(src, log) {
  const dir = path.join(src, 'subprojects');
  const compat = path.join(BUILD_DIR, 'compat');
  for (const wrap of readdirSync(dir).filter((f) => f.endsWith('.wrap')).sort()) {
    if (UNUSED_WRAPS[wrap]) continue;
    const stub = STUBS[wrap];
    if (!stub) {
      throw new Error(`mediasoup's worker has a subproject this recipe does not know: ${wrap}. `
        + 'Add a stub for it to STUBS in plugins/media-mediasoup/build/build-worker.mjs.');
    }
    const m = /^directory\s*=\s*(\S+)\s*$/m.exec(readFileSync(path.join(dir, wrap), 'utf8'));
    if (!m) throw new Error(`${wrap} has no "directory =" line`);
    const target = path.join(dir, m[1]);
    rmSync(target, { recursive: true, force: true });
    mkdirSync(target, { recursive: true });
    writeFileSync(path.join(target, 'meson.build'), stub());
    if (OPTIONS[wrap]) writeFileSync(path.join(target, 'meson_options.txt'), OPTIONS[wrap]);
    if (wrap === 'libsrtp3.wrap') {
      mkdirSync(path.join(target, 'include'));
      copyFileSync(path.join(compat, 'srtp.h'), path.join(target, 'include', 'srtp.h'));
    }
    if (wrap === 'unordered-dense.wrap') {
      mkdirSync(path.join(target, 'include', 'ankerl'), { recursive: true });
      copyFileSync(path.join(compat, 'ankerl', 'unordered_dense.h'), path.join(target, 'include', 'ankerl', 'unordered_dense.h'));
    }
  }
  log(`subprojects replaced by Debian library stubs: ${Object.keys(STUBS).map((w) => w.replace('.wrap', '')).join(', ')}`);
}

/** Debian 12's meson is 1.0.1; the worker asks for >= 1.1.0 but builds fine with 1.0. */
function lowerMesonVersion(src) {
  const file = path.join(src, 'meson.build');
  const text = readFileSync(file, 'utf8');
  writeFileSync(file, text.replace(/meson_version\s*:\s*'>=\s*1\.\d+(\.\d+)?'/, "meson_version: '>= 1.0.0'"));
}

/** Runs a command with its output going to the log file; ninja's [n/m] lines become progress. */
function run(cmd, args, { cwd, out, logFile, progress }) {
  return new Promise((resolve, reject) => {
    out.write(`\n$ ${cmd} ${args.join(' ')}\n`);
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let lastPct = -1;
    const tail = [];
    const onData = (chunk) => {
      out.write(chunk);
      for (const line of chunk.toString().split('\n')) {
        if (line.trim()) { tail.push(line); if (tail.length > 40) tail.shift(); }
        const m = /^\[(\d+)\/(\d+)\]/.exec(line);
        if (m && progress) {
          const pct = Math.floor((100 * Number(m[1])) / Number(m[2]) / 20) * 20;
          if (pct > lastPct) { lastPct = pct; if (pct > 0) progress(`  ${pct}% (${m[1]}/${m[2]})`); }
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) return resolve();
      process.stderr.write(`${tail.join('\n')}\n`);
      reject(new Error(`${cmd} ${args[0]} failed (${code ?? signal}); full log: ${logFile}`));
    });
  });
}

// CLI
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = new Set(process.argv.slice(2));
  buildWorker({ force: argv.has('--force'), prebuilt: !argv.has('--no-prebuilt'), keep: argv.has('--keep') })
    .then((p) => console.log(p))
    .catch((err) => { console.error(`[mediasoup-worker] ${err.message}`); process.exit(1); });
}
