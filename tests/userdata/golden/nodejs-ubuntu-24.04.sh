#!/bin/bash
# hostwiz bootstrap of stack blog: nodejs on ubuntu-24.04.
# Rendered by hostwiz from reviewed templates; it holds no secret (the database URL is read from SSM).
set -Eeuo pipefail
STACK=blog
REGION=eu-west-1
OS_NAME=ubuntu-24.04
RUNTIME=nodejs
APP_PORT=3000
APP_ENV=/etc/hostwiz/app.env
RUNTIME_PACKAGES=(nodejs)
DOMAIN_NAMES=(blog.example.com www.blog.example.com)
DNS_WAIT_SECONDS=1800
DB_PARAMETER=/hostwiz/blog/database-url
DB_WAIT_SECONDS=2700

# --- host keys to the console, first of all -------------------------------------------------
# hostwiz pins the instance's SSH host keys from its console output before the first connection.
# cloud-init prints them only when it finishes, after this whole script (which may wait long for
# DNS and the database), so the bootstrap prints them itself, in cloud-init's format, at once.
print_host_keys() {
    local pub
    {
        echo "-----BEGIN SSH HOST KEY KEYS-----"
        for pub in /etc/ssh/ssh_host_*_key.pub; do
            if [ -r "$pub" ]; then cat "$pub"; fi
        done
        echo "-----END SSH HOST KEY KEYS-----"
    } > /dev/console 2>/dev/null || true
}
print_host_keys

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

# --- os: Ubuntu (apt, ufw, unattended-upgrades) ----------------------------------------
export DEBIAN_FRONTEND=noninteractive
export NEEDRESTART_SUSPEND=1  # no needrestart prompt or service restarts in the middle of the bootstrap
APT_OPTS=(-y -q -o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confold)

pkg_install() { apt-get "${APT_OPTS[@]}" install --no-install-recommends "$@"; }
nologin_shell() { echo /usr/sbin/nologin; }
nginx_site() { echo /etc/nginx/sites-available/hostwiz; }

enable_nginx_site() {
    ln -sf /etc/nginx/sites-available/hostwiz /etc/nginx/sites-enabled/hostwiz
    rm -f /etc/nginx/sites-enabled/default
}

enable_updates() {
    pkg_install unattended-upgrades
    cat > /etc/apt/apt.conf.d/20auto-upgrades <<'HOSTWIZ_EOF'
APT::Periodic::Update-Package-Lists "1";
APT::Periodic::Unattended-Upgrade "1";
HOSTWIZ_EOF
    systemctl enable --now unattended-upgrades.service
}

enable_firewall() {
    pkg_install ufw
    ufw allow 22/tcp
    ufw allow 80/tcp
    ufw allow 443/tcp
    ufw --force enable
}

# certbot from the distribution; its package enables certbot.timer for renewal.
install_certbot() {
    pkg_install certbot python3-certbot-nginx
    systemctl enable --now certbot.timer
}

# SSM reads use the instance role's credentials from IMDSv2, through the distribution's boto3.
install_ssm_reader() { pkg_install python3-boto3; }
ssm_get() {
    python3 - "$REGION" "$1" <<'HOSTWIZ_PY'
import sys
import boto3
ssm = boto3.client("ssm", region_name=sys.argv[1])
print(ssm.get_parameter(Name=sys.argv[2], WithDecryption=True)["Parameter"]["Value"])
HOSTWIZ_PY
}

step "packages index"
apt-get "${APT_OPTS[@]}" update

# --- base: automatic security updates, host firewall ------------------------------------
step "automatic security updates"
enable_updates

step "firewall: allow 22, 80, 443"
enable_firewall

# --- app: an unprivileged user, its directories, an environment file only root reads ---
step "app user and directories"
id app >/dev/null 2>&1 || useradd --system --user-group --home-dir /srv/app --shell "$(nologin_shell)" app
install -d -m 0755 -o app -g app /srv/app /srv/app/public
install -d -m 0700 /etc/hostwiz
[ -f "$APP_ENV" ] || install -m 0600 /dev/null "$APP_ENV"

