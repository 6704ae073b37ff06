#!/usr/bin/env bash
# hostwiz release script: runs on the instance, over SSH, as root (sudo -n) or the app's owner.
#
#   release.sh init | state | deploy ID < tar | activate ID | list | logs ID | run INSTANCE
#            | settings < KEY=VALUE lines | site < nginx site (system nginx only)
#
# `deploy ID` prints the serving release's id and manifest (state), "@@ready", then reads a tar of
# the new and changed files plus .hostwiz/ metadata on stdin, hard-links the unchanged files
# named in .hostwiz/link.gz (NUL-separated, gzip) from .hostwiz/link-from, builds, and switches.
#
# Layout under $HOSTWIZ_ROOT (default /srv/app):
#   releases/<id>/            the app's files (+ .venv / node_modules built per release)
#   releases/<id>/.hostwiz/   release.json, manifest.json.gz, runtime, start, health, env, image, status, build.log
#   current -> releases/<id>  the serving release
#   run/<inst>.{env,pid,log}  one running instance "<id>-<port>"; run/live names the serving one
#   nginx/live.conf           included by the public server; nginx/preview.conf by a loopback server
#                             on $HOSTWIZ_PREVIEW_PORT (see nginx-site.conf.tmpl)
#
# Process supervision: systemd template units hostwiz-app@<inst> when systemd runs (the instance).
# Without systemd (the test machine), a stand-in: `setsid` in its own process group, a pidfile,
# a log file, `kill -- -PGID` to stop. Only the sup_* functions know which one is used.
#
# Protocol for the caller: lines "@@stage NAME detail" mark progress; a failure prints
# "@@fail STAGE message", the tail of the build or app log, then exits non-zero. The serving
# release is never touched before a new one has answered its health check.
set -euo pipefail
umask 022

ROOT=${HOSTWIZ_ROOT:-/srv/app}
REL=$ROOT/releases
RUN=$ROOT/run
NGX=$ROOT/nginx
SELF=$ROOT/bin/release.sh
PORT_BASE=${HOSTWIZ_PORT_BASE:-3000}
PREVIEW_PORT=${HOSTWIZ_PREVIEW_PORT:-8099}
HEALTH_TIMEOUT=${HOSTWIZ_HEALTH_TIMEOUT:-60}
KEEP=${HOSTWIZ_KEEP:-5}
SHARED_ENV=${HOSTWIZ_SHARED_ENV:-/etc/hostwiz/app.env}  # the bootstrap's (DATABASE_URL)
SETTINGS_ENV=${HOSTWIZ_SETTINGS_ENV:-/etc/hostwiz/settings.env}  # the operator's (hostwiz env set), 0600
NGINX_PID=${HOSTWIZ_NGINX_PID:-/run/nginx.pid}
APP_USER=${HOSTWIZ_APP_USER:-app}
NGINX=(nginx)
[ -n "${HOSTWIZ_NGINX_CONF:-}" ] && NGINX=(nginx -c "$HOSTWIZ_NGINX_CONF")

