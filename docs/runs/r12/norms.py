import sys, numpy as np
for pre in sys.argv[1:]:
    out=[]
    for m in ("center","context"):
        try: w=np.load(f"{pre}_{m}.npy", mmap_mode="r")
        except FileNotFoundError: continue
        n=np.linalg.norm(w,axis=1)
        out.append(m[:3]+" "+" ".join(f"{n[a:b].mean():.2f}" for a,b in ((0,16),(16,256),(256,1024),(1024,4096),(4096,16384),(16384,len(n)))))
    print(pre.ljust(12), " | ".join(out))
