/** `bus-kafka`: the production event bus (chosen by `KAFKA_BROKERS`; see README.md). */
import type { BusPlugin } from '@kuaichu/core/events';
import { createKafkaBus } from './kafkaBus.ts';
import { kafkaOptionsFromEnv } from './options.ts';

export { createKafkaBus } from './kafkaBus.ts';
export { kafkaOptionsFromEnv, type KafkaBusOptions } from './options.ts';

const plugin: BusPlugin = {
  name: 'bus-kafka',
  port: 'bus',
  create: ({ env, log }) => createKafkaBus(kafkaOptionsFromEnv(env), log),
};
export default plugin;
