#!/usr/bin/python3
"""Parity check, PyTorch side: run runs/pytorch/gru-s{1,2} (reloaded from model.safetensors) free-running
in eval mode on 500 fresh sequences per seed (counts 1-20), and write the sequences, the mean
cross-entropy over non-P labels and per-trial correctness to runs/pytorch/parity.json.
Then `node --import tsx scripts/pytorch/parity_mas.ts` compares our library on the same sequences.
Run from the repository root: /usr/bin/python3 scripts/pytorch/parity_torch.py
"""
import sys, json, struct, numpy as np, torch
sys.path.insert(0, "scripts/pytorch")
import train_gru as tg
torch.set_num_threads(1)
def load(path):
    """Read an F32 safetensors file into a dict of torch tensors."""
    b = open(path, "rb").read(); n = struct.unpack("<Q", b[:8])[0]; h = json.loads(b[8:8+n]); out = {}
    for k, v in h.items():
        if k == "__metadata__": continue
        s, e = v["data_offsets"]; out[k] = torch.from_numpy(np.frombuffer(b[8+n+s:8+n+e], "<f4").reshape(v["shape"]).copy())
    return out
res = {}
for s in (1, 2):
    m = tg.GRUModel(); t = load(f"runs/pytorch/gru-s{s}/model.safetensors")
    with torch.no_grad():
        for k, p in m.mas_tensors().items(): p.copy_(t[k])
    rng = np.random.RandomState(99 + s)
    trials = tg.make_trials(rng, 500, list(range(1, 21)))
    inp, lab, im, lm = tg.to_batch(trials); m.eval()
    with torch.no_grad():
        lg, pr = m(inp, im)
        valid = lab != 0
        loss = torch.nn.functional.cross_entropy(lg[valid].double(), lab[valid]).item()
    correct = (~((pr != lab) & lm).any(1)).tolist()
    res[s] = {"trials": [[tg.VOCAB[i] for i in x] for x in trials], "loss": loss, "correct": correct}
json.dump(res, open("runs/pytorch/parity.json", "w"))
print({s: (r["loss"], sum(r["correct"])) for s, r in res.items()})