# --- runtime: Node.js from the distribution -------------------------------------------
step "runtime: nodejs"
pkg_install "${RUNTIME_PACKAGES[@]}"
node --version

# --- app files (from templates) ---
step "app files"
mkdir -p "$(dirname "/srv/app/server.js")"
cat > "/srv/app/server.js" <<'HOSTWIZ_EOF'
// hostwiz placeholder app: replace /srv/app with your own; keep listening on 127.0.0.1:$PORT.
"use strict";
const http = require("http");

const port = Number(process.env.PORT || 3000);
const database = process.env.DATABASE_URL ? "configured" : "not configured yet";

http.createServer((req, res) => {
  if (req.url === "/health") {
    res.writeHead(200, { "Content-Type": "text/plain" });
    res.end("ok\n");
    return;
  }
  res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
  res.end(`<h1>blog is running</h1><p>hostwiz placeholder (Node.js ${process.version}); database: ${database}</p>\n`);
}).listen(port, "127.0.0.1");
HOSTWIZ_EOF
chmod 0644 "/srv/app/server.js"
chown app:app "/srv/app/server.js"
mkdir -p "$(dirname "/etc/systemd/system/hostwiz-app.service")"
cat > "/etc/systemd/system/hostwiz-app.service" <<'HOSTWIZ_EOF'
[Unit]
Description=hostwiz app (nodejs) of stack blog
After=network-online.target
Wants=network-online.target

[Service]
User=app
Group=app
WorkingDirectory=/srv/app
Environment=PORT=3000
EnvironmentFile=-/etc/hostwiz/app.env
ExecStart=/usr/bin/node /srv/app/server.js
Restart=always
RestartSec=2
NoNewPrivileges=true
PrivateTmp=true
ProtectSystem=full

[Install]
WantedBy=multi-user.target
HOSTWIZ_EOF
chmod 0644 "/etc/systemd/system/hostwiz-app.service"

# --- app: a systemd service as the app user, restarted always -------------------------
restart_app() {
    systemctl daemon-reload
    systemctl enable hostwiz-app.service
    systemctl restart hostwiz-app.service
}
step "app: systemd service hostwiz-app"
restart_app

# --- nginx: on port 80 in front of the app (certbot adds 443) --------------------------
step "nginx"
pkg_install nginx
cat > "$(nginx_site)" <<'HOSTWIZ_EOF'
# hostwiz: nginx in front of the app on 127.0.0.1:3000 (websockets pass through)
map $http_upgrade $connection_upgrade {
    default upgrade;
    ''      close;
}

server {
    listen 80 default_server;
    listen [::]:80 default_server;
    server_name blog.example.com www.blog.example.com;
    client_max_body_size 25m;

    location / {
        proxy_pass http://127.0.0.1:3000;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;
        proxy_set_header Host $host;
        proxy_set_header X-Real-IP $remote_addr;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_read_timeout 3600s;
    }
}
HOSTWIZ_EOF
enable_nginx_site
nginx -t
systemctl enable nginx
systemctl restart nginx

step "health check through nginx"
curl -sf --retry 30 --retry-connrefused --retry-delay 2 http://127.0.0.1/health

# --- tls: wait until the names resolve to this instance, then certbot (renewal on) -----
resolves_here() {  # NAME IP
    getent ahostsv4 "$1" | awk '{print $1}' | grep -qxF "$2"
}

