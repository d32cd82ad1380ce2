// Lists exports that nothing outside their own module uses: `node scripts/unused-exports.mjs`.
// Runs the TypeScript language service's findReferences over the tsconfig program (sources, tests
// and bench), and greps the .mjs scripts and benches for the names too. Prints one line per export,
// "(unused)" when even its own module does not use it; exit code 1 when any is found outside ALLOWED.
// Takes ~30 s, so it is a tool to run after a refactor, not a lint stage.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ts = createRequire(import.meta.url)('typescript');

/** Exports used from outside the program: VS Code calls activate/deactivate; other extensions read the API type. */
const ALLOWED = new Set([
  'client/src/extension.ts:activate',
  'client/src/extension.ts:deactivate',
  'client/src/extension.ts:ScalingStudioApi',
]);

const config = ts.getParsedCommandLineOfConfigFile(
  path.join(root, 'tsconfig.json'),
  {},
  {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  },
);
const service = ts.createLanguageService({
  getScriptFileNames: () => config.fileNames,
  getScriptVersion: () => '0',
  getScriptSnapshot: (f) => (existsSync(f) ? ts.ScriptSnapshot.fromString(readFileSync(f, 'utf8')) : undefined),
  getCurrentDirectory: () => root,
  getCompilationSettings: () => config.options,
  getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
  fileExists: ts.sys.fileExists,
  readFile: ts.sys.readFile,
  readDirectory: ts.sys.readDirectory,
  directoryExists: ts.sys.directoryExists,
  getDirectories: ts.sys.getDirectories,
});

const plainJs = ['scripts', 'bench']
  .flatMap((dir) =>
    readdirSync(path.join(root, dir), { recursive: true })
      .filter((f) => /\.[cm]?js$/.test(f))
      .map((f) => readFileSync(path.join(root, dir, f), 'utf8')),
  )
  .join('\n');

let found = 0;
for (const source of service.getProgram().getSourceFiles()) {
  const file = path.relative(root, source.fileName);
  if (!/^(server|client|webview|protocol)\//.test(file)) continue;
  for (const statement of source.statements) {
    const modifiers = ts.canHaveModifiers(statement) ? ts.getModifiers(statement) : undefined;
    if (!modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) continue;
    const names = ts.isVariableStatement(statement)
      ? statement.declarationList.declarations.map((d) => d.name)
      : statement.name
        ? [statement.name]
        : [];
    for (const name of names) {
      let outside = 0;
      let inside = 0;
      for (const symbol of service.findReferences(source.fileName, name.getStart()) ?? [])
        for (const ref of symbol.references) {
          if (ref.fileName !== source.fileName) outside++;
          else if (!ref.isDefinition) inside++;
        }
      const text = name.getText();
      if (outside > 0 || ALLOWED.has(`${file}:${text}`) || new RegExp(`\\b${text}\\b`).test(plainJs)) continue;
      const line = source.getLineAndCharacterOfPosition(name.getStart()).line + 1;
      console.log(`${file}:${line} ${text}${inside > 0 ? '' : ' (unused)'}`);
      found++;
    }
  }
}
console.log(found === 0 ? 'no unused exports' : `${found} export(s) nothing outside their module uses`);
process.exit(found === 0 ? 0 : 1);
