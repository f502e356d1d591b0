#!/usr/bin/env node
// Entry point of the `billing-agent` command: loads the TypeScript sources through tsx.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
// Exit explicitly: a stopped daemon must not linger on an idle keep-alive socket.
process.exit(await main(process.argv.slice(2)));
