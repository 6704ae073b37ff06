# --- prelude: one log, timestamped steps, a final success or failure line -------------
LOG=/var/log/hostwiz-bootstrap.log
touch "$LOG" && chmod 0640 "$LOG"
exec > >(tee -a "$LOG") 2>&1
WARNINGS=()
CURRENT_STEP=start

log() { printf '%s hostwiz: %s\n' "$(date -Is)" "$*"; }
step() { CURRENT_STEP=$1; log "step: $1"; }
warn() { WARNINGS+=("$1"); log "warning: $1 (not fatal; the bootstrap goes on)"; }
on_error() {
    local rc=$?
    # Command substitutions inherit the trap (set -E); only the script itself reports and exits.
    if [ "$BASHPID" != "$$" ]; then return "$rc"; fi
    log "bootstrap finished: failure (step '$CURRENT_STEP', line $1, exit $rc); see $LOG"
    exit "$rc"
}
trap 'on_error $LINENO' ERR

# IMDSv2 (the instance requires tokens): imds PATH prints a metadata value.
imds() {
    local token
    token=$(curl -sf -X PUT http://169.254.169.254/latest/api/token \
        -H 'X-aws-ec2-metadata-token-ttl-seconds: 300') || return 1
    curl -sf -H "X-aws-ec2-metadata-token: $token" "http://169.254.169.254/latest/meta-data/$1"
}

log "bootstrap of stack $STACK: $RUNTIME on $OS_NAME, app port $APP_PORT"