obtain_certificate() {
    local ip="" name deadline=$((SECONDS + DNS_WAIT_SECONDS))
    local ready=() args=()
    while :; do
        ip=$(imds public-ipv4) || ip=""
        ready=()
        for name in "${DOMAIN_NAMES[@]}"; do
            if [ -n "$ip" ] && resolves_here "$name" "$ip"; then ready+=("$name"); fi
        done
        if [ "${#ready[@]}" -eq "${#DOMAIN_NAMES[@]}" ] || [ "$SECONDS" -ge "$deadline" ]; then break; fi
        sleep 20
    done
    if [ "${#ready[@]}" -eq 0 ]; then
        log "tls: ${DOMAIN_NAMES[*]} do not resolve to ${ip:-this instance} after $((DNS_WAIT_SECONDS / 60)) min"
        return 1
    fi
    log "tls: ${ready[*]} resolve to $ip"
    install_certbot || return 1
    for name in "${ready[@]}"; do args+=(-d "$name"); done
    certbot --nginx --non-interactive --agree-tos --register-unsafely-without-email --redirect "${args[@]}" || return 1
    log "tls: certificate for ${ready[*]} installed; nginx serves 443 and redirects 80; renewal is on"
    if [ "${#ready[@]}" -ne "${#DOMAIN_NAMES[@]}" ]; then
        warn "tls: the certificate covers only ${ready[*]}"
    fi
}

# In the background: DNS may take long to point here (a zone not yet delegated), and the database
# step must not wait for it. `tls_wait` (in finish) collects the outcome and its warnings.
tls_start() {
    TLS_WARNINGS=$(mktemp)
    # shellcheck disable=SC2030  # the subshell's own WARNINGS: written to $TLS_WARNINGS for tls_wait
    (
        WARNINGS=()
        obtain_certificate || warn "tls: no certificate, the site stays on http; once DNS points here run: sudo certbot --nginx ${DOMAIN_NAMES[*]/#/-d }"
        printf '%s\n' "${WARNINGS[@]}" > "$TLS_WARNINGS"
    ) &
    TLS_PID=$!
}

tls_wait() {
    local line
    if [ -z "${TLS_PID:-}" ]; then return 0; fi
    wait "$TLS_PID" || warn "tls: the certificate step ended unexpectedly"
    while IFS= read -r line; do
        # shellcheck disable=SC2031  # this is the main shell's WARNINGS
        if [ -n "$line" ]; then WARNINGS+=("$line"); fi
    done < "$TLS_WARNINGS"
    rm -f "$TLS_WARNINGS"
    TLS_PID=""
}

step "tls (in the background, beside the database step)"
tls_start

# --- database: DATABASE_URL from SSM Parameter Store into the app's environment --------
# The database is ready minutes after the instance boots: poll until hostwiz stored the URL.
# The value goes straight into a root-only file, never to this log.
fetch_database_url() {
    local url="" errors deadline=$((SECONDS + DB_WAIT_SECONDS))
    install_ssm_reader || return 1
    errors=$(mktemp)
    log "database: waiting for SSM parameter $DB_PARAMETER"
    until url=$(ssm_get "$DB_PARAMETER" 2>"$errors") && [ -n "$url" ]; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            log "database: $DB_PARAMETER not readable after $((DB_WAIT_SECONDS / 60)) min: $(tail -n 1 "$errors")"
            rm -f "$errors"
            return 1
        fi
        sleep 20
    done
    rm -f "$errors"
    (umask 077 && printf 'DATABASE_URL=%s\n' "$url" > "$APP_ENV.new") || return 1
    mv "$APP_ENV.new" "$APP_ENV" || return 1
    restart_app || return 1
    log "database: DATABASE_URL is in $APP_ENV (0600, root only); the app was restarted"
}

step "database url"
fetch_database_url || warn "database: DATABASE_URL not set; check the instance role and $DB_PARAMETER, then write it to $APP_ENV"

# --- finish -----------------------------------------------------------------------------
if declare -F tls_wait > /dev/null; then
    step "tls (waiting for the background step)"
    tls_wait
fi
CURRENT_STEP=finish
if [ "${#WARNINGS[@]}" -eq 0 ]; then
    log "bootstrap finished: success"
else
    log "bootstrap finished: success with ${#WARNINGS[@]} warning(s): ${WARNINGS[*]}"
fi
