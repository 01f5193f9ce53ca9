/// <reference lib="dom" />
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../src/errors.ts';
import { demoStages, demoSettings, runDemo } from '../../src/experiments/demo.ts';
import { findChromium, launchChromium } from '../helpers/browser.ts';

/** Axis titles every chart must show, by chart title. */
function expectedAxes(title: string): string[] {
  if (title === 'Validation trial accuracy') return ['optimizer step', 'trial accuracy'];
  if (title === 'Validation loss') return ['optimizer step', 'mean cross-entropy'];
  if (title.endsWith(': validation IIA')) return ['optimizer step', 'IIA'];
  if (title.endsWith(': IIA')) return ['target model', 'source model'];
  if (title.startsWith('IIA against k')) return ['subspace size k', 'validation IIA'];
  if (title === 'Correlative similarity beside IIA') return ['value (1 = identical)'];
  throw new Error(`unexpected chart '${title}'`);
}

test('mas demo --quick: end to end, report renders in Chromium with every plot populated, resumes, refuses a changed config', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'mas-demo-'));
  const out = join(root, 'demo');
  const settings = demoSettings(true);
  const nStages = demoStages(settings).length;

  const r1 = await runDemo({ out, quick: true, jobs: 2, quiet: true });
  assert.equal(r1.summary.length, 5, 'five summary lines');
  assert.match(r1.summary[0], /^Task accuracy/);
  assert.match(r1.summary[1], /^MAS \(variable full\) cross-model IIA at k = 8: \d\.\d{3} \(0→1\)/);
  assert.match(r1.summary[2], /^Rank-2 stitching IIA \(0→1, variable full\): \d\.\d{3}, against MAS at k = 2: \d\.\d{3}\.$/);
  assert.match(r1.summary[4], /CKA \d\.\d{3}/);
  assert.equal(r1.outcomes.size, nStages);
  for (const o of r1.outcomes.values()) assert.equal(o.status, 'done', o.stage.id);
  for (const id of ['models/gru-12345/model.safetensors', 'align/mas-k8/result.json', 'align/stitch-r2/metrics.csv', 'similarity/gru-12345_gru-23456-embedding/similarity.json']) {
    assert.ok(existsSync(join(out, id)), id);
  }
  const html = readFileSync(r1.report, 'utf8');
  assert.doesNotMatch(html, /<script/i);
  assert.doesNotMatch(html, /(src|href)="https?:/i);
  for (const line of r1.summary) assert.ok(html.includes(line.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')), 'summary in the report');

  // Resume: nothing reruns, same summary.
  const r2 = await runDemo({ out, quick: true, jobs: 2, quiet: true });
  for (const o of r2.outcomes.values()) assert.equal(o.status, 'skipped', o.stage.id);
  assert.deepEqual(r2.summary, r1.summary);

  // An interrupted stage (marker gone, partial outputs kept) is redone; the others are skipped.
  rmSync(join(out, 'similarity/gru-12345_gru-23456-layer.0/stage.json'));
  const r3 = await runDemo({ out, quick: true, jobs: 1, quiet: true });
  assert.deepEqual([...r3.outcomes.values()].filter((o) => o.status === 'done').map((o) => o.stage.id), ['similarity/gru-12345_gru-23456-layer.0']);
  assert.deepEqual(r3.summary, r1.summary, 'a redone stage gives the same numbers');

  // Another configuration in the same folder is refused before anything runs.
  await assert.rejects(runDemo({ out, quick: false, quiet: true }), (e: unknown) => e instanceof InputError && /different configuration/.test(e.message) && /--fresh/.test(e.message));

  // The report in headless Chromium: every chart has data marks and its axis titles.
  const exe = findChromium();
  if (!exe) {
    t.diagnostic('chromium not installed; checked the static SVG instead');
    assert.ok((html.match(/class="mark-rect role-mark/g) ?? []).length >= 8);
    return;
  }
  const browser = await launchChromium(exe);
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const requests: string[] = [];
    page.on('request', (req) => {
      if (!req.url().startsWith('file:')) requests.push(req.url());
    });
    await page.goto(`file://${r1.report}`);
    // (No named helper functions inside evaluate: the tsx transform would reference its __name helper.)
    const charts = await page.evaluate(() =>
      Array.from(document.querySelectorAll('figure.chart svg')).map((svg) => ({
        title: Array.from(svg.querySelectorAll('.role-title-text text, .role-title text')).map((e) => e.textContent ?? '').join(' ').trim(),
        axisTitles: Array.from(svg.querySelectorAll('.role-axis-title text')).map((e) => e.textContent ?? ''),
        rects: svg.querySelectorAll('.mark-rect.role-mark path').length,
        lines: svg.querySelectorAll('.mark-line.role-mark path').length,
        symbols: svg.querySelectorAll('.mark-symbol.role-mark path').length,
        width: svg.getBoundingClientRect().width,
        height: svg.getBoundingClientRect().height,
      })),
    );
    const nAlign = demoStages(settings).filter((s) => s.job.kind === 'align').length;
    // Models: 2 curves; each alignment: heatmap + IIA curve; IIA against k; similarity bars.
    assert.equal(charts.length, 2 + 2 * nAlign + 1 + 1, charts.map((c) => c.title).join(' | '));
    for (const c of charts) {
      for (const a of expectedAxes(c.title)) assert.ok(c.axisTitles.includes(a), `'${c.title}' shows axis title '${a}' (has ${c.axisTitles.join(', ')})`);
      assert.ok(c.width > 100 && c.height > 100, `'${c.title}' is visible`);
      if (c.title.endsWith(': IIA')) {
        const n = c.title.startsWith('das') ? 1 : 4;
        assert.equal(c.rects, n, `'${c.title}' draws one cell per direction`);
      } else if (c.title.startsWith('Correlative')) {
        // 4 measures × 2 layers, plus MAS IIA beside layer.0.
        assert.equal(c.rects, 2 * settings.similarity.measures.length + 1, 'one bar per (pair, measure)');
      } else {
        assert.ok(c.lines >= 1 && c.symbols >= 2, `'${c.title}' draws lines with points`);
      }
    }
    const kChart = charts.find((c) => c.title.startsWith('IIA against k'))!;
    assert.match(kChart.title, /variable full$/);
    // MAS 0→1, 1→0 and within-model mean at every k, DAS at its k, stitching at its rank.
    assert.equal(kChart.symbols, 3 * settings.masKs.length + 2, 'one point per k and series');
    assert.deepEqual(requests, [], 'the report fetches nothing');
    const png = await page.screenshot({ fullPage: true });
    const shot = join(root, 'report.png');
    writeFileSync(shot, png);
    t.diagnostic(`screenshot: ${shot}`);
    assert.equal(png.subarray(1, 4).toString(), 'PNG');
    assert.ok(png.length > 50_000, 'screenshot is not blank');
  } finally {
    await browser.close();
  }
});
