#!/usr/bin/env bash
# A single-node Slurm cluster on this machine, for the sweep tests and for trying `mas sweep --executor
# slurm` on a laptop: `scripts/slurm-local.sh up` starts munged, slurmctld and slurmd (Debian's munge and
# slurm-wlm; installed with apt-get if missing) as plain daemons with pid files, logs and state under
# $MAS_SLURM_STATE (default /tmp/mas-slurm); `down` stops them; `status` says whether it answers.
# No systemd is needed. It runs as root (slurmd starts jobs as their users); with sudo otherwise.
#
# The slurm.conf it writes is the state dir's; the client commands find it through SLURM_CONF
# (`eval "$(scripts/slurm-local.sh env)"`), and through /etc/slurm/slurm.conf when that file is absent
# or was written by this script (a symlink to the state dir's), so plain `sbatch` works too.
set -euo pipefail

STATE=${MAS_SLURM_STATE:-/tmp/mas-slurm}
CONF=$STATE/slurm.conf
ETC=/etc/slurm/slurm.conf
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"

die() { echo "slurm-local: $*" >&2; exit 1; }

install_missing() {
  local missing=()
  for b in munged slurmctld slurmd sbatch; do
    command -v "$b" >/dev/null 2>&1 || [ -x "/usr/sbin/$b" ] || missing+=("$b")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "missing ${missing[*]} and no apt-get to install munge and slurm-wlm"
  echo "slurm-local: installing munge slurm-wlm (missing ${missing[*]})"
  { $SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q munge slurm-wlm slurm-client; } >"$STATE/apt.log" 2>&1 \
    || die "apt-get install munge slurm-wlm failed (see $STATE/apt.log)"
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

write_conf() {
  local cpus mem
  cpus=$(nproc)
  # RealMemory in MB: 80% of the machine, so the node is never refused for reporting less than configured.
  mem=$(awk '/MemTotal/ { printf "%d", $2 / 1024 * 0.8 }' /proc/meminfo)
  cat >"$CONF" <<EOF
# Written by scripts/slurm-local.sh: a one-node cluster for mas sweep tests.
ClusterName=mas-local
SlurmctldHost=localhost
AuthType=auth/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/spool
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/slurmctld.log
SlurmdLogFile=$STATE/slurmd.log
SlurmctldPort=${MAS_SLURM_PORT:-6817}
SlurmdPort=$(( ${MAS_SLURM_PORT:-6817} + 1 ))
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
MpiDefault=none
SchedulerType=sched/backfill
ReturnToService=2
# No slurmdbd: finished jobs stay visible to scontrol show job for MinJobAge seconds, and
# jobcomp/filetxt records each one (sacct -c reads it).
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=$STATE/jobcomp.txt
MinJobAge=86400
NodeName=localhost CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
}

up() {
  mkdir -p "$STATE/ctld" "$STATE/spool"
  install_missing
  export SLURM_CONF=$CONF
  if alive "$STATE/slurmctld.pid" && alive "$STATE/slurmd.pid" && scontrol ping 2>/dev/null | grep -q UP; then
    echo "slurm-local: already up (state $STATE)"; return 0
  fi
  write_conf
  if [ ! -e "$ETC" ] || [ "$(readlink "$ETC" 2>/dev/null)" = "$CONF" ]; then
    $SUDO mkdir -p /etc/slurm && $SUDO ln -sfn "$CONF" "$ETC"
  fi
  # munged: the system's when one runs, else ours (as the munge user, with the package's key).
  if ! munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then
    [ -f /etc/munge/munge.key ] || $SUDO /usr/sbin/mungekey --create 2>/dev/null || $SUDO /usr/sbin/create-munge-key -f
    $SUDO mkdir -p /run/munge /var/lib/munge /var/log/munge
    $SUDO chown munge:munge /run/munge /var/lib/munge /var/log/munge 2>/dev/null || true
    if id munge >/dev/null 2>&1; then $SUDO runuser -u munge -- /usr/sbin/munged; else $SUDO /usr/sbin/munged --force; fi
    touch "$STATE/munged.ours"
    for _ in $(seq 1 20); do munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.5; done
    munge -n </dev/null | unmunge >/dev/null 2>&1 || die "munged did not start (see /var/log/munge/munged.log)"
  fi
  alive "$STATE/slurmctld.pid" || $SUDO env SLURM_CONF="$CONF" /usr/sbin/slurmctld
  for _ in $(seq 1 40); do scontrol ping 2>/dev/null | grep -q UP && break; sleep 0.5; done
  scontrol ping 2>/dev/null | grep -q UP || { tail -n 20 "$STATE/slurmctld.log" >&2 || true; die "slurmctld did not answer (log: $STATE/slurmctld.log)"; }
  alive "$STATE/slurmd.pid" || $SUDO env SLURM_CONF="$CONF" /usr/sbin/slurmd -N localhost
  for _ in $(seq 1 60); do
    state=$(sinfo -h -n localhost -o %T 2>/dev/null || true)
    case "$state" in idle*|mix*|alloc*) break ;; esac
    sleep 0.5
  done
  case "${state:-}" in
    idle*|mix*|alloc*) ;;
    *) tail -n 20 "$STATE/slurmd.log" >&2 || true; die "node localhost is '${state:-unknown}', not idle (log: $STATE/slurmd.log)" ;;
  esac
  echo "slurm-local: up: 1 node, $(nproc) CPUs, partition debug (state $STATE; export SLURM_CONF=$CONF)"
}

down() {
  local any=0
  for d in slurmd slurmctld; do
    if alive "$STATE/$d.pid"; then
      any=1
      $SUDO kill "$(cat "$STATE/$d.pid")"
      for _ in $(seq 1 40); do alive "$STATE/$d.pid" || break; sleep 0.25; done
    fi
  done
  # Only a munged this script started (a system one has no reason to be stopped here).
  if [ -f "$STATE/munged.ours" ]; then
    alive /run/munge/munged.pid && $SUDO kill "$(cat /run/munge/munged.pid)"
    rm -f "$STATE/munged.ours"
  fi
  if [ "$(readlink "$ETC" 2>/dev/null)" = "$CONF" ]; then $SUDO rm -f "$ETC"; fi
  if [ "$any" -eq 1 ]; then echo "slurm-local: down"; else echo "slurm-local: was not running"; fi
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) SLURM_CONF=$CONF scontrol ping && SLURM_CONF=$CONF sinfo ;;
  env) echo "export SLURM_CONF=$CONF" ;;
  *) echo "usage: scripts/slurm-local.sh up|down|status|env" >&2; exit 2 ;;
esac
