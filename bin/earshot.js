#!/usr/bin/env node
// Entry point of the `earshot` executable: runs the compiled CLI from dist/.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../dist/src-main/cli/main.js', import.meta.url));
if (!existsSync(cli)) {
  process.stderr.write(
    'earshot: not built yet; run `npm run setup` (installs dependencies and compiles) first\n',
  );
  process.exit(1);
}
await import(cli);