stage() { echo "@@stage $*"; }
die() { echo "@@fail $1 $2"; exit 1; }
meta() { echo "$REL/$1/.hostwiz"; }
set_status() { [ -d "$(meta "$1")" ] && echo "$2" > "$(meta "$1")/status"; return 0; }
runtime_of() { cat "$(meta "$1")/runtime" 2>/dev/null || echo static; }
live_inst() { cat "$RUN/live" 2>/dev/null || true; }
valid_id() { [[ $1 =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] || die usage "bad release id: $1"; }

# KEY=VALUE lines into the environment, never evaluated as shell.
load_env() {
    local line
    [ -r "$1" ] || return 0
    while IFS= read -r line || [ -n "$line" ]; do
        [[ $line =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] && export "${line%%=*}=${line#*=}"
    done < "$1"
    return 0
}

# --- supervision: systemd on the instance, a setsid stand-in elsewhere ---------------------
sup_mode() {
    case ${HOSTWIZ_SUPERVISOR:-auto} in
        auto) if [ -d /run/systemd/system ]; then echo systemd; else echo setsid; fi ;;
        *) echo "$HOSTWIZ_SUPERVISOR" ;;
    esac
}
unit_of() {  # docker talks to the daemon as root; every other runtime runs as the app user
    if [ "$(runtime_of "${1%-*}")" = docker ] || [ "$(runtime_of "${1%-*}")" = image ]; then
        echo "hostwiz-app-root@$1.service"
    else
        echo "hostwiz-app@$1.service"
    fi
}
sup_start() {
    if [ "$(sup_mode)" = systemd ]; then
        systemctl enable --now "$(unit_of "$1")" >/dev/null 2>&1
    else
        : > "$RUN/$1.log"
        ( set +e; load_env "$SHARED_ENV"; load_env "$SETTINGS_ENV"; load_env "$RUN/$1.env"
          exec setsid bash "$SELF" run "$1" </dev/null >>"$RUN/$1.log" 2>&1 9>&- ) &
        echo $! > "$RUN/$1.pid"
    fi
}
sup_alive() {
    if [ "$(sup_mode)" = systemd ]; then
        systemctl is-active --quiet "$(unit_of "$1")"
    else
        local pid; pid=$(cat "$RUN/$1.pid" 2>/dev/null) || return 1
        kill -0 "$pid" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null
    fi
}
sup_stop() {
    if [ "$(sup_mode)" = systemd ]; then
        systemctl disable --now "$(unit_of "$1")" >/dev/null 2>&1 || true
    else
        local pid; pid=$(cat "$RUN/$1.pid" 2>/dev/null) || return 0
        kill -TERM -- "-$pid" 2>/dev/null || true
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL -- "-$pid" 2>/dev/null || true
        rm -f "$RUN/$1.pid"
    fi
}
sup_logs() {
    if [ "$(sup_mode)" = systemd ]; then
        journalctl -u "$(unit_of "$1")" --no-pager -n 40 -o cat 2>/dev/null || true
    else
        tail -n 40 "$RUN/$1.log" 2>/dev/null || true
    fi
}
install_units() {  # written only when they differ: a deploy reloads systemd only after an upgrade
    [ "$(sup_mode)" = systemd ] || return 0
    local name user changed=0
    for name in hostwiz-app hostwiz-app-root; do
        user=""
        [ "$name" = hostwiz-app ] && user="User=$APP_USER
Group=$APP_USER"
        cat > "/etc/systemd/system/$name@.service.tmp" <<EOF
[Unit]
Description=hostwiz app release %i
After=network-online.target

[Service]
$user
Environment=HOSTWIZ_ROOT=$ROOT
EnvironmentFile=-$SHARED_ENV
EnvironmentFile=-$SETTINGS_ENV
EnvironmentFile=$RUN/%i.env
ExecStart=/bin/bash $SELF run %i
Restart=always
RestartSec=2
NoNewPrivileges=true

[Install]
WantedBy=multi-user.target
EOF
        if cmp -s "/etc/systemd/system/$name@.service.tmp" "/etc/systemd/system/$name@.service"; then
            rm -f "/etc/systemd/system/$name@.service.tmp"
        else
            mv "/etc/systemd/system/$name@.service.tmp" "/etc/systemd/system/$name@.service"
            changed=1
        fi
    done
    [ "$changed" = 0 ] || systemctl daemon-reload
}

# --- nginx ------------------------------------------------------------------------------
docroot() { if [ -d "$REL/$1/public" ]; then echo "$REL/$1/public"; else echo "$REL/$1"; fi; }
nginx_conf() {  # release port instance
    local id=$1 port=$2 inst=$3
    echo "# hostwiz: release $id ($(runtime_of "$id"))"
    echo "add_header X-Hostwiz-Instance $inst always;"
    case $(runtime_of "$id") in
        static) cat <<EOF
