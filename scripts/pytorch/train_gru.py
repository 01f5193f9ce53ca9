#!/usr/bin/python3
"""Train a multi-object GRU in PyTorch and export it as a mas model folder (models.md §6.5).

The model is exactly models.md §2/§4: nn.Embedding(8, 128) → nn.GRUCell(128, 128) → decoder
Linear(128, 512) → exact GELU → Dropout(0.5) → Linear(512, 8), PyTorch default initialization.
Training follows models.md §7: 1,000 multi-object sequences (counts 1–20 without the hold-outs
{4, 9, 14, 17}, tasks.md §5.2), 500 validation sequences, Adam lr_max 5e-4 with 100 warm-up steps
then decay ∝ k^-0.25, batch 128 reshuffled every epoch (last partial batch kept), mean
cross-entropy over every non-P label, and free-running response phase in training and evaluation
(models.md §1.3: every response-phase input is the model's own argmax at the previous position).
Validation (eval mode, free-running) runs after every 5th epoch; training stops once validation
trial accuracy reaches --target (0.99) or after --max-steps (800). The best validation checkpoint
is exported: model.safetensors under the names of models.md §6.2 (float32) and a short
config.json with only the required fields; training.csv holds the validation log.

Usage (Debian's python with torch 1.13, CPU):
  /usr/bin/python3 scripts/pytorch/train_gru.py --seed 1 --out runs/pytorch/gru-s1
"""
import argparse
import csv
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../test/fixtures/models"))
from make_models import RnnModel, save_safetensors  # noqa: E402  (the fixture generator's model and writer)

torch.set_default_dtype(torch.float32)  # make_models switches the default to float64 on import

VOCAB = ["P", "B", "E", "D0", "D1", "D2", "R", "T"]  # tasks.md §2, multi-object
P, B, E, D0, R, T = 0, 1, 2, 3, 6, 7
HOLD_OUTS = {4, 9, 14, 17}


# ---------------------------------------------------------------- data (tasks.md §3, §5)
def make_trials(rng, n, counts):
    """n multi-object trials `B x_1..x_N T R^N E` with N uniform over `counts`, demo tokens uniform over D0/D1/D2."""
    out = []
    for _ in range(n):
        N = int(rng.choice(counts))
        demo = (D0 + rng.randint(0, 3, size=N)).tolist()
        out.append([B] + demo + [T] + [R] * N + [E])
    return out


def to_batch(trials):
    """Right-pad with P; return inputs, labels, input task mask, label task mask ([B, L-1] each)."""
    L = max(len(s) for s in trials)
    seq = torch.full((len(trials), L), P, dtype=torch.long)
    mask = torch.zeros((len(trials), L), dtype=torch.bool)
    for i, s in enumerate(trials):
        seq[i, : len(s)] = torch.tensor(s)
        t_pos = s.index(T)
        mask[i, t_pos + 1 : len(s)] = True  # response tokens and the final E
    return seq[:, :-1], seq[:, 1:], mask[:, :-1], mask[:, 1:]


# ---------------------------------------------------------------- model (models.md §2, §4)
class GRUModel(RnnModel):
    """The fixture generator's GRU (models.md §2, §4 layout and tensor names) plus decoder dropout and a
    free-running forward for training."""

    def __init__(self, V=8, E_=128, H=128, D=512, p=0.5):
        super().__init__("gru", V, E_, H, D)
        self.drop = nn.Dropout(p)

    def forward(self, inp, in_mask):
        """Free-running run (models.md §1.3): logits [B, L, V] and predictions [B, L]."""
        Bn, L = inp.shape
        h = inp.new_zeros((Bn, self.H), dtype=torch.float32)
        carry = (inp == P) | (inp == E)  # given P or E: state carried over, outputs ignored
        logits, preds, prev = [], [], None
        for t in range(L):
            tok = inp[:, t]
            if t > 0:
                tok = torch.where(in_mask[:, t], prev, tok)  # response phase: own previous argmax
            h = torch.where(carry[:, t, None], h, self.cell(self.embedding(tok), h))
            lg = self.dec_out(self.drop(nn.functional.gelu(self.dec_hidden(h))))  # exact (erf) GELU
            prev = lg.argmax(-1)  # not differentiable: gradients flow through h only
            logits.append(lg)
            preds.append(prev)
        return torch.stack(logits, 1), torch.stack(preds, 1)

    def mas_tensors(self):
        """State dict under the names of models.md §6.2."""
        return self.state_dict_mas()


