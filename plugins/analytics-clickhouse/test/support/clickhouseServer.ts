/**
 * A throwaway ClickHouse server for tests: Debian's clickhouse-server (18.16, installed by the
 * bootstrap) started on loopback from a config written to a temp folder, on free ports,
 * removed on stop. The package's own service and /etc config are not used.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '@kuaichu/testkit/net';

const BINARY = '/usr/sbin/clickhouse-server';

export interface TestClickHouse {
  url: string;
  /** An outage: the server process is stopped (SIGKILL: no goodbye to clients); its data stays. */
  down(): Promise<void>;
  /** The server started again on the same data, ports and config (resolves once it answers /ping). */
  up(): Promise<void>;
  stop(): Promise<void>;
}

export async function startClickHouse(): Promise<TestClickHouse> {
  if (!existsSync(BINARY)) throw new Error('clickhouse-server is not installed (Debian package clickhouse-server): run `npm test` as root once so the bootstrap installs it');
  const dir = mkdtempSync(path.join(tmpdir(), 'kuaichu-ch-'));
  const [http, tcp] = [await freePort(), await freePort()];
  writeFileSync(path.join(dir, 'config.xml'), `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><console>1</console></logger>
  <http_port>${http}</http_port>
  <tcp_port>${tcp}</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/user_files/</user_files_path>
  <format_schema_path>${dir}/format_schemas/</format_schema_path>
  <mark_cache_size>268435456</mark_cache_size>
  <users_config>users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mlock_executable>false</mlock_executable>
</yandex>
`);
  writeFileSync(path.join(dir, 'users.xml'), `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`);
  const url = `http://127.0.0.1:${http}`;
  let child: ChildProcess | null = null;
  const start = async () => {
    const c: ChildProcess = spawn(BINARY, [`--config-file=${path.join(dir, 'config.xml')}`], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    child = c;
    let log = '';
    c.stderr?.on('data', (d) => (log += d));
    for (let i = 0; ; i++) {
      try {
        const r = await fetch(`${url}/ping`);
        if (r.ok) break;
      } catch {
        // not listening yet
      }
      if (c.exitCode !== null || i > 150) {
        c.kill('SIGKILL');
        throw new Error(`clickhouse-server did not start:\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const end = async (signal: NodeJS.Signals) => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill(signal);
    const timer = setTimeout(() => c.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  await start();
  return {
    url,
    down: () => end('SIGKILL'),
    async up() {
      if (child) return;
      await start();
    },
    async stop() {
      await end('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