root $(docroot "$id");
index index.html;
location ^~ /.hostwiz/ { return 404; }
location / { try_files \$uri \$uri/ =404; }
EOF
        ;;
        php) cat <<EOF
root $(docroot "$id");
index index.php index.html;
location ^~ /.hostwiz/ { return 404; }
location / { try_files \$uri \$uri/ /index.php?\$query_string; }
location ~ \.php\$ {
    try_files \$uri =404;
    include /etc/nginx/fastcgi_params;
    fastcgi_param SCRIPT_FILENAME \$document_root\$fastcgi_script_name;
    fastcgi_pass 127.0.0.1:$port;
}
EOF
        ;;
        *) cat <<EOF
location / {
    proxy_pass http://127.0.0.1:$port;
    proxy_http_version 1.1;
    proxy_set_header Upgrade \$http_upgrade;
    proxy_set_header Connection \$connection_upgrade;
    proxy_set_header Host \$host;
    proxy_set_header X-Real-IP \$remote_addr;
    proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto \$scheme;
    proxy_read_timeout 3600s;
}
EOF
        ;;
    esac
}
nginx_workers() { ps -o pid= --ppid "$(cat "$NGINX_PID")" 2>/dev/null | tr -d ' ' || true; }
nginx_reload() {  # a graceful reload; returns once every worker that ran the old config has exited
    local before pid gone
    "${NGINX[@]}" -t -q 2>&1 || return 1
    before=$(nginx_workers)
    "${NGINX[@]}" -s reload 2>&1 || return 1
    for _ in $(seq 600); do
        gone=1
        for pid in $before; do kill -0 "$pid" 2>/dev/null && { gone=0; break; }; done
        [ "$gone" = 1 ] && return 0
        sleep 0.05
    done
    echo "nginx: old workers still finishing requests after 30 s; going on"
}

# --- build ------------------------------------------------------------------------------
build() {
    local id=$1 dir=$REL/$1 log; log=$(meta "$1")/build.log
    : > "$log"
    cd "$dir"
    case $(runtime_of "$id") in
        python)
            if [ -s requirements.txt ] && grep -qv '^[[:space:]]*\(#.*\)\?$' requirements.txt; then
                python3 -m venv .venv && .venv/bin/pip install --disable-pip-version-check -q -r requirements.txt
            elif [ -f pyproject.toml ]; then
                python3 -m venv .venv && .venv/bin/pip install --disable-pip-version-check -q .
            else
                python3 -m venv --without-pip .venv
            fi ;;
        nodejs)
            if [ -f package-lock.json ]; then npm ci --omit=dev --no-audit --no-fund; fi ;;
        ruby)
            bundle config set --local deployment true && bundle config set --local without 'development test' \
                && bundle install ;;
        php)
            if [ -f composer.json ] && command -v composer >/dev/null; then
                composer install --no-dev --no-interaction --optimize-autoloader
            fi ;;
        docker) docker build -t "hostwiz-app:$id" . ;;
        image) docker pull "$(cat "$(meta "$id")/image")" && docker tag "$(cat "$(meta "$id")/image")" "hostwiz-app:$id" ;;
        static) echo "static files: nothing to build" ;;
        *) echo "unknown runtime $(runtime_of "$id")"; return 1 ;;
    esac 2>&1 | tee -a "$log"
    return "${PIPESTATUS[0]}"
}

