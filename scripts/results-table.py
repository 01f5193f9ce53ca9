"""Print a markdown table row for each finished `mas align` run folder given on the command line
(IIA per direction with 95% bootstrap CIs, task-accuracy ceiling, k = 0 floor, steps, ms/step)."""
import json, sys

for d in sys.argv[1:]:
    try:
        r = json.load(open(f"{d}/result.json"))
    except FileNotFoundError:
        print(f"| `{d}` | not finished | | | | |")
        continue
    n = len(r["iia"])
    cells = []
    for s in range(n):
        for t in range(n):
            lo, hi = r["iia_ci"][s][t]
            cells.append(f"{s}→{t} **{r['iia'][s][t]:.3f}** [{lo:.3f}, {hi:.3f}]")
    floor = ", ".join(f"{x:.3f}" for row in r["k0_iia"] for x in row)
    ceil = ", ".join(f"{x:.3f}" for x in r["task_accuracy"])
    var = ",".join(r.get("variables", [])) or "?"
    print(f"| {r['method']} ({var}) | {r['subspace']} | {'<br>'.join(cells)} | {ceil} | {floor} | {r['steps']} ({r['stop_reason']}), {r['ms_per_step']:.0f} ms |")
