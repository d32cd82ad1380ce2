import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkImport } from './scripts/layers.mjs';

const root = path.dirname(fileURLToPath(import.meta.url));

/** Every import, export-from, dynamic import(), require() and import-type checked against the layer table. */
const allowedImports = {
  meta: {
    type: 'problem',
    schema: [],
    docs: { description: 'imports follow the layer table in docs/architecture.md' },
  },
  create(context) {
    const file = context.filename;
    const check = (node, source, typeOnly) => {
      if (!source || typeof source.value !== 'string') return;
      const why = checkImport(root, file, source.value, typeOnly);
      if (why) context.report({ node, message: why });
    };
    return {
      ImportDeclaration: (n) =>
        check(
          n,
          n.source,
          n.importKind === 'type' || (n.specifiers.length > 0 && n.specifiers.every((s) => s.importKind === 'type')),
        ),
      ExportNamedDeclaration: (n) => n.source && check(n, n.source, n.exportKind === 'type'),
      ExportAllDeclaration: (n) => check(n, n.source, n.exportKind === 'type'),
      ImportExpression: (n) => check(n, n.source, false),
      TSImportType: (n) => check(n, n.argument?.literal ?? n.source ?? n.argument, true),
      TSExternalModuleReference: (n) => check(n, n.expression, false),
      CallExpression: (n) =>
        n.callee.type === 'Identifier' && n.callee.name === 'require' && check(n, n.arguments[0], false),
    };
  },
};

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      '.vscode-test/**',
      'test-results/**',
      '.tsbuild/**',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { layers: { rules: { 'allowed-imports': allowedImports } } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
      'layers/allowed-imports': 'error',
    },
  },
);
