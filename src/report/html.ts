/**
 * A self-contained HTML report: inline CSS, inline SVG charts, tables and provenance. Opening it
 * needs no network and no script.
 */
import { renderSvg, type ChartSpec } from './render.ts';

/** A block of report content. */
export type Block =
  | { kind: 'text'; text: string }
  | { kind: 'chart'; spec: ChartSpec; caption?: string }
  | { kind: 'table'; columns: string[]; rows: (string | number)[][]; caption?: string }
  | { kind: 'kv'; entries: [string, string | number][]; caption?: string }
  | { kind: 'html'; html: string };

/** A titled section of the report. */
export interface Section {
  id: string;
  title: string;
  blocks: Block[];
}

/** The whole report. */
export interface ReportDoc {
  title: string;
  subtitle?: string;
  /** Five-line (or so) summary shown at the top. */
  summary: string[];
  sections: Section[];
  /** Provenance: configuration and versions. */
  provenance: [string, string][];
}

/** Escape text for HTML. */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function fmtCell(v: string | number): string {
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return String(v);
    return Math.abs(v) >= 1000 || Math.abs(v) < 1e-3 ? v.toExponential(3) : v.toFixed(4);
  }
  return esc(v);
}

async function renderBlock(b: Block): Promise<string> {
  switch (b.kind) {
    case 'text':
      return `<p>${esc(b.text)}</p>`;
    case 'html':
      return b.html;
    case 'chart': {
      const svg = await renderSvg(b.spec);
      return `<figure class="chart">${svg}${b.caption ? `<figcaption>${esc(b.caption)}</figcaption>` : ''}</figure>`;
    }
    case 'table': {
      const head = b.columns.map((c) => `<th>${esc(c)}</th>`).join('');
      const body = b.rows.map((r) => `<tr>${r.map((c) => `<td>${fmtCell(c)}</td>`).join('')}</tr>`).join('\n');
      return `<figure class="table"><table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>${b.caption ? `<figcaption>${esc(b.caption)}</figcaption>` : ''}</figure>`;
    }
    case 'kv': {
      const body = b.entries.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${fmtCell(v)}</td></tr>`).join('\n');
      return `<figure class="table"><table class="kv">${body}</table>${b.caption ? `<figcaption>${esc(b.caption)}</figcaption>` : ''}</figure>`;
    }
  }
}

const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:0;color:#1d2330;background:#fafbfc}
main{max-width:1100px;margin:0 auto;padding:24px 28px 64px}
h1{font-size:1.7em;margin:.2em 0}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #dde2ea;padding-bottom:.3em}
.subtitle{color:#5a6375;margin-top:0}
.summary{background:#fff;border:1px solid #dde2ea;border-left:4px solid #3b6fd8;padding:10px 16px;border-radius:4px}
.summary li{margin:.25em 0}
nav a{margin-right:1em;color:#3b6fd8;text-decoration:none}
.grid{display:flex;flex-wrap:wrap;gap:18px;align-items:flex-start}
figure{margin:12px 0;background:#fff;border:1px solid #e4e8ef;border-radius:4px;padding:10px}
figcaption{font-size:.85em;color:#5a6375;margin-top:6px;max-width:440px}
table{border-collapse:collapse;font-size:.88em}th,td{padding:4px 10px;border-bottom:1px solid #eef1f5;text-align:right}
th{background:#f3f5f9;text-align:left}table.kv th{font-weight:600;background:none}td:first-child{text-align:left}
`;

/** Render the report to one self-contained HTML string. */
export async function renderReport(doc: ReportDoc): Promise<string> {
  const nav = doc.sections.map((s) => `<a href="#${esc(s.id)}">${esc(s.title)}</a>`).join('');
  const sections: string[] = [];
  for (const s of doc.sections) {
    const blocks: string[] = [];
    for (const b of s.blocks) blocks.push(await renderBlock(b));
    sections.push(`<section id="${esc(s.id)}"><h2>${esc(s.title)}</h2><div class="grid">${blocks.join('\n')}</div></section>`);
  }
  const prov = doc.provenance.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(doc.title)}</title><style>${CSS}</style></head>
<body><main>
<h1>${esc(doc.title)}</h1>${doc.subtitle ? `<p class="subtitle">${esc(doc.subtitle)}</p>` : ''}
<div class="summary"><ul>${doc.summary.map((l) => `<li>${esc(l)}</li>`).join('')}</ul></div>
<nav>${nav}<a href="#provenance">Configuration and versions</a></nav>
${sections.join('\n')}
<section id="provenance"><h2>Configuration and versions</h2><figure class="table"><table class="kv">${prov}</table></figure></section>
</main></body></html>
`;
}