# --- start one release on a free port, check it, switch nginx, stop the old one -----------
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
    local live p; live=$(live_inst)
    for p in $(seq "$PORT_BASE" $((PORT_BASE + 19))); do
        [ "$p" = "${live##*-}" ] && continue
        port_in_use "$p" || { echo "$p"; return 0; }
    done
    return 1
}
health_of() {
    local h; h=$(cat "$(meta "$1")/health" 2>/dev/null || true)
    [ -n "$h" ] || { [ "$(runtime_of "$1")" = static ] && h=/ || h=/health; }
    echo "$h"
}
fail_with_app_log() {  # stage message inst release restore_status
    sup_stop "$3"
    set_status "$4" "$5"
    echo "@@fail $1 $2"
    sup_logs "$3"
    exit 1
}
wait_healthy() {  # id inst port base path restore_status: a 2xx/3xx from this very instance, in time
    local id=$1 inst=$2 port=$3 url=$4$5 path=$5 restore=$6 code hdr deadline
    stage health "GET $path (timeout ${HEALTH_TIMEOUT}s)"
    deadline=$((SECONDS + HEALTH_TIMEOUT))
    hdr=$(mktemp)
    while :; do
        code=$(curl -s -o /dev/null -D "$hdr" -w '%{http_code}' --max-time 5 "$url" 2>/dev/null) || code=000
        if [[ $code =~ ^[23] ]] && { [[ $url != *":$PREVIEW_PORT/"* ]] || grep -qi "^x-hostwiz-instance: $inst" "$hdr"; }; then
            break
        fi
        if ! sup_alive "$inst"; then
            rm -f "$hdr"; fail_with_app_log start "the app exited before answering on port $port" "$inst" "$id" "$restore"
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            rm -f "$hdr"
            fail_with_app_log health "no healthy answer to GET $path within ${HEALTH_TIMEOUT}s (last: HTTP $code)" \
                "$inst" "$id" "$restore"
        fi
        sleep 0.1
    done
    rm -f "$hdr"
}

activate() {  # id restore_status: start beside the live one, health-gated switch
    local id=$1 restore=${2:-failed} port inst old health
    [ -d "$REL/$id" ] || die usage "no release $id"
    port=$(free_port) || die start "no free local port in $PORT_BASE-$((PORT_BASE + 19))"
    inst="$id-$port"
    old=$(live_inst)
    stage start "release $id on 127.0.0.1:$port"
    ( umask 077
      { echo "PORT=$port"; echo "HOSTWIZ_RELEASE=$REL/$id"; echo "HOSTWIZ_INSTANCE=$inst"
        cat "$(meta "$id")/env" 2>/dev/null || true; } > "$RUN/$inst.env" )
    set_status "$id" starting
    if [ "$(runtime_of "$id")" = php ]; then  # one FastCGI pool per running instance, readable by the app user
        { printf '[global]\nerror_log = /proc/self/fd/2\ndaemonize = no\n[app]\n'
          printf 'listen = 127.0.0.1:%s\npm = dynamic\npm.max_children = 10\npm.start_servers = 2\n' "$port"
          printf 'pm.min_spare_servers = 1\npm.max_spare_servers = 3\nclear_env = no\ncatch_workers_output = yes\n'
          if [ "$(sup_mode)" = setsid ] && [ "$(id -u)" = 0 ]; then printf 'user = root\n'; fi
        } > "$(meta "$id")/php-fpm-$port.conf"
    fi
    [ "$(runtime_of "$id")" = static ] || sup_start "$inst"
    nginx_conf "$id" "$port" "$inst" > "$NGX/preview.conf.tmp" && mv "$NGX/preview.conf.tmp" "$NGX/preview.conf"
    health=$(health_of "$id")
    case $(runtime_of "$id") in
        static)  # no process: the document root must hold what the health path asks for
            stage health "$health in $(docroot "$id")"
            local want; want=$(docroot "$id")${health%%\?*}
            [ -f "$want" ] || [ -f "$want/index.html" ] \
                || fail_with_app_log health "no file for $health in the release (index.html missing?)" "$inst" "$id" "$restore"
            ;;
        php)  # FastCGI: asked through nginx's loopback preview server, as it will be served
            nginx_reload > /dev/null || fail_with_app_log start "nginx refused the preview configuration" "$inst" "$id" "$restore"
            wait_healthy "$id" "$inst" "$port" "http://127.0.0.1:$PREVIEW_PORT" "$health" "$restore" ;;
        *) wait_healthy "$id" "$inst" "$port" "http://127.0.0.1:$port" "$health" "$restore" ;;
    esac
    stage switch "nginx to release $id"
    cp "$NGX/live.conf" "$NGX/live.conf.previous" 2>/dev/null || true
    cp "$NGX/preview.conf" "$NGX/live.conf"
    if ! nginx_reload; then
        cp "$NGX/live.conf.previous" "$NGX/live.conf" 2>/dev/null || true
        "${NGINX[@]}" -s reload 2>/dev/null || true
        fail_with_app_log switch "nginx did not reload" "$inst" "$id" "$restore"
    fi
    ln -sfn "releases/$id" "$ROOT/current.tmp" && mv -T "$ROOT/current.tmp" "$ROOT/current"
    echo "$inst" > "$RUN/live.tmp" && mv "$RUN/live.tmp" "$RUN/live"
    set_status "$id" live
    if [ -n "$old" ]; then
        stage stop "previous instance $old"
        [ "$(runtime_of "${old%-*}")" = static ] || sup_stop "$old"
        rm -f "$RUN/$old.env"
        [ "${old%-*}" = "$id" ] || set_status "${old%-*}" stopped
    elif [ "$(sup_mode)" = systemd ] && systemctl is-active --quiet hostwiz-app.service; then
        systemctl disable --now hostwiz-app.service >/dev/null 2>&1 || true  # bootstrap's placeholder
    fi
    stage "done" "release $id serving"
}

