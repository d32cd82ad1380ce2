import fs from 'node:fs';
import path from 'node:path';
import { analyze } from '../../server/src/core/study';
import { catalogue } from '../../server/src/core/laws';
import { runFit } from '../../server/src/fitRunner';
import { plotModel } from '../../server/src/plotModel';
import { isPlotModel, availableViews } from '../../protocol/plot';
import {
  buildBundle,
  startServer,
  launchBrowser,
  openPanel,
  sendUpdate,
  screenshot,
  reportHtml,
  watchPage,
} from './harness';
(async () => {
  const file = path.resolve(process.argv[2] ?? 'examples/chinchilla.scaling');
  const analysis = analyze(fs.readFileSync(file, 'utf8'), { studyPath: file, catalogue });
  let t = Date.now();
  const { results } = await runFit(analysis, file);
  console.log('fit', Date.now() - t, 'ms');
  t = Date.now();
  const model = plotModel(analysis, results, file);
  console.log(
    'plotModel',
    Date.now() - t,
    'ms',
    isPlotModel(model),
    availableViews(model),
    JSON.stringify(model).length,
  );
  console.log(
    model.laws.map((l) => [
      l.name,
      l.curves.length,
      l.curves.map((c) => c.along + (c.points.lo ? '+band' : '')).join(' '),
    ]),
  );
  console.log(
    'isoflops',
    model.isoflops.map((i) => [
      i.name,
      i.budgets.length,
      i.budgets.map((b) => b.runs.labels.length).join(','),
      i.frontier.length,
    ]),
  );
  console.log('preds', JSON.stringify(model.predictions), 'optima', JSON.stringify(model.optima));
  await buildBundle();
  const server = await startServer();
  const b = await launchBrowser('real');
  const page = await openPanel(b.context, server.origin);
  const problems = watchPage(page);
  await sendUpdate(page, model);
  for (const v of availableViews(model)) {
    await sendUpdate(page, model, { view: { view: v } });
    await screenshot(page, `real-${v}`);
  }
  server.setPage('/r.html', reportHtml(model, model.title));
  const p2 = await b.context.newPage();
  await p2.goto(server.origin + '/r.html');
  await p2.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('rendered'));
  await screenshot(p2, 'real-report');
  console.log('problems', problems);
  await b.close();
  await server.close();
})();
