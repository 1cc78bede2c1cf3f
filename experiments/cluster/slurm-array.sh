#!/usr/bin/env bash
# Slurm job array: one shard per array task, then one merge job that depends on the array.
#   sbatch --array=1-8 experiments/cluster/slurm-array.sh configs/pategan-eps.yaml
#   sbatch --dependency=afterok:<array-job-id> --wrap "npx bench merge runs/pategan-eps/shard-* --out reports/pategan-eps"
#SBATCH --job-name=dp-synth-bench
#SBATCH --cpus-per-task=2
#SBATCH --mem=8G
#SBATCH --time=02:00:00
set -euo pipefail
config="$1"
name="$(basename "$config" .yaml)"
i="${SLURM_ARRAY_TASK_ID:?run as a job array}"
n="${SLURM_ARRAY_TASK_COUNT:?run as a job array}"
# Each shard writes its own run directory; cells are independent, so shards never overlap.
npx bench run "$config" --shard "$i/$n" --out "runs/$name/shard-$i"