prune() {
    local cur keep=() id n=0
    cur=$(readlink "$ROOT/current" 2>/dev/null || true); cur=${cur##*/}
    local d ids=()
    for d in "$REL"/*/; do [ -d "$d" ] && [ "${d%.incoming/}" = "$d" ] && ids+=("$(basename "$d")"); done
    mapfile -t ids < <(printf '%s\n' "${ids[@]}" | sort -r)
    for id in "${ids[@]}"; do
        [ -n "$id" ] || continue
        if [ "$id" = "$cur" ] || [ "$n" -lt "$KEEP" ]; then keep+=("$id"); n=$((n + 1)); continue; fi
        stage prune "release $id"
        if [ "$(runtime_of "$id")" = docker ] || [ "$(runtime_of "$id")" = image ]; then
            docker rmi "hostwiz-app:$id" >/dev/null 2>&1 || true
        fi
        rm -rf "${REL:?}/$id"
    done
}

state() {  # "@@current ID" (empty when none), "@@manifest BASE64" (its manifest.json.gz)
    local cur; cur=$(readlink "$ROOT/current" 2>/dev/null || true)
    echo "@@current ${cur##*/}"
    if [ -n "$cur" ] && [ -f "$ROOT/$cur/.hostwiz/manifest.json.gz" ]; then
        echo "@@manifest $(base64 -w0 < "$ROOT/$cur/.hostwiz/manifest.json.gz")"
    fi
}

init() {
    mkdir -p "$REL" "$RUN" "$NGX" "$ROOT/bin"
    chmod 0700 "$RUN"
    [ -f "$NGX/live.conf" ] || printf '%s\n' 'location / { return 503 "no release deployed yet"; }' > "$NGX/live.conf"
    [ -f "$NGX/preview.conf" ] || cp "$NGX/live.conf" "$NGX/preview.conf"
    install_units
}

