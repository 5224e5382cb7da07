"""`python -m hogwild_w2v` is the `hw2v` command."""
from hogwild_w2v.cli import main

if __name__ == "__main__":
    main(prog_name="hw2v")
