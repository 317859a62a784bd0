/**
 * Loaded with `--import` into the server processes of the cluster spec only: kafkajs's default
 * socket factory becomes the test's controller fix for librdkafka's mock cluster (see
 * plugins/bus-kafka/test/support/controllerFix.ts: the mock reports a controller that does not
 * exist, and kafkajs's idempotent producer would never start against it). Production code and
 * its options are untouched; a real cluster needs nothing of this.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { mockControllerFix } from '@kuaichu/plugin-bus-kafka/test/controller-fix';

const require = createRequire(path.resolve(import.meta.dirname, '../../plugins/bus-kafka/package.json'));
const file = require.resolve('kafkajs/src/network/socketFactory');
require(file);
require.cache[file]!.exports = () => mockControllerFix();
