import sys, os, numpy as np
from hogwild_w2v.evaluate import analogy_ranks
from hogwild_w2v.vectors import Vectors
E="/work/main/hogwild_w2v/evalsets"
for pre in sys.argv[2:]:
    v = Vectors.load(pre + "_center.npy", os.path.join(sys.argv[1], "vocab.json"))
    out = analogy_ranks(v, E + "/questions-words.txt")
    q = np.concatenate([x[0] for x in out.values()]); r = np.concatenate([x[1] for x in out.values()])
    sem = np.concatenate([np.full(len(x[1]), not k.startswith("gram")) for k, x in out.items()])
    mx = q.max(axis=1)
    s = f"{pre:14s} top1 {100*(r==0).mean():.2f} top10 {100*(r<10).mean():.2f} mrr {100*(1/(r+1)).mean():.2f} | "
    for a, b in ((0, 1000), (1000, 5000), (5000, 30000)):
        m = (mx >= a) & (mx < b)
        s += f"[{a}-{b}) n={m.sum()} top1 {100*(r[m]==0).mean():.1f} mrr {100*(1/(r[m]+1)).mean():.1f}  "
    print(s)
