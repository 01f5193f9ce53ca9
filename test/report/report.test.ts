import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { iiaHeatmap, iiaVsK, lineChart, measureBars, renderReport, renderSvg, type ReportDoc } from '../../src/report/index.ts';
import { findChromium, launchChromium } from '../helpers/browser.ts';

function sampleDoc(): ReportDoc {
  return {
    title: 'Test report',
    summary: ['line one', 'line two <escaped>'],
    provenance: [['seed', '1']],
    sections: [
      {
        id: 'training',
        title: 'Training',
        blocks: [
          {
            kind: 'chart',
            spec: lineChart(
              [
                { step: 0, value: 0.1, series: 'seed 1' },
                { step: 8, value: 0.9, series: 'seed 1' },
                { step: 16, value: 1, series: 'seed 1' },
              ],
              { title: 'Validation trial accuracy', yTitle: 'trial accuracy' },
            ),
          },
        ],
      },
      {
        id: 'iia',
        title: 'IIA',
        blocks: [
          {
            kind: 'chart',
            spec: iiaHeatmap(
              [
                { source: 'A', target: 'A', iia: 0.99, lo: 0.98, hi: 1 },
                { source: 'A', target: 'B', iia: 0.95, lo: 0.93, hi: 0.97 },
                { source: 'B', target: 'A', iia: 0.9, lo: 0.88, hi: 0.92 },
                { source: 'B', target: 'B', iia: 0.97, lo: 0.96, hi: 0.98 },
              ],
              { title: 'IIA matrix' },
            ),
          },
          {
            kind: 'chart',
            spec: iiaVsK(
              [1, 2, 4, 8].map((k) => ({ k, iia: 1 - 1 / (k + 1), lo: 0.5, hi: 1, series: 'MAS' })),
              { title: 'IIA against k' },
            ),
          },
          {
            kind: 'chart',
            spec: measureBars(
              [
                { pair: 'A–B', measure: 'cka-linear', value: 0.9 },
                { pair: 'A–B', measure: 'rsa', value: 0.7 },
                { pair: 'A–B', measure: 'IIA', value: 0.95 },
              ],
              { title: 'Correlative vs causal' },
            ),
          },
          { kind: 'table', columns: ['a', 'b'], rows: [['x', 0.123456]] },
        ],
      },
    ],
  };
}

test('charts render to SVG with data marks and axis titles', async () => {
  const svg = await renderSvg(lineChart([{ step: 0, value: 0.5, series: 's' }, { step: 1, value: 0.7, series: 's' }], { title: 'T', yTitle: 'acc' }));
  assert.match(svg, /^<svg/);
  assert.match(svg, /optimizer step/);
  assert.match(svg, /acc/);
  assert.match(svg, /mark-line/);
});

test('report is self-contained: inline SVG, no scripts, no external resources, escaped text', async () => {
  const html = await renderReport(sampleDoc());
  assert.equal((html.match(/<svg/g) ?? []).length, 4);
  assert.doesNotMatch(html, /<script/i);
  assert.doesNotMatch(html, /(src|href)="https?:/i);
  assert.match(html, /line two &lt;escaped&gt;/);
  assert.match(html, /0\.1235/);
});

test('report renders in headless Chromium with every plot populated', async (t) => {
  const html = await renderReport(sampleDoc());
  const dir = mkdtempSync(join(tmpdir(), 'mas-report-'));
  const file = join(dir, 'report.html');
  writeFileSync(file, html);
  const exe = findChromium();
  if (!exe) {
    // No browser on this machine: check the same facts on the static SVG (the CI script installs Chromium).
    t.diagnostic('chromium not installed; checked the static SVG instead');
    assert.ok((html.match(/class="mark-rect role-mark/g) ?? []).length >= 1);
    return;
  }
  const browser = await launchChromium(exe);
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(`file://${file}`);
    const stats = await page.evaluate(() => {
      const charts = Array.from(document.querySelectorAll('figure.chart svg'));
      return charts.map((svg) => ({
        marks: svg.querySelectorAll('.role-mark path, .role-mark line, .role-mark text, .role-mark rect').length,
        axisTitles: Array.from(svg.querySelectorAll('.role-axis-title text')).map((e) => e.textContent ?? ''),
        width: svg.getBoundingClientRect().width,
      }));
    });
    assert.equal(stats.length, 4);
    for (const s of stats) {
      assert.ok(s.marks > 0, 'every chart draws data marks');
      assert.ok(s.width > 50, 'every chart has a visible size');
    }
    assert.ok(stats[0].axisTitles.includes('optimizer step'));
    assert.ok(stats[1].axisTitles.includes('source model') && stats[1].axisTitles.includes('target model'));
    assert.ok(stats[2].axisTitles.includes('subspace size k'));
    const png = await page.screenshot({ fullPage: true });
    writeFileSync(join(dir, 'report.png'), png);
    assert.ok(png.length > 10_000, 'screenshot is not blank');
    assert.equal(readFileSync(join(dir, 'report.png')).subarray(1, 4).toString(), 'PNG');
  } finally {
    await browser.close();
  }
});