# The upload arrives in releases/<id>.incoming. With a previous release, the new one starts as a
# hard-linked copy of it (cp -al: one process, not one per file), is cut down to exactly the
# unchanged files listed in link.gz, and the upload is linked in beside them.
receive() {
    local id=$1 new=$REL/$1 in=$REL/$1.incoming prev e out
    mkdir -p "$in"
    if ! out=$(tar -x --no-same-owner -f - -C "$in" 2>&1); then
        rm -rf "$in"
        die upload "the upload did not arrive whole: $out"
    fi
    [ -f "$in/.hostwiz/release.json" ] || { rm -rf "$in"; die usage "release $id came without its metadata"; }
    if [ ! -f "$in/.hostwiz/link-from" ]; then
        mv "$in" "$new"
        return 0
    fi
    prev=$(cat "$in/.hostwiz/link-from"); valid_id "$prev"
    stage link "unchanged files from $prev"
    mkdir -p "$new"
    if ! out=$(
        set -e
        entries=()
        for e in "$REL/$prev"/* "$REL/$prev"/.[!.]* "$REL/$prev"/..?*; do
            [ -e "$e" ] || [ -L "$e" ] || continue
            case ${e##*/} in .hostwiz|.venv|node_modules) continue ;; esac
            entries+=("$e")
        done
        [ "${#entries[@]}" = 0 ] || cp -al "${entries[@]}" "$new/"
        gzip -dc "$in/.hostwiz/link.gz" | tr '\0' '\n' > "$in/.hostwiz/link.list"
        cd "$new"
        find . \( -type f -o -type l \) -printf '%P\0' | { grep -zvxFf "$in/.hostwiz/link.list" || true; } \
            | xargs -0 -r rm -f --
        find . -mindepth 1 -depth -type d -empty -delete
        cp -al "$in/." "$new/"
    ); then
        rm -rf "$new" "$in"
        die link "could not link the unchanged files of $prev: $out"
    fi
    rm -rf "$in"
}

# The operator's settings (KEY=VALUE lines on stdin) replace $SETTINGS_ENV whole, 0600; the values
# never reach a command line, a log or this script's output.
settings() {
    mkdir -p "$(dirname "$SETTINGS_ENV")"
    ( umask 077
      { grep -E '^[A-Za-z_][A-Za-z0-9_]*=' || true; } > "$SETTINGS_ENV.tmp" )
    chmod 0600 "$SETTINGS_ENV.tmp" && mv "$SETTINGS_ENV.tmp" "$SETTINGS_ENV"
    echo "@@settings $(grep -c . "$SETTINGS_ENV" || true)"
}

# nginx's site for releases (stdin) replaces the bootstrap's proxy site once, on the first deploy
# ($HOSTWIZ_NGINX_SITE, else the bootstrap's file for this OS); a certificate certbot installed for
# the old site is installed again for the new one. Until the first release serves, the new site
# answers 503 "no release deployed yet" (the deploy that installs it switches seconds later).
site() {
    local f old=${HOSTWIZ_NGINX_SITE:-} names
    if [ -z "$old" ]; then
        for f in /etc/nginx/sites-available/hostwiz /etc/nginx/conf.d/hostwiz.conf; do [ -f "$f" ] && old=$f; done
        if [ -z "$old" ]; then
            if [ -d /etc/nginx/sites-available ]; then old=/etc/nginx/sites-available/hostwiz; else old=/etc/nginx/conf.d/hostwiz.conf; fi
        fi
    fi
    if grep -qF "$NGX/live.conf" "$old" 2>/dev/null; then cat > /dev/null; echo "@@site kept $old"; return 0; fi
    init
    [ ! -f "$old" ] || cp "$old" "$old.hostwiz-bootstrap"
    cat > "$old.tmp" && mv "$old.tmp" "$old"
    case $old in /etc/nginx/sites-available/*) ln -sf "$old" "/etc/nginx/sites-enabled/${old##*/}" ;; esac
    if ! out=$("${NGINX[@]}" -t -q 2>&1); then
        if [ -f "$old.hostwiz-bootstrap" ]; then mv "$old.hostwiz-bootstrap" "$old"; fi
        die site "nginx refused the release site, so the bootstrap's site is back: $out"
    fi
    if grep -q "managed by Certbot" "$old.hostwiz-bootstrap" 2>/dev/null && command -v certbot >/dev/null; then
        names=$(awk '/server_name/ {for (i = 2; i <= NF; i++) print $i}' "$old" | tr -d ';' | grep -v '^_$' | sort -u)
        certbot install --nginx --non-interactive --redirect --cert-name "$(echo "$names" | head -n 1)" \
            || echo "certbot could not reinstall the certificate: run 'sudo certbot --nginx' on the instance"
    fi
    nginx_reload > /dev/null || die site "nginx did not reload with the release site"
    echo "@@site installed $old"
}