def loss_and_metrics(logits, preds, labels, lab_mask):
    """Mean CE over non-P labels; trial accuracy = all task positions right (tasks.md §3)."""
    valid = labels != P
    loss = nn.functional.cross_entropy(logits[valid], labels[valid])
    wrong = (preds != labels) & lab_mask
    trial_acc = (~wrong.any(1)).float().mean().item()
    return loss, trial_acc


def lr_at(k, lr_max=5e-4):
    """models.md §7: linear warm-up over 100 steps, then decay ∝ k^-0.25 (k = 1, 2, ...)."""
    return max(lr_max * min(k / 100, (100 / k) ** 0.25), 1e-10)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--max-steps", type=int, default=800)
    ap.add_argument("--target", type=float, default=0.99)
    a = ap.parse_args()

    torch.set_num_threads(1)
    torch.manual_seed(a.seed)
    rng = np.random.RandomState(a.seed)
    counts = [c for c in range(1, 21) if c not in HOLD_OUTS]
    train = make_trials(rng, 1000, counts)
    val = to_batch(make_trials(rng, 500, counts))

    model = GRUModel()
    opt = torch.optim.Adam(model.parameters(), lr=lr_at(1), betas=(0.9, 0.999), eps=1e-8)
    log, best, best_state, step, epoch, t0 = [], -1.0, None, 0, 0, time.time()
    while True:
        model.train()
        train_acc = []
        order = rng.permutation(len(train))
        for s in range(0, len(train), 128):  # 8 steps per epoch, last partial batch kept
            inp, lab, im, lm = to_batch([train[j] for j in order[s : s + 128]])
            step += 1
            for g in opt.param_groups:
                g["lr"] = lr_at(step)
            logits, preds = model(inp, im)
            loss, acc = loss_and_metrics(logits, preds, lab, lm)
            opt.zero_grad()
            loss.backward()
            opt.step()
            train_acc.append(acc)
        done = step >= a.max_steps
        if epoch % 5 == 0 or done:
            model.eval()
            with torch.no_grad():
                vl, vp = model(val[0], val[2])
                vloss, vacc = loss_and_metrics(vl, vp, val[1], val[3])
            row = dict(epoch=epoch, step=step, train_loss=round(loss.item(), 5), train_trial_acc=round(float(np.mean(train_acc)), 4),
                       val_loss=round(vloss.item(), 5), val_trial_acc=round(vacc, 4), wall_s=round(time.time() - t0, 1))
            log.append(row)
            print(json.dumps(row), flush=True)
            if vacc > best:
                best, best_state = vacc, {k: v.detach().clone() for k, v in model.mas_tensors().items()}
            if vacc >= a.target:
                done = True
        if done:
            break
        epoch += 1

    os.makedirs(a.out, exist_ok=True)
    tmp = os.path.join(a.out, "model.safetensors.tmp")
    save_safetensors(tmp, {k: v.float().contiguous() for k, v in best_state.items()})
    os.replace(tmp, os.path.join(a.out, "model.safetensors"))
    config = {"format": "mas-model/1", "arch": "gru", "task": "multi-object", "vocab": VOCAB,
              "d_model": 128, "hidden": 128, "decoder_hidden": 512}
    with open(os.path.join(a.out, "config.json.tmp"), "w") as f:
        json.dump(config, f, indent=2)
    os.replace(os.path.join(a.out, "config.json.tmp"), os.path.join(a.out, "config.json"))
    with open(os.path.join(a.out, "training.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(log[0]))
        w.writeheader()
        w.writerows(log)
    print(f"exported {a.out}: best val trial accuracy {best:.4f} after {step} steps, {time.time() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    main()
