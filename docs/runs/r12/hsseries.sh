#!/bin/bash
export SRC=/work/wt/snap_hs
(./run2.sh hsy1s2 0 2 0 --hs --negative 0 & ./run2.sh hsy1s3 0 3 0 --hs --negative 0; wait)
./run2.sh hsy4 4 1 25000 --hs --negative 0
./run2.sh hsy4s2 4 2 25000 --hs --negative 0
./run2.sh hsy4s3 4 3 25000 --hs --negative 0
./run2.sh hsy8s2 8 2 25000 --hs --negative 0
./run2.sh hsy8s3 8 3 25000 --hs --negative 0
./run.sh hs8s2 8 2 25000 --hs --negative 0
./run.sh hs8s3 8 3 25000 --hs --negative 0
