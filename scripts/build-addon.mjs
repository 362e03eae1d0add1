// npm "install" script of the root package: builds the pocketsphinx addon with the
// node-gyp that npm bundles. A machine without libpocketsphinx still installs (the
// synthetic engine works, the pocketsphinx engine reports itself unavailable), so a
// missing library is a warning; a failed build with the library present is an error.
// Run it again with `npm run install`. Set EARSHOT_SKIP_ADDON=1 to skip.
import { execFileSync, spawnSync } from 'node:child_process';

const warn = (message) => process.stderr.write(`earshot: ${message}\n`);

function pkgConfig(args) {
  try {
    return execFileSync('pkg-config', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

if (process.env.EARSHOT_SKIP_ADDON === '1') {
  warn('EARSHOT_SKIP_ADDON=1: not building the pocketsphinx addon');
  process.exit(0);
}

const version = pkgConfig(['--modversion', 'pocketsphinx']);
if (version === undefined) {
  warn('libpocketsphinx not found through pkg-config: the pocketsphinx engine will be unavailable.');
  warn(
    '  Debian/Ubuntu: apt-get install pkg-config libpocketsphinx-dev pocketsphinx-en-us; then: npm run install',
  );
  process.exit(0);
}
// The addon speaks the 0.8 / 5prealpha API (cmd_ln_init + sphinxbase); 5.0 changed it.
if (!/^(0\.|5prealpha)/.test(version)) {
  warn(
    `libpocketsphinx ${version} is not the supported 0.8/5prealpha API: the pocketsphinx engine will be unavailable.`,
  );
  process.exit(0);
}

const nodeGyp = process.env.npm_config_node_gyp;
const [command, args] = nodeGyp ? [process.execPath, [nodeGyp, 'rebuild']] : ['node-gyp', ['rebuild']];
const result = spawnSync(command, args, { stdio: 'inherit' });
if (result.error) {
  warn(`could not run node-gyp (${result.error.message}); run this script through npm: npm run install`);
  process.exit(1);
}
process.exit(result.status ?? 1);
