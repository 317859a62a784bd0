#!/usr/bin/env node
// `npx kuaichu …`: runs the TypeScript CLI through tsx (the project runs from source).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli.ts');
process.exitCode = await main(process.argv.slice(2));