lock() {
    exec 9>"$ROOT/.lock"
    flock -n 9 || die busy "another deploy, rollback or restart of this app is running on the instance"
}

cmd=${1:-}
shift || true
case $cmd in
    init) init ;;
    settings) settings ;;
    site) site ;;
    state) state ;;
    deploy)
        valid_id "$1"; init; lock
        [ ! -e "$REL/$1" ] || die usage "release $1 exists already"
        rm -rf "${REL:?}"/*.incoming  # what an interrupted upload left
        state
        echo "@@ready"
        receive "$1"
        exec </dev/null
        set_status "$1" building
        stage build "$(runtime_of "$1")"
        if ! build "$1"; then
            set_status "$1" failed
            echo "@@fail build the $(runtime_of "$1") build failed"
            tail -n 40 "$(meta "$1")/build.log"
            exit 1
        fi
        activate "$1" failed
        prune
        ;;
    activate)  # rollback or restart: no build
        valid_id "$1"; init; lock
        prev=$(cat "$(meta "$1")/status" 2>/dev/null || echo stopped)
        activate "$1" "$prev"
        ;;
    list)  # "@current ID", then one line per release: id, status, release.json
        cur=$(readlink "$ROOT/current" 2>/dev/null || true)
        echo "@current ${cur##*/}"
        for d in "$REL"/*/; do
            [ -d "$d" ] || continue
            id=$(basename "$d")
            [ "${id%.incoming}" = "$id" ] || continue
            printf '%s\t%s\t%s\n' "$id" "$(cat "$d.hostwiz/status" 2>/dev/null || echo unknown)" \
                "$(tr -d '\n' < "$d.hostwiz/release.json" 2>/dev/null || echo '{}')"
        done
        ;;
    logs)
        valid_id "$1"
        tail -n 40 "$(meta "$1")/build.log" 2>/dev/null || true
        inst=$(live_inst)
        if [ "${inst%-*}" = "$1" ]; then sup_logs "$inst"; fi
        ;;
    run)  # under the supervisor: the app in the foreground, its environment already loaded
        inst=$1; id=${inst%-*}; cd "$REL/$id"
        : "${PORT:?PORT comes from the instance environment file}"
        start=$(cat "$(meta "$id")/start" 2>/dev/null || true)
        case $(runtime_of "$id") in
            python) export PATH="$REL/$id/.venv/bin:$PATH" VIRTUAL_ENV="$REL/$id/.venv"; exec bash -c "$start" ;;
            nodejs) export PATH="$REL/$id/node_modules/.bin:$PATH" NODE_ENV=production; exec bash -c "$start" ;;
            ruby) exec bash -c "$start" ;;
            php)
                fpm=$(command -v php-fpm || true)
                for f in /usr/sbin/php-fpm*; do [ -n "$fpm" ] || [ ! -x "$f" ] || fpm=$f; done
                [ -n "$fpm" ] || { echo "php-fpm is not installed"; exit 1; }
                if [ "$(id -u)" = 0 ]; then
                    exec "$fpm" -F -R -y "$(meta "$id")/php-fpm-$PORT.conf"
                fi
                exec "$fpm" -F -y "$(meta "$id")/php-fpm-$PORT.conf" ;;
            docker|image)
                argv=(docker run --rm --name "hostwiz-$inst")
                for f in "$SHARED_ENV" "$SETTINGS_ENV"; do [ ! -r "$f" ] || argv+=(--env-file "$f"); done
                argv+=(--env-file "$RUN/$inst.env" -e "PORT=$PORT" -p "127.0.0.1:$PORT:$PORT" "hostwiz-app:$id")
                [ -z "$start" ] || argv+=(sh -c "$start")
                exec "${argv[@]}" ;;
            *) echo "nothing to run for $(runtime_of "$id")"; exit 1 ;;
        esac
        ;;
    *) die usage "unknown command: $cmd" ;;
esac
