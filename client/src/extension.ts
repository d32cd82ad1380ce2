// Scaling Studio's VS Code client: starts the language server (dist/server.js over IPC) for
// `scaling` documents and forwards data-file changes so diagnostics follow the CSVs on disk.
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  LanguageClient,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('Scaling Studio', { log: true });
  context.subscriptions.push(output);
  const serverModule = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: {
      module: serverModule,
      transport: TransportKind.ipc,
      options: { execArgv: ['--nolazy', '--inspect=6019'] },
    },
  };
  const dataWatcher = vscode.workspace.createFileSystemWatcher('**/*.{csv,tsv,jsonl}');
  context.subscriptions.push(dataWatcher);
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'scaling' },
      { scheme: 'untitled', language: 'scaling' },
    ],
    synchronize: { fileEvents: dataWatcher, configurationSection: 'scalingStudio' },
    outputChannel: output,
  };
  client = new LanguageClient('scalingStudio', 'Scaling Studio', serverOptions, clientOptions);
  await client.start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
