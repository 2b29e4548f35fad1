#!/usr/bin/env bash
# crosvm end-to-end tests: the entry point.
#
# usage: tests/e2e/run.sh [CASE-PATTERN]...
#   CASE-PATTERN  run only the matching cases (shell patterns, e.g.
#                 'elf-kernel' 'bad-*' 'info-*'); default: all
#
# Builds the images (tests/e2e/images.sh; needs build/crosvm), then runs
# tests/e2e/cases.sh: directly on this machine when it has a real, usable
# KVM (/sys/module/kvm_intel or kvm_amd, and /dev/kvm), otherwise inside
# the nested QEMU test host (tests/e2e/testhost.sh). Prints per-stage
# timings and ends with "N passed, N failed"; exits non-zero when a case
# failed or E2E-DONE never appeared.
#
# Env: E2E_TESTHOST=1 forces the nested test host even with real KVM;
# E2E_BOOT_TIMEOUT (seconds per guest run, default 90); CROSVM_BIN;
# E2E_OUT; and those of testhost.sh (E2E_TIMEOUT, E2E_SIMULATE, ...).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
E2E_SRC=$ROOT/tests/e2e
OUT=${E2E_OUT:-$ROOT/build/e2e}
CROSVM_BIN=${CROSVM_BIN:-$ROOT/build/crosvm}
export E2E_OUT=$OUT CROSVM_BIN

say() { printf 'e2e: %s\n' "$*"; }

if [[ ! -x $CROSVM_BIN ]]; then
	say "error: $CROSVM_BIN does not exist; build crosvm first (meson setup build && meson compile -C build)" >&2
	exit 1
fi

cases=("$@")
t_start=$SECONDS

# ---------------------------------------------------------------- images
t=$SECONDS
"$E2E_SRC/images.sh"
say "timing: images $((SECONDS - t))s"

# ---------------------------------------------------------------- cases
real_kvm=0
if [[ -e /sys/module/kvm_intel || -e /sys/module/kvm_amd ]] && [[ -r /dev/kvm && -w /dev/kvm ]]; then
	real_kvm=1
fi
[[ ${E2E_TESTHOST:-0} == 1 ]] && real_kvm=0

log=$OUT/e2e.log
rc=0
retried="" # every case run more than once, in order, with repeats
t=$SECONDS
if [[ $real_kvm == 1 ]]; then
	say "real KVM found: running the cases directly on this host"
	shell=(sh)
	command -v busybox >/dev/null 2>&1 && shell=(busybox sh)
	CROSVM=$CROSVM_BIN E2E_KERNEL=$OUT/vmlinuz E2E_INITRD=$OUT/guest.cpio \
		E2E_ELFKERNEL=$OUT/elfkernel E2E_IMAGES=$OUT E2E_WORK=$OUT/work E2E_CASES="${cases[*]}" \
		"${shell[@]}" "$E2E_SRC/cases.sh" 2>&1 | tee "$log" || rc=$?
	say "timing: cases on the host $((SECONDS - t))s"
