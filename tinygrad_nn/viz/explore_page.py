"""The explorer page's fixed parts: its CSS and its JavaScript, inlined into every page.

The script reads the steps from a JSON block (`<script id="steps-data">`) and, for the chosen
position p (0 = before backward, k = step k ran), colours the graph nodes (`data-node`
attributes, added to Graphviz's SVG groups from their `<title>`), writes the step's lines
and every leaf's gradient so far. No network, no libraries: the file works offline.

Stable hooks for tests and curious readers: `#next`, `#prev`, `#slider`, `#position`,
`#step-lines > .line`, `#leaves .leaf[data-node][data-values][data-final]`,
`[data-node].running / .done / .final` in the graph.
"""

from __future__ import annotations

CSS = """
body { font-family: Helvetica, Arial, sans-serif; margin: 0; color: #222; background: #fff; }
#explorer { padding: 12px 16px; }
h1 { font-size: 18px; margin: 0 0 8px 0; }
h2 { font-size: 14px; margin: 14px 0 4px 0; }
.controls { display: flex; align-items: center; gap: 10px; margin-bottom: 10px; }
.controls button { font-size: 14px; padding: 4px 12px; cursor: pointer; }
.controls input[type=range] { flex: 1; max-width: 420px; }
#position { font-variant-numeric: tabular-nums; min-width: 9em; }
.main { display: flex; gap: 16px; align-items: flex-start; }
#graph { flex: 1 1 50%; overflow: auto; max-height: 85vh; border: 1px solid #ddd;
         padding: 6px; }
#graph svg { max-width: 100%; height: auto; }
#panel { flex: 1 1 50%; font-size: 13px; }
.line { font-family: Menlo, Consolas, monospace; white-space: pre-wrap; padding: 2px 4px; }
.line.title { font-family: Helvetica, Arial, sans-serif; font-weight: bold; font-size: 15px; }
.line.rule { background: #f3f0ff; border-left: 3px solid #7a5cff; }
.line.flow { border-left: 3px solid #e69500; }
.line.finished { color: #1b7a1b; }
.note { color: #555; font-size: 12px; margin: 4px 0; }
#leaves .leaf { font-family: Menlo, Consolas, monospace; padding: 2px 4px; }
#leaves .leaf[data-final=true] { color: #1b7a1b; font-weight: bold; }
#leaves .leaf.changed { background: #fff3c4; }
g.node.running polygon, g.node.running path, g.node.running ellipse { fill: #ffd54f; }
g.node.running polygon, g.node.running path { stroke: #c77700; stroke-width: 3; }
g.node.done { opacity: 0.5; }
g.node.final polygon, g.node.final path { stroke: #1b7a1b; stroke-width: 2.5; }
g.node.receiving polygon, g.node.receiving path { stroke: #e69500; stroke-width: 2.5; }
.rows { display: flex; flex-direction: column; gap: 14px; }
.row { display: flex; gap: 10px; flex-wrap: wrap; justify-content: center; }
.gnode { border: 1px solid #555; border-radius: 6px; padding: 4px 8px; font-size: 11px;
         background: lightgrey; }
.gnode.leafbox { background: lightblue; border-radius: 0; }
.gnode .inputs { color: #555; font-size: 10px; }
.gnode.done { opacity: 0.5; }
.gnode.running { background: #ffd54f; border: 3px solid #c77700; }
.gnode.final { border: 2.5px solid #1b7a1b; }
.gnode.receiving { border: 2.5px solid #e69500; }
.legend span { display: inline-block; padding: 1px 6px; margin-right: 6px; border: 1px solid #555; }
"""

