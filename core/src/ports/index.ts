export type * from './sms.ts';
export type * from './registry.ts';
export type * from './recognition.ts';
export type * from './insurer.ts';
export type * from './dispatch.ts';
export type * from './channel.ts';
export type * from './files.ts';
export { definePlugin, type KuaichuPlugin, type PluginContext, type PortMap, type PortName } from './plugin.ts';
