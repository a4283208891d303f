// Prints, as JSON, the command, arguments and environment with which an MCP
// host starts the bundle unpacked in DIR for the given user settings. It asks
// the mcpb library's own getMcpConfigForManifest, which resolves
// ${__dirname}, ${user_config.*} and platform_overrides as hosts do, so the
// bundle test starts the server exactly as the manifest tells a host to.
//
//   node release/mcpb/launch.mjs DIR '{"sandbox": true}'
import { readFileSync } from 'node:fs';
import { getMcpConfigForManifest } from '@anthropic-ai/mcpb';

const [dir, settings] = process.argv.slice(2);
const manifest = JSON.parse(readFileSync(`${dir}/manifest.json`, 'utf8'));
const config = await getMcpConfigForManifest({
  manifest,
  extensionPath: dir,
  systemDirs: {},
  userConfig: JSON.parse(settings ?? '{}'),
  pathSeparator: '/',
});
console.log(JSON.stringify(config ?? null));