else
	say "no usable KVM here: running the cases in the nested test host (QEMU TCG)"
	words=()
	if [[ ${#cases[@]} -gt 0 ]]; then
		words+=("e2e.cases=$(IFS=,; echo "${cases[*]}")")
	fi
	if [[ -n ${E2E_BOOT_TIMEOUT:-} ]]; then
		words+=("e2e.timeout=$E2E_BOOT_TIMEOUT")
		# The console is silent while a guest runs: the stall watchdog
		# must outlast the longest guest run.
		if [[ -z ${E2E_STALL_S:-} ]] && ((E2E_BOOT_TIMEOUT + 20 > 110)); then
			export E2E_STALL_S=$((E2E_BOOT_TIMEOUT + 20))
		fi
	fi
	"$E2E_SRC/testhost.sh" --log "$log" test "${words[@]}" || rc=$?
	boot=$(tr -d '\r' <"$log" | sed -n 's/^TESTHOST: \/dev\/kvm ready at \([0-9.]*\)s.*/\1/p' | head -n 1)
	cstart=$(tr -d '\r' <"$log" | sed -n 's/^cases: start at \([0-9.]*\)s.*/\1/p' | head -n 1)
	cdone=$(tr -d '\r' <"$log" | sed -n 's/^cases: .* done at \([0-9.]*\)s.*/\1/p' | head -n 1)
	say "timing: test host run $((SECONDS - t))s in all; test host kernel up with /dev/kvm at ${boot:-?}s of its uptime;" \
		"cases $(awk -v a="${cstart:-0}" -v b="${cdone:-0}" 'BEGIN { if (b > 0) printf "%.0fs", b - a; else print "?" }')"
	if [[ -e $log.attempt1 ]]; then
		say "note: the test host wedged once and the run was retried ($(tr -d '\r' <"$log.attempt1" | sed -n 's/^TESTHOST-RETRY: //p' | tail -n 1)); first log: $log.attempt1"
	fi

	# Nested emulation (TCG emulating SVM) is not flawless: a guest boot that
	# fails is run again (at most twice), in a fresh test host, and every
	# outcome is reported. Only the last run's verdict counts for those cases; earlier
	# failures stay visible here and in $log.firstN. E2E_NO_RETRY=1 disables it.
	for round in 1 2; do
		failed=$(tr -d '\r' <"$log" | sed -n 's/^E2E: FAIL \([^:]*\):.*/\1/p' | sort -u | paste -sd, -)
		[[ -n $failed && -z ${E2E_NO_RETRY:-} ]] && tr -d '\r' <"$log" | grep -q '^E2E-DONE' || break
		say "RETRY: these cases failed and are run once more: $failed"
		retried="$retried,$failed"
		tr -d '\r' <"$log" | grep '^E2E: FAIL ' | sed "s/^/  failed in round $round: /"
		mv "$log" "$log.first$round"
		retry_words=()
		for w in "${words[@]}"; do [[ $w == e2e.cases=* ]] || retry_words+=("$w"); done
		rc=0
		"$E2E_SRC/testhost.sh" --log "$log.retry$round" test "e2e.cases=$failed" "${retry_words[@]}" || rc=$?
		tr -d '\r' <"$log.first$round" >"$log.first$round.txt"
		tr -d '\r' <"$log.retry$round" >"$log.retry$round.txt"
		awk -v failed=",$failed," '
			FNR == 1 { file++ }
			/^E2E: (PASS|FAIL) / {
				name = $3; sub(/:$/, "", name)
				retried = index(failed, "," name ",") > 0
				if ((file == 1 && !retried) || (file == 2 && retried)) print
				next
			}
			file == 2 && /^E2E-DONE/ { print }' "$log.first$round.txt" "$log.retry$round.txt" >"$log"
		say "RETRY: done; the verdicts below use the retry for those cases (logs: $log.first$round, $log.retry$round)"
	done
fi

# ---------------------------------------------------------------- verdict
npass=$(tr -d '\r' <"$log" | grep -c '^E2E: PASS ' || true)
nfail=$(tr -d '\r' <"$log" | grep -c '^E2E: FAIL ' || true)
done_seen=0
tr -d '\r' <"$log" | grep -q '^E2E-DONE' && done_seen=1

if [[ $nfail -gt 0 ]]; then
	say "failed cases:"
	tr -d '\r' <"$log" | grep '^E2E: FAIL ' | sed 's/^/  /'
fi
ok=1
if [[ $done_seen == 0 ]]; then
	say "error: E2E-DONE never appeared (log: $log)"
	ok=0
fi
if [[ $npass -eq 0 && $nfail -eq 0 ]]; then
	say "error: no case ran (patterns: ${cases[*]:-all})"
	ok=0
fi
[[ $nfail -eq 0 && $rc -eq 0 ]] || ok=0
# A failed SMP boot is a bug to find, not noise to retry away: a retried SMP case is named
# apart, loudly. (It does not fail the run yet: the intermittent triple fault of the -c 2,
# 1 GiB, seven-device info boot is not found; see issue 15. E2E_SMP_RETRY_FAILS=1 fails it.)
smp_pats=$(cat "$log"* 2>/dev/null | tr -d '\r' | sed -n 's/^E2E-SMP-CASES: //p' | head -n 1)
smp_retried=""
set -f # the patterns are for case, not for file names
for c in $(tr ',' ' ' <<<"$retried"); do
	for pat in $smp_pats; do
		# shellcheck disable=SC2254 # patterns are intended
		case "$c" in $pat) smp_retried="$smp_retried $c" && break ;; esac
	done
done
set +f
if [[ -n $smp_retried ]]; then
	say "WARNING: SMP case(s) failed and needed a retry:$smp_retried (see the first-round logs)"
	if [[ ${E2E_SMP_RETRY_FAILS:-0} == 1 ]]; then
		ok=0
		nfail=$((nfail + 1))
	fi
fi
# A retry must not hide a failure: every retried case is counted and named.
nretried=$(tr ',' '\n' <<<"$retried" | sed '/^$/d' | wc -l)
if [[ $nretried -gt 0 ]]; then
	say "retried: $nretried case run(s) failed first and ran again: $(tr ',' '\n' <<<"$retried" | sed '/^$/d' | sort | uniq -c | awk '{ printf "%s%s%s", sep, $2, ($1 > 1 ? " (x" $1 ")" : ""); sep = ", " }')"
fi
say "timing: total $((SECONDS - t_start))s; log $log"
say "summary: $npass passed, $nfail failed, $nretried retried"
echo "$npass passed, $nfail failed"
[[ $ok == 1 ]]