SCRIPT = """
(function () {
  const data = JSON.parse(document.getElementById('steps-data').textContent);
  const total = data.steps.length;
  const slider = document.getElementById('slider');
  const lines = document.getElementById('step-lines');
  // Graphviz names each node's <g> by an internal id; our id is its <title>.
  document.querySelectorAll('#graph svg g.node').forEach(function (g) {
    const title = g.querySelector('title');
    if (title) g.setAttribute('data-node', title.textContent.trim());
  });
  function nodes(id) { return document.querySelectorAll('#graph [data-node="' + id + '"]'); }
  function mark(id, cls) { nodes(id).forEach(function (el) { el.classList.add(cls); }); }
  function line(text, cls, id, attrs) {
    const div = document.createElement('div');
    div.className = 'line ' + cls;
    if (id) div.id = id;
    for (const k in (attrs || {})) div.setAttribute(k, attrs[k]);
    div.textContent = text;
    lines.appendChild(div);
  }
  function showStep(p) {
    lines.textContent = '';
    if (p === 0) {
      line(data.start, 'title', 'step-title');
      return;
    }
    const s = data.steps[p - 1];
    line(s.lines[0], 'title', 'step-title');
    s.grad_in.forEach(function (g, k) {
      line(s.lines[1 + k], 'grad-in', 'grad-in-' + k, {'data-values': JSON.stringify(g)});
    });
    line(s.lines[1 + s.grad_in.length], 'rule', 'rule');
    s.flows.forEach(function (f, k) {
      line(s.lines[2 + s.grad_in.length + k], 'flow', 'flow-' + k,
           {'data-target': f.target || '', 'data-values': JSON.stringify(f.values)});
    });
    if (s.finished_ids.length) line(s.lines[s.lines.length - 1], 'finished', 'finished');
  }
  function showLeaves(p) {
    data.leaves.forEach(function (leaf) {
      const el = document.getElementById('leaf-' + leaf.node);
      let shown = leaf.empty, values = null, changed = false;
      leaf.history.forEach(function (h) {
        if (h.step <= p) { shown = h.text; values = h.values; changed = h.step === p; }
      });
      el.textContent = shown;
      el.setAttribute('data-values', JSON.stringify(values));
      el.setAttribute('data-final', String(leaf.final_at > 0 && leaf.final_at <= p));
      el.classList.toggle('changed', changed);
    });
  }
  function show(p) {
    p = Math.max(0, Math.min(total, p));
    slider.value = String(p);
    document.getElementById('position').textContent = 'step ' + p + ' of ' + total;
    document.querySelectorAll('#graph [data-node]').forEach(function (el) {
      el.classList.remove('running', 'done', 'receiving', 'final');
    });
    data.steps.forEach(function (s, i) {
      if (i + 1 < p) mark(s.node, 'done');
      if (i + 1 <= p) s.finished_ids.forEach(function (id) { mark(id, 'final'); });
    });
    if (p > 0) {
      const s = data.steps[p - 1];
      mark(s.node, 'running');
      // after the last step the pass is over: every gradient shows as final, none as arriving
      if (p < total) s.flows.forEach(function (f) { if (f.target) mark(f.target, 'receiving'); });
    }
    document.getElementById('explorer').setAttribute('data-position', String(p));
    showStep(p);
    showLeaves(p);
  }
  document.getElementById('next').addEventListener('click', function () {
    show(Number(slider.value) + 1);
  });
  document.getElementById('prev').addEventListener('click', function () {
    show(Number(slider.value) - 1);
  });
  slider.addEventListener('input', function () { show(Number(slider.value)); });
  document.addEventListener('keydown', function (e) {
    if (e.key === 'ArrowRight') show(Number(slider.value) + 1);
    if (e.key === 'ArrowLeft') show(Number(slider.value) - 1);
  });
  show(0);
})();
"""

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>{css}</style>
</head>
<body>
<div id="explorer" data-position="0" data-steps="{total}" data-graph="{mode}">
<h1>{title}</h1>
<div class="controls">
  <button id="prev" type="button">&#9664; previous step</button>
  <input id="slider" type="range" min="0" max="{total}" value="0" step="1"
         aria-label="backward step">
  <button id="next" type="button">next step &#9654;</button>
  <span id="position">step 0 of {total}</span>
</div>
<div class="main">
  <div id="graph">{note}{graph}</div>
  <div id="panel">
    <div id="step-lines"></div>
    <h2>Leaves: what backward() puts in .grad</h2>
    <div id="leaves">{leaves}</div>
    <p class="note legend"><span style="background:#ffd54f">running</span>
      <span style="background:lightgrey;opacity:0.5">already run</span>
      <span style="border:2px solid #e69500">receiving a gradient</span>
      <span style="border:2px solid #1b7a1b">gradient final</span></p>
    <p class="note">{how}</p>
  </div>
</div>
</div>
<script type="application/json" id="steps-data">{data}</script>
<script>{script}</script>
</body>
</html>
"""
