/**
 * Issue 15: the production topology's balancer config (deploy/nginx) is valid nginx — checked by
 * Debian's nginx itself (`nginx -t`) with the host upstreams — and says
 * what docs/operations.md says: the media route hashed on the case id, /metrics not routed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from '@kuaichu/core/paths';

const deploy = path.join(repoRoot, 'deploy');
const NGINX = '/usr/sbin/nginx';

function nginxCheck(upstreams: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'kuaichu-nginx-'));
  try {
    mkdirSync(path.join(dir, 'logs'));
    // A throwaway certificate where the config expects the real one.
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=kuaichu.test',
      '-keyout', path.join(dir, 'privkey.pem'), '-out', path.join(dir, 'fullchain.pem')], { stdio: 'pipe' });
    const site = readFileSync(path.join(deploy, 'nginx/kuaichu.conf'), 'utf8')
      .replaceAll('/etc/kuaichu/tls/', `${dir}/`)
      .replace('include /etc/nginx/kuaichu-upstreams.conf;', `include ${path.join(deploy, 'nginx', upstreams)};`);
    writeFileSync(path.join(dir, 'kuaichu.conf'), site);
    writeFileSync(path.join(dir, 'nginx.conf'), `error_log ${dir}/logs/error.log;\npid ${dir}/nginx.pid;\nevents {}\nhttp {\n  access_log off;\n  client_body_temp_path ${dir}/body;\n  proxy_temp_path ${dir}/proxy;\n  include ${dir}/kuaichu.conf;\n}\n`);
    const args = ['-t', '-q', '-p', dir, '-c', path.join(dir, 'nginx.conf')];
    return execFileSync(NGINX, args, { stdio: 'pipe', encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('deploy/nginx is valid nginx, with the host upstreams', { skip: !existsSync(NGINX) && 'nginx is not installed (the bootstrap installs nginx-light for tests)' }, () => {
  assert.doesNotThrow(() => nginxCheck('kuaichu-upstreams.conf'));
});

test('the media signalling is pinned by consistent hashing on the case id; /metrics is not routed', () => {
  const site = readFileSync(path.join(deploy, 'nginx/kuaichu.conf'), 'utf8');
  const upstreams = readFileSync(path.join(deploy, 'nginx/kuaichu-upstreams.conf'), 'utf8');
  assert.match(upstreams, /upstream kuaichu_media \{\s*[^}]*hash \$kuaichu_case consistent;/);
  assert.match(site, /location ~ "\^\/api\/cases\/\(\?<kuaichu_case>\[0-9a-fA-F-\]\{36\}\)\/media\$" \{\s*proxy_pass http:\/\/kuaichu_media;/);
  assert.match(site, /location = \/metrics \{\s*return 404;/);
  // Every process is in both upstreams (any process answers HTTP; any may host rooms).
  const servers = (name: string) => [...(new RegExp(`upstream ${name} \\{([^}]*)\\}`).exec(upstreams)?.[1] ?? '').matchAll(/server (\S+)/g)].map((m) => m[1]);
  assert.deepEqual(servers('kuaichu_media'), servers('kuaichu_app'));
  assert.equal(servers('kuaichu_app').length, 3);
});

test('every proxied location passes Host and X-Forwarded-* itself (nginx does not inherit proxy_set_header into a location that sets its own)', () => {
  const site = readFileSync(path.join(deploy, 'nginx/kuaichu.conf'), 'utf8');
  // A location's block runs to its closing brace at the location's indentation (its regex has braces of its own).
  const locations = [...site.matchAll(/\n(\s*)location [^\n]*\{\n([\s\S]*?)\n\1\}/g)].map((m) => m[2]!).filter((body) => body.includes('proxy_pass'));
  assert.equal(locations.length, 3);
  for (const body of locations) {
    for (const header of ['Host', 'X-Forwarded-For', 'X-Forwarded-Proto', 'X-Forwarded-Host']) assert.match(body, new RegExp(`proxy_set_header ${header}\\s`), `${header} in ${body.trim().split('\n')[0]}`);
  }
});
