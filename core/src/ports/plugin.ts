/**
 * How a plugin plugs in. A plugin package's default export is a KuaichuPlugin: its name
 * (= the city profile's `integrations[].plugin`, and the file schemas/plugins/<name>.schema.json
 * that validated its options), the port it implements, and a factory.
 */
import type { Clock } from '../clock.ts';
import type { ChannelPort } from './channel.ts';
import type { DispatchPort } from './dispatch.ts';
import type { InsurerPort } from './insurer.ts';
import type { ProgressPort } from './progress.ts';
import type { FacePort, OcrPort } from './recognition.ts';
import type { RegistryPort } from './registry.ts';
import type { SmsPort } from './sms.ts';

export interface PortMap {
  sms: SmsPort;
  registry: RegistryPort;
  ocr: OcrPort;
  face: FacePort;
  insurer: InsurerPort;
  dispatch: DispatchPort;
  channel: ChannelPort;
  progress: ProgressPort;
}

export type PortName = keyof PortMap;

export interface PluginContext {
  tenant: string;
  /** Environment variables (secrets come only from here). */
  env: Readonly<Record<string, string | undefined>>;
  log: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void };
  /** The server's clock: development drivers stamp and decide by it, so a test-set time shows in what they record. */
  clock?: Clock;
}

export interface KuaichuPlugin<P extends PortName = PortName> {
  name: string;
  port: P;
  /** Options were already validated against schemas/plugins/<name>.schema.json. */
  create(options: Record<string, unknown>, ctx: PluginContext): PortMap[P] | Promise<PortMap[P]>;
}

export function definePlugin<P extends PortName>(plugin: KuaichuPlugin<P>): KuaichuPlugin<P> {
  return plugin;
}
