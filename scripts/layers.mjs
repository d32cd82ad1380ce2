// The layers and what each may import: the one table that eslint (eslint.config.mjs, rule
// layers/allowed-imports), the architecture test and docs/architecture.md all follow.
import { builtinModules } from 'node:module';
import path from 'node:path';

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
/** Node built-ins that touch the file system, processes or the network: the core's host does those. */
const IO_BUILTINS = ['fs', 'fs/promises', 'child_process', 'net', 'http', 'https', 'http2', 'dgram', 'tls', 'cluster'];
const isIoBuiltin = (s) => IO_BUILTINS.includes(s.replace(/^node:/, ''));

/** Order matters: the first layer whose folder holds a file is its layer. */
export const LAYERS = [
  {
    name: 'core',
    dir: 'server/src/core/',
    may: ['core'],
    text: 'itself, its pure libraries (csv-parse, picomatch, hyparquet, hyparquet-compressors), node built-ins other than file system, process and network',
    // hyparquet and its compressors decode Parquet from bytes the host read: pure JavaScript, no I/O.
    packageAllowed: (s) =>
      /^(csv-parse|picomatch|hyparquet|hyparquet-compressors)(\/|$)/.test(s) || (BUILTINS.has(s) && !isIoBuiltin(s)),
  },
  {
    name: 'protocol',
    dir: 'protocol/',
    may: ['protocol'],
    typeOnly: ['core'],
    text: "itself, vscode-jsonrpc's message types, and type-only imports of the core's result types",
    packageAllowed: (s) => s === 'vscode-jsonrpc',
  },
  {
    name: 'presentation',
    dir: 'server/src/present/',
    may: ['presentation', 'core', 'protocol'],
    text: 'the core and protocol (and node built-ins other than file system, process and network)',
    packageAllowed: (s) => BUILTINS.has(s) && !isIoBuiltin(s),
  },
  {
    name: 'lsp',
    dir: 'server/src/lsp/',
    may: ['lsp', 'core', 'presentation', 'protocol'],
    text: 'the core, the presentation module and protocol (and vscode-languageserver, node built-ins)',
    packageAllowed: (s) => /^vscode-languageserver/.test(s) || BUILTINS.has(s),
  },
  {
    name: 'server',
    dir: 'server/src/',
    may: ['server', 'lsp', 'presentation', 'core', 'protocol'],
    text: 'anything in the server, and protocol',
    packageAllowed: () => true,
  },
  {
    name: 'client',
    dir: 'client/src/',
    may: ['client', 'protocol'],
    text: 'protocol, vscode and the language client (and node built-ins)',
    packageAllowed: (s) => s === 'vscode' || /^vscode-languageclient/.test(s) || BUILTINS.has(s),
  },
  {
    name: 'webview',
    dir: 'webview/src/',
    may: ['webview', 'protocol'],
    text: 'protocol and chart.js',
    packageAllowed: (s) => /^chart\.js(\/|$)/.test(s),
  },
];

/** The layer of a file (path relative to the repository root, '/' separators), or undefined (tests, scripts). */
export function layerOf(relPath) {
  return LAYERS.find((l) => relPath.startsWith(l.dir));
}

/**
 * Why `fromFile` may not import `specifier`, or undefined when it may. `root` is the repository root,
 * `typeOnly` whether the import brings only types (it still counts, but protocol may take core types).
 */
export function checkImport(root, fromFile, specifier, typeOnly) {
  const rel = path.relative(root, fromFile).split(path.sep).join('/');
  const layer = layerOf(rel);
  if (!layer) return undefined;
  const rule = `layer rule '${layer.name}' (docs/architecture.md): ${layer.dir} may import ${layer.text}`;
  if (!specifier.startsWith('.')) {
    return layer.packageAllowed(specifier) ? undefined : `${rule}; '${specifier}' is not one of them`;
  }
  const target = path
    .relative(root, path.resolve(path.dirname(fromFile), specifier))
    .split(path.sep)
    .join('/');
  const to = layerOf(target.endsWith('.ts') ? target : `${target}.ts`) ?? layerOf(`${target}/`);
  if (!to) return `${rule}; '${specifier}' is outside every layer`;
  if (layer.may.includes(to.name)) return undefined;
  if (typeOnly && layer.typeOnly?.includes(to.name)) return undefined;
  return `${rule}; '${specifier}' is in the ${to.name} layer${layer.typeOnly?.includes(to.name) ? ' (type-only imports of it are allowed)' : ''}`;
}
